// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/generic_tree.h
// -----------------------------------------------------------------------------
//
// A generic object tree that can hold any object-based checkpoint: one
// object per saved node (a Variable for nodes holding exactly one plain
// VARIABLE_VALUE attribute and nothing else, a GenericObject otherwise, whose
// partitioned attributes keep their stored slices), with
// the node's children (edges in stored order, several edges may share a node),
// its attributes (tensors with their full_name) and its slot variables. It is
// loaded through the ordinary structural restore and written through the
// ordinary save path, so loading a TensorFlow 2 checkpoint and writing it again
// reproduces the same keys, values and object graph (and, for single-shard
// files that TensorFlow wrote without has_checkpoint_values, the same bytes).
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(auto tree, ckpt::GenericTree::Load(env,
//   "golf/ckpt-1")); CKPT_RETURN_IF_ERROR(tree->Write("/tmp/copy/ckpt-1"));

#ifndef CKPT_GENERIC_TREE_H_
#define CKPT_GENERIC_TREE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ckpt/checkpoint.h"
#include "ckpt/object_graph.h"
#include "ckpt/trackable.h"

namespace ckpt {

class GenericObject : public Trackable {
 public:
  struct Edge {
    std::string name;
    ObjectRef target;  // a GenericObject or Variable owned by the GenericTree
  };
  struct Attribute {
    std::string name;
    std::string full_name;
    ckpt::Tensor value;
    // A partitioned attribute (slices non-empty): parts[i] holds region
    // slices[i] of a tensor of full_shape, in stored order; saved as
    // AttributeVisitor::Partitioned, so the slices are written as they
    // were stored.
    std::vector<ckpt::Tensor> parts;
    std::vector<TensorSlice> slices;
    TensorShape full_shape;
  };
  struct SlotLink {
    std::string slot_name;
    Variable* original;  // the original node's VARIABLE_VALUE holder
    Variable* slot;
  };

  std::vector<Edge>& edges() { return edges_; }
  std::vector<Attribute>& attributes() { return attributes_; }
  std::vector<SlotLink>& slots() { return slots_; }

  void VisitChildren(ChildVisitor& visit) override;
  void VisitAttributes(AttributeVisitor& visit) override;
  void VisitSlots(SlotVisitor& visit) override;

 private:
  std::vector<Edge> edges_;
  std::vector<Attribute> attributes_;
  std::vector<SlotLink> slots_;
};

class GenericTree {
 public:
  // Builds one GenericObject per node of the checkpoint's object graph and
  // restores every value through RestoreObjectGraph (AssertConsumed must
  // pass). FailedPrecondition for a checkpoint without an object graph;
  // DataLoss (`checkpoint 'P': the paths of the object graph's ...`), before
  // any object is built, for a graph whose node paths would pass the bound
  // every reader of an untrusted graph applies (docs/errors.md). Cycles,
  // shared nodes and fan-out load, in memory linear in the graph's size plus
  // its paths (which the bound caps).
  static absl::StatusOr<std::unique_ptr<GenericTree>> Load(
      Env* env, const std::string& prefix);

  GenericObject& root();
  const ObjectGraph& graph() const { return graph_; }

  // Writes through SaveObjectGraph, keeping has_checkpoint_values as the
  // source had it (options.write_has_checkpoint_values is overridden). A null
  // options.env means the Env given to Load.
  absl::Status Write(const std::string& prefix, SaveOptions options = {});

 private:
  GenericTree() = default;
  Env* env_ = nullptr;  // the Env given to Load; Write's default
  ObjectGraph graph_;
  std::vector<std::unique_ptr<GenericObject>> objects_;
  std::vector<std::unique_ptr<Variable>> variables_;
};

}  // namespace ckpt

#endif  // CKPT_GENERIC_TREE_H_
