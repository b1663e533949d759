// Tests of compiler discovery: PATH search, explicit paths, and the advice when none is found.
// Part of tests/unit/toolchain/.
#include "codegen/toolchain/compiler.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace stitch::toolchain {
namespace {

bool mentions(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(CompilerTest, FindsACompilerOnTheDefaultPath) {
  Expected<CompilerInfo> compiler = find_compiler({});
  ASSERT_TRUE(compiler) << compiler.status().message();
  EXPECT_EQ(compiler->path.front(), '/');
  EXPECT_FALSE(compiler->version.empty());
  EXPECT_EQ(compiler->version.find('\n'), std::string::npos);
}

TEST(CompilerTest, ExplicitBareNameIsLookedUpInTheSearchPath) {
  Expected<CompilerInfo> found = find_compiler({});
  ASSERT_TRUE(found) << found.status().message();
  std::string dir = found->path.substr(0, found->path.rfind('/'));
  std::string name = found->path.substr(found->path.rfind('/') + 1);
  Expected<CompilerInfo> again = find_compiler({name, "/nonexistent:" + dir});
  ASSERT_TRUE(again) << again.status().message();
  EXPECT_EQ(again->path, found->path);
}

TEST(CompilerTest, MissingExplicitPathGivesTheAdvice) {
  Expected<CompilerInfo> compiler = find_compiler({"/nonexistent/bin/g++", ""});
  ASSERT_FALSE(compiler);
  EXPECT_TRUE(mentions(compiler.status(), "/nonexistent/bin/g++")) << compiler.status().message();
  EXPECT_TRUE(mentions(compiler.status(), "install g++ (apt-get install g++) or pass --cxx PATH"));
}

TEST(CompilerTest, EmptySearchPathGivesNoCompilerFound) {
  TempDir empty;
  ASSERT_TRUE(empty.ok());
  Expected<CompilerInfo> compiler = find_compiler({"", empty.path()});
  ASSERT_FALSE(compiler);
  EXPECT_TRUE(mentions(compiler.status(), "no C++ compiler found")) << compiler.status().message();
  EXPECT_TRUE(mentions(compiler.status(), "install g++ (apt-get install g++) or pass --cxx PATH"));
}

TEST(CompilerTest, ProgramThatIsNotACompilerIsRejected) {
  Expected<CompilerInfo> compiler = find_compiler({"/bin/false", ""});
  ASSERT_FALSE(compiler);
  EXPECT_TRUE(mentions(compiler.status(), "--version' failed")) << compiler.status().message();
}

TEST(CompilerTest, FindInPathSkipsEmptyEntriesAndMissingDirectories) {
  EXPECT_EQ(find_in_path("sh", "::/nonexistent:/bin"), "/bin/sh");
  EXPECT_EQ(find_in_path("no-such-program-stitch", "/bin:/usr/bin"), "");
}

}  // namespace
}  // namespace stitch::toolchain
