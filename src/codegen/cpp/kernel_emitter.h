// One kir::Kernel -> one C++ function with the kernel ABI (include/stitch/kernel_abi.h):
// parameters unpacked from buffers[] and scalars[], statements as C++ statements, parallel
// loops handed to the runtime's parallel_for. Part of codegen/cpp/; emit_cpp.cc calls it per
// kernel and assembles the translation unit.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/cpp/emit_context.h"
#include "codegen/cpp/expr_emitter.h"
#include "kir/kir.h"

namespace stitch::codegen::cpp {

class KernelEmitter {
 public:
  // `microkernels` collects the extern declaration of every microkernel called (name -> line),
  // shared by all kernels of the translation unit.
  KernelEmitter(EmitContext* context, std::map<std::string, std::string>* microkernels)
      : ctx_(context), exprs_(context), microkernels_(microkernels) {}

  // The function's text; errors go to the context.
  std::string emit(const kir::Kernel& kernel);

 private:
  void parameters(const kir::KernelNode& kernel);
  void stmt(const kir::Stmt& s);
  void seq(const kir::Seq* op);
  void for_loop(const kir::For* op);
  void parallel_for(const kir::For* op);
  void let(const kir::LetStmt* op);
  void if_then_else(const kir::IfThenElse* op);
  void allocate(const kir::Allocate* op);
  void microkernel_call(const kir::MicrokernelCall* op);
  // `s` in a { } block of its own: a let or allocate with more statements after it.
  void block(const kir::Stmt& s);
  // Pushes a let's variable or an allocate's buffer onto bound_; when it is bound already (a
  // rebinding inside its own scope) opens a { } block too, and returns true.
  bool open_binding(const kir::Object* object);
  void close_binding(bool rebinding);
  // `T*` or `const T*` (inputs and constants) for a buffer, optionally __restrict.
  std::string pointer_type(const kir::Buffer& buffer, bool restrict_qualified);

  void line(const std::string& text);
  void open(const std::string& header) {
    line(header + " {");
    ++indent_;
  }
  void close(const std::string& text = "}") {
    --indent_;
    line(text);
  }

  EmitContext* ctx_;
  ExprEmitter exprs_;
  std::map<std::string, std::string>* microkernels_;
  std::string out_;
  int indent_ = 0;
  int parallel_depth_ = 0;                 // parallel loops around the statement being emitted
  std::vector<const kir::Object*> bound_;  // lets and allocates in scope
};

}  // namespace stitch::codegen::cpp
