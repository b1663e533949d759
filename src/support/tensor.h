// Tensor: a dtype, a static shape and owned, contiguous row-major storage.
// Part of support/; the value type that the reference interpreter, the frontend (weights) and
// the CLI (inputs, outputs) exchange.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "support/dtype.h"
#include "support/shape.h"

namespace stitch {

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled storage of the given type and shape (strings: empty strings).
  Tensor(DType dtype, Shape shape);

  // A 0-d or 1-d tensor from values, for tests and constants.
  template <typename T>
  static Tensor scalar(T value) {
    Tensor t(kDTypeOf<T>, {});
    t.data<T>()[0] = value;
    return t;
  }
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, Shape shape) {
    Tensor t(kDTypeOf<T>, std::move(shape));
    STITCH_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "from_vector size mismatch");
    for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = values[i];
    return t;
  }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_[i]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  bool defined() const { return dtype_ != DType::kUndefined; }

  // Typed access; checks that T matches the dtype.
  template <typename T>
  T* data() {
    STITCH_CHECK(kDTypeOf<T> == dtype_, "tensor is ", dtype_name(dtype_), ", accessed as ",
                 dtype_name(kDTypeOf<T>));
    return reinterpret_cast<T*>(bytes_.get());
  }
  template <typename T>
  const T* data() const {
    return const_cast<Tensor*>(this)->data<T>();
  }
  void* raw_data() { return bytes_.get(); }
  const void* raw_data() const { return bytes_.get(); }
  std::vector<std::string>& strings() { return strings_; }
  const std::vector<std::string>& strings() const { return strings_; }

  // Same data, new shape with the same element count.
  Status reshape(Shape shape);
  // A deep copy (Tensor is move-only so that copies of weights are always explicit).
  Tensor clone() const;
  // Element i converted to double / int64 (any numeric dtype); for shape-like inputs and tests.
  double as_double(int64_t i) const;
  int64_t as_int64(int64_t i) const;
  // All elements as int64 (shape, axes, pads inputs).
  std::vector<int64_t> to_int64_vector() const;
  // "float32[1, 3, 224, 224]"
  std::string type_string() const;

  Tensor(Tensor&&) = default;
  Tensor& operator=(Tensor&&) = default;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::unique_ptr<uint8_t[], FreeDeleter> bytes_;  // 64-byte aligned
  std::vector<std::string> strings_;
};

}  // namespace stitch
