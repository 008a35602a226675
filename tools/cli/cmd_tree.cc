// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt tree PATH [--json]`: prints a checkpoint's object graph (contract and
// output format in cli/cli.h). The graph is read with ReadObjectGraph and
// every attribute's dtype and shape come from its index entry (GetEntry), so
// no tensor value is ever read. Everything is collected before anything is
// printed, so a failure never leaves half a tree or invalid JSON on stdout.
//
// The text form is a depth-first walk of the "home" tree: a node's home is
// the edge of its first path (breadth-first from the root, as TensorFlow
// names nodes), or, for slot variables that no edge reaches, their first slot
// reference. Every node is printed once, at its home; any other edge to it is
// printed as a reference. The walk uses an explicit stack: graphs from files
// are untrusted and may be arbitrarily deep.
//
// Bounded output and memory (graphs from files may be made to blow up):
//   * the graph and its paths are read under the bound every reader of an
//     untrusted graph applies (ReadGraphForDisplay, NodePathTable::Limit);
//   * a line's indentation stops growing at kMaxIndentLevels: deeper lines
//     are indented as that level and start with `[depth N] `, so a deep chain
//     prints O(nodes) bytes, not O(nodes^2);
//   * a path shown in a reference (`see PATH`, a slot's optimizer path) is
//     cut to its last kMaxShownPathBytes bytes after `...`, so many
//     references to a deep node cost O(1) each, in bytes and in time;
//   * --json is flat (one object per node in id order, no nesting): its size
//     is linear in the graph plus the paths, which the bound caps.
// So text output is O(nodes + edges + slots + attributes + string bytes).

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
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "graph/graph_table.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "tree";
// Levels indented two spaces each; deeper lines say their depth instead.
constexpr size_t kMaxIndentLevels = 32;
// Bytes of a path shown in a reference line (before DisplayText escaping).
constexpr size_t kMaxShownPathBytes = 200;

// The dtype and shape of one attribute's entry; nullopt when the index has
// no entry under its checkpoint_key.
struct AttributeInfo {
  std::optional<BundleEntry> entry;
};

struct TreeData {
  std::string prefix;
  ObjectGraph graph;
  graph::NodePathTable paths;                     // NodePaths' rules
  std::vector<std::vector<AttributeInfo>> infos;  // per node, per attribute
};

std::string ShapeText(const TensorShape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape.dims(), ","), "]");
}

std::string DtypeText(DataType dtype) {
  return DataTypeDisplayName(static_cast<int32_t>(dtype));
}

absl::StatusOr<TreeData> LoadTree(Env* env, const std::string& prefix) {
  TreeData data;
  data.prefix = prefix;
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, prefix);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<ObjectGraph> graph =
      ReadGraphForDisplay(**reader, prefix, &data.paths);
  if (!graph.ok()) return graph.status();
  data.graph = *std::move(graph);
  data.infos.resize(data.graph.nodes.size());
  for (size_t i = 0; i < data.graph.nodes.size(); ++i) {
    for (const ObjectGraph::Attribute& a : data.graph.nodes[i].attributes) {
      AttributeInfo info;
      absl::StatusOr<BundleEntry> entry = (*reader)->GetEntry(a.checkpoint_key);
      if (entry.ok()) {
        info.entry = *std::move(entry);
      } else if (!absl::IsNotFound(entry.status())) {
        return entry.status();
      }
      data.infos[i].push_back(std::move(info));
    }
  }
  return data;
}

// ---- text ----

// Where a node is printed in the text tree.
struct Home {
  enum class Kind { kNone, kEdge, kSlot };
  Kind kind = Kind::kNone;
  size_t owner = 0;  // parent node (kEdge) or optimizer node (kSlot)
  size_t index = 0;  // index in owner's children (kEdge) or slots (kSlot)
};

