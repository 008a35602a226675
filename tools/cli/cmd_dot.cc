// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt dot PATH`: prints a checkpoint's object graph as Graphviz DOT
// (contract in cli/cli.h). The graph is read like `ckpt tree` does: with
// ReadObjectGraph, and every attribute's dtype and shape from its index entry,
// so no tensor value is ever read.
//
// Output, deterministic (nodes in id order, then child edges in node and
// stored order, then slot edges in optimizer node and stored order):
//
//   digraph checkpoint {
//     rankdir=LR;
//     node [shape=box, fontname="Helvetica"];
//     edge [fontname="Helvetica", fontsize=10];
//     n0 [label="(root)"];
//     n9 [label="kernel\nfloat32 [7,64]", shape=note, style=filled,
//         fillcolor="#e3f2fd"];                        (on one line)
//     n0 -> n1 [label="net"];
//     n9 -> n20 [label="m", style=dashed, color="#1565c0", ...];
//   }
//
//   * One node `n<id>` per object. Its label is the last edge name of its
//     first path (breadth-first from the root, as NodePaths), or its slot name
//     for a slot variable no edge reaches; `(root)` for node 0 and
//     `(unreachable)` for nodes reached in no way (still drawn, dotted).
//   * Variables (nodes with a VARIABLE_VALUE attribute) are notes filled in a
//     light colour, labelled `name\n<dtype> [<shape>]` (`(no entry)` when
//     the index has no entry for the key). Other attributes add a line
//     `<attribute name>: <dtype> [<shape>]`.
//   * Every child edge is drawn (a shared object has several incoming
//     edges), labelled with its name; every slot reference is a dashed edge
//     from the original variable to the slot variable labelled with the slot
//     name.
//   * Escaping: every file-supplied string goes through DisplayText (control
//     characters and bytes that are not valid UTF-8 become \xNN, a backslash
//     becomes \\), then every `\` and `"` is escaped for a DOT quoted string.
//     The rendered label therefore reads exactly like `ckpt tree` output, the
//     DOT source is valid UTF-8 without control characters, and no byte
//     sequence can end a quoted string early or form a Graphviz label escape
//     (\n, \l, \N...) other than the line breaks added here.
//
// A checkpoint without an object graph (TF1) fails with FailedPrecondition
// (exit 5) suggesting `ckpt ls`; a missing data file holding the graph is
// NotFound (exit 3); a graph whose paths pass the bound every reader of an
// untrusted graph applies is DataLoss (exit 4, ReadGraphForDisplay), so
// `dot` refuses what `tree` refuses. Everything is built before anything is
// printed. No path is ever built or printed and there is no indentation:
// the output is linear in the size of the graph (each label and edge holds
// one name), and every loop is over nodes or edges, never a recursion.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "dot";
constexpr absl::string_view kVariableAttribute = "VARIABLE_VALUE";

struct DotData {
  ObjectGraph graph;
  // Per node, per attribute: the index entry of its key, if there is one.
  std::vector<std::vector<std::optional<BundleEntry>>> entries;
};

absl::StatusOr<DotData> LoadGraph(Env* env, const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, prefix);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<ObjectGraph> graph = ReadGraphForDisplay(**reader, prefix);
  if (!graph.ok()) return graph.status();
  DotData data;
  data.graph = *std::move(graph);
  data.entries.resize(data.graph.nodes.size());
  for (size_t i = 0; i < data.graph.nodes.size(); ++i) {
    for (const ObjectGraph::Attribute& a : data.graph.nodes[i].attributes) {
      absl::StatusOr<BundleEntry> entry = (*reader)->GetEntry(a.checkpoint_key);
      if (entry.ok()) {
        data.entries[i].push_back(*std::move(entry));
      } else if (absl::IsNotFound(entry.status())) {
        data.entries[i].push_back(std::nullopt);
      } else {
        return entry.status();
      }
    }
  }
  return data;
}

