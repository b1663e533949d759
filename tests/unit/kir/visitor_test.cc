// Tests of IRVisitor and IRMutator: every node is reached, identity mutation keeps the very
// same tree, rewrites rebuild only the changed spine and fold on the way up.
// Part of tests/unit/kir/.
#include "kir/visitor.h"

#include <gtest/gtest.h>

#include <map>

#include "kir/kir.h"
#include "kir/printer.h"
#include "kir/structural.h"

namespace stitch::kir {
namespace {

// One of every node kind.
Stmt every_kind() {
  Buffer in = make_buffer("in", DType::kFloat32, std::vector<int64_t>{64}, BufferKind::kInput);
  Buffer out = make_buffer("out", DType::kFloat32, std::vector<int64_t>{64}, BufferKind::kOutput);
  Buffer tmp = make_buffer("tmp", DType::kFloat32, std::vector<int64_t>{8}, BufferKind::kScratch);
  Var i = make_var("i"), t = make_var("t");
  Expr x = load(in, i);
  Expr v = vector_load(in, i, 8) * broadcast(float_imm(2.0), 8);
  Expr cond = logical_not(lt(i, int_imm(4)));
  Stmt body = seq({
      store(out, i, select(cond, call("exp", x->type, {x}), cast(x->type, i))),
      vector_store(tmp, int_imm(0), v),
      microkernel_call("copy_f32_8", {{out, i}, {tmp, int_imm(0)}}, {int_imm(8)}),
      if_then_else(eq(i, int_imm(0)), evaluate(call("trace", x->type, {float_imm(1.0)})),
                   let_stmt(t, i + 1, store(out, t % 64, x))),
  });
  return for_loop(i, int_imm(0), int_imm(56), ForKind::kSerial, allocate(tmp, body));
}

class KindCounter : public IRVisitor {
 public:
  std::map<NodeKind, int> counts;
  int buffers = 0;
  void visit_buffer(const Buffer&) override { ++buffers; }

 protected:
  using IRVisitor::visit;
#define STITCH_KIR_COUNT(name)          \
  void visit(const name* op) override { \
    ++counts[NodeKind::k##name];        \
    IRVisitor::visit(op);               \
  }
  STITCH_KIR_EXPR_NODES(STITCH_KIR_COUNT)
  STITCH_KIR_STMT_NODES(STITCH_KIR_COUNT)
#undef STITCH_KIR_COUNT
};

TEST(KirVisitor, ReachesEveryNodeKind) {
  KindCounter counter;
  counter.visit_stmt(every_kind());
#define STITCH_KIR_EXPECT(name) \
  EXPECT_GT(counter.counts[NodeKind::k##name], 0) << #name " not visited";
  STITCH_KIR_EXPR_NODES(STITCH_KIR_EXPECT)
  STITCH_KIR_STMT_NODES(STITCH_KIR_EXPECT)
#undef STITCH_KIR_EXPECT
  EXPECT_EQ(counter.counts[NodeKind::kFor], 1);
  EXPECT_EQ(counter.counts[NodeKind::kMicrokernelCall], 1);
  // in x3 (load, vector load, load in let), out x3, tmp x3 (allocate, store, microkernel).
  EXPECT_EQ(counter.buffers, 9);
}

TEST(KirMutator, IdentityKeepsTheSameTree) {
  Stmt s = every_kind();
  IRMutator identity;
  EXPECT_TRUE(identity.mutate(s).same_as(s));
  Kernel k = make_kernel("k", {}, {}, s);
  EXPECT_TRUE(identity.mutate_kernel(k).same_as(k));
}

// Rebuilds every node it can (a fresh copy): the copy is structurally equal, prints the same,
// but shares no node with the original.
class Rebuilder : public IRMutator {
 protected:
  using IRMutator::visit;
  Expr visit(const IntImm* op) override { return int_imm(op->value, op->type.dtype); }
  Expr visit(const FloatImm* op) override { return float_imm(op->value, op->type.dtype); }
};

TEST(KirMutator, RebuiltTreeIsStructurallyEqual) {
  Stmt s = every_kind();
  Stmt copy = Rebuilder().mutate(s);
  EXPECT_FALSE(copy.same_as(s));
  EXPECT_TRUE(structural_equal(copy, s));
  EXPECT_EQ(structural_hash(copy), structural_hash(s));
  EXPECT_EQ(to_string(copy), to_string(s));
  Kernel k = make_kernel("k", {}, {}, s);
  Kernel k_copy = Rebuilder().mutate_kernel(k);
  EXPECT_FALSE(k_copy.same_as(k));
  EXPECT_TRUE(structural_equal(k_copy, k));
}

TEST(KirMutator, SubstitutionFoldsAndSharesUnchangedParts) {
  Var i = make_var("i"), j = make_var("j");
  Buffer b = make_buffer("b", DType::kFloat32, std::vector<int64_t>{4, 8}, BufferKind::kInput);
  Expr untouched = load(b, j);
  Expr e = load(b, flat_index(b, {i, j})) + untouched;
  Expr zero_i = substitute(e, {{i, int_imm(0)}});
  EXPECT_EQ(to_string(zero_i), "b[j] + b[j]");
  // The right operand did not mention i: the very same node is reused.
  EXPECT_TRUE(zero_i.as<Binary>()->b.same_as(untouched));
  EXPECT_EQ(to_string(substitute(e, {{i, int_imm(2)}, {j, int_imm(3)}})), "b[19] + b[3]");
}

TEST(KirMutator, MutateBufferRenamesEveryUse) {
  Buffer old_buffer =
      make_buffer("old", DType::kFloat32, std::vector<int64_t>{8}, BufferKind::kInput);
  Buffer new_buffer =
      make_buffer("new", DType::kFloat32, std::vector<int64_t>{8}, BufferKind::kInput);
  class Swap : public IRMutator {
   public:
    Swap(Buffer from, Buffer to) : from_(std::move(from)), to_(std::move(to)) {}
    Buffer mutate_buffer(const Buffer& b) override { return b.same_as(from_) ? to_ : b; }

   private:
    Buffer from_, to_;
  };
  Stmt s = seq({store(old_buffer, int_imm(0), load(old_buffer, int_imm(1))),
                microkernel_call("k", {{old_buffer, int_imm(2)}}, {})});
  EXPECT_EQ(to_string(Swap(old_buffer, new_buffer).mutate(s)),
            "new[0] = new[1]\n"
            "microkernel k(&new[2])\n");
}

}  // namespace
}  // namespace stitch::kir
