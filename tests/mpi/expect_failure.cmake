# Runs a command that must FAIL in a specific way (the no-hang tests): exit code, output pattern
# and a wall-time bound. Usage:
#   cmake -DCOMMAND="prog|arg|arg" -DEXPECT_EXIT=75|nonzero -DEXPECT_OUTPUT=<regex>
#         -DMAX_SECONDS=<n> -P expect_failure.cmake
# ('|' separates the arguments because ';' does not survive add_test).
string(REPLACE "|" ";" _cmd "${COMMAND}")
string(TIMESTAMP _t0 "%s")
execute_process(COMMAND ${_cmd} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out
                TIMEOUT 120)
string(TIMESTAMP _t1 "%s")
math(EXPR _elapsed "${_t1} - ${_t0}")
message("---- output ----\n${_out}---- exit ${_rc} after ${_elapsed} s ----")
if(EXPECT_EXIT STREQUAL "nonzero")
  if(_rc EQUAL 0 OR NOT _rc MATCHES "^[0-9]+$")
    message(FATAL_ERROR "expected a non-zero exit code, got '${_rc}'")
  endif()
elseif(NOT _rc STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "expected exit code ${EXPECT_EXIT}, got '${_rc}'")
endif()
if(NOT _out MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "output does not match '${EXPECT_OUTPUT}'")
endif()
if(_elapsed GREATER MAX_SECONDS)
  message(FATAL_ERROR "took ${_elapsed} s, more than ${MAX_SECONDS} s")
endif()
message(STATUS "expected failure observed: exit ${_rc} in ${_elapsed} s")
