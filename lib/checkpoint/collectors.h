// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The visitors the save and restore walks use to see a live object: its
// children, its children matched to the saved edges of its node, its
// attributes, an optimizer's slots. Each only records what it is shown; the
// walk decides what to do with it.

#ifndef CKPT_LIB_CHECKPOINT_COLLECTORS_H_
#define CKPT_LIB_CHECKPOINT_COLLECTORS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/external_variable.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "ckpt/trackable.h"
#include "graph/graph_table.h"

namespace ckpt::checkpoint {

// Collects an object's children in visit order.
class ChildCollector : public ChildVisitor {
 public:
  void Visit(absl::string_view name, ObjectRef child) override {
    children.emplace_back(std::string(name), child);
  }
  std::vector<std::pair<std::string, ObjectRef>> children;
};

// Matches an object's live children to the saved edges of its node by name,
// without copying the live names: child_of(e) is the first live child named
// like saved edge e, or a null ref. A live name is looked up among the
// saved edges by a scan when they are few, in an index when they are many
// (a container of 100,000 variables must not cost 100,000^2 comparisons,
// nor a copy of every name).
class EdgeMatcher : public ChildVisitor {
 public:
  EdgeMatcher(const graph::GraphTable& graph,
              absl::Span<const graph::GraphTable::Child> edges)
      : graph_(graph),
        edges_(edges),
        first_(edges.size()),
        refs_(edges.size()),
        seen_(edges.size(), false),
        index_(0, ByName{this}, ByName{this}) {
    if (edges.size() > kScanLimit) index_.reserve(edges.size());
    for (size_t e = 0; e < edges.size(); ++e) {
      // first_[e]: the first edge with e's name, which holds its child.
      if (edges.size() > kScanLimit) {
        first_[e] = *index_.insert(static_cast<uint32_t>(e)).first;
        continue;
      }
      first_[e] = static_cast<uint32_t>(e);
      for (size_t f = 0; f < e; ++f) {
        if (Name(f) == Name(e)) {
          first_[e] = static_cast<uint32_t>(f);
          break;
        }
      }
    }
  }
  EdgeMatcher(const EdgeMatcher&) = delete;  // index_ points at this
  EdgeMatcher& operator=(const EdgeMatcher&) = delete;

  void Visit(absl::string_view name, ObjectRef child) override {
    const size_t e = Lookup(name);
    if (e == kNone || seen_[e]) return;  // first one wins
    seen_[e] = true;
    refs_[e] = child;
  }
  ObjectRef child_of(size_t e) const { return refs_[first_[e]]; }

 private:
  static constexpr size_t kScanLimit = 16;
  static constexpr size_t kNone = ~size_t{0};
  // Hash and equality of edges (by index, 4 bytes a slot) by their names,
  // and of a name looked up.
  struct ByName {
    using is_transparent = void;
    const EdgeMatcher* m;
    absl::string_view Of(uint32_t e) const { return m->Name(e); }
    static absl::string_view Of(absl::string_view s) { return s; }
    template <typename T>
    size_t operator()(const T& x) const {
      return absl::Hash<absl::string_view>()(Of(x));
    }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Of(a) == Of(b);
    }
  };
  size_t Lookup(absl::string_view name) const {
    if (!index_.empty()) {
      auto it = index_.find(name);
      return it == index_.end() ? kNone : *it;
    }
    for (size_t e = 0; e < edges_.size(); ++e) {
      if (Name(e) == name) return e;  // a first edge
    }
    return kNone;
  }
  absl::string_view Name(size_t e) const { return graph_.str(edges_[e].name); }

  const graph::GraphTable& graph_;
  const absl::Span<const graph::GraphTable::Child> edges_;
  std::vector<uint32_t> first_;  // the edges of one node fit in 32 bits
  std::vector<ObjectRef> refs_;
  std::vector<bool> seen_;
  absl::flat_hash_set<uint32_t, ByName, ByName> index_;
};

// Collects an object's attributes.
class AttributeCollector : public AttributeVisitor {
 public:
  struct Attr {
    std::string name;
    ckpt::Tensor* tensor = nullptr;  // null for custom and partitioned ones
    std::string full_name;
    std::function<absl::Status(const ckpt::Tensor&)> restore;
    // Partitioned: part i holds region slices[i] (checked before use).
    bool partitioned = false;
    std::vector<ckpt::Tensor*> parts;
    std::vector<TensorSlice> slices;
    TensorShape full_shape;
    ExternalVariable* external = nullptr;  // caller-owned memory
  };
  void Tensor(absl::string_view name, ckpt::Tensor* value,
              absl::string_view full_name) override {
    attrs.push_back({std::string(name),
                     value,
                     std::string(full_name),
                     nullptr,
                     false,
                     {},
                     {},
                     {}});
  }
  void Custom(
      absl::string_view name,
      std::function<absl::StatusOr<ckpt::Tensor>()> save,
      std::function<absl::Status(const ckpt::Tensor&)> restore) override {
    (void)save;
    attrs.push_back({std::string(name),
                     nullptr,
                     "",
                     std::move(restore),
                     false,
                     {},
                     {},
                     {}});
  }
  void Partitioned(absl::string_view name, const TensorShape& full_shape,
                   absl::Span<ckpt::Tensor* const> parts,
                   absl::Span<const TensorSlice> slices,
                   absl::string_view full_name) override {
    Attr& a = attrs.emplace_back();
    a.name = std::string(name);
    a.full_name = std::string(full_name);
    a.partitioned = true;
    a.parts.assign(parts.begin(), parts.end());
    a.slices.assign(slices.begin(), slices.end());
    a.full_shape = full_shape;
  }
  void External(absl::string_view name, ExternalVariable& variable,
                absl::string_view full_name) override {
    Attr& a = attrs.emplace_back();
    a.name = std::string(name);
    a.full_name = std::string(full_name);
    a.external = &variable;
  }
  // Inline: a restore collects the attributes of every object it restores,
  // most of which have one or two.
  absl::InlinedVector<Attr, 2> attrs;
};

// Collects an optimizer's slots.
class SlotCollector : public SlotVisitor {
 public:
  struct Entry {
    std::string slot_name;
    ObjectRef original;
    ObjectRef slot;
  };
  void Slot(absl::string_view slot_name, Variable& original,
            Variable& slot) override {
    slots.push_back(
        {std::string(slot_name), ObjectRef::Of(original), ObjectRef::Of(slot)});
  }
  void Slot(absl::string_view slot_name, ShardedVariable& original,
            ShardedVariable& slot) override {
    slots.push_back(
        {std::string(slot_name), ObjectRef::Of(original), ObjectRef::Of(slot)});
  }
  void Slot(absl::string_view slot_name, ExternalVariable& original,
            ExternalVariable& slot) override {
    slots.push_back(
        {std::string(slot_name), ObjectRef::Of(original), ObjectRef::Of(slot)});
  }
  std::vector<Entry> slots;
};

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_COLLECTORS_H_
