// The C++ emitter: kernel IR -> one self-contained C++17 translation unit per group of kernels,
// for the toolchain to compile into a shared object. Part of codegen/cpp/ (DESIGN 2, 3.6),
// between lower/ (which builds the kernels) and codegen/toolchain/ (which compiles the text).
//
// The text includes no stitch header: it pastes the ABI struct of include/stitch/kernel_abi.h
// and defines its helpers (floor div/mod, float16 conversion, vector load/store, scratch) in an
// anonymous namespace, so the source alone keys the compile cache. Each kernel becomes
//   extern "C" void stitch_kernel_<name>(void* const* buffers, const int64_t* scalars,
//                                        const stitch_parallel_api* parallel);
// Vectors use GCC/Clang vector extensions (no intrinsics yet; the target only names itself in
// the header comment). float16 and bfloat16 buffers hold 16-bit values; their values are
// computed as float and rounded to nearest even at stores and casts, like the reference
// interpreter. Casts follow the interpreter too: floats to integers truncate and saturate
// (NaN -> 0), a double rounds to 16 bits once. The same kernels always give the same text.
#pragma once

#include <string>
#include <vector>

#include "codegen/toolchain/target.h"
#include "kir/kir.h"
#include "support/status.h"

namespace stitch::codegen::cpp {

// The exported symbol of a kernel: "stitch_kernel_" + name.
std::string kernel_symbol(const kir::Kernel& kernel);

// The translation unit defining every kernel of `kernels`. Errors (a name that is not an
// identifier, two kernels of one name, an unknown math function, a float scalar parameter,
// vectors of a lane count GCC cannot express) name the kernel.
Expected<std::string> emit_translation_unit(const std::vector<kir::Kernel>& kernels,
                                            const toolchain::Target& target);

}  // namespace stitch::codegen::cpp