std::vector<Home> ComputeHomes(const ObjectGraph& graph) {
  const size_t n = graph.nodes.size();
  std::vector<Home> homes(n);
  std::vector<bool> seen(n, false);
  std::deque<size_t> queue;
  if (n > 0) {
    seen[0] = true;
    queue.push_back(0);
  }
  while (!queue.empty()) {
    const size_t node = queue.front();
    queue.pop_front();
    const auto& children = graph.nodes[node].children;
    for (size_t e = 0; e < children.size(); ++e) {
      const size_t child = static_cast<size_t>(children[e].node_id);
      if (child >= n || seen[child]) continue;
      seen[child] = true;
      homes[child] = {Home::Kind::kEdge, node, e};
      queue.push_back(child);
    }
  }
  for (size_t opt = 0; opt < n; ++opt) {
    const auto& slots = graph.nodes[opt].slots;
    for (size_t s = 0; s < slots.size(); ++s) {
      const size_t slot = static_cast<size_t>(slots[s].slot_node_id);
      if (slot >= n || seen[slot]) continue;
      seen[slot] = true;
      homes[slot] = {Home::Kind::kSlot, opt, s};
    }
  }
  return homes;
}

// A path as shown in a reference: `(root)` for the empty path; past
// kMaxShownPathBytes, `...` and the path's tail from a `/` (or, without one,
// from a character boundary), so a line's length does not grow with depth.
std::string PathText(absl::string_view path) {
  if (path.empty()) return "(root)";
  if (path.size() <= kMaxShownPathBytes) return DisplayText(path);
  absl::string_view tail = path.substr(path.size() - kMaxShownPathBytes);
  const size_t slash = tail.find('/');
  if (slash != absl::string_view::npos && slash + 1 < tail.size()) {
    tail.remove_prefix(slash);
  } else {
    while (!tail.empty() &&
           (static_cast<unsigned char>(tail[0]) & 0xc0) == 0x80) {
      tail.remove_prefix(1);  // a UTF-8 continuation byte
    }
  }
  return absl::StrCat("...", DisplayText(tail));
}

// The indentation of a line `level` levels below a top-level node.
std::string Indent(size_t level) {
  if (level <= kMaxIndentLevels) return std::string(2 * level, ' ');
  return absl::StrCat(std::string(2 * kMaxIndentLevels, ' '), "[depth ", level,
                      "] ");
}

void PrintText(const TreeData& data, std::ostream& out) {
  const ObjectGraph& graph = data.graph;
  const size_t n = graph.nodes.size();
  const std::vector<Home> homes = ComputeHomes(graph);

  // Slot references per original variable: (optimizer, slot index), in
  // optimizer node order then stored order.
  std::vector<std::vector<std::pair<size_t, size_t>>> slots_of(n);
  for (size_t opt = 0; opt < n; ++opt) {
    const auto& slots = graph.nodes[opt].slots;
    for (size_t s = 0; s < slots.size(); ++s) {
      const size_t original = static_cast<size_t>(slots[s].original_node_id);
      if (original < n) slots_of[original].push_back({opt, s});
    }
  }

  // Work items, processed last-in first-out: a ready line, or the body
  // (attributes, slots, children) of a node at a depth.
  struct Item {
    std::string line;  // used when node == npos
    size_t node = static_cast<size_t>(-1);
    size_t depth = 0;
  };
  constexpr size_t kLine = static_cast<size_t>(-1);
  std::vector<bool> expanded(n, false);
  std::vector<Item> stack;
  std::string text;
  auto expand = [&](size_t node, size_t depth) {
    expanded[node] = true;
    const ObjectGraph::Node& g = graph.nodes[node];
    const std::string pad = Indent(depth + 1);
    std::vector<Item> items;
    for (size_t a = 0; a < g.attributes.size(); ++a) {
      const ObjectGraph::Attribute& attr = g.attributes[a];
      const std::optional<BundleEntry>& entry = data.infos[node][a].entry;
      items.push_back(
          {absl::StrCat(pad, ".ATTRIBUTES/", DisplayText(attr.name), "  ",
                        entry ? absl::StrCat(DtypeText(entry->dtype), " ",
                                             ShapeText(entry->shape))
                              : std::string("(no entry)"),
                        "  ", DisplayText(attr.checkpoint_key)),
           kLine, 0});
    }
    for (const auto& [opt, s] : slots_of[node]) {
      const ObjectGraph::Slot& slot = graph.nodes[opt].slots[s];
      const size_t id = static_cast<size_t>(slot.slot_node_id);
      items.push_back(
          {absl::StrCat(pad, "slot ", DisplayText(slot.slot_name), " -> node ",
                        id, " (", PathText(data.paths[opt]), ")"),
           kLine, 0});
      if (id < n && homes[id].kind == Home::Kind::kSlot &&
          homes[id].owner == opt && homes[id].index == s && !expanded[id]) {
        items.push_back({"", id, depth + 1});
      }
    }
    for (size_t e = 0; e < g.children.size(); ++e) {
      const ObjectGraph::Child& child = g.children[e];
      const size_t id = static_cast<size_t>(child.node_id);
      const std::string name = DisplayText(child.local_name);
      if (id < n && homes[id].kind == Home::Kind::kEdge &&
          homes[id].owner == node && homes[id].index == e && !expanded[id]) {
        items.push_back(
            {absl::StrCat(pad, name, " (node ", id, ")"), kLine, 0});
        items.push_back({"", id, depth + 1});
      } else {
        items.push_back(
            {absl::StrCat(
                 pad, name, " -> node ", id, " (see ",
                 PathText(id < n ? data.paths[id] : absl::string_view()), ")"),
             kLine, 0});
      }
    }
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      stack.push_back(std::move(*it));
    }
  };
  auto drain = [&]() {
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      if (item.node == kLine) {
        absl::StrAppend(&text, item.line, "\n");
      } else if (!expanded[item.node]) {
        expand(item.node, item.depth);
      }
    }
  };
  for (size_t node = 0; node < n; ++node) {
    if (expanded[node]) continue;
    // The root, then any node neither an edge nor a slot reaches from it.
    absl::StrAppend(&text, node == 0 ? "(root)" : "(unreachable)", " (node ",
                    node, ")\n");
    expand(node, 0);
    drain();
  }
  out << text;
}

