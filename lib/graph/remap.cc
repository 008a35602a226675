// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RemapObjectGraph (contract in ckpt/path_map.h).
//
// The output is built as a trie of paths ("positions"): every kept input
// object is placed at its mapped path, every path above one gets a
// position too, and each position becomes one output node whose children
// are the positions one edge name deeper. Input edges that are not an
// object's first path (shared objects) are added where they do not clash.
// Slot variables follow their optimizer. Everything is iterative and linear
// in nodes + edges + slots plus the bytes of the mapped paths, which are
// bounded like the input's.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

bool HoldsValues(const ObjectGraph::Node& node) {
  return !node.attributes.empty() || !node.slots.empty() ||
         node.registered_saver.has_value();
}

std::string ShownPath(absl::string_view path) {
  return path.empty() ? std::string("(root)") : QuoteForMessage(path);
}

// The trie of output paths.
class Positions {
 public:
  struct Position {
    std::string path;
    int parent = -1;  // the position one component up (-1: the root)
    // Path components below: edge name, position.
    std::vector<std::pair<std::string, int>> kids;
    std::vector<int> members;  // input nodes placed here
    int holder = -1;           // the member with values
  };

  Positions() { Add(""); }  // the root, position 0

  // The position of `path` (well-formed), created with its ancestors.
  int Ensure(const std::string& path) {
    if (auto it = index_.find(path); it != index_.end()) return it->second;
    // The missing ancestors, nearest first.
    std::vector<std::string> missing{path};
    int parent = 0;
    while (true) {
      const std::string& last = missing.back();
      const size_t slash = last.rfind('/');
      std::string up = slash == std::string::npos ? "" : last.substr(0, slash);
      if (auto it = index_.find(up); it != index_.end()) {
        parent = it->second;
        break;
      }
      missing.push_back(std::move(up));
    }
    for (size_t i = missing.size(); i-- > 0;) {
      std::string& p = missing[i];
      const size_t slash = p.rfind('/');
      std::vector<std::string> names = SplitObjectPath(
          slash == std::string::npos ? absl::string_view(p)
                                     : absl::string_view(p).substr(slash + 1));
      const int added = Add(std::move(p));
      all_[static_cast<size_t>(added)].parent = parent;
      all_[static_cast<size_t>(parent)].kids.emplace_back(
          names.empty() ? std::string() : std::move(names.back()), added);
      parent = added;
    }
    return parent;
  }

  Position& operator[](int i) { return all_[static_cast<size_t>(i)]; }
  size_t size() const { return all_.size(); }

 private:
  int Add(std::string path) {
    const int id = static_cast<int>(all_.size());
    index_.emplace(path, id);
    all_.push_back(Position{std::move(path), -1, {}, {}, -1});
    return id;
  }
  std::vector<Position> all_;
  absl::flat_hash_map<std::string, int> index_;
};

}  // namespace

