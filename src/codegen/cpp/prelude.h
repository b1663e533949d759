// The fixed text at the top of every generated translation unit: includes, the kernel ABI
// struct, and the inline helpers the emitted kernels call. Part of codegen/cpp/.
#pragma once

namespace stitch::codegen::cpp {

// Includes and the ABI declaration (outside any namespace, before the helpers).
extern const char* const kPreludeHead;
// Helpers: floor div/mod, min/max, float16/bfloat16 conversion, vector splat/ramp/load/store,
// scratch allocation. Emitted inside an anonymous namespace so every symbol stays local to the
// shared object; only the kernels are exported.
extern const char* const kPreludeHelpers;

}  // namespace stitch::codegen::cpp
