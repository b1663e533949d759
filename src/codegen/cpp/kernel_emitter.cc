// One kir::Kernel -> one C++ function with the kernel ABI (see kernel_emitter.h).
// Part of codegen/cpp/.
#include "codegen/cpp/kernel_emitter.h"

#include <algorithm>

namespace stitch::codegen::cpp {
namespace {

using kir::Expr;
using kir::Stmt;

// Scratch up to this size lives on the stack (per thread inside parallel loops); larger or
// symbolic sizes go to the heap. Small enough for any worker thread's stack.
constexpr int64_t kMaxStackScratchBytes = 16 * 1024;
// `#pragma GCC unroll` count for unrolled loops of symbolic extent, and the cap for constant
// extents (an unrolled loop of thousands of iterations only bloats the code).
constexpr int64_t kDefaultUnroll = 8;
constexpr int64_t kMaxUnroll = 64;

bool is_simple(const Expr& e) { return e.as<kir::IntImm>() || e.as<kir::Variable>(); }

bool is_zero(const Expr& e) {
  const int64_t* c = kir::as_const_int(e);
  return c && *c == 0;
}

// Two declarations of one microkernel that differ only in "const " on pointer parameters (one
// call passes a read-only buffer, another a scratch one, e.g. gemm's B panel): the declaration
// with const wherever either has it (T* converts to const T*); "" when they differ otherwise.
std::string merge_declarations(const std::string& a, const std::string& b) {
  std::string merged;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      merged += a[i++];
      ++j;
    } else if (a.compare(i, 6, "const ") == 0) {
      merged += "const ";
      i += 6;
    } else if (b.compare(j, 6, "const ") == 0) {
      merged += "const ";
      j += 6;
    } else {
      return "";
    }
  }
  return merged;
}

}  // namespace

void KernelEmitter::line(const std::string& text) {
  out_ += std::string(2 * indent_, ' ') + text + "\n";
}

std::string KernelEmitter::pointer_type(const kir::Buffer& buffer, bool restrict_qualified) {
  const bool read_only = buffer->buffer_kind == kir::BufferKind::kInput ||
                         buffer->buffer_kind == kir::BufferKind::kConstant;
  return (read_only ? "const " : "") + ctx_->storage_type(buffer->dtype) + "*" +
         (restrict_qualified ? " __restrict" : "");
}

std::string KernelEmitter::emit(const kir::Kernel& kernel) {
  out_.clear();
  indent_ = 0;
  open(str_cat("extern \"C\" void stitch_kernel_", kernel->name,
               "(void* const* buffers, const int64_t* scalars,\n",
               std::string(31 + kernel->name.size(), ' '), "const stitch_parallel_api* parallel)"));
  parameters(*kernel);
  stmt(kernel->body);
  close();
  return out_;
}

// Buffers are restrict: the runtime never passes one array as two parameters of a kernel.
void KernelEmitter::parameters(const kir::KernelNode& kernel) {
  for (size_t i = 0; i < kernel.buffers.size(); ++i) {
    const kir::Buffer& b = kernel.buffers[i];
    line(str_cat(pointer_type(b, true), " ", exprs_.buffer_name(b), " = static_cast<",
                 pointer_type(b, false), ">(buffers[", i, "]);"));
  }
  for (size_t i = 0; i < kernel.scalars.size(); ++i) {
    const kir::Var& v = kernel.scalars[i];
    const std::string name = exprs_.emit(v);
    if (v->type.is_float()) {
      ctx_->fail(error("unsupported: scalar parameter '", v->name, "' of type ",
                       kir::type_name(v->type), " (the kernel ABI passes int64 scalars)"));
    } else if (v->type.is_bool()) {
      line(str_cat("const bool ", name, " = scalars[", i, "] != 0;"));
    } else {
      const std::string type = ctx_->lane_type(v->type);
      line(str_cat("const ", type, " ", name, " = static_cast<", type, ">(scalars[", i, "]);"));
    }
  }
}

void KernelEmitter::stmt(const Stmt& s) {
  switch (s->kind()) {
    case kir::NodeKind::kFor:
      return for_loop(s.as<kir::For>());
    case kir::NodeKind::kLetStmt:
      return let(s.as<kir::LetStmt>());
    case kir::NodeKind::kIfThenElse:
      return if_then_else(s.as<kir::IfThenElse>());
    case kir::NodeKind::kStore: {
      const kir::Store* op = s.as<kir::Store>();
      return line(exprs_.store(op->buffer, op->index, op->value));
    }
    case kir::NodeKind::kSeq:
      return seq(s.as<kir::Seq>());
    case kir::NodeKind::kAllocate:
      return allocate(s.as<kir::Allocate>());
    case kir::NodeKind::kEvaluate:
      return line(exprs_.emit(s.as<kir::Evaluate>()->value) + ";");
    case kir::NodeKind::kMicrokernelCall:
      return microkernel_call(s.as<kir::MicrokernelCall>());
    default:
      STITCH_CHECK(false, "codegen: an expression where a statement belongs");
  }
}

