# train/ benchmark (not a test): training-step throughput of the translate model, and its napkin
# floor. Run e.g. `OPENBLAS_NUM_THREADS=2 build/bench/s2s_bench_train --preset tiny,small`.
# weak_scaling.sh (CPU, 1 and 2 ranks of `s2s train`) needs the s2s binary of the same build.
add_executable(s2s_bench_train
  ${CMAKE_CURRENT_LIST_DIR}/bench_train.cpp
  ${CMAKE_CURRENT_LIST_DIR}/presets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synthetic_batch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm_floor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/step_clock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_step.cpp)
target_link_libraries(s2s_bench_train PRIVATE s2s_train CLI11::CLI11 fmt::fmt)
target_compile_options(s2s_bench_train PRIVATE ${S2S_WARNINGS})
