// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Code excerpts in the docs are the code the tests run: a ```cpp block
// preceded by the line `<!-- excerpt: PATH -->` must appear, line for line,
// in PATH (relative to the repository root), which is a sample the tests
// build and run. docs/adapters.md uses them; this checks every docs/*.md.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;

struct Excerpt {
  int line = 0;      // of the marker
  std::string path;  // the file it is copied from
  std::string code;  // the block's lines, joined by '\n'
};

std::vector<Excerpt> ParseExcerpts(const std::string& markdown) {
  std::vector<Excerpt> out;
  const std::vector<std::string> lines = absl::StrSplit(markdown, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (!absl::ConsumePrefix(&line, "<!-- excerpt: ") ||
        !absl::ConsumeSuffix(&line, " -->")) {
      continue;
    }
    Excerpt e;
    e.line = static_cast<int>(i + 1);
    e.path = std::string(line);
    REQUIRE(i + 1 < lines.size());
    REQUIRE(lines[i + 1] == "```cpp");
    std::vector<std::string> code;
    size_t j = i + 2;
    for (; j < lines.size() && lines[j] != "```"; ++j) code.push_back(lines[j]);
    REQUIRE(j < lines.size());  // terminated
    REQUIRE_FALSE(code.empty());
    e.code = absl::StrJoin(code, "\n");
    out.push_back(std::move(e));
    i = j;
  }
  return out;
}

TEST_CASE("Markers and blocks are parsed") {
  const std::vector<Excerpt> e = ParseExcerpts(
      "text\n<!-- excerpt: samples/a.cc -->\n```cpp\nint x;\nint y;\n```\n"
      "```cpp\nnot an excerpt\n```\n");
  REQUIRE(e.size() == 1);
  REQUIRE(e[0].line == 2);
  REQUIRE(e[0].path == "samples/a.cc");
  REQUIRE(e[0].code == "int x;\nint y;");
}

TEST_CASE("Every excerpt in docs/ matches the sample it is copied from") {
  const std::filesystem::path root = CKPT_SOURCE_DIR;
  int excerpts = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root / "docs")) {
    if (entry.path().extension() != ".md") continue;
    for (const Excerpt& e : ParseExcerpts(ReadFileOrDie(entry.path()))) {
      INFO(entry.path().filename().string()
           << ":" << e.line << ": from " << e.path);
      REQUIRE(absl::StartsWith(e.path, "samples/"));
      const std::string source = ReadFileOrDie((root / e.path).string());
      REQUIRE(absl::StrContains(source, e.code));
      ++excerpts;
    }
  }
  REQUIRE(excerpts >= 4);  // docs/adapters.md
}

}  // namespace
}  // namespace ckpt
