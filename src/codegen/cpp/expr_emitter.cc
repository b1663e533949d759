// Kernel-IR expressions -> C++ expressions (see expr_emitter.h). Part of codegen/cpp/.
#include "codegen/cpp/expr_emitter.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "codegen/cpp/math_functions.h"
#include "support/half.h"

namespace stitch::codegen::cpp {
namespace {

using kir::BinaryOp;
using kir::Expr;
using kir::Type;

constexpr int kAtom = 100;  // names, literals, calls, subscripts: never parenthesized
constexpr int kUnary = 7;   // !x, ~x, -1
constexpr int kSelect = 0;  // c ? a : b: parenthesized inside anything

bool is_narrow_int(Type t) { return t.is_int() && !t.is_vector() && dtype_size(t.dtype) < 4; }
bool is_half(DType t) { return t == DType::kFloat16 || t == DType::kBFloat16; }
// The prelude's rounding of a float (or double) to a 16-bit float's value.
const char* round_half_fn(DType t) {
  return t == DType::kFloat16 ? "stitch_round_f16" : "stitch_round_bf16";
}

// Exactly the value: %.9g reads back to the same float, %.17g to the same double.
std::string float_literal(double v, bool single) {
  const char* suffix = single ? "f" : "";
  if (std::isnan(v)) return single ? "__builtin_nanf(\"\")" : "__builtin_nan(\"\")";
  if (std::isinf(v)) {
    return str_cat(v < 0 ? "-" : "", single ? "__builtin_inff()" : "__builtin_inf()");
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), single ? "%.9g" : "%.17g", v);
  std::string text = buf;
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text + suffix;
}

}  // namespace

std::string ExprEmitter::emit(const Expr& e, int context, bool right) {
  Code code = expr(e);
  const bool parens = code.precedence < context || (right && code.precedence == context);
  return parens ? "(" + code.text + ")" : code.text;
}

std::string ExprEmitter::buffer_name(const kir::Buffer& buffer) {
  return ctx_->name_of(buffer.get(), buffer->name);
}

Expr ExprEmitter::contiguous_base(const Expr& index) {
  const kir::Ramp* r = index.as<kir::Ramp>();
  const int64_t* stride = r ? kir::as_const_int(r->stride) : nullptr;
  return stride && *stride == 1 ? r->base : Expr();
}

int ExprEmitter::lane_bytes(Type t) {
  if (t.is_bool()) return 4;  // masks
  if (t.is_float()) return t.dtype == DType::kFloat64 ? 8 : 4;
  return static_cast<int>(dtype_size(t.dtype));
}

std::string ExprEmitter::mask_as(const std::string& mask, int mask_bytes, int bytes, int lanes) {
  if (mask_bytes == bytes) return mask;
  return str_cat("__builtin_convertvector(", mask, ", ", ctx_->int_vector_type(bytes, lanes), ")");
}

ExprEmitter::Code ExprEmitter::expr(const Expr& e) {
  switch (e->kind()) {
    case kir::NodeKind::kIntImm:
      return int_imm(e.as<kir::IntImm>());
    case kir::NodeKind::kFloatImm:
      return float_imm(e.as<kir::FloatImm>());
    case kir::NodeKind::kVariable:
      return {ctx_->name_of(e.get(), e.as<kir::Variable>()->name), kAtom};
    case kir::NodeKind::kBinary:
      return binary(e.as<kir::Binary>());
    case kir::NodeKind::kNot:
      return logical_not(e.as<kir::Not>());
    case kir::NodeKind::kSelect:
      return select(e.as<kir::Select>());
    case kir::NodeKind::kCast:
      return cast(e.as<kir::Cast>());
    case kir::NodeKind::kLoad:
      return load(e.as<kir::Load>());
    case kir::NodeKind::kCall:
      return call(e.as<kir::Call>());
    case kir::NodeKind::kRamp:
      return ramp(e.as<kir::Ramp>());
    case kir::NodeKind::kBroadcast:
      return broadcast(e.as<kir::Broadcast>());
    default:
      STITCH_CHECK(false, "codegen: a statement where an expression belongs");
      return {"", kAtom};
  }
}

