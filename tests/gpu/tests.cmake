# Owns: the ctest properties of the GPU test binary s2s_test_gpu (defined in tests/CMakeLists.txt).
# Why: CMake 3.25's gtest_discover_tests writes each list element of PROPERTIES as a separate
# argument, so a multi-entry ENVIRONMENT shifts the following LABELS out of place and `ctest -L gpu`
# finds nothing. The properties are therefore set again, at ctest time, from an include file that
# runs after the discovered tests are added (the list of names is in s2s_test_gpu_TESTS).
if(TARGET s2s_test_gpu)
  set(_s2s_gpu_props ${CMAKE_CURRENT_BINARY_DIR}/s2s_test_gpu_properties.cmake)
  file(WRITE ${_s2s_gpu_props}
       "if(DEFINED s2s_test_gpu_TESTS)\n"
       "  set_tests_properties(\${s2s_test_gpu_TESTS} PROPERTIES LABELS gpu ENVIRONMENT \"${S2S_TEST_ENV}\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${_s2s_gpu_props})
endif()
