# The launch scripts as a user runs them (label `launch`; included by tests/CMakeLists.txt):
# tests/launch/run.sh says what is checked.
if(TARGET s2s)
  add_test(NAME launch_mpirun_script COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh)
  set_tests_properties(launch_mpirun_script PROPERTIES LABELS launch PROCESSORS 2 TIMEOUT 120
                       ENVIRONMENT "${S2S_TEST_ENV};S2S=$<TARGET_FILE:s2s>")
endif()
# The launch self-check on one host (also label mpi): tests/launch/self_check.sh.
if(TARGET s2s)
  add_test(NAME launch_self_check COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/self_check.sh)
  set_tests_properties(launch_self_check PROPERTIES LABELS "launch;mpi" PROCESSORS 2 TIMEOUT 180
                       ENVIRONMENT "${S2S_TEST_ENV};S2S=$<TARGET_FILE:s2s>;MPIEXEC=${MPIEXEC_EXECUTABLE}")
endif()
