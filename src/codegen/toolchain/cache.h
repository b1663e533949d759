// The content-addressed cache of compiled kernel libraries, shared by every stitch process.
// Part of codegen/toolchain/; a hit skips the compiler entirely.
//
// Layout under the root:
//   <key>/kernels.so (+ the sources, objects and logs it was built from)   one complete entry
//   staging/<key>.XXXXXX/                     a build in progress, or one that failed (kept so
//                                             its sources can be inspected; safe to delete
//                                             when no stitch process is running)
// Invariant: an entry directory appears only by rename(2) of a finished staging directory, so
// an entry that exists is complete, and readers need no lock. Two processes that build the same
// key race harmlessly: the first rename wins, the loser deletes its copy and uses the winner's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/toolchain/compile_job.h"
#include "support/status.h"

namespace stitch::toolchain {

// The key of a build: a hash of everything that decides the bytes of the library — every
// unit's name and source, every flag, the compiler's path and version line — plus a format tag
// that changes when the cache layout does.
std::string cache_key(const std::vector<TranslationUnit>& units,
                      const std::vector<std::string>& flags, const std::string& compiler_path,
                      const std::string& compiler_version);

class Cache {
 public:
  explicit Cache(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string entry_dir(const std::string& key) const { return root_ + "/" + key; }
  std::string library_path(const std::string& key) const;

  // The library of a complete entry, or nothing on a miss.
  std::optional<std::string> lookup(const std::string& key) const;
  // A fresh, private directory to build `key` in (creates the root if needed).
  Expected<std::string> create_staging_dir(const std::string& key) const;
  // Turns a finished staging directory into the entry for `key` and returns the entry's library.
  // If another process published the key first, its entry is used and ours removed.
  Expected<std::string> publish(const std::string& key, const std::string& staging_dir) const;

  static constexpr const char* kLibraryName = "kernels.so";

 private:
  std::string root_;
};

}  // namespace stitch::toolchain
