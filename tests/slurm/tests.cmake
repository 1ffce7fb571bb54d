# Slurm launch check (label `slurm`; included by tests/CMakeLists.txt): tests/slurm/run.sh brings
# up a throwaway one-node Slurm (tests/slurm/slurm-local.sh) and runs the `s2s` binary under
# `srun -n 2`, `sbatch --wait launch/slurm.sbatch` and a USR1 -> checkpoint -> requeue -> resume
# cycle. Skipped (exit 77) where munged/slurmctld/slurmd are not installed or not root, as in CI.
# docs/testing.md, "Slurm".
if(TARGET s2s)
  add_test(NAME slurm_launch COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh $<TARGET_FILE:s2s>)
  set_tests_properties(slurm_launch PROPERTIES ENVIRONMENT "${S2S_TEST_ENV}" LABELS slurm
                       SKIP_RETURN_CODE 77 TIMEOUT 300 RUN_SERIAL TRUE)
endif()
