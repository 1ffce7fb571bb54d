# The CMake package (label `package`; included by tests/CMakeLists.txt): install into a temporary
# prefix once, build tests/package/consumer with find_package(s2s) against it, run it
# (tests/package/run.sh says what is checked). Needs the whole build (the test installs every
# installable target), so it runs after `cmake --build build` without a target.
if(TARGET s2s AND TARGET s2s_train)
  set(_pkg_args -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER})
  if(S2S_WITH_CUDA)
    get_filename_component(_pkg_cuda_root "${CUDAToolkit_BIN_DIR}" DIRECTORY)
    list(APPEND _pkg_args -DCUDAToolkit_ROOT=${_pkg_cuda_root})
  endif()
  add_test(NAME package_find_package
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh ${PROJECT_BINARY_DIR} ${_pkg_args})
  set_tests_properties(package_find_package PROPERTIES LABELS package TIMEOUT 300
                       ENVIRONMENT "${S2S_TEST_ENV}")
endif()
