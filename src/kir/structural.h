// Structural equality and hashing of kernel IR: two trees are equal when they compute the same
// thing spelled the same way. Part of kir/; the kernel cache, CSE in lower/ and tests use it.
//
// Variables and buffers are compared up to renaming of *bound* ones (alpha-equivalence):
// a variable bound by a For or LetStmt, a kernel's scalar and buffer parameters, and an
// Allocate's buffer are matched with their counterpart in the order they are bound, so two
// lowerings of the same subgraph, each with fresh Var objects (and any names), compare equal
// and hash equal. Free variables and buffers (those not bound inside the compared tree) are
// compared by identity. Binding order counts: bound things are matched positionally, not by
// name. A bound buffer's dtype, kind and shape are part of the structure; its name is not.
// A kernel's name is part of its structure.
//
// The hash is a pure function of the structure: stable across runs and machines (no pointers,
// no std::hash), so it can key an on-disk cache. Equal trees have equal hashes; a free
// variable hashes by its name and type, a bound one by its binding position.
#pragma once

#include <cstdint>

#include "kir/kir.h"

namespace stitch::kir {

bool structural_equal(const Expr& a, const Expr& b);
bool structural_equal(const Stmt& a, const Stmt& b);
bool structural_equal(const Kernel& a, const Kernel& b);

uint64_t structural_hash(const Expr& e);
uint64_t structural_hash(const Stmt& s);
uint64_t structural_hash(const Kernel& k);

}  // namespace stitch::kir
