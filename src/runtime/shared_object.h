// An open shared object (dlopen) that closes itself, and symbol lookup with errors that say
// which symbol and which library. Part of runtime/: loads the kernels library of an artifact (and
// what the toolchain just built).
#pragma once

#include <string>

#include "support/status.h"

namespace stitch::runtime {

class SharedObject {
 public:
  // Loads `path` with every symbol bound now (RTLD_NOW), so a kernel that references something
  // missing fails here, with the loader's message, rather than crashing at its first call; and
  // privately (RTLD_LOCAL), so two libraries that both define kernel "add" do not collide.
  static Expected<SharedObject> open(const std::string& path);

  SharedObject(SharedObject&& other) noexcept;
  SharedObject& operator=(SharedObject&& other) noexcept;
  SharedObject(const SharedObject&) = delete;
  SharedObject& operator=(const SharedObject&) = delete;
  ~SharedObject();

  // The address of `name`; an error naming the symbol and the library if it is not there.
  Expected<void*> symbol(const std::string& name) const;

  // The address of `name` as a function pointer, e.g. function<void(const float*, long)>("f").
  // The signature is the caller's promise: nothing in a .so records it.
  template <typename Signature>
  Expected<Signature*> function(const std::string& name) const {
    Expected<void*> address = symbol(name);
    if (!address) return address.status();
    return reinterpret_cast<Signature*>(*address);
  }

  const std::string& path() const { return path_; }

 private:
  SharedObject(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  void close();

  void* handle_ = nullptr;
  std::string path_;
};

}  // namespace stitch::runtime
