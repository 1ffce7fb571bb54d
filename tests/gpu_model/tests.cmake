# GPU model tests: tests/gpu_model/*.cpp -> s2s_test_gpu_model (ctest label `gpu`): a short translate
# training run on CPU and CUDA, and the conformance fixtures on CUDA. Unlike s2s_test_gpu it links
# the model stack (s2s_train, s2s_conformance, hence MPI and HDF5), so it is a separate binary;
# tools/gpu/bundle.sh ships it with its libraries. Device tests skip without a CUDA device (the
# CudaTest fixture of tests/gpu/harness.cpp).
file(GLOB _gpu_model_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
if(_gpu_model_srcs AND TARGET s2s_train AND TARGET s2s_conformance)
  add_executable(s2s_test_gpu_model ${_gpu_model_srcs} ${CMAKE_CURRENT_LIST_DIR}/../gpu/harness.cpp)
  target_include_directories(s2s_test_gpu_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
  target_link_libraries(s2s_test_gpu_model PRIVATE s2s_train s2s_decode s2s_conformance GTest::gtest_main)
  target_compile_options(s2s_test_gpu_model PRIVATE ${S2S_WARNINGS})
  gtest_discover_tests(s2s_test_gpu_model DISCOVERY_TIMEOUT 60)
  s2s_discovered_test_properties(s2s_test_gpu_model "gpu")
endif()
