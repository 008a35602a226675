// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `ckpt dot PATH` (RunDot, cli/cli.h): the exact DOT text for a small
// checkpoint written here (a shared object, an optimizer slot, a custom
// attribute, names with quotes, backslashes, newlines, control bytes and
// UTF-8; names that are not UTF-8 cannot be stored, as the graph's proto
// string fields reject them), structural checks on TensorFlow's golf
// checkpoint, a hand-made graph with an unreachable node and a missing entry,
// and the error exits. A small DOT lexer checks that every output is
// well-formed: no control characters, every quoted string closes on its line
// and holds only the escapes \\, \" and \n. Graphviz's `dot` must accept
// the outputs: those cases need Graphviz (scripts/setup-deps.sh installs it)
// and fail without it when CI=true; elsewhere they alone are skipped
// ("SKIPPED:").

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "cli/cli.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::Catch::Matchers::Contains;
using ::Catch::Matchers::StartsWith;
using ::ckpt::testing::RunCommand;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;
using ::ckpt::testing::WriteFileOrDie;

using DotResult = testing::CommandResult;

DotResult Dot(const std::vector<std::string>& args) {
  return testing::RunCliFunction(cli::RunDot, args);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Checks the DOT text lexically: printable ASCII or UTF-8 only (no control
// characters but the newlines ending lines), every `"` string closes on its
// own line, and inside strings a backslash is always followed by `\`, `"` or
// `n` (the line breaks ckpt adds). Returns "" or the first problem.
std::string LexProblem(const std::string& dot) {
  if (!absl::StartsWith(dot, "digraph checkpoint {\n")) return "bad start";
  if (!absl::EndsWith(dot, "\n}\n")) return "bad end";
  for (const std::string& line : Lines(dot)) {
    bool in_string = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      if (c < 0x20 || c == 0x7f) return "control character in: " + line;
      if (!in_string) {
        if (c == '"') in_string = true;
        continue;
      }
      if (c == '"') {
        in_string = false;
      } else if (c == '\\') {
        if (i + 1 >= line.size()) return "dangling backslash in: " + line;
        const char next = line[i + 1];
        if (next != '\\' && next != '"' && next != 'n') {
          return "escape \\" + std::string(1, next) + " in: " + line;
        }
        ++i;
      }
    }
    if (in_string) return "unterminated string in: " + line;
  }
  return "";
}

// The number of lines of `dot` that contain `needle`.
size_t CountLines(const std::string& dot, absl::string_view needle) {
  size_t n = 0;
  for (const std::string& line : Lines(dot)) {
    if (absl::StrContains(line, needle)) ++n;
  }
  return n;
}

// Returns false if Graphviz's `dot` is on PATH. Otherwise fails the test
// case when the environment variable CI is "true" (CI installs Graphviz, so
// its absence there is a setup bug, not a reason to skip), and elsewhere
// prints "SKIPPED: ..." (ctest marks the case skipped) and returns true.
// Use: `if (SkipWithoutGraphviz()) return;` first in a case, before any
// check, so that the skip hides nothing.
bool SkipWithoutGraphviz() {
  std::string out;
  if (RunCommand("command -v dot >/dev/null 2>&1", &out) == 0) return false;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") {
    FAIL(
        "Graphviz's `dot` is not on PATH but CI=true: CI must install it "
        "(scripts/setup-deps.sh installs the graphviz package)");
  }
  WARN(
      "SKIPPED: Graphviz's `dot` is not on PATH (install the graphviz "
      "package; with CI=true this case fails instead)");
  return true;
}

// `dot -Tplain` (Graphviz) accepts the text. Requires Graphviz: see
// SkipWithoutGraphviz.
void CheckGraphvizAccepts(const std::string& dot) {
  std::string out;
  TempDir tmp;
  const std::string file = tmp.Join("g.dot");
  WriteFileOrDie(file, dot);
  std::string err;
  const int rc =
      RunCommand("dot -Tplain '" + file + "' >/dev/null", &out, &err);
  INFO(err);
  CHECK(rc == 0);
}

// ---- a hand-made checkpoint ----

