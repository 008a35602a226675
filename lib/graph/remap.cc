// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RemapObjectGraph (contract in ckpt/path_map.h).
//
// 1. Placement: a breadth-first walk over (object, path) pairs from the root
//    (or the subtree's object). An object is placed at the mapped path of the
//    first path along which the rules keep it; an object left out along one
//    path may still be placed along a later one (a shared embedding whose
//    first path is dropped stays with the objects that keep it). Each object
//    is expanded at most twice: along its first path and along the path it
//    is placed by.
// 2. The output is a trie of mapped paths ("positions"): every path above a
//    placed object gets a position too, and each position becomes one output
//    node whose children are the positions one edge name deeper, plus the
//    members' second paths where they do not clash.
// 3. Slot variables follow their optimizer and original variable.
// Everything is iterative and linear in nodes + edges + slots plus the bytes
// of the paths walked, which are bounded like every reader's.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_map.h"
#include "ckpt/status.h"
#include "graph/graph_table.h"
#include "util/errors.h"

namespace ckpt {

namespace {

constexpr size_t kMaxListedRules = 5;

using graph::HoldsValues;
using graph::QuotedPath;

// InvalidArgument unless every id of `graph` names one of its nodes (a
// parsed graph always passes; a graph built by a caller may not).
absl::Status CheckIds(const ObjectGraph& graph) {
  const int64_t n = static_cast<int64_t>(graph.nodes.size());
  auto bad = [&](size_t node, const char* what, int id) {
    return absl::InvalidArgumentError(
        absl::StrCat("RemapObjectGraph: node ", node, ": ", what, " ", id,
                     " is not a node id (the graph has ", n, " nodes)"));
  };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const ObjectGraph::Child& c : graph.nodes[i].children) {
      if (c.node_id < 0 || c.node_id >= n) return bad(i, "child", c.node_id);
    }
    for (const ObjectGraph::Slot& s : graph.nodes[i].slots) {
      if (s.original_node_id < 0 || s.original_node_id >= n) {
        return bad(i, "slot original", s.original_node_id);
      }
      if (s.slot_node_id < 0 || s.slot_node_id >= n) {
        return bad(i, "slot variable", s.slot_node_id);
      }
    }
  }
  return absl::OkStatus();
}

// The object at `path`, following edge names from the root (the first edge
// of each name); NotFound otherwise.
absl::StatusOr<int> ObjectAt(const ObjectGraph& graph, absl::string_view path) {
  int node = 0;
  for (const std::string& name : SplitObjectPath(path)) {
    const auto& children = graph.nodes[static_cast<size_t>(node)].children;
    auto it = std::find_if(children.begin(), children.end(),
                           [&](const auto& c) { return c.local_name == name; });
    if (it == children.end()) {
      return absl::NotFoundError(
          absl::StrCat("no object at path ", QuoteForMessage(path),
                       " in the object graph (`ckpt tree` lists the paths)"));
    }
    node = it->node_id;
  }
  return node;
}

// The trie of output paths.
class Positions {
 public:
  struct Position {
    const std::string* path = nullptr;  // the key in index_
    int parent = -1;                    // one component up (-1: the root)
    std::string name;                   // the last component, unescaped
    // Components below, in creation order: edge name, position.
    std::vector<std::pair<std::string, int>> kids;
    std::vector<int> members;  // input nodes placed here, in walk order
    int holder = -1;           // the member with values
  };

  Positions() { Add("", -1, ""); }  // the root, position 0

  // The position of `path` (well-formed), created with its ancestors.
  int Ensure(const std::string& path) {
    if (auto it = index_.find(path); it != index_.end()) return it->second;
    std::vector<std::string> missing{path};  // nearest first
    int parent = 0;
    while (true) {
      const size_t slash = missing.back().rfind('/');
      std::string up =
          slash == std::string::npos ? "" : missing.back().substr(0, slash);
      if (auto it = index_.find(up); it != index_.end()) {
        parent = it->second;
        break;
      }
      missing.push_back(std::move(up));
    }
    for (size_t i = missing.size(); i-- > 0;) {
      const size_t slash = missing[i].rfind('/');
      std::vector<std::string> names = SplitObjectPath(
          slash == std::string::npos
              ? absl::string_view(missing[i])
              : absl::string_view(missing[i]).substr(slash + 1));
      std::string name = names.empty() ? "" : std::move(names.back());
      const int added = Add(std::move(missing[i]), parent, name);
      all_[static_cast<size_t>(parent)].kids.emplace_back(std::move(name),
                                                          added);
      parent = added;
    }
    return parent;
  }

