// Kernel-IR expressions -> C++ expressions: operators with the parentheses precedence needs,
// floor div/mod and min/max through prelude helpers, vectors through GCC vector extensions.
// Part of codegen/cpp/; the statement emitter (emit_cpp.cc) calls it for every expression.
#pragma once

#include <string>

#include "codegen/cpp/emit_context.h"
#include "kir/kir.h"

namespace stitch::codegen::cpp {

class ExprEmitter {
 public:
  explicit ExprEmitter(EmitContext* context) : ctx_(context) {}

  // `e` as C++ text, parenthesized when its precedence is below `context` (or equal on the
  // right of a binary operator, so that a - (b - c) keeps the tree's shape; floating-point
  // arithmetic is not associative). Context 0: a full expression (statement, argument).
  std::string emit(const kir::Expr& e, int context = 0, bool right = false);

  // The identifier of a buffer's pointer.
  std::string buffer_name(const kir::Buffer& buffer);
  // The base of a contiguous vector access (index is a stride-1 Ramp), else undefined.
  static kir::Expr contiguous_base(const kir::Expr& index);
  // One statement storing `value` into buffer[index] (scalar, contiguous or scatter).
  std::string store(const kir::Buffer& buffer, const kir::Expr& index, const kir::Expr& value);

 private:
  struct Code {
    std::string text;
    int precedence;
  };
  Code expr(const kir::Expr& e);
  Code int_imm(const kir::IntImm* op);
  Code float_imm(const kir::FloatImm* op);
  Code binary(const kir::Binary* op);
  Code arithmetic(const kir::Binary* op);
  Code comparison(const kir::Binary* op);
  Code logical_not(const kir::Not* op);
  Code select(const kir::Select* op);
  Code cast(const kir::Cast* op);
  Code cast_vector(const kir::Cast* op);
  Code load(const kir::Load* op);
  Code call(const kir::Call* op);
  Code ramp(const kir::Ramp* op);
  Code broadcast(const kir::Broadcast* op);
  // `stitch_lanewise<V>([](auto a0, ...) { return fn(a0, ...); }, args...)`.
  Code lanewise(kir::Type result, const std::string& fn, const std::vector<kir::Expr>& args);
  // A bool vector (int32 mask) re-typed as the mask of `bytes`-wide lanes, or the reverse.
  std::string mask_as(const std::string& mask, int mask_bytes, int bytes, int lanes);
  int lane_bytes(kir::Type t);

  EmitContext* ctx_;
};

}  // namespace stitch::codegen::cpp