class Layer : public Trackable {
 public:
  explicit Layer(std::shared_ptr<Variable> shared)
      : shared_(std::move(shared)) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("kernel", kernel);
    visit("table", shared_);
    visit(odd_name, odd);
  }
  void VisitAttributes(AttributeVisitor& visit) override {
    visit.Custom(
        "state", []() -> absl::StatusOr<Tensor> { return Tensor::Scalar(7); },
        [](const Tensor&) { return absl::OkStatus(); });
  }
  static inline const std::string odd_name =
      std::string("a \"q\" b\\n\nc\xc3\xa9");
  Variable kernel{DataType::kFloat, {2, 3}};
  Variable odd{DataType::kDouble, {}};

 private:
  std::shared_ptr<Variable> shared_;
};

class Model : public Trackable {
 public:
  Model()
      : table_(std::make_shared<Variable>(DataType::kInt64, TensorShape{4})),
        layer(table_) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("layer", layer);
    visit("table", table_);  // the same object as layer/table
  }
  std::shared_ptr<Variable> table_;
  Layer layer;
};

class Optimizer : public Trackable {
 public:
  explicit Optimizer(Variable* var) : var_(var) {}
  void VisitChildren(ChildVisitor& visit) override { visit("iter", iter_); }
  void VisitSlots(SlotVisitor& visit) override {
    visit.Slot("momentum", *var_, momentum_);
  }

 private:
  Variable* var_;
  Variable iter_{DataType::kInt64, {}};
  Variable momentum_{DataType::kFloat, {2, 3}};
};

// Writes the checkpoint of Model and Optimizer in `tmp`; returns its prefix.
std::string WriteSmallCheckpoint(const TempDir& tmp) {
  Model model;
  Optimizer opt(&model.layer.kernel);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  CKPT_REQUIRE_OK(ckpt.Track("opt", opt));
  const std::string prefix = tmp.Join("ckpt");
  CKPT_REQUIRE_OK(ckpt.Write(prefix));
  return prefix;
}

TEST_CASE("dot prints the exact graph of a small checkpoint", "[cli][dot]") {
  TempDir tmp;
  const std::string prefix = WriteSmallCheckpoint(tmp);

  const DotResult r = Dot({prefix});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  // Node ids: breadth-first over children (model, opt), slots last.
  const std::string want =
      "digraph checkpoint {\n"
      "  rankdir=LR;\n"
      "  node [shape=box, fontname=\"Helvetica\"];\n"
      "  edge [fontname=\"Helvetica\", fontsize=10];\n"
      "  n0 [label=\"(root)\", style=\"rounded,filled\", "
      "fillcolor=\"#eeeeee\"];\n"
      "  n1 [label=\"model\"];\n"
      "  n2 [label=\"opt\"];\n"
      "  n3 [label=\"layer\\nstate: int32 []\"];\n"
      "  n4 [label=\"table\\nint64 [4]\", shape=note, style=filled, "
      "fillcolor=\"#e3f2fd\"];\n"
      "  n5 [label=\"iter\\nint64 []\", shape=note, style=filled, "
      "fillcolor=\"#e3f2fd\"];\n"
      "  n6 [label=\"kernel\\nfloat32 [2,3]\", shape=note, style=filled, "
      "fillcolor=\"#e3f2fd\"];\n"
      // The odd name: `"` -> \", `\` -> \\\\ (DisplayText's \\ escaped),
      // newline -> \\x0a, UTF-8 unchanged.
      "  n7 [label=\"a \\\"q\\\" b\\\\\\\\n\\\\x0ac\xc3\xa9\\nfloat64 []\", "
      "shape=note, style=filled, fillcolor=\"#e3f2fd\"];\n"
      "  n8 [label=\"momentum\\nfloat32 [2,3]\", shape=note, style=filled, "
      "fillcolor=\"#e3f2fd\"];\n"
      "  n0 -> n1 [label=\"model\"];\n"
      "  n0 -> n2 [label=\"opt\"];\n"
      "  n1 -> n3 [label=\"layer\"];\n"
      "  n1 -> n4 [label=\"table\"];\n"
      "  n2 -> n5 [label=\"iter\"];\n"
      "  n3 -> n6 [label=\"kernel\"];\n"
      "  n3 -> n4 [label=\"table\"];\n"
      "  n3 -> n7 [label=\"a \\\"q\\\" b\\\\\\\\n\\\\x0ac\xc3\xa9\"];\n"
      "  n6 -> n8 [label=\"momentum\", style=dashed, color=\"#1565c0\", "
      "fontcolor=\"#1565c0\"];\n"
      "}\n";
  CHECK(r.out == want);
  CHECK(LexProblem(r.out).empty());
  // Any PATH form works.
  CHECK(Dot({prefix + ".index"}).out == r.out);
  CHECK(Dot({tmp.path()}).out == r.out);
}