absl::StatusOr<RemappedGraph> RemapObjectGraph(const ObjectGraph& graph,
                                               const PathMap& map,
                                               const RemapOptions& options) {
  if (graph.nodes.empty()) {
    return absl::InvalidArgumentError("RemapObjectGraph: empty object graph");
  }
  CKPT_RETURN_IF_ERROR(
      ValidateObjectPath(options.subtree, "RemapOptions::subtree"));
  const graph::GraphTable table = graph::GraphTable::FromObjectGraph(graph);
  CKPT_ASSIGN_OR_RETURN(const graph::NodePathTable paths,
                        graph::NodePathTable::Build(table, "object graph"));
  const size_t n_in = graph.nodes.size();

  // Breadth-first order of the objects reachable along children.
  std::vector<int> order;
  std::vector<bool> reached(n_in, false);
  reached[0] = true;
  order.push_back(0);
  for (size_t i = 0; i < order.size(); ++i) {
    for (const ObjectGraph::Child& c :
         graph.nodes[static_cast<size_t>(order[i])].children) {
      const size_t id = static_cast<size_t>(c.node_id);
      if (!reached[id]) {
        reached[id] = true;
        order.push_back(c.node_id);
      }
    }
  }
  if (!options.subtree.empty()) {
    bool found = false;
    for (int n : order) {
      found = found || paths[static_cast<size_t>(n)] == options.subtree;
    }
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("no object at path ", QuoteForMessage(options.subtree),
                       " in the object graph (`ckpt tree` lists the paths)"));
    }
  }

  // Place every reachable object.
  Positions positions;
  std::vector<int> position_of(n_in, -1);
  std::vector<int> rule_of(n_in, -1);
  std::vector<std::string> reason(n_in);
  std::vector<bool> rule_used(map.rules().size(), false);
  const size_t path_budget = graph::NodePathTable::Limit(table);
  size_t path_bytes = 0;
  for (int n : order) {
    const size_t u = static_cast<size_t>(n);
    absl::string_view path = paths[u];
    if (!options.subtree.empty()) {
      if (!PathHasPrefix(path, options.subtree)) {
        reason[u] = absl::StrCat("outside the subtree ",
                                 QuoteForMessage(options.subtree));
        continue;
      }
      path.remove_prefix(options.subtree.size());
      if (!path.empty()) path.remove_prefix(1);  // the '/'
    }
    CKPT_ASSIGN_OR_RETURN(PathMap::Result mapped, map.Map(path));
    if (mapped.rule >= 0) rule_used[static_cast<size_t>(mapped.rule)] = true;
    rule_of[u] = mapped.rule;
    std::string target;
    switch (mapped.kind) {
      case PathMap::Result::Kind::kDropped:
        reason[u] = absl::StrCat(
            "dropped by rule ",
            QuoteForMessage(
                map.rules()[static_cast<size_t>(mapped.rule)].ToString()));
        continue;
      case PathMap::Result::Kind::kUnmapped:
        if (!options.keep_unmapped) {
          reason[u] = "no rule maps it";
          continue;
        }
        target = std::string(path);
        break;
      case PathMap::Result::Kind::kMapped:
        target = std::move(mapped.path);
        break;
    }
    path_bytes += target.size();
    if (path_bytes > path_budget) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the mapped object paths take more than ", path_budget,
                       " bytes (the bound of every object graph reader)"));
    }
    const int pos = positions.Ensure(target);
    Positions::Position& p = positions[pos];
    if (HoldsValues(graph.nodes[u])) {
      if (p.holder >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("path mapping conflict: checkpoint objects ",
                         ShownPath(paths[static_cast<size_t>(p.holder)]),
                         " and ", ShownPath(paths[u]), " both map to ",
                         ShownPath(p.path), " and both hold values"));
      }
      p.holder = n;
    }
    p.members.push_back(n);
    position_of[u] = pos;
  }

  // Rules that matched nothing.
  std::vector<int> unused;
  for (size_t i = 0; i < rule_used.size(); ++i) {
    if (!rule_used[i]) unused.push_back(static_cast<int>(i));
  }
  if (!unused.empty() && !options.allow_unused_rules) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < unused.size() && i < kMaxListedRules; ++i) {
      shown.push_back(QuoteForMessage(
          map.rules()[static_cast<size_t>(unused[i])].ToString()));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        unused.size(), " path rule(s) match no object of the checkpoint",
        options.subtree.empty()
            ? std::string()
            : absl::StrCat(" (paths relative to ",
                           QuoteForMessage(options.subtree), ")"),
        ": ", absl::StrJoin(shown, ", "),
        unused.size() > kMaxListedRules ? ", ..." : ""));
  }

  // Each position's edges: its members' edges in their stored order (a
  // component edge where the member's edge to the object was, also when the
  // object was renamed under the same parent; a second path to a shared
  // object where no component has its name), then the components no
  // member's edge gave.
  struct Edge {
    std::string name;
    int to;
    bool component;
  };
  std::vector<std::vector<Edge>> edges(positions.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    Positions::Position& at = positions[static_cast<int>(i)];
    std::vector<Edge>& out_edges = edges[i];
    auto has_name = [&](absl::string_view name) {
      return std::any_of(out_edges.begin(), out_edges.end(),
                         [&](const Edge& e) { return e.name == name; });
    };
    auto component_named = [&](absl::string_view name) {
      return std::any_of(at.kids.begin(), at.kids.end(),
                         [&](const auto& k) { return k.first == name; });
    };
    auto add_component = [&](int kid) {
      for (auto& [name, pos] : at.kids) {
        if (pos == kid && !has_name(name))
          out_edges.push_back({name, pos, true});
      }
    };
    for (int m : at.members) {
      const size_t mu = static_cast<size_t>(m);
      for (const ObjectGraph::Child& c : graph.nodes[mu].children) {
        const size_t cu = static_cast<size_t>(c.node_id);
        const int to = position_of[cu];
        if (to < 0) continue;
        std::string first;
        graph::AppendChildPath(paths[mu], c.local_name, &first);
        if (paths[cu] == first) {  // the object's own path
          if (positions[to].parent == static_cast<int>(i)) add_component(to);
        } else if (!has_name(c.local_name) && !component_named(c.local_name)) {
          out_edges.push_back({c.local_name, to, false});
        }
      }
    }
    for (const auto& kid : at.kids) add_component(kid.second);
  }
  // A second path must not become an object's first path (its mapped path
  // names it, and surgery derives keys from it): breadth-first over the
  // components alone gives each position's depth and rank; a second-path
  // edge is kept only if it reaches its object after the component edge.
  {
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
    for (size_t p = 0; p < positions.size(); ++p) {
      std::vector<Edge>& list = edges[p];
      for (size_t k = 0; k < list.size(); ++k) {
        if (list[k].component) continue;
        const size_t to = static_cast<size_t>(list[k].to);
        const int parent = positions[list[k].to].parent;
        bool keep = depth[p] + 1 > depth[to];
        if (depth[p] + 1 == depth[to]) {
          if (parent != static_cast<int>(p)) {
            keep = rank[p] > rank[static_cast<size_t>(parent)];
          } else {  // the component edge must come first
            keep =
                std::any_of(list.begin(), list.begin() + k, [&](const Edge& e) {
                  return e.component && e.to == list[k].to;
                });
          }
        }
        if (!keep) list[k].to = -1;
      }
      list.erase(std::remove_if(list.begin(), list.end(),
                                [](const Edge& e) { return e.to < 0; }),
                 list.end());
    }
  }

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
    const ObjectGraph::Node& in = graph.nodes[static_cast<size_t>(origin)];
    if (p.holder >= 0) {
      node.attributes = in.attributes;
      node.registered_saver = in.registered_saver;
    }
    out.origin[i] = origin;
    out.from_path[i] = std::string(paths[static_cast<size_t>(origin)]);
    out.rule[i] = rule_of[static_cast<size_t>(origin)];
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
      if (position_of[orig] < 0) continue;
      int slot_out;
      if (reached[slot]) {
        if (position_of[slot] < 0) continue;
        slot_out = node_of[static_cast<size_t>(position_of[slot])];
      } else {
        if (slot_copy[slot] < 0) {
          slot_copy[slot] = static_cast<int>(out.graph.nodes.size());
          ObjectGraph::Node copy;
          copy.attributes = graph.nodes[slot].attributes;
          copy.registered_saver = graph.nodes[slot].registered_saver;
          out.graph.nodes.push_back(std::move(copy));
          out.origin.push_back(s.slot_node_id);
          out.from_path.push_back(std::string(paths[slot]));
          out.rule.push_back(rule_of[orig]);
        }
        slot_out = slot_copy[slot];
        carried[slot] = true;
      }
      out.graph.nodes[i].slots.push_back(
          {node_of[static_cast<size_t>(position_of[orig])], s.slot_name,
           slot_out});
    }
  }

  // Values left out: placed nowhere, and slot variables not carried.
  for (size_t u = 0; u < n_in; ++u) {
    if (graph.nodes[u].attributes.empty()) continue;
    if (reached[u]) {
      if (position_of[u] >= 0) continue;
      out.dropped.push_back(
          {static_cast<int>(u), std::string(paths[u]), reason[u]});
    }
  }
  for (int n : order) {
    for (const ObjectGraph::Slot& s :
         graph.nodes[static_cast<size_t>(n)].slots) {
      const size_t slot = static_cast<size_t>(s.slot_node_id);
      if (reached[slot] || carried[slot] || slot_copy[slot] == -2) continue;
      if (graph.nodes[slot].attributes.empty()) continue;
      slot_copy[slot] = -2;  // reported once
      const bool optimizer_kept =
          position_of[static_cast<size_t>(n)] >= 0 &&
          positions[position_of[static_cast<size_t>(n)]].holder == n;
      out.dropped.push_back({s.slot_node_id, std::string(paths[slot]),
                             optimizer_kept
                                 ? "slot variable of an object left out"
                                 : "slot variable of an optimizer left out"});
    }
  }
  for (size_t u = 0; u < n_in; ++u) {
    if (reached[u] || carried[u] || slot_copy[u] == -2) continue;
    if (graph.nodes[u].attributes.empty()) continue;
    out.dropped.push_back({static_cast<int>(u), std::string(paths[u]),
                           "not reachable from the root"});
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