  Position& operator[](int i) { return all_[static_cast<size_t>(i)]; }
  size_t size() const { return all_.size(); }

 private:
  int Add(std::string path, int parent, std::string name) {
    const int id = static_cast<int>(all_.size());
    auto [it, inserted] = index_.emplace(std::move(path), id);
    all_.push_back(Position{&it->first, parent, std::move(name), {}, {}, -1});
    return id;
  }
  std::vector<Position> all_;
  absl::node_hash_map<std::string, int> index_;  // stable keys
};

// Step 1: where each input object goes.
struct Placement {
  std::vector<int> position;        // per input node, -1 when left out
  std::vector<std::string> in;      // the (relative) path it was placed by, or
                                    // for one left out its first path
  std::vector<int> rule;            // the rule that decided
  std::vector<std::string> reason;  // why it was left out
  std::vector<int> parent;    // placed: the node whose edge placed it (-1)
  std::vector<size_t> edge;   // and the index of that edge
  std::vector<bool> reached;  // along some edge from the start
  // Named exactly by a drop rule: left out along every path.
  std::vector<bool> pinned_out;
  std::vector<bool> rule_used;
};

class Placer {
 public:
  Placer(const ObjectGraph& graph, const PathMap& map,
         const RemapOptions& options, size_t budget, Positions* positions)
      : graph_(graph),
        map_(map),
        options_(options),
        budget_(budget),
        positions_(*positions) {}

  absl::StatusOr<Placement> Run(int start) {
    const size_t n = graph_.nodes.size();
    p_.position.assign(n, -1);
    p_.in.assign(n, "");
    p_.rule.assign(n, -1);
    p_.reason.assign(n, "");
    p_.parent.assign(n, -1);
    p_.edge.assign(n, 0);
    p_.reached.assign(n, false);
    p_.pinned_out.assign(n, false);
    p_.rule_used.assign(map_.rules().size(), false);
    queue_.push_back({start, "", -1, 0});
    while (!queue_.empty()) {
      Visit v = std::move(queue_.front());
      queue_.pop_front();
      const size_t u = static_cast<size_t>(v.node);
      if (p_.position[u] >= 0 || p_.pinned_out[u]) continue;
      const bool first = !p_.reached[u];
      p_.reached[u] = true;
      CKPT_ASSIGN_OR_RETURN(std::optional<std::string> target, Decide(v));
      if (target.has_value()) {
        CKPT_RETURN_IF_ERROR(Place(v, *target));
      } else if (!first) {
        continue;  // left out again: its children were queued the first time
      } else {
        p_.in[u] = v.path;
      }
      CKPT_RETURN_IF_ERROR(Expand(v.node, p_.in[u]));
    }
    return std::move(p_);
  }

 private:
  struct Visit {
    int node;
    std::string path;
    int parent;
    size_t edge;
  };

