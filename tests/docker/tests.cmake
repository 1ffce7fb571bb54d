# The Dockerfile lint (label `docker`; included by tests/CMakeLists.txt): tests/docker/lint.sh.
# Skipped (exit 77) where hadolint is not installed.
add_test(NAME docker_hadolint COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/lint.sh)
set_tests_properties(docker_hadolint PROPERTIES LABELS docker SKIP_RETURN_CODE 77 TIMEOUT 60)
