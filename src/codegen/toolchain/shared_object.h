// SharedObject moved to runtime/ (loading kernels is the runtime's job); this alias keeps the
// toolchain's older callers (tests) compiling. Part of codegen/toolchain/; new code includes
// "runtime/shared_object.h".
#pragma once

#include "runtime/shared_object.h"

namespace stitch::toolchain {

using runtime::SharedObject;

}  // namespace stitch::toolchain
