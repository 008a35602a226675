// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Every example in the README and docs/ runs, and its output is checked.
//
// An example is a ```console block in a Markdown file:
//
//   ```console
//   $ ckpt ls ../shared/testdata/tf/golf/ckpt-1
//   KEY  DTYPE  SHAPE  SIZE
//   ...
//   $ ckpt diff ../shared/testdata/tf/golf/ckpt-1
//   ../shared/testdata/tf/golf/ckpt-2
//   ...
//   [exit 1]
//   ```
//
// Lines starting with "$ " are commands, run with /bin/sh from the
// repository root with the built `ckpt` first on PATH and $OUT set to a
// fresh scratch directory (shared by the block's commands). The lines up to
// the next command are the expected output, stdout and stderr together,
// compared exactly after the scratch directory's path is replaced by "$OUT";
// a last line "[exit N]" gives the expected exit status
// (0 otherwise).
//
// The docs spell the TensorFlow vectors "../shared/testdata/tf"; the
// examples run against CKPT_TESTDATA_DIR instead (that spelling is replaced
// by its path in the commands, and the path by the spelling in the output).
// When the vectors are absent, an example that reads them is not run, and
// neither are the later examples of its block (they may use its output):
// each gets a visible note, the examples that can run still run, and any of
// them failing fails the test. Only a test case that ran no example at all
// reports "SKIPPED:" (which makes ctest mark it skipped).

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;

struct Example {
  int line = 0;  // of the command in the Markdown file
  std::string command;
  std::string expected;
  int exit_code = 0;
};

struct Block {
  int line = 0;
  std::vector<Example> examples;
};

std::vector<Block> ParseConsoleBlocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::vector<std::string> lines = absl::StrSplit(markdown, '\n');
  bool in_block = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (!in_block) {
      if (line == "```console") {
        in_block = true;
        blocks.push_back(Block{static_cast<int>(i + 1), {}});
      }
      continue;
    }
    if (line == "```") {
      in_block = false;
      continue;
    }
    Block& block = blocks.back();
    if (absl::StartsWith(line, "$ ")) {
      block.examples.push_back(
          Example{static_cast<int>(i + 1), line.substr(2), "", 0});
      continue;
    }
    if (block.examples.empty()) continue;  // text before the first command
    Example& ex = block.examples.back();
    absl::string_view rest = line;
    int code;
    if (absl::ConsumePrefix(&rest, "[exit ") &&
        absl::ConsumeSuffix(&rest, "]") && absl::SimpleAtoi(rest, &code)) {
      ex.exit_code = code;
      continue;
    }
    absl::StrAppend(&ex.expected, line, "\n");
  }
  REQUIRE_FALSE(in_block);  // an unterminated block is a doc bug
  return blocks;
}

// How the docs spell the TensorFlow vectors' directory.
constexpr char kDocTestData[] = "../shared/testdata/tf";

// Examples of one test case that ran, and that were not run for lack of the
// TensorFlow vectors.
struct ExampleCounts {
  int run = 0;
  int not_run = 0;
};

// Runs the examples of `relative_path` (CHECKing each), adds them to
// `counts`, and requires the file to hold at least `min_examples`, run or
// not.
void RunExamples(const std::string& relative_path, int min_examples,
                 ExampleCounts* counts) {
  const std::string root = CKPT_SOURCE_DIR;
  const std::string markdown = ReadFileOrDie(root + "/" + relative_path);
  const std::vector<Block> blocks = ParseConsoleBlocks(markdown);
  const std::string bin_dir = Dirname(ckpt::testing::CliPath());
  const std::string data_dir = ckpt::testing::TfTestDataDir();  // "": absent
  int examples = 0;
  for (const Block& block : blocks) {
    TempDir out;
    bool skipping = false;  // the rest of the block is not run
    for (const Example& ex : block.examples) {
      ++examples;
      INFO(relative_path << ":" << ex.line << ": $ " << ex.command);
      if (!skipping && data_dir.empty() &&
          absl::StrContains(ex.command, kDocTestData)) {
        skipping = true;
      }
      if (skipping) {
        WARN("not run (TensorFlow test vectors not found at "
             << CKPT_TESTDATA_DIR << "): " << relative_path << ":" << ex.line
             << ": $ " << ex.command);
        ++counts->not_run;
        continue;
      }
      std::string command = ex.command;
      if (!data_dir.empty()) {
        command = absl::StrReplaceAll(command, {{kDocTestData, data_dir}});
      }
      const std::string full = absl::StrCat(
          "cd '", root, "' && PATH='", bin_dir, "':\"$PATH\" OUT='", out.path(),
          "' CKPT_PROGRESS=0 ", "sh -c '",
          absl::StrReplaceAll(command, {{"'", "'\\''"}}), "' 2>&1");
      std::string output;
      const int code = ckpt::testing::RunCommand(full, &output);
      output = absl::StrReplaceAll(output, {{out.path(), "$OUT"}});
      if (!data_dir.empty()) {
        output = absl::StrReplaceAll(output, {{data_dir, kDocTestData}});
      }
      CHECK(output == ex.expected);
      CHECK(code == ex.exit_code);
      ++counts->run;
    }
  }
  INFO(relative_path);
  REQUIRE(examples >= min_examples);
}

// Ends a test case of examples: SKIPPED only if none of them could run (so
// that nothing that ran can be hidden by ctest's skip regex), else a note
// of how many were not run.
void ReportNotRun(const ExampleCounts& counts) {
  if (counts.not_run == 0) return;
  if (counts.run == 0) {
    WARN("SKIPPED: all " << counts.not_run
                         << " examples read the TensorFlow test vectors, "
                            "not found at "
                         << CKPT_TESTDATA_DIR);
    return;
  }
  WARN(counts.run << " examples run, " << counts.not_run
                  << " not run: TensorFlow test vectors not found at "
                  << CKPT_TESTDATA_DIR);
}

TEST_CASE("The console blocks of a Markdown file are parsed") {
  const std::vector<Block> blocks = ParseConsoleBlocks(
      "text\n```sh\n$ not run\n```\n```console\n$ echo a\na\n$ false\n"
      "[exit 1]\n```\n");
  REQUIRE(blocks.size() == 1);
  REQUIRE(blocks[0].examples.size() == 2);
  REQUIRE(blocks[0].examples[0].command == "echo a");
  REQUIRE(blocks[0].examples[0].expected == "a\n");
  REQUIRE(blocks[0].examples[1].exit_code == 1);
  REQUIRE(blocks[0].examples[1].expected.empty());
}

TEST_CASE("README.md examples") {
  ExampleCounts counts;
  RunExamples("README.md", 3, &counts);
  ReportNotRun(counts);
}

TEST_CASE("docs/cli.md examples") {
  ExampleCounts counts;
  RunExamples("docs/cli.md", 20, &counts);
  ReportNotRun(counts);
}

TEST_CASE("Every other docs/*.md file's examples") {
  const std::filesystem::path docs =
      std::filesystem::path(CKPT_SOURCE_DIR) / "docs";
  ExampleCounts counts;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(docs)) {
    if (entry.path().extension() != ".md" ||
        entry.path().filename() == "cli.md") {
      continue;
    }
    RunExamples("docs/" + entry.path().filename().string(), 0, &counts);
    ++files;
  }
  REQUIRE(files >= 5);  // format, errors, proto, guide, manager
  ReportNotRun(counts);
}

}  // namespace
}  // namespace ckpt
