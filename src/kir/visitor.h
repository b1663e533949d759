// IRVisitor (read-only walk) and IRMutator (copy-on-write rewrite) over the kernel IR.
// Part of kir/; the printer, analyses in lower/ and the code generator derive from these.
//
// Both dispatch on NodeKind through the X-macros of object.h, so a new node kind that is not
// handled here fails to compile rather than being skipped. Subclasses override the visit
// overloads they care about (add `using IRVisitor::visit;` to keep the others visible) and
// call the base version to keep walking into children.
#pragma once

#include <utility>
#include <vector>

#include "kir/kir.h"

namespace stitch::kir {

class IRVisitor {
 public:
  virtual ~IRVisitor() = default;
  // Entry points; undefined handles are ignored.
  void visit_expr(const Expr& e);
  void visit_stmt(const Stmt& s);
  // Called for every buffer a Load, Store, Allocate or MicrokernelCall names (shapes are not
  // walked: they are evaluated where the buffer is bound, not where it is used).
  virtual void visit_buffer(const Buffer& buffer) {}

 protected:
#define STITCH_KIR_VISIT(name) virtual void visit(const name* op);
  STITCH_KIR_EXPR_NODES(STITCH_KIR_VISIT)
  STITCH_KIR_STMT_NODES(STITCH_KIR_VISIT)
#undef STITCH_KIR_VISIT
};

// Rebuilds a tree bottom-up. A node whose children all come back unchanged is returned as is
// (same pointer), so an identity mutator returns the very tree it was given and sharing is
// kept. Changed nodes are rebuilt through the simplifying constructors of kir.h, so a
// substitution of a constant folds on the way up (i*4+j with i := 0 gives j). Binding sites
// (a For's or LetStmt's variable) are kept as they are.
class IRMutator {
 public:
  virtual ~IRMutator() = default;
  Expr mutate(const Expr& e);
  Stmt mutate(const Stmt& s);
  // The kernel with its body mutated (parameters are binding sites and stay).
  Kernel mutate_kernel(const Kernel& k);
  // Where a Load, Store, Allocate or MicrokernelCall names a buffer; identity by default.
  virtual Buffer mutate_buffer(const Buffer& buffer) { return buffer; }

 protected:
#define STITCH_KIR_VISIT(name) virtual Expr visit(const name* op);
  STITCH_KIR_EXPR_NODES(STITCH_KIR_VISIT)
#undef STITCH_KIR_VISIT
#define STITCH_KIR_VISIT(name) virtual Stmt visit(const name* op);
  STITCH_KIR_STMT_NODES(STITCH_KIR_VISIT)
#undef STITCH_KIR_VISIT
};

// Replaces every use of each variable in `replacements` (matched by identity; binding sites
// such as a loop's own variable are left alone), simplifying on the way up.
Expr substitute(const Expr& e, const std::vector<std::pair<Var, Expr>>& replacements);
Stmt substitute(const Stmt& s, const std::vector<std::pair<Var, Expr>>& replacements);

}  // namespace stitch::kir
