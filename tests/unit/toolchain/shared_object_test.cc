// Tests of the dlopen wrapper's errors: a missing library and a missing symbol are named.
// Part of tests/unit/toolchain/. Uses the C math library, so no compiler runs here.
#include "codegen/toolchain/shared_object.h"

#include <gtest/gtest.h>

namespace stitch::toolchain {
namespace {

// libm is on every glibc system; dlopen finds it by soname in the loader's search path.
constexpr const char* kLibm = "libm.so.6";

TEST(SharedObjectTest, MissingLibraryNamesThePath) {
  Expected<SharedObject> library = SharedObject::open("/nonexistent/kernels.so");
  ASSERT_FALSE(library);
  EXPECT_NE(library.status().message().find("/nonexistent/kernels.so"), std::string::npos);
}

TEST(SharedObjectTest, FindsAFunction) {
  Expected<SharedObject> library = SharedObject::open(kLibm);
  ASSERT_TRUE(library) << library.status().message();
  Expected<double (*)(double)> sqrt_fn = library->function<double(double)>("sqrt");
  ASSERT_TRUE(sqrt_fn) << sqrt_fn.status().message();
  EXPECT_EQ((*sqrt_fn)(16.0), 4.0);
}

TEST(SharedObjectTest, MissingSymbolNamesSymbolAndLibrary) {
  Expected<SharedObject> library = SharedObject::open(kLibm);
  ASSERT_TRUE(library) << library.status().message();
  Expected<void*> symbol = library->symbol("stitch_no_such_kernel");
  ASSERT_FALSE(symbol);
  EXPECT_NE(symbol.status().message().find("'stitch_no_such_kernel'"), std::string::npos);
  EXPECT_NE(symbol.status().message().find(kLibm), std::string::npos);
}

TEST(SharedObjectTest, MovedFromObjectNoLongerOwnsTheHandle) {
  Expected<SharedObject> library = SharedObject::open(kLibm);
  ASSERT_TRUE(library) << library.status().message();
  SharedObject moved = std::move(library).value();
  EXPECT_TRUE(moved.symbol("sqrt"));
  EXPECT_EQ(moved.path(), kLibm);
}

}  // namespace
}  // namespace stitch::toolchain
