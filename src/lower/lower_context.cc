// LowerContext and the index helpers templates share: reads through inlined producers, writes
// through epilogues, broadcasting and loop nests. Part of lower/.
#include "lower/lower_context.h"

#include <cmath>
#include <limits>
#include <utility>

namespace stitch::lower {

using kir::Expr;
using kir::Stmt;

namespace {

// A float16/bfloat16 value as its buffer would hold it. Such values are computed in float; the
// reference interpreter rounds every op's output to 16 bits, so a value that skips its buffer
// (inlined, or an anchor's result read by its epilogue) is rounded where it is read.
Expr as_stored(const graph::Value* v, const Expr& e) {
  const DType t = v->dtype();
  if (t != DType::kFloat16 && t != DType::kBFloat16) return e;
  if (e.as<kir::Load>() || e.as<kir::FloatImm>() || e.as<kir::Cast>()) return e;  // rounded
  return kir::cast(e->type, kir::cast(kir::Type{DType::kFloat32, e->type.lanes}, e));
}

}  // namespace

Expr LowerContext::read(const graph::Value* v, const Index& idx) {
  STITCH_CHECK(idx.size() == v->shape().size(), "lower: read of '", v->name(), "' with ",
               idx.size(), " indices, rank ", v->shape().size());
  if (v == override_of_) return as_stored(v, override_value_);
  if (auto it = inlined_.find(v); it != inlined_.end()) return as_stored(v, it->second(idx));
  const kir::Buffer* b = find_buffer(v);
  STITCH_CHECK(b != nullptr, "lower: value '", v->name(), "' has neither buffer nor expression");
  loaded_.insert(v);
  return kir::load(*b, linearize(v->shape(), idx));
}

Expr LowerContext::read_linear(const graph::Value* v, const Expr& linear) {
  if (v != override_of_ && !inlined_.count(v)) {
    if (const kir::Buffer* b = find_buffer(v)) {
      loaded_.insert(v);
      return kir::load(*b, linear);
    }
  }
  return read(v, delinearize(v->shape(), linear));
}

Stmt LowerContext::write(const graph::Value* v, const Index& idx, const Expr& x) {
  const graph::Value* target = v;
  Expr value = x;
  if (auto it = epilogue_.find(v); it != epilogue_.end()) {
    target = it->second;
    STITCH_CHECK(override_of_ == nullptr, "lower: nested epilogues");
    override_of_ = v;
    override_value_ = x;
    value = compute_.at(target)(idx);
    override_of_ = nullptr;
    override_value_ = Expr();
  }
  const kir::Buffer* b = find_buffer(target);
  STITCH_CHECK(b != nullptr, "lower: write of '", target->name(), "' without a buffer");
  return kir::store(*b, linearize(target->shape(), idx), value);
}

const kir::Buffer* LowerContext::buffer_to_load(const graph::Value* v) {
  if (v == override_of_ || inlined_.count(v)) return nullptr;
  const kir::Buffer* b = find_buffer(v);
  if (b) loaded_.insert(v);
  return b;
}

kir::Buffer LowerContext::scratch(const std::string& name, DType dtype,
                                  const std::vector<int64_t>& shape) {
  return kir::make_buffer(name, dtype, shape, kir::BufferKind::kScratch);
}

const kir::Buffer* LowerContext::find_buffer(const graph::Value* v) const {
  auto it = buffers_.find(v);
  return it == buffers_.end() ? nullptr : &it->second;
}

kir::Type scalar_type(DType dtype) { return kir::Type{dtype, 1}; }

namespace {

// The int64 an IntImm of integer type t holds for `value`: what a C++ conversion from int64
// gives (Neg writes x * -1: all ones for unsigned types), except that values past the type's
// max saturate, so that no conversion overflows; uint64 keeps its bits in the int64.
int64_t int_constant(DType t, double value) {
  if (std::isnan(value)) return 0;
  const int bits = 8 * static_cast<int>(dtype_size(t)) - (dtype_is_signed(t) ? 1 : 0);
  if (value >= std::ldexp(1.0, bits)) return static_cast<int64_t>(~uint64_t{0} >> (64 - bits));
  if (value >= 0x1p63) return static_cast<int64_t>(static_cast<uint64_t>(value));  // uint64
  if (value <= -0x1p63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

}  // namespace

Expr constant(DType dtype, double value) {
  if (dtype == DType::kBool) return kir::bool_imm(value != 0);
  if (dtype_is_integer(dtype)) return kir::int_imm(int_constant(dtype, value), dtype);
  return kir::make_const(scalar_type(dtype), value);
}

Expr index_const(int64_t value) { return kir::int_imm(value); }

Expr linearize(const Shape& shape, const Index& idx) {
  Expr linear = index_const(0);
  for (size_t i = 0; i < shape.size(); ++i) linear = linear * shape[i] + idx[i];
  return linear;
}

Index delinearize(const Shape& shape, const Expr& linear) {
  Index idx(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    Expr q = stride == 1 ? linear : linear / stride;
    idx[i] = i == 0 ? q : q % shape[i];
    stride *= shape[i];
  }
  return idx;
}

Index broadcast_index(const Shape& in, const Shape& out, const Index& out_idx) {
  STITCH_CHECK(in.size() <= out.size(), "lower: broadcast from a larger rank");
  const size_t offset = out.size() - in.size();
  Index idx(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    idx[i] = in[i] == 1 ? index_const(0) : out_idx[offset + i];
  }
  return idx;
}

Index zero_index(size_t rank) { return Index(rank, index_const(0)); }

Expr clamp_index(const Expr& x, int64_t extent) {
  return kir::min(kir::max(x, index_const(0)), index_const(extent - 1));
}

Stmt loop_nest(LowerContext& ctx, const Shape& shape, const std::function<Stmt(const Index&)>& body,
               bool parallel, bool vectorize) {
  static const char* kNames[] = {"i", "j", "k", "l", "m", "n", "p", "q"};
  Index idx(shape.size());
  std::vector<std::pair<kir::Var, int64_t>> loops;  // (var, extent) outermost first
  std::vector<size_t> dims;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) {
      idx[d] = index_const(0);
      continue;
    }
    kir::Var v = ctx.var(d < 8 ? kNames[d] : "d");
    idx[d] = v;
    loops.push_back({v, shape[d]});
  }
  Stmt s = body(idx);
  for (size_t i = loops.size(); i-- > 0;) {
    kir::ForKind kind = kir::ForKind::kSerial;
    if (i == 0 && parallel) {
      kind = kir::ForKind::kParallel;
    } else if (i + 1 == loops.size() && vectorize) {
      kind = kir::ForKind::kVectorized;
    }
    s = kir::for_loop(loops[i].first, index_const(0), index_const(loops[i].second), kind, s);
  }
  return s;
}

}  // namespace stitch::lower
