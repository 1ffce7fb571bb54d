# Two hosts on one machine (label `multinode`; included by tests/CMakeLists.txt): network, UTS and
# mount namespaces joined by a veth pair, mpirun across them through an nsenter rsh agent.
# tests/multinode/run.sh says what each case proves; skipped (77) without root or namespaces.
if(TARGET s2s AND TARGET s2s_mpi_train_compare)
  set(_mn ${CMAKE_CURRENT_LIST_DIR})
  add_executable(s2s_multinode_probe ${_mn}/world_probe.cpp)
  target_link_libraries(s2s_multinode_probe PRIVATE s2s_dist)
  target_compile_options(s2s_multinode_probe PRIVATE ${S2S_WARNINGS})
  set(_mn_env ${S2S_TEST_ENV} "S2S=$<TARGET_FILE:s2s>" "S2S_COMPARE=$<TARGET_FILE:s2s_mpi_train_compare>"
              "S2S_PROBE=$<TARGET_FILE:s2s_multinode_probe>" "MPIEXEC=${MPIEXEC_EXECUTABLE}")
  foreach(_case layout equiv kill unshared)
    add_test(NAME multinode_${_case} COMMAND bash ${_mn}/run.sh ${_case})
    # RUN_SERIAL: 4 ranks and two daemons on a small machine (the namespaces are private to a case).
    set_tests_properties(multinode_${_case} PROPERTIES ENVIRONMENT "${_mn_env}" LABELS "multinode;mpi"
                         SKIP_RETURN_CODE 77 TIMEOUT 180 RUN_SERIAL TRUE)
  endforeach()
endif()
