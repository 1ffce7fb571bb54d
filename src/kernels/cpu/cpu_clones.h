#pragma once
// Owns: S2S_CPU_CLONES, the attribute that compiles a CPU kernel once per x86-64 ISA level and
// picks the clone for the running CPU when the program loads (GCC function multiversioning,
// `target_clones`). Private to src/kernels/cpu/.
//
// Why: the project builds for the baseline ISA (x86-64: SSE2, 4 floats per vector) so one binary
// runs anywhere, but the elementwise kernels that fast_math.h vectorises spend most of a small
// model's CPU step (the attention's tanh was 27% of gru128's 40x50 step): on an AVX-512 machine
// the x86-64-v4 clone runs the same loop 16 floats wide.
// Same results on every clone: these files are compiled with -ffp-contract=off (CMakeLists.txt),
// so the v3/v4 clones, which have FMA, do not fuse a*b + c where the baseline rounds twice; each
// clone evaluates the same expressions in the same order, only more elements at a time.
// GCC only: clang (the fuzz build) does not multiversion function templates and gets the baseline.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(S2S_NO_CPU_CLONES)
#define S2S_CPU_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define S2S_CPU_CLONES
#endif