  // The mapped path of `v`, or nullopt (the reason recorded) if left out.
  absl::StatusOr<std::optional<std::string>> Decide(const Visit& v) {
    const size_t u = static_cast<size_t>(v.node);
    CKPT_ASSIGN_OR_RETURN(PathMap::Result mapped, map_.Map(v.path));
    if (mapped.rule >= 0) {
      p_.rule_used[static_cast<size_t>(mapped.rule)] = true;
    }
    switch (mapped.kind) {
      case PathMap::Result::Kind::kDropped:
        // The object a drop rule names is out whatever else reaches it (a
        // Keras layer's second edge); objects below it are out unless
        // another path keeps them (a shared embedding).
        if (map_.rules()[static_cast<size_t>(mapped.rule)].from == v.path) {
          p_.pinned_out[u] = true;
        }
        if (p_.reason[u].empty()) {  // the first reason is reported
          p_.reason[u] = absl::StrCat(
              "dropped by rule ",
              QuoteForMessage(
                  map_.rules()[static_cast<size_t>(mapped.rule)].ToString()));
        }
        if (p_.rule[u] < 0) p_.rule[u] = mapped.rule;
        return std::optional<std::string>();
      case PathMap::Result::Kind::kUnmapped:
        if (!options_.keep_unmapped) {
          if (p_.reason[u].empty()) p_.reason[u] = "no rule maps it";
          return std::optional<std::string>();
        }
        p_.rule[u] = -1;
        return std::optional<std::string>(v.path);
      case PathMap::Result::Kind::kMapped:
        p_.rule[u] = mapped.rule;
        return std::optional<std::string>(std::move(mapped.path));
    }
    return std::optional<std::string>();
  }

  absl::Status Place(const Visit& v, const std::string& target) {
    CKPT_RETURN_IF_ERROR(Spend(target.size()));
    const size_t u = static_cast<size_t>(v.node);
    const int pos = positions_.Ensure(target);
    Positions::Position& at = positions_[pos];
    if (HoldsValues(graph_.nodes[u])) {
      if (at.holder >= 0) {
        const size_t h = static_cast<size_t>(at.holder);
        return absl::InvalidArgumentError(absl::StrCat(
            "path mapping conflict: checkpoint objects ", QuotedPath(p_.in[h]),
            " (node ", h, ") and ", QuotedPath(v.path), " (node ", u,
            ") both map to ", QuotedPath(*at.path), " and both hold values"));
      }
      at.holder = v.node;
    }
    at.members.push_back(v.node);
    p_.position[u] = pos;
    p_.in[u] = v.path;
    p_.parent[u] = v.parent;
    p_.edge[u] = v.edge;
    p_.reason[u].clear();
    return absl::OkStatus();
  }

  absl::Status Expand(int node, const std::string& path) {
    const auto& children = graph_.nodes[static_cast<size_t>(node)].children;
    for (size_t e = 0; e < children.size(); ++e) {
      const ObjectGraph::Child& c = children[e];
      if (p_.position[static_cast<size_t>(c.node_id)] >= 0) continue;
      std::string child;
      graph::AppendChildPath(path, c.local_name, &child);
      CKPT_RETURN_IF_ERROR(Spend(child.size()));
      queue_.push_back({c.node_id, std::move(child), node, e});
    }
    return absl::OkStatus();
  }

  // Every path the walk makes counts against the bound of every reader of
  // untrusted graphs.
  absl::Status Spend(size_t bytes) {
    spent_ += bytes;
    if (spent_ <= budget_) return absl::OkStatus();
    return absl::ResourceExhaustedError(absl::StrCat(
        "remapping the object graph: its paths take more than ", budget_,
        " bytes (the bound of every object graph reader, "
        "graph/graph_table.h)"));
  }

  const ObjectGraph& graph_;
  const PathMap& map_;
  const RemapOptions& options_;
  const size_t budget_;
  Positions& positions_;
  Placement p_;
  std::deque<Visit> queue_;
  size_t spent_ = 0;
};

struct Edge {
  std::string name;
  int to;
  bool component;
};