ExprEmitter::Code ExprEmitter::int_imm(const kir::IntImm* op) {
  const int64_t v = op->value;
  const DType t = op->type.dtype;
  const int precedence = v < 0 ? kUnary : kAtom;
  switch (t) {
    case DType::kBool:
      return {v ? "true" : "false", kAtom};
    case DType::kInt64:
      if (v == std::numeric_limits<int64_t>::min()) return {"INT64_MIN", kAtom};
      if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
        return {std::to_string(v), precedence};
      }
      return {std::to_string(v) + "LL", precedence};
    case DType::kInt32:
      if (v == std::numeric_limits<int32_t>::min()) return {"INT32_MIN", kAtom};
      return {std::to_string(v), precedence};
    case DType::kUInt32:
      return {std::to_string(static_cast<uint32_t>(v)) + "u", kAtom};
    case DType::kUInt64:
      return {std::to_string(static_cast<uint64_t>(v)) + "ull", kAtom};
    default:  // 8- and 16-bit integers have no literal of their own
      return {str_cat("static_cast<", ctx_->lane_type(op->type), ">(", v, ")"), kAtom};
  }
}

ExprEmitter::Code ExprEmitter::float_imm(const kir::FloatImm* op) {
  double v = op->value;
  // A 16-bit float constant is the float it rounds to (values of these types live in floats).
  if (op->type.dtype == DType::kFloat16) {
    v = half_bits_to_float(float_to_half_bits(static_cast<float>(v)));
  } else if (op->type.dtype == DType::kBFloat16) {
    v = bfloat16_bits_to_float(float_to_bfloat16_bits(static_cast<float>(v)));
  }
  std::string text = float_literal(v, op->type.dtype != DType::kFloat64);
  return {text, text[0] == '-' ? kUnary : kAtom};
}

ExprEmitter::Code ExprEmitter::binary(const kir::Binary* op) {
  const Type t = op->a->type;
  // Operands are emitted once per path taken: emitting them twice would be exponential.
  auto helper = [&](const char* fn) -> Code {
    return {str_cat(fn, "(", emit(op->a), ", ", emit(op->b), ")"), kAtom};
  };
  switch (op->op) {
    case BinaryOp::kMin:
      return helper("stitch_min");
    case BinaryOp::kMax:
      return helper("stitch_max");
    case BinaryOp::kDiv:
      if (t.is_float()) return arithmetic(op);
      if (t.is_vector()) return lanewise(op->type, "stitch_floordiv", {op->a, op->b});
      return helper("stitch_floordiv");
    case BinaryOp::kMod:
      if (t.is_vector()) return lanewise(op->type, "stitch_floormod", {op->a, op->b});
      return helper("stitch_floormod");
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
      return arithmetic(op);
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
      if (t.is_vector()) {  // masks: bitwise, since && on vectors is not portable C++
        const bool is_and = op->op == BinaryOp::kAnd;
        const int p = kir::binary_op_precedence(op->op);
        return {emit(op->a, p) + (is_and ? " & " : " | ") + emit(op->b, p, true), p};
      }
      return arithmetic(op);
    default:
      return comparison(op);
  }
}

// Infix operators whose C++ precedence order matches kir's table.
ExprEmitter::Code ExprEmitter::arithmetic(const kir::Binary* op) {
  const int p = kir::binary_op_precedence(op->op);
  std::string text =
      emit(op->a, p) + " " + kir::binary_op_symbol(op->op) + " " + emit(op->b, p, true);
  // C++ promotes 8- and 16-bit integers to int; the IR's arithmetic wraps at the type's width.
  // uint16 * uint16 can overflow int, so that product is taken in unsigned arithmetic.
  if (op->op == BinaryOp::kMul && op->type == Type{DType::kUInt16, 1}) {
    text = "static_cast<uint32_t>(" + emit(op->a) + ") * " + emit(op->b, p, true);
  }
  if (is_narrow_int(op->type)) {
    return {"static_cast<" + ctx_->lane_type(op->type) + ">(" + text + ")", kAtom};
  }
  return {text, p};
}

