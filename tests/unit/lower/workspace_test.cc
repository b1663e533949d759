// Tests of workspace hoisting (lower/workspace.h): scratch that runs once per kernel call and is
// large enough leaves the body for the arena; per-iteration and small scratch stay.
// Part of tests/unit/lower/.
#include "lower/workspace.h"

#include <gtest/gtest.h>

#include <vector>

#include "kir/kir.h"
#include "kir/printer.h"

namespace stitch::lower {
namespace {

kir::Buffer scratch(const char* name, int64_t floats) {
  return kir::make_buffer(name, DType::kFloat32, std::vector<int64_t>{floats},
                          kir::BufferKind::kScratch);
}

kir::Stmt touch(const kir::Buffer& b) {
  return kir::store(b, kir::int_imm(0), kir::float_imm(1.0));
}

TEST(Workspace, HoistsLargeOncePerCallScratchOnly) {
  kir::Buffer big = scratch("big", 1 << 20);            // 4 MiB, at the top: hoisted
  kir::Buffer nested = scratch("nested", 1 << 16);      // 256 KiB, inside a Seq: hoisted
  kir::Buffer small = scratch("small", 64);             // 256 B: stays (the stack)
  kir::Buffer per_iter = scratch("per_iter", 1 << 16);  // inside a loop: stays
  kir::Var i = kir::make_var("i");
  kir::Stmt loop = kir::for_loop(i, kir::int_imm(0), kir::int_imm(4), kir::ForKind::kParallel,
                                 kir::allocate(per_iter, touch(per_iter)));
  kir::Stmt body = kir::allocate(big, kir::seq({touch(big), kir::allocate(nested, touch(nested)),
                                                kir::allocate(small, touch(small)), loop}));
  ASSERT_NE(kir::to_string(body).find("allocate scratch big"), std::string::npos);
  std::vector<kir::Buffer> workspace;
  kir::Stmt out = hoist_workspace(body, &workspace);
  ASSERT_EQ(workspace.size(), 2u);
  EXPECT_TRUE(workspace[0].same_as(big));
  EXPECT_TRUE(workspace[1].same_as(nested));
  const std::string text = kir::to_string(out);
  EXPECT_EQ(text.find("allocate scratch big"), std::string::npos) << text;
  EXPECT_EQ(text.find("allocate scratch nested"), std::string::npos) << text;
  EXPECT_NE(text.find("small"), std::string::npos) << text;
  EXPECT_NE(text.find("per_iter"), std::string::npos) << text;
}

TEST(Workspace, BodyWithoutLargeScratchIsReturnedAsIs) {
  kir::Buffer small = scratch("small", 64);
  kir::Stmt body = kir::allocate(small, touch(small));
  std::vector<kir::Buffer> workspace;
  EXPECT_TRUE(hoist_workspace(body, &workspace).same_as(body));
  EXPECT_TRUE(workspace.empty());
}

}  // namespace
}  // namespace stitch::lower
