// Finding the system C++ compiler that turns generated kernels into a shared object.
// Part of codegen/toolchain/; the CLI decides where to look, this file only looks there.
#pragma once

#include <string>

#include "support/status.h"

namespace stitch::toolchain {

// A compiler we can run: its absolute path and the first line of `--version`, which is part of
// every cache key (a compiler upgrade must not reuse objects built by the old one).
struct CompilerInfo {
  std::string path;
  std::string version;
  bool is_clang() const;
};

// Where to look for a compiler. Libraries never read the environment: the CLI fills these from
// `--cxx` / $CXX and $PATH.
struct CompilerSearch {
  // A path ("/usr/bin/g++-12") or a bare name ("clang++", looked up in search_path). Empty: try
  // g++, c++, clang++ in search_path, in that order.
  std::string explicit_compiler;
  // A PATH-style list of directories. Empty: the system's default (confstr(_CS_PATH)).
  std::string search_path;
};

// Finds the compiler and asks its version. Errors say what was tried and how to fix it.
Expected<CompilerInfo> find_compiler(const CompilerSearch& search);

// The first executable file named `name` in a PATH-style list, or "" if there is none.
std::string find_in_path(const std::string& name, const std::string& search_path);

// Runs `compiler --version` and returns its first line.
Expected<std::string> query_compiler_version(const std::string& compiler_path);

}  // namespace stitch::toolchain