ExprEmitter::Code ExprEmitter::comparison(const kir::Binary* op) {
  Code code = arithmetic(op);
  const Type t = op->a->type;
  if (!t.is_vector() || lane_bytes(t) == 4) return code;
  // A vector comparison yields a mask as wide as its operands' lanes; bool vectors are int32.
  return {mask_as(code.text, lane_bytes(t), 4, t.lanes), kAtom};
}

ExprEmitter::Code ExprEmitter::logical_not(const kir::Not* op) {
  return {(op->type.is_vector() ? "~" : "!") + emit(op->a, kUnary), kUnary};
}

ExprEmitter::Code ExprEmitter::select(const kir::Select* op) {
  const Type t = op->type;
  // GCC's vector ?: wants a mask with lanes as wide as the values'.
  const bool retype = op->cond->type.is_vector() && lane_bytes(t) != 4;
  const std::string cond =
      retype ? mask_as(emit(op->cond), 4, lane_bytes(t), t.lanes) : emit(op->cond, kSelect + 1);
  return {
      cond + " ? " + emit(op->true_value, kSelect + 1) + " : " + emit(op->false_value, kSelect + 1),
      kSelect};
}

// Conversions follow the reference interpreter (reference/kernels/elementwise_util.h): floats
// become integers truncated and saturated (NaN -> 0), and a 16-bit float is the float or
// double value rounded to nearest even (a double through float rounded to odd, in one step).
ExprEmitter::Code ExprEmitter::cast(const kir::Cast* op) {
  if (op->type.is_vector()) return cast_vector(op);
  const Type from = op->value->type, to = op->type;
  const std::string value = emit(op->value);
  if (is_half(to.dtype)) {
    const std::string arg = from.is_float() ? value : "static_cast<float>(" + value + ")";
    return {str_cat(round_half_fn(to.dtype), "(", arg, ")"), kAtom};
  }
  const std::string lane = ctx_->lane_type(to);
  if (from.is_float() && to.is_int()) {
    return {str_cat("stitch_float_to_int<", lane, ">(", value, ")"), kAtom};
  }
  return {"static_cast<" + lane + ">(" + value + ")", kAtom};
}

ExprEmitter::Code ExprEmitter::cast_vector(const kir::Cast* op) {
  const Type from = op->value->type, to = op->type;
  const int lanes = to.lanes;
  const std::string from_type = ctx_->value_type(from), to_type = ctx_->value_type(to);
  if (to.is_bool()) {  // nonzero lanes become -1
    const std::string mask = emit(op->value, 3) + " != " + from_type + "{}";
    return {mask_as(mask, lane_bytes(from), 4, lanes), kAtom};
  }
  // Lane by lane where a vector conversion would differ from the scalar rule: saturation, and
  // rounding a double to 16 bits (converting to a float vector first would round twice).
  if (from.is_float() && (to.is_int() || (is_half(to.dtype) && from.dtype == DType::kFloat64))) {
    const std::string fn = to.is_int() ? "stitch_float_to_int<" + ctx_->lane_type(to) + ">"
                                       : std::string(round_half_fn(to.dtype));
    return lanewise(to, fn, {op->value});
  }
  // Mask lanes are -1 for true; the cast wants 1.
  std::string value = from.is_bool() ? emit(op->value, 2) + " & 1" : emit(op->value);
  if (from_type != to_type) {
    value = "__builtin_convertvector(" + value + ", " + to_type + ")";
  }
  if (!is_half(to.dtype)) return {value, kAtom};
  return {str_cat("stitch_lanewise<", to_type, ">([](float a0) { return ", round_half_fn(to.dtype),
                  "(a0); }, ", value, ")"),
          kAtom};
}