// ---- a graph written by hand: unreachable node, missing entry ----

// Writes, in `tmp`, a bundle whose object graph has an unreachable node (with
// an attribute without entry and a slot with an odd name); returns its
// prefix.
std::string WriteHandMadeGraph(const TempDir& tmp) {
  const std::string prefix = tmp.Join("hand");
  ObjectGraph g;
  g.nodes.resize(4);
  g.nodes[0].children = {{1, "v"}, {1, "again"}};
  g.nodes[1].attributes = {
      {"VARIABLE_VALUE", "", "v/.ATTRIBUTES/VARIABLE_VALUE", false}};
  // Node 2 is reached in no way; node 3 only as a slot of node 1.
  g.nodes[2].attributes = {
      {"VARIABLE_VALUE", "", "missing/.ATTRIBUTES/VARIABLE_VALUE", false}};
  g.nodes[2].slots = {{1, std::string("s\"\\\x01", 4), 3}};
  {
    BundleWriterOptions options;
    options.sync = false;
    absl::StatusOr<std::unique_ptr<BundleWriter>> w =
        BundleWriter::Create(Env::Default(), prefix, options);
    CKPT_REQUIRE_OK(w);
    CKPT_REQUIRE_OK(
        (*w)->Add("v/.ATTRIBUTES/VARIABLE_VALUE", Tensor::Scalar<float>(1.0f)));
    absl::StatusOr<Tensor> bytes =
        Tensor::FromStrings({}, {SerializeObjectGraph(g)});
    CKPT_REQUIRE_OK(bytes);
    CKPT_REQUIRE_OK((*w)->Add(kObjectGraphKey, *bytes));
    CKPT_REQUIRE_OK((*w)->Finish());
  }
  return prefix;
}

TEST_CASE("dot draws unreachable nodes and attributes without entries",
          "[cli][dot]") {
  TempDir tmp;
  const std::string prefix = WriteHandMadeGraph(tmp);
  const DotResult r = Dot({prefix});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::vector<std::string> lines = Lines(r.out);
  const std::vector<std::string> want = {
      "  n0 [label=\"(root)\", style=\"rounded,filled\", "
      "fillcolor=\"#eeeeee\"];",
      "  n1 [label=\"v\\nfloat32 []\", shape=note, style=filled, "
      "fillcolor=\"#e3f2fd\"];",
      "  n2 [label=\"(unreachable)\\n(no entry)\", shape=note, style=filled, "
      "fillcolor=\"#e3f2fd\"];",
      "  n3 [label=\"s\\\"\\\\\\\\\\\\x01\"];",
      "  n0 -> n1 [label=\"v\"];",
      "  n0 -> n1 [label=\"again\"];",
      "  n1 -> n3 [label=\"s\\\"\\\\\\\\\\\\x01\", style=dashed, "
      "color=\"#1565c0\", fontcolor=\"#1565c0\"];",
  };
  REQUIRE(lines.size() == 4 + want.size() + 1);
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("line " << i);
    CHECK(lines[4 + i] == want[i]);
  }
  CHECK(LexProblem(r.out).empty());
}

// ---- TensorFlow's golf checkpoint ----