// ---- JSON ----

void PrintJson(const TreeData& data, std::ostream& out) {
  const ObjectGraph& graph = data.graph;
  std::string text = "[\n";
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ObjectGraph::Node& node = graph.nodes[i];
    std::vector<std::string> children;
    for (const ObjectGraph::Child& c : node.children) {
      children.push_back(absl::StrCat("{\"name\": ", JsonQuote(c.local_name),
                                      ", \"id\": ", c.node_id, "}"));
    }
    std::vector<std::string> attributes;
    for (size_t a = 0; a < node.attributes.size(); ++a) {
      const ObjectGraph::Attribute& attr = node.attributes[a];
      const std::optional<BundleEntry>& entry = data.infos[i][a].entry;
      attributes.push_back(absl::StrCat(
          "{\"name\": ", JsonQuote(attr.name),
          ", \"key\": ", JsonQuote(attr.checkpoint_key),
          ", \"dtype\": ", entry ? JsonQuote(DtypeText(entry->dtype)) : "null",
          ", \"shape\": ", entry ? ShapeText(entry->shape) : "null", "}"));
    }
    std::vector<std::string> slots;
    for (const ObjectGraph::Slot& s : node.slots) {
      slots.push_back(absl::StrCat("{\"slot_name\": ", JsonQuote(s.slot_name),
                                   ", \"original_id\": ", s.original_node_id,
                                   ", \"slot_id\": ", s.slot_node_id, "}"));
    }
    absl::StrAppend(&text, "  {\"id\": ", i,
                    ", \"path\": ", JsonQuote(data.paths[i]),
                    ", \"children\": [", absl::StrJoin(children, ", "),
                    "], \"attributes\": [", absl::StrJoin(attributes, ", "),
                    "], \"slots\": [", absl::StrJoin(slots, ", "), "]}",
                    i + 1 < graph.nodes.size() ? "," : "", "\n");
  }
  text += "]\n";
  out << text;
}

}  // namespace

int RunTree(Env* env, absl::Span<const std::string> args, std::ostream& out,
            std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {{"json", false}};
  static constexpr absl::string_view kPositional[] = {"PATH"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  absl::StatusOr<std::string> prefix =
      ResolvePrefix(env, parsed->positional[0]);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<TreeData> data = LoadTree(env, *prefix);
  if (!data.ok()) return ReportError(err, kCommand, data.status());
  if (parsed->flags.contains("json")) {
    PrintJson(*data, out);
  } else {
    PrintText(*data, out);
  }
  return kExitOk;
}

}  // namespace ckpt::cli