ExprEmitter::Code ExprEmitter::load(const kir::Load* op) {
  const std::string buffer = buffer_name(op->buffer);
  if (!op->type.is_vector()) {
    std::string element = buffer + "[" + emit(op->index) + "]";
    return {is_half(op->buffer->dtype) ? "stitch_widen(" + element + ")" : element, kAtom};
  }
  const std::string type = ctx_->value_type(op->type);
  if (Expr base = contiguous_base(op->index); base.defined()) {
    return {"stitch_vload<" + type + ">(" + buffer + " + " + emit(base, 5, true) + ")", kAtom};
  }
  return {"stitch_gather<" + type + ">(" + buffer + ", " + emit(op->index) + ")", kAtom};
}

std::string ExprEmitter::store(const kir::Buffer& buffer, const Expr& index, const Expr& value) {
  const std::string name = buffer_name(buffer);
  if (!value->type.is_vector()) {
    std::string v = emit(value);
    if (is_half(buffer->dtype)) {
      v = "stitch_lane_out<" + ctx_->storage_type(buffer->dtype) + ">(" + v + ")";
    }
    return name + "[" + emit(index) + "] = " + v + ";";
  }
  if (Expr base = contiguous_base(index); base.defined()) {
    return "stitch_vstore(" + name + " + " + emit(base, 5, true) + ", " + emit(value) + ");";
  }
  return "stitch_scatter(" + name + ", " + emit(index) + ", " + emit(value) + ");";
}

ExprEmitter::Code ExprEmitter::call(const kir::Call* op) {
  const MathFunction* f = find_math_function(op->name);
  if (f == nullptr) {
    ctx_->fail(error("unsupported: call of unknown function '", op->name, "'"));
    return {"", kAtom};
  }
  if (static_cast<int>(op->args.size()) != f->arity) {
    ctx_->fail(error("call of '", op->name, "' with ", op->args.size(), " arguments (takes ",
                     f->arity, ")"));
    return {"", kAtom};
  }
  for (const Expr& arg : op->args) {
    if (!arg->type.is_float() && !(f->integer_ok && arg->type.is_int())) {
      ctx_->fail(error("unsupported: call of '", op->name, "' on ", kir::type_name(arg->type)));
      return {"", kAtom};
    }
  }
  if (op->type.is_vector() && !f->vector_ok) return lanewise(op->type, f->cpp, op->args);
  std::string text = std::string(f->cpp) + "(";
  for (size_t i = 0; i < op->args.size(); ++i) text += (i ? ", " : "") + emit(op->args[i]);
  return {text + ")", kAtom};
}

ExprEmitter::Code ExprEmitter::lanewise(Type result, const std::string& fn,
                                        const std::vector<Expr>& args) {
  std::string params, call_args, values;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string sep = i ? ", " : "";
    params += sep + "auto a" + std::to_string(i);
    call_args += sep + "a" + std::to_string(i);
    values += ", " + emit(args[i]);
  }
  return {str_cat("stitch_lanewise<", ctx_->value_type(result), ">([](", params, ") { return ", fn,
                  "(", call_args, "); }", values, ")"),
          kAtom};
}

ExprEmitter::Code ExprEmitter::ramp(const kir::Ramp* op) {
  return {str_cat("stitch_ramp<", ctx_->value_type(op->type), ">(", emit(op->base), ", ",
                  emit(op->stride), ")"),
          kAtom};
}

ExprEmitter::Code ExprEmitter::broadcast(const kir::Broadcast* op) {
  const std::string value =
      op->value->type.is_bool() ? emit(op->value, kSelect + 1) + " ? -1 : 0" : emit(op->value);
  return {str_cat("stitch_splat<", ctx_->value_type(op->type), ">(", value, ")"), kAtom};
}

}  // namespace stitch::codegen::cpp