void KernelEmitter::seq(const kir::Seq* op) {
  for (size_t i = 0; i < op->stmts.size(); ++i) {
    const Stmt& s = op->stmts[i];
    const bool declares = s.as<kir::LetStmt>() || s.as<kir::Allocate>();
    // A declaration scopes over its body only; later statements must not see (or clash with)
    // its name.
    if (declares && i + 1 < op->stmts.size()) {
      block(s);
    } else {
      stmt(s);
    }
  }
}

void KernelEmitter::block(const Stmt& s) {
  line("{");
  ++indent_;
  stmt(s);
  close();
}

bool KernelEmitter::open_binding(const kir::Object* object) {
  const bool rebinding = std::find(bound_.begin(), bound_.end(), object) != bound_.end();
  if (rebinding) {  // the same variable bound inside its own scope: C++ needs a nested block
    line("{");
    ++indent_;
  }
  bound_.push_back(object);
  return rebinding;
}

void KernelEmitter::close_binding(bool rebinding) {
  bound_.pop_back();
  if (rebinding) close();
}

void KernelEmitter::let(const kir::LetStmt* op) {
  const bool rebinding = open_binding(op->var.get());
  line(str_cat("const ", ctx_->value_type(op->var->type), " ", exprs_.emit(op->var), " = ",
               exprs_.emit(op->value), ";"));
  stmt(op->body);
  close_binding(rebinding);
}

void KernelEmitter::if_then_else(const kir::IfThenElse* op) {
  open("if (" + exprs_.emit(op->cond) + ")");
  stmt(op->then_case);
  if (op->else_case.defined()) {
    --indent_;
    open("} else");
    stmt(op->else_case);
  }
  close();
}

void KernelEmitter::for_loop(const kir::For* op) {
  if (op->for_kind == kir::ForKind::kParallel && parallel_depth_ == 0) return parallel_for(op);
  // A parallel loop inside a parallel loop runs serially: the pool is already busy.
  if (op->for_kind == kir::ForKind::kVectorized) {
    line("#pragma GCC ivdep");
    // A short vectorized loop (one block of 8 or 16 lanes) is not unrolled: GCC 12 otherwise
    // unrolls it completely first and then fails to pack the scalar copies back into vectors
    // (a blocked epilogue's clip ran as 8 vmaxss/vminss with lane shuffles), while the loop
    // vectorizer turns the loop itself into single vector instructions.
    const int64_t* extent = kir::as_const_int(op->extent);
    if (extent != nullptr && *extent <= 16) line("#pragma GCC unroll 1");
  }
  if (op->for_kind == kir::ForKind::kUnrolled) {
    const int64_t* extent = kir::as_const_int(op->extent);
    const int64_t count = extent ? std::min(*extent, kMaxUnroll) : kDefaultUnroll;
    if (count > 1) line(str_cat("#pragma GCC unroll ", count));
  }
  const std::string type = ctx_->lane_type(op->var->type);
  const std::string var = exprs_.emit(op->var);
  if (is_zero(op->begin) && is_simple(op->extent)) {
    open(str_cat("for (", type, " ", var, " = 0; ", var, " < ", exprs_.emit(op->extent), "; ++",
                 var, ")"));
  } else {
    // The bound is computed once: loads in it could not be hoisted past the body's stores.
    const std::string end = ctx_->fresh_name(op->var->name + "_end");
    const std::string bound =
        is_zero(op->begin) ? exprs_.emit(op->extent)
                           : exprs_.emit(op->begin, 5) + " + " + exprs_.emit(op->extent, 5, true);
    open(str_cat("for (", type, " ", var, " = ", exprs_.emit(op->begin), ", ", end, " = ", bound,
                 "; ", var, " < ", end, "; ++", var, ")"));
  }
  stmt(op->body);
  close();
}