// Step 2: each position's edges. Its members' edges in their stored order (a
// component edge where the member's edge to the object was, also when the
// object was renamed under the same parent; a second path to a shared
// object where no component has its name), then the components no member's
// edge gave. Unless keep_second_paths, a second path is dropped where it
// would become its object's first path (breadth-first): every object's first
// path in the output is its mapped path.
std::vector<std::vector<Edge>> BuildEdges(const ObjectGraph& graph,
                                          const Placement& placed,
                                          Positions& positions,
                                          bool keep_second_paths) {
  std::vector<std::vector<Edge>> edges(positions.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    Positions::Position& at = positions[static_cast<int>(i)];
    std::vector<Edge>& out = edges[i];
    absl::flat_hash_set<std::string> names;
    absl::flat_hash_set<int> components_added;
    absl::flat_hash_set<absl::string_view> component_names;
    for (const auto& kid : at.kids) component_names.insert(kid.first);
    auto add_component = [&](int kid) {
      Positions::Position& k = positions[kid];
      if (components_added.insert(kid).second && names.insert(k.name).second) {
        out.push_back({k.name, kid, true});
      }
    };
    for (int m : at.members) {
      const auto& children = graph.nodes[static_cast<size_t>(m)].children;
      for (size_t e = 0; e < children.size(); ++e) {
        const ObjectGraph::Child& c = children[e];
        const size_t cu = static_cast<size_t>(c.node_id);
        const int to = placed.position[cu];
        if (to < 0) continue;
        if (placed.parent[cu] == m && placed.edge[cu] == e) {
          // The edge that placed it: its component, if under this position.
          if (positions[to].parent == static_cast<int>(i)) add_component(to);
        } else if (!component_names.contains(c.local_name) &&
                   names.insert(c.local_name).second) {
          out.push_back({c.local_name, to, false});
        }
      }
    }
    for (const auto& kid : at.kids) add_component(kid.second);
  }
  if (keep_second_paths) return edges;
  // Breadth-first over the components alone: each position's depth and
  // rank. A second-path edge is kept only if it reaches its object after
  // the object's component edge does.
  std::vector<int> depth(positions.size(), -1), rank(positions.size(), -1);
  std::vector<int> bfs{0};
  depth[0] = 0;
  rank[0] = 0;
  for (size_t i = 0; i < bfs.size(); ++i) {
    for (const Edge& e : edges[static_cast<size_t>(bfs[i])]) {
      const size_t to = static_cast<size_t>(e.to);
      if (!e.component || depth[to] >= 0) continue;
      depth[to] = depth[static_cast<size_t>(bfs[i])] + 1;
      rank[to] = static_cast<int>(bfs.size());
      bfs.push_back(e.to);
    }
  }
  for (size_t p = 0; p < edges.size(); ++p) {
    std::vector<Edge>& list = edges[p];
    absl::flat_hash_set<int> component_before;
    for (Edge& e : list) {
      if (e.component) {
        component_before.insert(e.to);
        continue;
      }
      const size_t to = static_cast<size_t>(e.to);
      const int parent = positions[e.to].parent;
      bool keep = depth[p] + 1 > depth[to];
      if (depth[p] + 1 == depth[to]) {
        keep = parent == static_cast<int>(p)
                   ? component_before.contains(e.to)
                   : rank[p] > rank[static_cast<size_t>(parent)];
      }
      if (!keep) e.to = -1;
    }
    list.erase(std::remove_if(list.begin(), list.end(),
                              [](const Edge& e) { return e.to < 0; }),
               list.end());
  }
  return edges;
}

absl::Status CheckUnusedRules(const PathMap& map, const Placement& placed,
                              const RemapOptions& options,
                              std::vector<int>* unused) {
  for (size_t i = 0; i < placed.rule_used.size(); ++i) {
    if (!placed.rule_used[i]) unused->push_back(static_cast<int>(i));
  }
  if (unused->empty() || options.allow_unused_rules) return absl::OkStatus();
  std::vector<std::string> shown;
  for (size_t i = 0; i < unused->size() && i < kMaxListedRules; ++i) {
    shown.push_back(QuoteForMessage(
        map.rules()[static_cast<size_t>((*unused)[i])].ToString()));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      unused->size(), " path rule(s) match no object of the checkpoint",
      options.subtree.empty()
          ? std::string()
          : absl::StrCat(" (paths relative to ",
                         QuoteForMessage(options.subtree), ")"),
      ": ", absl::StrJoin(shown, ", "),
      unused->size() > kMaxListedRules ? ", ..." : ""));
}

}  // namespace

