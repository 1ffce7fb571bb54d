# gemm/ benchmark: OpenBLAS against oneDNN on a training step's float32 products (the reason for
# S2S_CPU_SGEMM's default). Needs oneDNN and Google Benchmark.
if(benchmark_FOUND AND S2S_CPU_SGEMM STREQUAL "onednn")
  add_executable(s2s_bench_sgemm_libraries ${CMAKE_CURRENT_LIST_DIR}/sgemm_libraries.cpp)
  target_include_directories(s2s_bench_sgemm_libraries PRIVATE ${DNNL_INCLUDE_DIR} ${CBLAS_INCLUDE_DIR})
  target_link_libraries(s2s_bench_sgemm_libraries PRIVATE benchmark::benchmark BLAS::BLAS ${DNNL_LIBRARY})
  target_compile_options(s2s_bench_sgemm_libraries PRIVATE ${S2S_WARNINGS})
endif()
