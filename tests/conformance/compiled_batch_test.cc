// Tests of the conformance runner's batched kernel build: units of several cases share one
// library, a unit that does not compile is reported for its case alone, and units survive the
// trip through a pipe. Part of tests/conformance/; runs the system C++ compiler.
#include "compiled_batch.h"

#include <gtest/gtest.h>

#include "codegen/cpp/prelude.h"
#include "runtime/shared_object.h"

namespace stitch::conformance {
namespace {

// A unit shaped like the emitter's: header, prelude, helpers, then an extern "C" function.
toolchain::TranslationUnit emitted_unit(const std::string& name, const std::string& body) {
  return {name,
          str_cat("// Generated for a test.\n", codegen::cpp::kPreludeHead, "\nnamespace {\n\n",
                  codegen::cpp::kPreludeHelpers, "\n}  // namespace\n", body)};
}

CaseUnits returns(const std::string& case_name, int value) {
  return {case_name,
          {emitted_unit("kernels_0",
                        str_cat("extern \"C\" int ", case_name, "_k0() { return stitch_floordiv(",
                                2 * value - 1, ", 2) + 1; }\n"))}};
}

toolchain::Toolchain make_toolchain() {
  auto tc = toolchain::Toolchain::create(toolchain::ToolchainOptions{});
  EXPECT_TRUE(tc.is_ok()) << tc.status().message();
  return std::move(tc).value();
}

int call(const std::string& library, const std::string& symbol) {
  auto lib = runtime::SharedObject::open(library);
  EXPECT_TRUE(lib.is_ok()) << lib.status().message();
  auto fn = lib->function<int()>(symbol);
  EXPECT_TRUE(fn.is_ok()) << fn.status().message();
  return (*fn)();
}

TEST(CompiledBatch, CasesShareOneLibrary) {
  std::vector<CaseUnits> cases = {returns("a", 1), returns("b", 2), returns("c", 3)};
  toolchain::Toolchain tc = make_toolchain();
  auto built = build_batches(cases, tc, BatchOptions{});
  ASSERT_EQ(built.size(), 3u);
  for (const auto& b : built) ASSERT_TRUE(b.is_ok()) << b.status().message();
  EXPECT_EQ(built[0]->library_path, built[2]->library_path);
  EXPECT_EQ(call(built[0]->library_path, "a_k0"), 1);
  EXPECT_EQ(call(built[1]->library_path, "b_k0"), 2);
  EXPECT_EQ(call(built[2]->library_path, "c_k0"), 3);
  EXPECT_EQ(tc.stats().builds, 1);
}

TEST(CompiledBatch, ACompileErrorFailsOnlyItsCase) {
  std::vector<CaseUnits> cases = {returns("a", 1), returns("b", 2), returns("c", 3),
                                  returns("d", 4)};
  cases[2].units[0].source += "this does not compile;\n";
  toolchain::Toolchain tc = make_toolchain();
  auto built = build_batches(cases, tc, BatchOptions{});
  ASSERT_FALSE(built[2].is_ok());
  EXPECT_NE(built[2].status().message().find("kernels_0"), std::string::npos)
      << built[2].status().message();
  EXPECT_EQ(call(built[0]->library_path, "a_k0"), 1);
  EXPECT_EQ(call(built[1]->library_path, "b_k0"), 2);
  EXPECT_EQ(call(built[3]->library_path, "d_k0"), 4);
}

TEST(CompiledBatch, UnitsWithTheirOwnPreludeDoNotClash) {
  auto own = [](const std::string& case_name, int value) {
    return CaseUnits{
        case_name,
        {{"kernels_0", str_cat("#include <cmath>\nnamespace {\nint helper() { return ", value,
                               "; }\n}\nextern \"C\" int ", case_name,
                               "_k0() { return helper() + int(std::floor(0.5)); }\n")}}};
  };
  std::vector<CaseUnits> cases = {own("a", 5), own("b", 6), returns("c", 7)};
  std::string text = concatenate_units({&cases[0], &cases[1], &cases[2]});
  EXPECT_EQ(text.find("#include", text.find("namespace stitch_unit")), std::string::npos) << text;
  toolchain::Toolchain tc = make_toolchain();
  auto built = build_batches(cases, tc, BatchOptions{});
  for (const auto& b : built) ASSERT_TRUE(b.is_ok()) << b.status().message();
  EXPECT_EQ(tc.stats().builds, 1);
  EXPECT_EQ(call(built[0]->library_path, "a_k0"), 5);
  EXPECT_EQ(call(built[1]->library_path, "b_k0"), 6);
  EXPECT_EQ(call(built[2]->library_path, "c_k0"), 7);
}

TEST(CompiledBatch, UnitsRoundTrip) {
  std::vector<toolchain::TranslationUnit> units = {{"kernels_0", "int x;\n"},
                                                   {"kernels_1", std::string("a\0b 3\n", 6)}};
  auto parsed = parse_units(serialize_units(units));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].name, "kernels_1");
  EXPECT_EQ((*parsed)[1].source, units[1].source);
  EXPECT_FALSE(parse_units(serialize_units(units).substr(0, 20)).is_ok());
}

}  // namespace
}  // namespace stitch::conformance
