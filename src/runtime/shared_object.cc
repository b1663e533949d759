// An open shared object (dlopen) that closes itself, and symbol lookup with errors that say
// which symbol and which library. Part of runtime/.
#include "runtime/shared_object.h"

#include <dlfcn.h>

namespace stitch::runtime {
namespace {

// dlerror() returns the last error once and then NULL; read it immediately after the call.
std::string last_dl_error() {
  const char* message = dlerror();
  return message != nullptr ? message : "unknown dynamic loader error";
}

}  // namespace

Expected<SharedObject> SharedObject::open(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return error("cannot load shared object '", path, "': ", last_dl_error());
  }
  return SharedObject(handle, path);
}

SharedObject::SharedObject(SharedObject&& other) noexcept
    : handle_(other.handle_), path_(std::move(other.path_)) {
  other.handle_ = nullptr;
}

SharedObject& SharedObject::operator=(SharedObject&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = other.handle_;
    path_ = std::move(other.path_);
    other.handle_ = nullptr;
  }
  return *this;
}

SharedObject::~SharedObject() { close(); }

void SharedObject::close() {
  if (handle_ != nullptr) dlclose(handle_);
  handle_ = nullptr;
}

Expected<void*> SharedObject::symbol(const std::string& name) const {
  if (handle_ == nullptr) return error("symbol '", name, "' looked up in a closed shared object");
  dlerror();  // clear a stale error: a symbol may legitimately have the address NULL
  void* address = dlsym(handle_, name.c_str());
  if (address == nullptr) {
    const char* message = dlerror();
    if (message != nullptr) {
      return error("symbol '", name, "' not found in shared object '", path_, "' (", message,
                   "); is the kernel declared extern \"C\"?");
    }
  }
  return address;
}

}  // namespace stitch::runtime
