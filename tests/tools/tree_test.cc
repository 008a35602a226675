// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `ckpt tree`, `tree --json` and `ckpt dot` on object graphs made
// to exhaust memory or output (issue 19; testing/crafted_graphs.h): a deep
// chain and a long name at the top of a chain are refused under the bound
// every reader applies (DataLoss, exit 4, naming the prefix and the limit);
// huge fan-out, many references to one long path and cycles print, with the
// exact output or an output linear in the graph's size. The golf and
// hand-made cases of `tree` are in cli_test.cc, of `dot` in dot_test.cc.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ckpt/object_graph.h"
#include "cli/cli.h"
#include "testing/crafted_graphs.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::Catch::Matchers::Contains;
using ::Catch::Matchers::StartsWith;
using ::ckpt::testing::AllocationScope;
using ::ckpt::testing::CommandResult;
using ::ckpt::testing::TempDir;

CommandResult Tree(const std::vector<std::string>& args) {
  return testing::RunCliFunction(cli::RunTree, args);
}

CommandResult Dot(const std::vector<std::string>& args) {
  return testing::RunCliFunction(cli::RunDot, args);
}

// The crafted graph written as the bundle `dir`/p; returns the prefix.
std::string WriteGraph(const TempDir& dir, const ObjectGraph& graph) {
  const std::string prefix = dir.Join("p");
  testing::WriteGraphBundleOrDie(prefix, graph);
  return prefix;
}

// Runs tree, tree --json and dot on `prefix`, each expected to be refused
// under the path bound with `nodes` in the message.
void CheckRefused(const std::string& prefix, int nodes) {
  const std::string want = absl::StrCat("object graph of '", prefix,
                                        "': the paths of the object graph's ",
                                        nodes, " nodes take ");
  for (const CommandResult& r : {Tree({prefix}), Tree({"--json", prefix})}) {
    INFO(r.err);
    CHECK(r.code == cli::kExitDataLoss);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("ckpt tree: " + want));
    CHECK_THAT(r.err, Contains("more than the limit of"));
    CHECK_THAT(r.err, Contains("1 GiB plus twice the"));
  }
  const CommandResult d = Dot({prefix});
  INFO(d.err);
  CHECK(d.code == cli::kExitDataLoss);
  CHECK(d.out.empty());
  CHECK_THAT(d.err, StartsWith("ckpt dot: " + want));
  CHECK_THAT(d.err, Contains("more than the limit of"));
}

