// Compiling generated translation units in parallel and linking them into one shared object.
// Part of codegen/toolchain/; the Toolchain runs one CompileJob per cache miss.
#pragma once

#include <string>
#include <vector>

#include "support/status.h"

namespace stitch::toolchain {

// One generated source file. `name` is the kernel (or kernel group) it holds; it names the files
// in the build directory, so it may use only letters, digits, '_', '-' and '.'.
struct TranslationUnit {
  std::string name;
  std::string source;
};

struct CompileJob {
  std::string compiler;                    // absolute path
  std::vector<std::string> compile_flags;  // for every unit; "-c" and the files are added
  std::vector<std::string> link_flags;     // for the link; the objects and "-o" are added
  std::string build_dir;                   // existing directory; sources, objects, logs go here
  std::string library_name = "kernels.so";
  int jobs = 1;  // compiler processes at once
};

// What a successful job leaves behind.
struct CompileOutput {
  std::string library_path;
  int units_compiled = 0;
};

// Writes every unit to build_dir/<name>.cc, compiles them into build_dir/<name>.o with at most
// job.jobs compilers at once (each compiler's output goes to build_dir/<name>.log), then links
// build_dir/<library_name> (linker output in <library_name>.link.txt). The sources stay for
// inspection either way. On failure the error names each failed kernel, its kept source and log,
// and the first lines of the compiler's errors.
Expected<CompileOutput> run_compile_job(const CompileJob& job,
                                        const std::vector<TranslationUnit>& units);

// Checks that there is at least one unit and that the names are distinct and safe file names.
Status validate_units(const std::vector<TranslationUnit>& units);

// Up to max_lines lines of a compiler log, starting at the first line that reports an error
// ("error:"; the "In function ..." preamble before it rarely helps), or at the top if none does.
std::string first_error_lines(const std::string& log, int max_lines);

}  // namespace stitch::toolchain
