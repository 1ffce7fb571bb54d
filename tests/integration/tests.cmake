# Integration suite (label `integration`; included by tests/CMakeLists.txt): the training loop end
# to end in one process (run_training on a Local World) and through the `s2s` binary as a
# subprocess: exact resume, config errors, corrupt checkpoints, signals, the quickstart learning
# its task, and decode/eval/inspect smoke checks. docs/testing.md says what each test proves.
# One gtest binary; every test is its own ctest entry (gtest_discover_tests).
if(TARGET s2s AND TARGET s2s_train)
  set(_itest ${CMAKE_CURRENT_LIST_DIR})
  file(GLOB _itest_srcs CONFIGURE_DEPENDS ${_itest}/*.cpp)
  add_executable(s2s_test_integration ${_itest_srcs})
  target_include_directories(s2s_test_integration PRIVATE ${_itest})
  target_link_libraries(s2s_test_integration PRIVATE s2s_train s2s_data GTest::gtest_main)
  target_compile_options(s2s_test_integration PRIVATE ${S2S_WARNINGS})
  target_compile_definitions(s2s_test_integration PRIVATE S2S_BINARY="$<TARGET_FILE:s2s>"
                             S2S_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(s2s_test_integration s2s)  # the subprocess tests run the binary
  # Single-valued properties only (see tests/CMakeLists.txt); the subprocess helper sets
  # OPENBLAS_NUM_THREADS=1 for the children itself.
  # Suites whose SetUpTestSuite prepares data and trains a model once for all their tests run as
  # one ctest entry each (integration_<Suite>): discovered one by one, every test is its own
  # process and repeats the suite's set-up (Subword's 4 tests trained 4 models, ~55 s each under
  # the sanitizers). The gtest output still names every test and its result.
  set(_shared_fixture_suites SelfContained Commands BatchedDecodeCli BeamDecodeCli DecodeText Quickstart Subword)
  list(JOIN _shared_fixture_suites ".*:" _shared_filter)
  gtest_discover_tests(s2s_test_integration DISCOVERY_TIMEOUT 60 TEST_FILTER "-${_shared_filter}.*"
                       PROPERTIES LABELS integration ENVIRONMENT "OPENBLAS_NUM_THREADS=1" TIMEOUT 120)
  foreach(_suite IN LISTS _shared_fixture_suites)
    add_test(NAME integration_${_suite} COMMAND s2s_test_integration --gtest_filter=${_suite}.*)
    set_tests_properties(integration_${_suite} PROPERTIES LABELS integration ENVIRONMENT "OPENBLAS_NUM_THREADS=1"
                         TIMEOUT 900)
  endforeach()
endif()
