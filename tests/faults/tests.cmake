# Kill-test harness (label `faults`; included by tests/CMakeLists.txt): `s2s train` SIGKILLed at
# random points, inside checkpoint writes included, resumed with --resume auto, the final
# checkpoint compared bitwise with a straight run (kill_resume.sh, checked by s2s_faults_check).
# The ctest entry is the short mode (< 60 s); S2S_FAULTS_RUNS/S2S_FAULTS_KILLS give the long one
# (docs/testing.md). TIMEOUT 300: the sanitizer suite runs it too, at a few times the speed cost.
if(TARGET s2s AND TARGET s2s_checkpoint)
  add_executable(s2s_faults_check ${CMAKE_CURRENT_LIST_DIR}/checkpoint_check.cpp)
  target_link_libraries(s2s_faults_check PRIVATE s2s_checkpoint)
  target_compile_options(s2s_faults_check PRIVATE ${S2S_WARNINGS})
  add_dependencies(s2s_faults_check s2s)  # building the checker builds what the harness runs
  add_test(NAME faults_kill_resume COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kill_resume.sh)
  set_tests_properties(faults_kill_resume PROPERTIES LABELS faults TIMEOUT 300
                       ENVIRONMENT "${S2S_TEST_ENV};S2S=$<TARGET_FILE:s2s>;S2S_FAULTS_CHECK=$<TARGET_FILE:s2s_faults_check>")
endif()
