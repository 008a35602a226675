// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// GenericTree: any object-based checkpoint as a tree of generic objects
// (contract in ckpt/generic_tree.h).
//
// Load reads the graph under NodePathTable's bound (graph/graph_table.h:
// DataLoss for a graph whose paths would exhaust memory, before any object
// is built), then builds one object per saved node, in node order:
//   * node 0 (the root) is always a GenericObject, so root() has one type;
//   * a node with exactly one attribute named VARIABLE_VALUE, no children, no
//     slot variables and no registered saver becomes a Variable named by the
//     attribute's full_name (slot variables must be Variables: SlotVisitor
//     takes Variable&);
//   * every other node becomes a GenericObject whose edges, attributes and
//     slots mirror the stored node in stored order.
// The values are then assigned by the ordinary structural restore
// (RestoreObjectGraph), which fills the uninitialized (kInvalid) tensors with
// the stored ones; AssertConsumed guarantees that every stored value reached
// an object and that nothing was left out.
//
// Because every node's edges are visited in stored order and the stored node
// ids are TensorFlow's breadth-first order, SaveObjectGraph assigns the same
// node ids, keys and tensor order as TensorFlow did.

#include "ckpt/generic_tree.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/object_graph.h"
#include "ckpt/status.h"
#include "ckpt/trackable.h"
#include "graph/graph_table.h"
#include "util/env_or_default.h"

namespace ckpt {

void GenericObject::VisitChildren(ChildVisitor& visit) {
  for (Edge& edge : edges_) visit.Visit(edge.name, edge.target);
}

void GenericObject::VisitAttributes(AttributeVisitor& visit) {
  for (Attribute& a : attributes_) {
    if (a.slices.empty()) {
      visit.Tensor(a.name, &a.value, a.full_name);
      continue;
    }
    std::vector<ckpt::Tensor*> parts;
    parts.reserve(a.parts.size());
    for (ckpt::Tensor& t : a.parts) parts.push_back(&t);
    visit.Partitioned(a.name, a.full_shape, parts, a.slices, a.full_name);
  }
}

void GenericObject::VisitSlots(SlotVisitor& visit) {
  for (SlotLink& s : slots_) visit.Slot(s.slot_name, *s.original, *s.slot);
}

namespace {

// Whether `node` (other than the root) is held by a Variable.
bool IsVariableNode(const ObjectGraph::Node& node, bool partitioned) {
  return node.attributes.size() == 1 && !partitioned &&
         node.attributes[0].name == "VARIABLE_VALUE" && node.children.empty() &&
         node.slots.empty() && !node.registered_saver.has_value();
}

// For a partitioned attribute stored under `key`: its slices and their
// values, read (and verified) part by part. Empty slices for a plain one.
absl::Status LoadParts(const BundleReader& reader, const std::string& key,
                       GenericObject::Attribute* a) {
  absl::StatusOr<BundleEntry> entry = reader.GetEntry(key);
  // A missing or damaged entry is reported by the restore, per key.
  if (!entry.ok() || entry->num_slices == 0) return absl::OkStatus();
  CKPT_ASSIGN_OR_RETURN(a->slices, reader.GetSlices(key));
  a->full_shape = entry->shape;
  for (const TensorSlice& slice : a->slices) {
    CKPT_ASSIGN_OR_RETURN(ckpt::Tensor part, reader.ReadSlice(key, slice));
    a->parts.push_back(std::move(part));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GenericTree>> GenericTree::Load(
    Env* env, const std::string& prefix) {
  env = EnvOrDefault(env);
  std::unique_ptr<GenericTree> tree(new GenericTree());
  tree->env_ = env;
  // Node -> its partitioned attribute (at most one per name is kept: the
  // restore matches attributes by name).
  std::multimap<size_t, GenericObject::Attribute> partitioned;
  {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                          BundleReader::Open(env, prefix));
    CKPT_ASSIGN_OR_RETURN(std::optional<graph::GraphTable> table,
                          graph::ReadGraphTableIfAny(*reader));
    if (!table.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint '", prefix,
                       "' has no object graph: a TF1 name-based checkpoint"));
    }
    // Held to the bound of every reader of untrusted graphs before any
    // object is built (the restore below applies it again).
    CKPT_RETURN_IF_ERROR(graph::NodePathTable::Check(
        *table, absl::StrCat("checkpoint '", prefix, "'")));
    tree->graph_ = table->ToObjectGraph();
    // Partitioned attributes: their slices, to be written as stored.
    for (size_t i = 0; i < tree->graph_.nodes.size(); ++i) {
      for (const ObjectGraph::Attribute& a : tree->graph_.nodes[i].attributes) {
        GenericObject::Attribute loaded{a.name, a.full_name, {}, {}, {}, {}};
        CKPT_RETURN_IF_ERROR(LoadParts(*reader, a.checkpoint_key, &loaded));
        if (!loaded.slices.empty()) partitioned.emplace(i, std::move(loaded));
      }
    }
  }
  const std::vector<ObjectGraph::Node>& nodes = tree->graph_.nodes;
  if (nodes.empty()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint '", prefix, "': empty object graph"));
  }

