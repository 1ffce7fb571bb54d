# dist/ MPI suites (label `mpi`; included by tests/CMakeLists.txt):
#  - s2s_test_dist_mpi: gtest with its own main (mpi_test_main.cpp), run under mpirun with 1, 2
#    and 4 ranks (oversubscribed on small machines) and once as a singleton (no launcher);
#  - s2s_dist_hang_probe: one rank stalls or dies before an all-reduce; the job must end within
#    the deadline with the documented exit code and a message naming the rank;
#  - s2s_test_dist_nccl_gpu (CUDA builds): the NCCL reducer on one GPU, MPI-free (label `gpu`).
set(_dmpi ${CMAKE_CURRENT_LIST_DIR})
file(GLOB _dmpi_srcs CONFIGURE_DEPENDS ${_dmpi}/test_*.cpp)
add_executable(s2s_test_dist_mpi ${_dmpi}/mpi_test_main.cpp ${_dmpi_srcs})
target_link_libraries(s2s_test_dist_mpi PRIVATE s2s_dist s2s_autograd GTest::gtest)
target_compile_options(s2s_test_dist_mpi PRIVATE ${S2S_WARNINGS})
foreach(_np 1 2 3 4)
  add_test(NAME dist_mpi_np${_np}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${_np} ${MPIEXEC_PREFLAGS}
                   $<TARGET_FILE:s2s_test_dist_mpi> ${MPIEXEC_POSTFLAGS})
  set_tests_properties(dist_mpi_np${_np} PROPERTIES ENVIRONMENT "${S2S_TEST_ENV}"
                       PROCESSORS ${_np} LABELS "mpi;dist" TIMEOUT 120)
endforeach()
add_test(NAME dist_mpi_singleton COMMAND $<TARGET_FILE:s2s_test_dist_mpi>)
set_tests_properties(dist_mpi_singleton PROPERTIES ENVIRONMENT "${S2S_TEST_ENV}"
                     LABELS "mpi;dist" TIMEOUT 120)

add_executable(s2s_dist_hang_probe ${_dmpi}/hang_probe.cpp)
target_link_libraries(s2s_dist_hang_probe PRIVATE s2s_dist)
target_compile_options(s2s_dist_hang_probe PRIVATE ${S2S_WARNINGS})
set(_dmpi_run "${MPIEXEC_EXECUTABLE}|${MPIEXEC_NUMPROC_FLAG}")
# name | ranks | mode | victim | expected exit | output regex
set(_dmpi_cases
    "stall_np2|2|sleep|1|75|missing rank\\(s\\): 1 "
    "stall_np4|4|sleep|2|75|missing rank\\(s\\): 2 "
    "kill_np2|2|kill|1|nonzero|rank 1 .*signal 9")
foreach(_case ${_dmpi_cases})
  string(REPLACE "|" ";" _f "${_case}")
  list(GET _f 0 _name)
  list(GET _f 1 _np)
  list(GET _f 2 _mode)
  list(GET _f 3 _victim)
  list(GET _f 4 _exit)
  list(GET _f 5 _regex)
  add_test(NAME dist_hang_${_name}
           COMMAND ${CMAKE_COMMAND}
                   "-DCOMMAND=${_dmpi_run}|${_np}|$<TARGET_FILE:s2s_dist_hang_probe>|${_mode}|${_victim}"
                   -DEXPECT_EXIT=${_exit} "-DEXPECT_OUTPUT=${_regex}" -DMAX_SECONDS=20
                   -P ${_dmpi}/expect_failure.cmake)
  set_tests_properties(dist_hang_${_name} PROPERTIES
                       ENVIRONMENT "${S2S_TEST_ENV};S2S_DIST_TIMEOUT_S=3"
                       PROCESSORS ${_np} LABELS "mpi;dist" TIMEOUT 90)
endforeach()
add_test(NAME dist_hang_probe_healthy_np2
         COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 $<TARGET_FILE:s2s_dist_hang_probe> none 1)
set_tests_properties(dist_hang_probe_healthy_np2 PROPERTIES
                     ENVIRONMENT "${S2S_TEST_ENV};S2S_DIST_TIMEOUT_S=3" PROCESSORS 2
                     LABELS "mpi;dist" TIMEOUT 60 PASS_REGULAR_EXPRESSION "all-reduce complete on 2")

if(S2S_WITH_CUDA AND TARGET s2s_dist_nccl)
  add_executable(s2s_test_dist_nccl_gpu ${_dmpi}/gpu_nccl_reducer_test.cpp)
  target_link_libraries(s2s_test_dist_nccl_gpu PRIVATE s2s_dist_nccl GTest::gtest_main)
  gtest_discover_tests(s2s_test_dist_nccl_gpu DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS gpu)
endif()
