// Tensor storage and conversions. Part of support/.
#include "support/tensor.h"

#include <cstdlib>

namespace stitch {

void Tensor::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  STITCH_CHECK(shape_is_static(shape_), "tensor shape must be static: ", shape_to_string(shape_));
  numel_ = shape_numel(shape_);
  if (dtype_ == DType::kString) {
    strings_.assign(static_cast<size_t>(numel_), std::string());
    return;
  }
  size_t bytes = nbytes();
  size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;  // keep data() non-null for empty tensors
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, rounded));
  STITCH_CHECK(p != nullptr, "out of memory allocating ", rounded, " bytes");
  std::memset(p, 0, rounded);
  bytes_.reset(p);
}

Status Tensor::reshape(Shape shape) {
  if (!shape_is_static(shape) || shape_numel(shape) != numel_) {
    return error("cannot reshape ", type_string(), " to ", shape_to_string(shape));
  }
  shape_ = std::move(shape);
  return Status::ok();
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (dtype_ == DType::kString) {
    t.strings_ = strings_;
  } else if (nbytes() > 0) {
    std::memcpy(t.bytes_.get(), bytes_.get(), nbytes());
  }
  return t;
}

double Tensor::as_double(int64_t i) const {
  double v = 0;
  Status s = visit_numeric(dtype_, [&](auto tag) {
    using T = decltype(tag);
    v = static_cast<double>(static_cast<ComputeType<T>>(data<T>()[i]));
    return Status::ok();
  });
  STITCH_CHECK(s.is_ok(), s.message());
  return v;
}

int64_t Tensor::as_int64(int64_t i) const {
  int64_t v = 0;
  Status s = visit_numeric(dtype_, [&](auto tag) {
    using T = decltype(tag);
    v = static_cast<int64_t>(static_cast<ComputeType<T>>(data<T>()[i]));
    return Status::ok();
  });
  STITCH_CHECK(s.is_ok(), s.message());
  return v;
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> out(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) out[i] = as_int64(i);
  return out;
}

std::string Tensor::type_string() const {
  return std::string(dtype_name(dtype_)) + shape_to_string(shape_);
}

}  // namespace stitch
