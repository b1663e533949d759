// Element types of tensors. Values match ONNX TensorProto.DataType so conversion is a cast,
// but nothing here depends on ONNX. Part of support/.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "support/half.h"
#include "support/status.h"

namespace stitch {

enum class DType : int {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
};

// Bytes per element; 0 for strings (stored out of line) and undefined.
size_t dtype_size(DType t);
// Lower-case name as NumPy spells it ("float32", "int64", "bool", "float16", "bfloat16").
const char* dtype_name(DType t);
// Parses the names dtype_name returns; kUndefined when unknown.
DType dtype_from_name(const std::string& name);
// True for the values of the enum above (used to validate numbers read from files).
bool dtype_is_valid(int code);
bool dtype_is_float(DType t);    // float16, bfloat16, float32, float64
bool dtype_is_integer(DType t);  // signed and unsigned integers, not bool
bool dtype_is_signed(DType t);

template <typename T>
struct DTypeOf;
#define STITCH_DTYPE_OF(type, value)       \
  template <>                              \
  struct DTypeOf<type> {                   \
    static constexpr DType kValue = value; \
  };
STITCH_DTYPE_OF(float, DType::kFloat32)
STITCH_DTYPE_OF(double, DType::kFloat64)
STITCH_DTYPE_OF(Half, DType::kFloat16)
STITCH_DTYPE_OF(BFloat16, DType::kBFloat16)
STITCH_DTYPE_OF(int8_t, DType::kInt8)
STITCH_DTYPE_OF(uint8_t, DType::kUInt8)
STITCH_DTYPE_OF(int16_t, DType::kInt16)
STITCH_DTYPE_OF(uint16_t, DType::kUInt16)
STITCH_DTYPE_OF(int32_t, DType::kInt32)
STITCH_DTYPE_OF(uint32_t, DType::kUInt32)
STITCH_DTYPE_OF(int64_t, DType::kInt64)
STITCH_DTYPE_OF(uint64_t, DType::kUInt64)
STITCH_DTYPE_OF(bool, DType::kBool)
#undef STITCH_DTYPE_OF

template <typename T>
inline constexpr DType kDTypeOf = DTypeOf<T>::kValue;

// Calls f(T{}) with the C++ type of a numeric dtype (everything but strings). Returns f's
// Status, or an error naming the dtype when it is not numeric. Typical use:
//   return visit_numeric(t.dtype(), [&](auto tag) { using T = decltype(tag); ...; return Status();
//   });
template <typename F>
Status visit_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32:
      return f(float{});
    case DType::kFloat64:
      return f(double{});
    case DType::kFloat16:
      return f(Half{});
    case DType::kBFloat16:
      return f(BFloat16{});
    case DType::kInt8:
      return f(int8_t{});
    case DType::kUInt8:
      return f(uint8_t{});
    case DType::kInt16:
      return f(int16_t{});
    case DType::kUInt16:
      return f(uint16_t{});
    case DType::kInt32:
      return f(int32_t{});
    case DType::kUInt32:
      return f(uint32_t{});
    case DType::kInt64:
      return f(int64_t{});
    case DType::kUInt64:
      return f(uint64_t{});
    case DType::kBool:
      return f(bool{});
    default:
      return error("unsupported element type ", dtype_name(t));
  }
}

// Like visit_numeric, for float16, bfloat16, float32 and float64 only.
template <typename F>
Status visit_float(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32:
      return f(float{});
    case DType::kFloat64:
      return f(double{});
    case DType::kFloat16:
      return f(Half{});
    case DType::kBFloat16:
      return f(BFloat16{});
    default:
      return error("element type ", dtype_name(t), " is not a floating-point type here");
  }
}

// Like visit_numeric, for the integer types (not bool).
template <typename F>
Status visit_integer(DType t, F&& f) {
  switch (t) {
    case DType::kInt8:
      return f(int8_t{});
    case DType::kUInt8:
      return f(uint8_t{});
    case DType::kInt16:
      return f(int16_t{});
    case DType::kUInt16:
      return f(uint16_t{});
    case DType::kInt32:
      return f(int32_t{});
    case DType::kUInt32:
      return f(uint32_t{});
    case DType::kInt64:
      return f(int64_t{});
    case DType::kUInt64:
      return f(uint64_t{});
    default:
      return error("element type ", dtype_name(t), " is not an integer type here");
  }
}

// The type arithmetic on T is done in: float for the 16-bit floats, T otherwise.
template <typename T>
using ComputeType =
    std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

}  // namespace stitch
