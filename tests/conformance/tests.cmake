# Conformance suite: `s2s conformance` checks every committed fixture in tests/fixtures/conformance
# (shared/spec/conformance.md; fixtures from the independent reference in tests/reference/).
# Label: conformance. Run: ctest --test-dir <build> -L conformance --output-on-failure
if(TARGET s2s AND EXISTS ${PROJECT_SOURCE_DIR}/tests/fixtures/conformance)
  add_test(NAME conformance.fixtures
           COMMAND s2s conformance ${PROJECT_SOURCE_DIR}/tests/fixtures/conformance)
  set_tests_properties(conformance.fixtures PROPERTIES LABELS "conformance" TIMEOUT 600
                       ENVIRONMENT "${S2S_TEST_ENV}")
endif()
