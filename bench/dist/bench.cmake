# dist/ benchmark (not a test): reducer bus bandwidth and overlap. Run under mpirun, e.g.
#   OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
#   mpirun -np 2 build/bench/s2s_bench_dist
add_executable(s2s_bench_dist ${CMAKE_CURRENT_LIST_DIR}/bench_reducer.cpp)
target_link_libraries(s2s_bench_dist PRIVATE s2s_dist)
target_compile_options(s2s_bench_dist PRIVATE ${S2S_WARNINGS})
