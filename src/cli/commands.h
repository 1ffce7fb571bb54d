#pragma once
// Owns: the list of `s2s` subcommands. Each subcommand lives in its own src/cli/<name>_command.cpp
// and registers itself here; main.cpp only dispatches and turns exceptions into one error line
// and a non-zero exit (MPI_Abort when several ranks run, so no rank hangs).
#include <CLI/CLI.hpp>

#include <functional>

namespace s2s::cli {

// A registered subcommand: `setup` adds its options to `app` and returns the function that runs
// it after parsing (its return value is the process exit code).
using CommandRunner = std::function<int()>;
using CommandSetup = CommandRunner (*)(CLI::App& app);

struct CommandInfo {
  const char* name;
  const char* help;
  CommandSetup setup;
};

// Defined in the command files; main.cpp lists them.
CommandRunner setup_conformance(CLI::App& app);
CommandRunner setup_prepare(CLI::App& app);
CommandRunner setup_train(CLI::App& app);
CommandRunner setup_decode(CLI::App& app);
CommandRunner setup_eval(CLI::App& app);
CommandRunner setup_inspect(CLI::App& app);
CommandRunner setup_demo(CLI::App& app);
CommandRunner setup_score(CLI::App& app);
CommandRunner setup_export(CLI::App& app);
CommandRunner setup_average(CLI::App& app);

}  // namespace s2s::cli