TEST_CASE("tree, tree --json and dot refuse a deep chain", "[tree][crafted]") {
  // 100,000 nodes: about 1 MB of file, 10^10 bytes of paths.
  TempDir dir;
  const std::string prefix = WriteGraph(dir, testing::DeepChain(100'000));
  AllocationScope scope;
  CheckRefused(prefix, 100'000);
  CHECK(scope.peak_bytes() < (int64_t{256} << 20));
}

TEST_CASE("tree, tree --json and dot refuse a long name atop a chain",
          "[tree][crafted]") {
  // A 1 MiB name above 1,100 nodes: 1 MiB of file, 1.1 GiB of paths.
  TempDir dir;
  const std::string prefix =
      WriteGraph(dir, testing::LongNameChain(1100, size_t{1} << 20));
  AllocationScope scope;
  CheckRefused(prefix, 1100);
  CHECK(scope.peak_bytes() < (int64_t{256} << 20));
}

// The text tree of a chain of `nodes` nodes with "c" edges.
std::string ChainText(int nodes) {
  std::string want = "(root) (node 0)\n";
  for (int level = 1; level < nodes; ++level) {
    if (level <= 32) {
      want += std::string(2 * static_cast<size_t>(level), ' ');
    } else {
      absl::StrAppend(&want, std::string(64, ' '), "[depth ", level, "] ");
    }
    absl::StrAppend(&want, "c (node ", level, ")\n");
  }
  return want;
}

TEST_CASE("tree caps the indentation of a deep chain it accepts",
          "[tree][crafted]") {
  // 5,000 nodes: 25 MB of paths, under the bound; the text stays linear.
  TempDir dir;
  const int n = 5000;
  const std::string prefix = WriteGraph(dir, testing::DeepChain(n));
  const CommandResult text = Tree({prefix});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK(text.out == ChainText(n));
  CHECK(text.out.size() < 100 * size_t{n});
  CHECK_THAT(text.out,
             Contains("\n" + std::string(64, ' ') + "c (node 32)\n" +
                      std::string(64, ' ') + "[depth 33] c (node 33)\n"));

  // --json is flat: one line per node, its size the paths' plus O(nodes).
  const CommandResult json = Tree({"--json", prefix});
  REQUIRE(json.code == 0);
  const std::vector<std::string> lines = absl::StrSplit(json.out, '\n');
  REQUIRE(lines.size() == static_cast<size_t>(n) + 3);  // [, nodes, ], ""
  CHECK(lines[2] ==
        "  {\"id\": 1, \"path\": \"c\", \"children\": [{\"name\": \"c\", "
        "\"id\": 2}], \"attributes\": [], \"slots\": []},");
  const size_t path_bytes = (size_t{n} - 1) * (size_t{n} - 1);  // sum 2k-1
  CHECK(json.out.size() < path_bytes + 120 * size_t{n});
  CHECK(json.out.size() > path_bytes);

  // dot has no indentation: one node line and one edge line per node.
  const CommandResult dot = Dot({prefix});
  REQUIRE(dot.code == 0);
  CHECK_THAT(dot.out, Contains("  n4998 -> n4999 [label=\"c\"];\n"));
  CHECK(dot.out.size() < 80 * size_t{n});
}

TEST_CASE("tree, tree --json and dot print a huge fan-out linearly",
          "[tree][crafted]") {
  TempDir dir;
  const int n = 100'000;
  const std::string prefix = WriteGraph(dir, testing::FanOut(n));
  const CommandResult text = Tree({prefix});
  INFO(text.err);
  REQUIRE(text.code == 0);
  std::string want = "(root) (node 0)\n";
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&want, "  c", i, " (node ", i + 1, ")\n");
  }
  absl::StrAppend(&want, "    .ATTRIBUTES/VARIABLE_VALUE  float32 []  ",
                  testing::kCraftedKey, "\n");
  CHECK(text.out == want);

  const CommandResult json = Tree({"--json", prefix});
  REQUIRE(json.code == 0);
  CHECK(json.out.size() < 200 * size_t{n});
  CHECK_THAT(json.out, Contains("{\"name\": \"c99999\", \"id\": 100000}]"));

  const CommandResult dot = Dot({prefix});
  REQUIRE(dot.code == 0);
  CHECK(dot.out.size() < 100 * size_t{n});
  CHECK_THAT(dot.out, Contains("  n0 -> n100000 [label=\"c99999\"];\n"));
}

TEST_CASE("tree shows many references to a long path in O(1) each",
          "[tree][crafted]") {
  // 100,000 references to a node under a 1 MiB name: 100 GB if each
  // reference printed the path, 22 MB with the path cut to its tail.
  TempDir dir;
  const int refs = 100'000;
  const size_t name_bytes = size_t{1} << 20;
  const std::string prefix =
      WriteGraph(dir, testing::DeepReference(refs, name_bytes));
  const CommandResult text = Tree({prefix});
  INFO(text.err);
  REQUIRE(text.code == 0);
  const std::string tail = "..." + std::string(200, 'x');
  std::string want = absl::StrCat("(root) (node 0)\n  deep (node 1)\n    ",
                                  std::string(name_bytes, 'x'),
                                  " (node 2)\n      .ATTRIBUTES/VARIABLE_VALUE"
                                  "  float32 []  ",
                                  testing::kCraftedKey, "\n  refs (node 3)\n");
  for (int i = 0; i < refs; ++i) {
    absl::StrAppend(&want, "    r -> node 2 (see ", tail, ")\n");
  }
  CHECK(text.out.size() == want.size());
  const bool same = text.out == want;  // not printed: 22 MB
  CHECK(same);

  // --json prints each path once (in its node's object), references as ids.
  const CommandResult json = Tree({"--json", prefix});
  REQUIRE(json.code == 0);
  CHECK(json.out.size() < 2 * name_bytes + 40 * size_t{refs});

  const CommandResult dot = Dot({prefix});
  REQUIRE(dot.code == 0);
  CHECK(dot.out.size() < 2 * name_bytes + 40 * size_t{refs});
}

TEST_CASE("tree, tree --json and dot print cycles exactly", "[tree][crafted]") {
  TempDir dir;
  const std::string prefix = WriteGraph(dir, testing::Cycle());
  const CommandResult text = Tree({prefix});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK(text.out ==
        absl::StrCat("(root) (node 0)\n"
                     "  a (node 1)\n"
                     "    self -> node 1 (see a)\n"
                     "    b (node 2)\n"
                     "      .ATTRIBUTES/VARIABLE_VALUE  float32 []  ",
                     testing::kCraftedKey,
                     "\n"
                     "      back -> node 1 (see a)\n"
                     "    up -> node 0 (see (root))\n"
                     "  self_root -> node 0 (see (root))\n"));

  const CommandResult json = Tree({"--json", prefix});
  REQUIRE(json.code == 0);
  CHECK(json.out ==
        absl::StrCat(
            "[\n"
            "  {\"id\": 0, \"path\": \"\", \"children\": [{\"name\": \"a\", "
            "\"id\": 1}, {\"name\": \"self_root\", \"id\": 0}], "
            "\"attributes\": [], \"slots\": []},\n"
            "  {\"id\": 1, \"path\": \"a\", \"children\": [{\"name\": "
            "\"self\", \"id\": 1}, {\"name\": \"b\", \"id\": 2}, {\"name\": "
            "\"up\", \"id\": 0}], \"attributes\": [], \"slots\": []},\n"
            "  {\"id\": 2, \"path\": \"a/b\", \"children\": [{\"name\": "
            "\"back\", \"id\": 1}], \"attributes\": [{\"name\": "
            "\"VARIABLE_VALUE\", \"key\": \"",
            testing::kCraftedKey,
            "\", \"dtype\": \"float32\", \"shape\": []}], \"slots\": []}\n"
            "]\n"));

  const CommandResult dot = Dot({prefix});
  REQUIRE(dot.code == 0);
  CHECK(dot.out ==
        "digraph checkpoint {\n"
        "  rankdir=LR;\n"
        "  node [shape=box, fontname=\"Helvetica\"];\n"
        "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        "  n0 [label=\"(root)\", style=\"rounded,filled\", "
        "fillcolor=\"#eeeeee\"];\n"
        "  n1 [label=\"a\"];\n"
        "  n2 [label=\"b\\nfloat32 []\", shape=note, style=filled, "
        "fillcolor=\"#e3f2fd\"];\n"
        "  n0 -> n1 [label=\"a\"];\n"
        "  n0 -> n0 [label=\"self_root\"];\n"
        "  n1 -> n1 [label=\"self\"];\n"
        "  n1 -> n2 [label=\"b\"];\n"
        "  n1 -> n0 [label=\"up\"];\n"
        "  n2 -> n1 [label=\"back\"];\n"
        "}\n");
}

}  // namespace
}  // namespace ckpt
