// Running one external program (the C++ compiler) and waiting for it, without a shell.
// Part of codegen/toolchain/; compiler discovery and compile jobs sit on top of it.
#pragma once

#include <string>
#include <vector>

#include "support/status.h"

namespace stitch::toolchain {

// How a child process ended.
struct ExitStatus {
  int exit_code = -1;  // valid when signal == 0
  int signal = 0;      // the signal that killed it, or 0
  bool success() const { return signal == 0 && exit_code == 0; }
  // "exit code 1" or "killed by signal 9 (Killed)", for error messages.
  std::string describe() const;
};

// Runs argv (argv[0] is an absolute path; no PATH lookup, no shell, so no quoting problems)
// with stdin from /dev/null and stdout and stderr both written to `log_path`, and waits.
// Safe to call from several threads at once: each call waits for its own child only.
// Errors are failures to start the program; a program that fails is a successful ExitStatus.
Expected<ExitStatus> run_to_file(const std::vector<std::string>& argv, const std::string& log_path);

// Like run_to_file, but returns stdout and stderr in `output`. Meant for short outputs
// (`--version`): the child's output goes through a pipe that is read until it closes.
Expected<ExitStatus> run_capture(const std::vector<std::string>& argv, std::string* output);

// argv joined with spaces, for messages and logs (not for a shell).
std::string join_command(const std::vector<std::string>& argv);

}  // namespace stitch::toolchain
