// Kernel-level scratch buffers as arena-planned workspace parameters (see workspace.h). Part
// of lower/.
#include "lower/workspace.h"

#include <utility>

#include "support/dtype.h"

namespace stitch::lower {
namespace {

// The byte size of a buffer of constant shape, or -1.
int64_t constant_bytes(const kir::Buffer& b) {
  int64_t n = 1;
  for (const kir::Expr& extent : b->shape) {
    const int64_t* c = kir::as_const_int(extent);
    if (c == nullptr) return -1;
    n *= *c;
  }
  return n * static_cast<int64_t>(dtype_size(b->dtype));
}

}  // namespace

kir::Stmt hoist_workspace(const kir::Stmt& body, std::vector<kir::Buffer>* workspace) {
  // Only statements that run exactly once per call are walked: sequences and allocations.
  if (const kir::Allocate* a = body.as<kir::Allocate>()) {
    const int64_t bytes = constant_bytes(a->buffer);
    if (bytes >= kMinWorkspaceBytes) {
      workspace->push_back(a->buffer);
      return hoist_workspace(a->body, workspace);
    }
    kir::Stmt inner = hoist_workspace(a->body, workspace);
    return inner.same_as(a->body) ? body : kir::allocate(a->buffer, std::move(inner));
  }
  if (const kir::Seq* s = body.as<kir::Seq>()) {
    std::vector<kir::Stmt> stmts;
    bool changed = false;
    for (const kir::Stmt& child : s->stmts) {
      stmts.push_back(hoist_workspace(child, workspace));
      changed = changed || !stmts.back().same_as(child);
    }
    return changed ? kir::seq(std::move(stmts)) : body;
  }
  return body;
}

}  // namespace stitch::lower
