# Data-parallel training end to end (label `mpi`, also `mpi_train`; included by
# tests/CMakeLists.txt): the `s2s` binary under mpirun with 1-4 ranks (oversubscribed on small
# machines) on a tiny dataset, driven by run_case.sh, checked by s2s_mpi_train_compare.
# docs/testing.md says what each case proves.
if(TARGET s2s AND TARGET s2s_train)
  set(_mtrain ${CMAKE_CURRENT_LIST_DIR})
  add_executable(s2s_mpi_train_compare ${_mtrain}/compare_checkpoints.cpp)
  target_link_libraries(s2s_mpi_train_compare PRIVATE s2s_train)
  target_compile_options(s2s_mpi_train_compare PRIVATE ${S2S_WARNINGS})
  add_dependencies(s2s_mpi_train_compare s2s)  # building the checker builds what the cases run

  set(_mtrain_env ${S2S_TEST_ENV} "S2S=$<TARGET_FILE:s2s>" "S2S_COMPARE=$<TARGET_FILE:s2s_mpi_train_compare>"
                  "MPIEXEC=${MPIEXEC_EXECUTABLE}")
  # name | ranks used at once | arguments of run_case.sh
  set(_mtrain_cases
      "equiv_np2_f64|2|equiv 2 3 float64"
      "equiv_np3_f64|3|equiv 3 2 float64"
      "equiv_np4_f64|4|equiv 4 2 float64"
      "equiv_np2_f32|2|equiv 2 4 float32"
      "equiv_np2_sampled_adam|2|equiv 2 3 float64 model.num_samples=5 optim.optimizer=adam optim.learning_rate=0.02"
      "resume_4to2|4|resume 4 2 2 4"
      "resume_2to3|3|resume 2 3 3 2"
      "resume_same_np2|2|resume_same 2 3"
      "term_one_rank_np2|2|term 2"
      "stop_mpirun_usr2_np2|2|stop_mpirun 2 USR2"
      "stop_mpirun_term_np2|2|stop_mpirun 2 TERM"
      "lock_np2|4|lock 2"
      "kill_rank_np2|2|kill 2"
      "hang_rank_np3|3|hang 3"
      "logs_np2|2|logs 2"
      "sparse_np2_sgd|2|sparse 2 3 sgd"
      "sparse_np3_adam|3|sparse 3 2 adam"
      "sparse_np2_momentum|2|sparse 2 3 momentum"
      "equiv_np3_sparse_momentum|3|equiv 3 2 float64 model.num_samples=5 optim.optimizer=momentum optim.learning_rate=0.05 dist.sparse_gradients=auto"
      "equiv_np4_sparse|4|equiv 4 2 float64 model.num_samples=5 dist.sparse_gradients=sparse"
      "resume_same_np2_sparse_momentum|2|resume_same 2 3 model.num_samples=5 optim.optimizer=momentum optim.learning_rate=0.05 dist.sparse_gradients=auto")
  foreach(_case ${_mtrain_cases})
    string(REPLACE "|" ";" _f "${_case}")
    list(GET _f 0 _name)
    list(GET _f 1 _np)
    list(GET _f 2 _args)
    separate_arguments(_args UNIX_COMMAND "${_args}")
    add_test(NAME mpi_train_${_name} COMMAND bash ${_mtrain}/run_case.sh ${_args})
    set_tests_properties(mpi_train_${_name} PROPERTIES ENVIRONMENT "${_mtrain_env}" PROCESSORS ${_np}
                         LABELS "mpi;mpi_train" TIMEOUT 120)
  endforeach()
endif()