  // One object per node; `variables[i]` is set iff node i is a Variable.
  std::vector<ObjectRef> refs(nodes.size());
  std::vector<Variable*> variables(nodes.size(), nullptr);
  std::vector<GenericObject*> generics(nodes.size(), nullptr);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ObjectGraph::Node& node = nodes[i];
    if (node.registered_saver.has_value()) {
      return absl::UnimplementedError(absl::StrCat(
          "checkpoint '", prefix, "': node ", i,
          " is saved by registered saver '", node.registered_saver->name,
          "', which ckpt cannot rewrite"));
    }
    if (i != 0 && IsVariableNode(node, partitioned.count(i) > 0)) {
      auto var = std::make_unique<Variable>();
      var->set_name(node.attributes[0].full_name);
      variables[i] = var.get();
      refs[i] = ObjectRef::Of(*var);
      tree->variables_.push_back(std::move(var));
    } else {
      auto obj = std::make_unique<GenericObject>();
      auto [first, last] = partitioned.equal_range(i);
      for (const ObjectGraph::Attribute& a : node.attributes) {
        auto it = std::find_if(first, last, [&](const auto& p) {
          return p.second.name == a.name && p.second.full_name == a.full_name;
        });
        if (it != last) {
          obj->attributes().push_back(std::move(it->second));
          it->second.name.clear();  // used
          continue;
        }
        obj->attributes().push_back(
            {a.name, a.full_name, ckpt::Tensor(), {}, {}, {}});
      }
      generics[i] = obj.get();
      refs[i] = ObjectRef::Of(*obj);
      tree->objects_.push_back(std::move(obj));
    }
  }

  // Edges and slot links (node ids were range-checked by ReadObjectGraph;
  // checked again here so a bad graph can never index out of range).
  auto check_id = [&](size_t node, int id) -> absl::Status {
    if (id < 0 || static_cast<size_t>(id) >= nodes.size()) {
      return absl::DataLossError(
          absl::StrCat("checkpoint '", prefix, "': node ", node,
                       " references node ", id, " out of range"));
    }
    return absl::OkStatus();
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    GenericObject* obj = generics[i];
    if (obj == nullptr) continue;
    for (const ObjectGraph::Child& child : nodes[i].children) {
      CKPT_RETURN_IF_ERROR(check_id(i, child.node_id));
      obj->edges().push_back(
          {child.local_name, refs[static_cast<size_t>(child.node_id)]});
    }
    for (const ObjectGraph::Slot& slot : nodes[i].slots) {
      CKPT_RETURN_IF_ERROR(check_id(i, slot.original_node_id));
      CKPT_RETURN_IF_ERROR(check_id(i, slot.slot_node_id));
      Variable* original =
          variables[static_cast<size_t>(slot.original_node_id)];
      Variable* slot_var = variables[static_cast<size_t>(slot.slot_node_id)];
      if (original == nullptr || slot_var == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "checkpoint '", prefix, "': slot '", slot.slot_name, "' of node ",
            i, " links node ", slot.original_node_id, " to node ",
            slot.slot_node_id, ", and node ",
            original == nullptr ? slot.original_node_id : slot.slot_node_id,
            " is not a variable (exactly one VARIABLE_VALUE attribute and "
            "nothing else)"));
      }
      obj->slots().push_back({slot.slot_name, original, slot_var});
    }
  }

  RestoreOptions restore_options;
  restore_options.env = env;
  CKPT_ASSIGN_OR_RETURN(
      RestoreStatus status,
      RestoreObjectGraph(ObjectRef::Of(tree->root()), prefix, restore_options));
  CKPT_RETURN_IF_ERROR(status.AssertConsumed());
  return tree;
}

GenericObject& GenericTree::root() { return *objects_.front(); }

absl::Status GenericTree::Write(const std::string& prefix,
                                SaveOptions options) {
  if (options.env == nullptr) options.env = env_;
  options.write_has_checkpoint_values =
      !graph_.nodes.empty() &&
      graph_.nodes[0].has_checkpoint_values.has_value();
  return SaveObjectGraph(ObjectRef::Of(root()), prefix, options);
}

}  // namespace ckpt
