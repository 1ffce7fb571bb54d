# End-to-end checks of the s2s binary (label `cli`).
if(TARGET s2s)
  add_test(NAME cli_demo_learns COMMAND s2s demo --steps 200)
  set_tests_properties(cli_demo_learns PROPERTIES LABELS cli ENVIRONMENT "${S2S_TEST_ENV}" TIMEOUT 120)
  add_test(NAME cli_unknown_subcommand_fails COMMAND s2s no-such-command)
  set_tests_properties(cli_unknown_subcommand_fails PROPERTIES LABELS cli WILL_FAIL TRUE)
endif()
