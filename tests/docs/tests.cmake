# The README's runnable command blocks, run as printed against the built binary (label `docs`;
# included by tests/CMakeLists.txt): tests/docs/run.sh says what is and is not as printed.
if(TARGET s2s)
  add_test(NAME docs_readme COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh)
  set_tests_properties(docs_readme PROPERTIES LABELS docs PROCESSORS 2 TIMEOUT 180
                       ENVIRONMENT "${S2S_TEST_ENV};S2S=$<TARGET_FILE:s2s>")
endif()
