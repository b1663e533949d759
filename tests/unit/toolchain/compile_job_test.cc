// Tests of the compile job's pure parts: unit validation and the compiler-log excerpt that error
// messages quote. Part of tests/unit/toolchain/; no compiler runs here.
#include "codegen/toolchain/compile_job.h"

#include <gtest/gtest.h>

namespace stitch::toolchain {
namespace {

TEST(CompileJobTest, ExcerptStartsAtTheFirstError) {
  std::string log =
      "k.cc: In function 'void error_handler()':\n"
      "k.cc:2:12: error: expected primary-expression\n"
      "    2 |   out[0] = ;\n"
      "k.cc:3:3: error: 'f' was not declared\n";
  EXPECT_EQ(first_error_lines(log, 2),
            "k.cc:2:12: error: expected primary-expression\n    2 |   out[0] = ;\n");
}

TEST(CompileJobTest, ExcerptWithoutAnErrorLineStartsAtTheTop) {
  EXPECT_EQ(first_error_lines("ld: something odd\nsecond\nthird\n", 2),
            "ld: something odd\nsecond\n");
  EXPECT_EQ(first_error_lines("", 5), "");
}

TEST(CompileJobTest, ValidatesUnitNames) {
  EXPECT_TRUE(validate_units({{"conv2d_relu.0", ""}, {"matmul-1", ""}}).is_ok());
  EXPECT_FALSE(validate_units({}).is_ok());
  EXPECT_FALSE(validate_units({{"", ""}}).is_ok());
  EXPECT_FALSE(validate_units({{".hidden", ""}}).is_ok());
  EXPECT_FALSE(validate_units({{"a/b", ""}}).is_ok());
  EXPECT_FALSE(validate_units({{"a b", ""}}).is_ok());
  Status twice = validate_units({{"k", "int a;"}, {"k", "int b;"}});
  ASSERT_FALSE(twice.is_ok());
  EXPECT_NE(twice.message().find("'k'"), std::string::npos);
}

}  // namespace
}  // namespace stitch::toolchain
