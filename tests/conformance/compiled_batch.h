// Building the kernels of many conformance cases with few compiler runs: each case's emitted
// translation units, wrapped in a namespace of its own, are concatenated into a few large units
// linked into one shared object per batch. Part of tests/conformance/; conformance_main.cc
// collects the units (phase 1), builds them here (phase 2) and runs every case against its
// batch's library (phase 3).
#pragma once

#include <string>
#include <vector>

#include "codegen/toolchain/toolchain.h"
#include "support/status.h"

namespace stitch::conformance {

// What phase 1 captured of one case: the units its compile emitted (kernel names prefixed so
// that no two cases define the same symbol).
struct CaseUnits {
  std::string case_name;
  std::vector<toolchain::TranslationUnit> units;
};

// One translation unit holding every unit of `cases`. Each case's text goes into a namespace of
// its own (the prelude's helpers, in an anonymous namespace, and its ABI struct would clash
// otherwise); its #include lines are hoisted above all namespaces, where they belong.
std::string concatenate_units(const std::vector<const CaseUnits*>& cases);

// A batch is one shared object (and one cache entry: a change to one case recompiles its batch);
// its units compile in parallel. Fewer, larger units save the compiler's start-up and header
// parsing; 24 small cases take about a second to compile at -O3.
struct BatchOptions {
  int cases_per_unit = 24;
  int units_per_batch = 2;  // the toolchain's jobs
};

// The library each case's kernels are in, or the error building that case alone gave. A batch
// that fails to build is split in halves until the failing cases are alone; those are built
// from their own units, exactly as the compiled engine builds them, so their error is the one
// the engine would report.
std::vector<Expected<toolchain::BuildResult>> build_batches(const std::vector<CaseUnits>& cases,
                                                            toolchain::Toolchain& toolchain,
                                                            const BatchOptions& options);

// A byte string that carries units from a forked child to its parent, and back.
std::string serialize_units(const std::vector<toolchain::TranslationUnit>& units);
Expected<std::vector<toolchain::TranslationUnit>> parse_units(const std::string& bytes);

}  // namespace stitch::conformance