// The contents of a DOT quoted string (without the quotes) showing `bytes`
// as DisplayText does.
std::string DotEscape(absl::string_view bytes) {
  const std::string display = DisplayText(bytes);
  std::string out;
  out.reserve(display.size());
  for (const char c : display) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string TypeText(const std::optional<BundleEntry>& entry) {
  if (!entry) return "(no entry)";
  return absl::StrCat(DataTypeDisplayName(static_cast<int32_t>(entry->dtype)),
                      " [", absl::StrJoin(entry->shape.dims(), ","), "]");
}

// The name shown for every node (raw bytes; escaped when printed): the last
// edge name of its first path, breadth-first from the root, or the slot name
// of its first slot reference; nullopt for the root and unreachable nodes.
std::vector<std::optional<std::string>> NodeNames(const ObjectGraph& graph) {
  const size_t n = graph.nodes.size();
  std::vector<std::optional<std::string>> names(n);
  std::vector<bool> seen(n, false);
  std::deque<size_t> queue;
  if (n > 0) {
    seen[0] = true;
    queue.push_back(0);
  }
  while (!queue.empty()) {
    const size_t node = queue.front();
    queue.pop_front();
    for (const ObjectGraph::Child& c : graph.nodes[node].children) {
      const size_t child = static_cast<size_t>(c.node_id);
      if (child >= n || seen[child]) continue;
      seen[child] = true;
      names[child] = c.local_name;
      queue.push_back(child);
    }
  }
  for (const ObjectGraph::Node& opt : graph.nodes) {
    for (const ObjectGraph::Slot& s : opt.slots) {
      const size_t slot = static_cast<size_t>(s.slot_node_id);
      if (slot >= n || seen[slot]) continue;
      seen[slot] = true;
      names[slot] = s.slot_name;
    }
  }
  return names;
}

bool InRange(int id, size_t n) {
  return id >= 0 && static_cast<size_t>(id) < n;
}

std::string RenderDot(const DotData& data) {
  const ObjectGraph& graph = data.graph;
  const size_t n = graph.nodes.size();
  const std::vector<std::optional<std::string>> names = NodeNames(graph);
  std::string text =
      "digraph checkpoint {\n"
      "  rankdir=LR;\n"
      "  node [shape=box, fontname=\"Helvetica\"];\n"
      "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (size_t i = 0; i < n; ++i) {
    const ObjectGraph::Node& node = graph.nodes[i];
    std::string label;
    if (names[i]) {
      label = DotEscape(*names[i]);
    } else {
      label = i == 0 ? "(root)" : "(unreachable)";
    }
    bool variable = false;
    std::string extra;  // lines for attributes other than VARIABLE_VALUE
    for (size_t a = 0; a < node.attributes.size(); ++a) {
      const ObjectGraph::Attribute& attr = node.attributes[a];
      if (!variable && attr.name == kVariableAttribute) {
        variable = true;
        absl::StrAppend(&label, "\\n", TypeText(data.entries[i][a]));
      } else {
        absl::StrAppend(&extra, "\\n", DotEscape(attr.name), ": ",
                        TypeText(data.entries[i][a]));
      }
    }
    absl::StrAppend(&text, "  n", i, " [label=\"", label, extra, "\"");
    if (variable) {
      text += ", shape=note, style=filled, fillcolor=\"#e3f2fd\"";
    } else if (i == 0) {
      text += ", style=\"rounded,filled\", fillcolor=\"#eeeeee\"";
    } else if (!names[i]) {
      text += ", style=dotted";
    }
    text += "];\n";
  }
  for (size_t i = 0; i < n; ++i) {
    for (const ObjectGraph::Child& c : graph.nodes[i].children) {
      if (!InRange(c.node_id, n)) continue;
      absl::StrAppend(&text, "  n", i, " -> n", c.node_id, " [label=\"",
                      DotEscape(c.local_name), "\"];\n");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (const ObjectGraph::Slot& s : graph.nodes[i].slots) {
      if (!InRange(s.original_node_id, n) || !InRange(s.slot_node_id, n)) {
        continue;
      }
      absl::StrAppend(&text, "  n", s.original_node_id, " -> n", s.slot_node_id,
                      " [label=\"", DotEscape(s.slot_name),
                      "\", style=dashed, color=\"#1565c0\", "
                      "fontcolor=\"#1565c0\"];\n");
    }
  }
  text += "}\n";
  return text;
}

}  // namespace

int RunDot(Env* env, absl::Span<const std::string> args, std::ostream& out,
           std::ostream& err) {
  static constexpr absl::string_view kPositional[] = {"PATH"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, {}, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  absl::StatusOr<std::string> prefix =
      ResolvePrefix(env, parsed->positional[0]);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<DotData> data = LoadGraph(env, *prefix);
  if (!data.ok()) return ReportError(err, kCommand, data.status());
  out << RenderDot(*data);
  return kExitOk;
}

}  // namespace ckpt::cli