// for i in [b, b + n) parallel: body ->
//   { const int64_t n_ = n;
//     auto body_ = [&](int64_t lo, int64_t hi) { for (i = b + lo; i < b + hi; ++i) body };
//     if (parallel != nullptr && n_ > 1) parallel->parallel_for(pool, n_, trampoline, &body_);
//     else body_(0, n_); }
void KernelEmitter::parallel_for(const kir::For* op) {
  const std::string type = ctx_->lane_type(op->var->type);
  const std::string var = exprs_.emit(op->var);
  const std::string extent = ctx_->fresh_name(op->var->name + "_extent");
  const std::string body = ctx_->fresh_name(op->var->name + "_body");
  const std::string lo = ctx_->fresh_name("begin"), hi = ctx_->fresh_name("end");
  line("{");
  ++indent_;
  line(str_cat("const int64_t ", extent, " = ", exprs_.emit(op->extent), ";"));
  open(str_cat("auto ", body, " = [&](int64_t ", lo, ", int64_t ", hi, ")"));
  if (is_zero(op->begin)) {
    open(str_cat("for (", type, " ", var, " = ", lo, "; ", var, " < ", hi, "; ++", var, ")"));
  } else {
    const std::string begin = exprs_.emit(op->begin, 5);
    const std::string end = ctx_->fresh_name(op->var->name + "_end");
    open(str_cat("for (", type, " ", var, " = ", begin, " + ", lo, ", ", end, " = ", begin, " + ",
                 hi, "; ", var, " < ", end, "; ++", var, ")"));
  }
  ++parallel_depth_;
  stmt(op->body);
  --parallel_depth_;
  close();
  close("};");
  open(str_cat("if (parallel != nullptr && ", extent, " > 1)"));
  line(str_cat("parallel->parallel_for(parallel->pool, ", extent, ", &stitch_trampoline<decltype(",
               body, ")>, &", body, ");"));
  --indent_;
  open("} else");
  line(str_cat(body, "(0, ", extent, ");"));
  close();
  close();
}

void KernelEmitter::allocate(const kir::Allocate* op) {
  const kir::Buffer& b = op->buffer;
  const bool rebinding = open_binding(b.get());
  const std::string type = ctx_->storage_type(b->dtype);
  const std::string name = exprs_.buffer_name(b);
  int64_t count = 1;
  bool constant = true;
  std::string count_text;
  for (const Expr& extent : b->shape) {
    const int64_t* c = kir::as_const_int(extent);
    constant = constant && c != nullptr;
    if (c) count *= *c;
    count_text += (count_text.empty() ? "" : " * ") + exprs_.emit(extent, 6, true);
  }
  if (count_text.empty()) count_text = "1";
  if (constant && count * static_cast<int64_t>(dtype_size(b->dtype)) <= kMaxStackScratchBytes) {
    line(str_cat("alignas(64) ", type, " ", name, "[", std::max<int64_t>(count, 1), "];"));
  } else {
    const std::string storage = ctx_->fresh_name(b->name + "_storage");
    line(str_cat("stitch_scratch<", type, "> ", storage, "(", count_text, ");"));
    line(str_cat(type, "* __restrict ", name, " = ", storage, ".get();"));
  }
  stmt(op->body);
  close_binding(rebinding);
}

// A call records the microkernel's declaration; emit_cpp.cc pastes the definition for the
// target (codegen/cpp/microkernels/) where one exists. Every call of one name must agree on
// the argument types (up to const on pointers, see merge_declarations), since C has no
// overloads.
void KernelEmitter::microkernel_call(const kir::MicrokernelCall* op) {
  if (!is_identifier(op->name)) {
    ctx_->fail(error("microkernel name '", op->name, "' is not a C identifier"));
    return;
  }
  std::string params, args;
  for (const kir::BufferOffset& b : op->buffers) {
    params += (params.empty() ? "" : ", ") + pointer_type(b.buffer, false);
    args += (args.empty() ? "" : ", ") + exprs_.buffer_name(b.buffer) + " + " +
            exprs_.emit(b.offset, 5, true);
  }
  for (const Expr& p : op->params) {
    params += (params.empty() ? "" : ", ") + std::string("int64_t");
    args += (args.empty() ? "" : ", ") + exprs_.emit(p);
  }
  const std::string decl = str_cat("extern \"C\" void ", op->name, "(", params, ");");
  auto [it, inserted] = microkernels_->emplace(op->name, decl);
  if (!inserted && it->second != decl) {
    const std::string merged = merge_declarations(it->second, decl);
    if (merged.empty()) {
      ctx_->fail(error("microkernel '", op->name,
                       "' is called with different argument types: ", it->second, " and ", decl));
    }
    it->second = merged.empty() ? it->second : merged;
  }
  line(str_cat(op->name, "(", args, ");"));
}

}  // namespace stitch::codegen::cpp
