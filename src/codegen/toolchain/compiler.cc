// Finding the system C++ compiler that turns generated kernels into a shared object.
// Part of codegen/toolchain/.
#include "codegen/toolchain/compiler.h"

#include <unistd.h>

#include <vector>

#include "codegen/toolchain/subprocess.h"

namespace stitch::toolchain {
namespace {

// g++ first: it is what the project itself is built and tested with. c++ is Debian's
// alternative (whatever the admin chose), clang++ the last resort.
constexpr const char* kCandidates[] = {"g++", "c++", "clang++"};
constexpr const char* kInstallHint = "install g++ (apt-get install g++) or pass --cxx PATH";

std::string default_search_path() {
  size_t n = confstr(_CS_PATH, nullptr, 0);
  if (n == 0) return "/usr/bin:/bin";
  std::string path(n, '\0');
  confstr(_CS_PATH, path.data(), n);
  path.resize(n - 1);  // confstr counts the terminating NUL
  return path;
}

bool is_executable_file(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// Resolves an explicit --cxx value: a path is used as given, a bare name is looked up.
Expected<std::string> resolve_explicit(const std::string& compiler, const std::string& path) {
  if (compiler.find('/') == std::string::npos) {
    std::string found = find_in_path(compiler, path);
    if (!found.empty()) return found;
    return error("C++ compiler '", compiler, "' not found in '", path, "': ", kInstallHint);
  }
  if (is_executable_file(compiler)) return compiler;
  return error("C++ compiler '", compiler, "' does not exist or is not executable: ", kInstallHint);
}

Expected<std::string> resolve_default(const std::string& path) {
  for (const char* name : kCandidates) {
    std::string found = find_in_path(name, path);
    if (!found.empty()) return found;
  }
  return error("no C++ compiler found (looked for g++, c++, clang++ in '", path,
               "'): ", kInstallHint);
}

}  // namespace

bool CompilerInfo::is_clang() const { return version.find("clang") != std::string::npos; }

std::string find_in_path(const std::string& name, const std::string& search_path) {
  size_t begin = 0;
  while (begin <= search_path.size()) {
    size_t end = search_path.find(':', begin);
    if (end == std::string::npos) end = search_path.size();
    std::string dir = search_path.substr(begin, end - begin);
    // An empty entry means the current directory in POSIX PATH; a compiler driver picked from
    // wherever the user happens to stand is a surprise we do not want, so skip it.
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (is_executable_file(candidate)) return candidate;
    }
    begin = end + 1;
  }
  return "";
}

Expected<std::string> query_compiler_version(const std::string& compiler_path) {
  std::string output;
  STITCH_ASSIGN_OR_RETURN(ExitStatus status, run_capture({compiler_path, "--version"}, &output));
  if (!status.success()) {
    return error("'", compiler_path, " --version' failed (", status.describe(),
                 "); is it a C++ compiler? ", kInstallHint);
  }
  std::string first_line = output.substr(0, output.find('\n'));
  if (first_line.empty()) return error("'", compiler_path, " --version' printed nothing");
  return first_line;
}

Expected<CompilerInfo> find_compiler(const CompilerSearch& search) {
  std::string path = search.search_path.empty() ? default_search_path() : search.search_path;
  Expected<std::string> resolved = search.explicit_compiler.empty()
                                       ? resolve_default(path)
                                       : resolve_explicit(search.explicit_compiler, path);
  if (!resolved) return resolved.status();
  CompilerInfo info;
  info.path = *resolved;
  STITCH_ASSIGN_OR_RETURN(info.version, query_compiler_version(info.path));
  return info;
}

}  // namespace stitch::toolchain