absl::StatusOr<RemappedGraph> RemapObjectGraph(const ObjectGraph& graph,
                                               const PathMap& map,
                                               const RemapOptions& options) {
  if (graph.nodes.empty()) {
    return absl::InvalidArgumentError("RemapObjectGraph: empty object graph");
  }
  CKPT_RETURN_IF_ERROR(CheckIds(graph));
  CKPT_RETURN_IF_ERROR(
      ValidateObjectPath(options.subtree, "RemapOptions::subtree"));
  const graph::GraphTable table = graph::GraphTable::FromObjectGraph(graph);
  // The bound every reader of untrusted graphs applies. The input's own
  // paths are built only if a value that the walk never reached is left
  // out (reported by its path).
  CKPT_RETURN_IF_ERROR(graph::NodePathTable::Check(table, "object graph"));
  std::optional<graph::NodePathTable> input_paths;
  auto input_path = [&](size_t node) -> absl::StatusOr<std::string> {
    if (!input_paths.has_value()) {
      CKPT_ASSIGN_OR_RETURN(input_paths,
                            graph::NodePathTable::Build(table, "object graph"));
    }
    return std::string((*input_paths)[node]);
  };
  CKPT_ASSIGN_OR_RETURN(const int start, ObjectAt(graph, options.subtree));
  const size_t n_in = graph.nodes.size();
  // Input paths relative to the subtree, as full paths.
  auto full = [&](const std::string& relative) {
    if (options.subtree.empty()) return relative;
    return relative.empty() ? options.subtree
                            : absl::StrCat(options.subtree, "/", relative);
  };

  Positions positions;
  CKPT_ASSIGN_OR_RETURN(Placement placed,
                        Placer(graph, map, options,
                               graph::NodePathTable::Limit(table), &positions)
                            .Run(start));
  std::vector<int> unused;
  CKPT_RETURN_IF_ERROR(CheckUnusedRules(map, placed, options, &unused));
  const std::vector<std::vector<Edge>> edges =
      BuildEdges(graph, placed, positions, options.keep_second_paths);

  // Output nodes in breadth-first order of the positions.
  RemappedGraph out;
  std::vector<int> node_of(positions.size(), -1);
  std::vector<int> out_order{0};
  node_of[0] = 0;
  for (size_t i = 0; i < out_order.size(); ++i) {
    for (const Edge& e : edges[static_cast<size_t>(out_order[i])]) {
      if (node_of[static_cast<size_t>(e.to)] < 0) {
        node_of[static_cast<size_t>(e.to)] = static_cast<int>(out_order.size());
        out_order.push_back(e.to);
      }
    }
  }
  out.graph.nodes.resize(out_order.size());
  out.origin.assign(out_order.size(), -1);
  out.from_path.assign(out_order.size(), "");
  out.rule.assign(out_order.size(), -1);
  for (size_t i = 0; i < out_order.size(); ++i) {
    Positions::Position& p = positions[out_order[i]];
    ObjectGraph::Node& node = out.graph.nodes[i];
    for (const Edge& e : edges[static_cast<size_t>(out_order[i])]) {
      node.children.push_back({node_of[static_cast<size_t>(e.to)], e.name});
    }
    const int origin = p.holder >= 0       ? p.holder
                       : p.members.empty() ? -1
                                           : p.members.front();
    if (origin < 0) continue;
    const size_t o = static_cast<size_t>(origin);
    if (p.holder >= 0) {
      node.attributes = graph.nodes[o].attributes;
      node.registered_saver = graph.nodes[o].registered_saver;
    }
    out.origin[i] = origin;
    out.from_path[i] = full(placed.in[o]);
    out.rule[i] = placed.rule[o];
  }

  // Slot variables follow their optimizer and original variable.
  std::vector<int> slot_copy(n_in, -1);  // input slot node -> output node
  std::vector<bool> carried(n_in, false);
  for (size_t i = 0; i < out_order.size(); ++i) {
    const int holder = positions[out_order[i]].holder;
    if (holder < 0) continue;
    for (const ObjectGraph::Slot& s :
         graph.nodes[static_cast<size_t>(holder)].slots) {
      const size_t orig = static_cast<size_t>(s.original_node_id);
      const size_t slot = static_cast<size_t>(s.slot_node_id);
      if (placed.position[orig] < 0) continue;
      int slot_out;
      if (placed.reached[slot]) {
        if (placed.position[slot] < 0) continue;
        slot_out = node_of[static_cast<size_t>(placed.position[slot])];
      } else {
        if (slot_copy[slot] < 0) {
          slot_copy[slot] = static_cast<int>(out.graph.nodes.size());
          ObjectGraph::Node copy;
          copy.attributes = graph.nodes[slot].attributes;
          copy.registered_saver = graph.nodes[slot].registered_saver;
          out.graph.nodes.push_back(std::move(copy));
          out.origin.push_back(s.slot_node_id);
          std::string from;
          graph::AppendSlotPath(full(placed.in[orig]),
                                full(placed.in[static_cast<size_t>(holder)]),
                                s.slot_name, &from);
          out.from_path.push_back(std::move(from));
          out.rule.push_back(placed.rule[orig]);
        }
        slot_out = slot_copy[slot];
        carried[slot] = true;
      }
      out.graph.nodes[i].slots.push_back(
          {node_of[static_cast<size_t>(placed.position[orig])], s.slot_name,
           slot_out});
    }
  }

  // Values left out (attributes or a registered saver): reached but placed
  // nowhere, slot variables not carried, and everything else.
  auto holds = [&](size_t u) {
    return !graph.nodes[u].attributes.empty() ||
           graph.nodes[u].registered_saver.has_value();
  };
  for (size_t u = 0; u < n_in; ++u) {
    if (!holds(u) || !placed.reached[u] || placed.position[u] >= 0) continue;
    out.dropped.push_back(
        {static_cast<int>(u), full(placed.in[u]), placed.reason[u]});
  }
  for (size_t n = 0; n < n_in; ++n) {
    if (!placed.reached[n]) continue;
    const bool optimizer_kept =
        placed.position[n] >= 0 &&
        positions[placed.position[n]].holder == static_cast<int>(n);
    for (const ObjectGraph::Slot& s : graph.nodes[n].slots) {
      const size_t slot = static_cast<size_t>(s.slot_node_id);
      if (placed.reached[slot] || carried[slot] || slot_copy[slot] == -2) {
        continue;
      }
      if (!holds(slot)) continue;
      slot_copy[slot] = -2;  // reported once
      CKPT_ASSIGN_OR_RETURN(std::string path, input_path(slot));
      out.dropped.push_back({s.slot_node_id, std::move(path),
                             optimizer_kept
                                 ? "slot variable of an object left out"
                                 : "slot variable of an optimizer left out"});
    }
  }
  std::vector<bool> is_slot(n_in, false);
  for (const ObjectGraph::Node& node : graph.nodes) {
    for (const ObjectGraph::Slot& s : node.slots) {
      is_slot[static_cast<size_t>(s.slot_node_id)] = true;
    }
  }
  for (size_t u = 0; u < n_in; ++u) {
    if (placed.reached[u] || carried[u] || slot_copy[u] == -2 || !holds(u)) {
      continue;
    }
    CKPT_ASSIGN_OR_RETURN(std::string path, input_path(u));
    out.dropped.push_back(
        {static_cast<int>(u), std::move(path),
         is_slot[u] ? "slot variable of an optimizer left out"
         : options.subtree.empty()
             ? "not reachable from the root"
             : absl::StrCat("outside the subtree ",
                            QuoteForMessage(options.subtree))});
  }
  std::sort(out.dropped.begin(), out.dropped.end(),
            [](const auto& a, const auto& b) { return a.node < b.node; });
  out.unused_rules = std::move(unused);

  const bool had_flags =
      std::any_of(graph.nodes.begin(), graph.nodes.end(),
                  [](const auto& n) { return n.has_checkpoint_values; });
  if (had_flags) ComputeHasCheckpointValues(&out.graph);
  return out;
}

}  // namespace ckpt