TEST_CASE("dot on golf has every node once and the slot edges",
          "[cli][dot][tf]") {
  if (SkipWithoutTfTestData()) return;
  const DotResult r = Dot({TfPath("golf/ckpt-1")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(LexProblem(r.out).empty());
  const std::vector<std::string> lines = Lines(r.out);
  size_t nodes = 0;
  size_t child_edges = 0;
  size_t slot_edges = 0;
  for (const std::string& line : lines) {
    if (absl::StrContains(line, " -> ")) {
      ++(absl::StrContains(line, "style=dashed") ? slot_edges : child_edges);
    } else if (absl::StartsWith(line, "  n") && line.size() > 3 &&
               absl::ascii_isdigit(static_cast<unsigned char>(line[3]))) {
      ++nodes;
    }
  }
  CHECK(nodes == 32);
  CHECK(slot_edges == 12);  // m and v for 6 variables
  // 19 edges of a spanning tree of the 20 non-slot nodes, and the 3 second
  // edges (layer-N) to shared layers.
  CHECK(child_edges == 22);
  for (int id = 0; id < 32; ++id) {
    INFO("node " << id);
    CHECK(CountLines(r.out, absl::StrCat("  n", id, " [label=")) == 1);
  }
  CHECK(CountLines(r.out, "  n0 [label=\"(root)\"") == 1);
  CHECK(CountLines(r.out, "(unreachable)") == 0);
  CHECK(CountLines(r.out,
                   "  n9 [label=\"kernel\\nfloat32 [7,64]\", "
                   "shape=note") == 1);
  CHECK(CountLines(r.out, "  n9 -> n20 [label=\"m\", style=dashed") == 1);
  CHECK(CountLines(r.out, "  n9 -> n26 [label=\"v\", style=dashed") == 1);
  // The shared layer is one node with two incoming edges.
  CHECK(CountLines(r.out, "  n1 -> n5 [label=\"layer_with_weights-0\"]") == 1);
  CHECK(CountLines(r.out, "  n1 -> n5 [label=\"layer-1\"]") == 1);
  // 6 model and 5 optimizer variables, 12 slots, step and save_counter.
  CHECK(CountLines(r.out, "shape=note") == 25);
  // Any PATH form gives the same text.
  CHECK(Dot({TfPath("golf/ckpt-1.index")}).out == r.out);
}

// ---- Graphviz accepts the outputs ----

TEST_CASE("Graphviz's dot accepts the graphs of the hand-made checkpoints",
          "[cli][dot][graphviz]") {
  if (SkipWithoutGraphviz()) return;
  TempDir tmp;
  for (const std::string& prefix :
       {WriteSmallCheckpoint(tmp), WriteHandMadeGraph(tmp)}) {
    INFO(prefix);
    const DotResult r = Dot({prefix});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CheckGraphvizAccepts(r.out);
  }
}

TEST_CASE("Graphviz's dot accepts the graph of golf",
          "[cli][dot][graphviz][tf]") {
  if (SkipWithoutGraphviz() || SkipWithoutTfTestData()) return;
  const DotResult r = Dot({TfPath("golf/ckpt-1")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CheckGraphvizAccepts(r.out);
}

// ---- errors ----

TEST_CASE("dot refuses a TF1 checkpoint with exit 5", "[cli][dot][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector :
       {"saved_model_half_plus_three/variables", "saved_model_counter"}) {
    INFO(vector);
    const DotResult r = Dot({TfPath(vector)});
    CHECK(r.code == 5);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("ckpt dot: "));
    CHECK_THAT(r.err, Contains("no object graph"));
    CHECK_THAT(r.err, Contains("ckpt ls"));
  }
}

TEST_CASE("dot on a missing file exits 3", "[cli][dot]") {
  TempDir tmp;
  const DotResult r = Dot({tmp.Join("nothing")});
  CHECK(r.code == 3);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("ckpt dot: "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("dot --help and usage errors", "[cli][dot][usage]") {
  DotResult r = Dot({"--help"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, StartsWith("usage: ckpt dot PATH"));
  CHECK(Dot({}).code == 2);
  CHECK(Dot({"a", "b"}).code == 2);
  r = Dot({"--json", "a"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, StartsWith("ckpt dot: "));
}

}  // namespace
}  // namespace ckpt
