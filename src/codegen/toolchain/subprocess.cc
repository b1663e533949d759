// Running one external program (the C++ compiler) and waiting for it, without a shell.
// Part of codegen/toolchain/.
//
// posix_spawn rather than fork+exec: glibc implements it with vfork semantics, so spawning from
// a large compiler process does not copy its page tables, and it reports exec failures (ENOENT,
// EACCES) as a return value instead of a child that exits 127.
#include "codegen/toolchain/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;  // NOLINT: the compiler inherits our environment (TMPDIR, locale, ...)

namespace stitch::toolchain {
namespace {

// posix_spawn wants char* const*; the strings outlive the call.
std::vector<char*> make_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const std::string& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

Expected<ExitStatus> wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return error("waitpid failed: ", std::strerror(errno));
  }
  ExitStatus result;
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

// Starts argv with the given file actions; the caller waits for the returned pid.
Expected<pid_t> spawn(const std::vector<std::string>& argv, posix_spawn_file_actions_t* actions) {
  if (argv.empty()) return error("internal: empty command line");
  std::vector<char*> args = make_argv(argv);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], actions, nullptr, args.data(), environ);
  if (rc != 0) return error("cannot run '", argv[0], "': ", std::strerror(rc));
  return pid;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) return str_cat("killed by signal ", signal, " (", strsignal(signal), ")");
  return str_cat("exit code ", exit_code);
}

std::string join_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

Expected<ExitStatus> run_to_file(const std::vector<std::string>& argv,
                                 const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The files are opened in the child only, so no descriptor leaks into concurrent spawns.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  Expected<pid_t> pid = spawn(argv, &actions);
  posix_spawn_file_actions_destroy(&actions);
  if (!pid) return pid.status();
  return wait_for(*pid);
}

Expected<ExitStatus> run_capture(const std::vector<std::string>& argv, std::string* output) {
  int fds[2];
  // O_CLOEXEC: children spawned by other threads meanwhile must not hold our write end, or the
  // read below would wait for them too.
  if (pipe2(fds, O_CLOEXEC) != 0) return error("pipe failed: ", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  Expected<pid_t> pid = spawn(argv, &actions);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);  // ours; the child has its own copy as stdout and stderr
  if (!pid) {
    close(fds[0]);
    return pid.status();
  }
  output->clear();
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n > 0) output->append(buffer, static_cast<size_t>(n));
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  close(fds[0]);
  return wait_for(*pid);
}

}  // namespace stitch::toolchain
