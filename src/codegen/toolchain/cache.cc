// The content-addressed cache of compiled kernel libraries, shared by every stitch process.
// Part of codegen/toolchain/.
#include "codegen/toolchain/cache.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "codegen/toolchain/hash.h"

namespace stitch::toolchain {
namespace {

// Bump when the layout of an entry or the meaning of the key changes.
constexpr const char* kCacheFormat = "stitch-toolchain-cache-v1";

bool is_regular_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string cache_key(const std::vector<TranslationUnit>& units,
                      const std::vector<std::string>& flags, const std::string& compiler_path,
                      const std::string& compiler_version) {
  Hasher hasher;
  hasher.add(kCacheFormat).add(compiler_path).add(compiler_version);
  hasher.add(static_cast<uint64_t>(flags.size()));
  for (const std::string& flag : flags) hasher.add(flag);
  hasher.add(static_cast<uint64_t>(units.size()));
  for (const TranslationUnit& unit : units) hasher.add(unit.name).add(unit.source);
  return hasher.hex_digest();
}

std::string Cache::library_path(const std::string& key) const {
  return entry_dir(key) + "/" + kLibraryName;
}

std::optional<std::string> Cache::lookup(const std::string& key) const {
  std::string path = library_path(key);
  if (is_regular_file(path)) return path;
  return std::nullopt;
}

Expected<std::string> Cache::create_staging_dir(const std::string& key) const {
  std::error_code ec;
  std::string staging_root = root_ + "/staging";
  std::filesystem::create_directories(staging_root, ec);
  if (ec) return error("cannot create cache directory '", staging_root, "': ", ec.message());
  // mkdtemp: a name no other process or thread can be using, on the same file system as the
  // entries, which is what makes the final rename atomic.
  std::string dir = staging_root + "/" + key + ".XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    return error("cannot create a build directory in '", staging_root, "': ", std::strerror(errno));
  }
  return dir;
}

Expected<std::string> Cache::publish(const std::string& key, const std::string& staging_dir) const {
  std::string entry = entry_dir(key);
  if (std::rename(staging_dir.c_str(), entry.c_str()) == 0) return library_path(key);
  int rename_errno = errno;
  // rename(2) onto a non-empty directory fails with ENOTEMPTY (or EEXIST): someone else won.
  if ((rename_errno == ENOTEMPTY || rename_errno == EEXIST) && lookup(key)) {
    std::error_code ignored;
    std::filesystem::remove_all(staging_dir, ignored);
    return library_path(key);
  }
  return error("cannot move '", staging_dir, "' into the cache as '", entry,
               "': ", std::strerror(rename_errno));
}

}  // namespace stitch::toolchain
