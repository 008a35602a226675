// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// SaveObjectGraph: writes the object graph reachable from a root as a
// TensorFlow-compatible bundle (docs/format.md §12 Object-based checkpoints).
//
// Contract:
//   * Node ids are breadth-first discovery order over VisitChildren edges in
//     declared order, starting with the root as node 0. Identity is
//     ObjectRef equality (address and type): an object reached by several
//     edges is one node; cycles are fine. Every node lists ALL its edges in
//     order, including edges to nodes numbered earlier.
//   * A node's path is the escaped edge names of its first discovery path,
//     joined by "/" ("" for the root). Attribute keys are
//     AttributeKey(path, name).
//   * Slot variables (VisitSlots): for each node in node order, per slot name
//     in first-reported order, per original variable in node order, the slot
//     is appended as a new node with path
//     "<original path>/.OPTIMIZER_SLOT/<optimizer path>/<escaped slot name>"
//     and a SlotVariableReference is added to the optimizer's node. Slot
//     nodes have no children. InvalidArgument if an original is not a node of
//     the graph, if a slot object is also a regular node or reported twice,
//     or if a slot variable has children of its own.
//   * Every Tensor attribute must be initialized (FailedPrecondition naming
//     the path otherwise). Custom attributes are produced (save()) before
//     anything is written; their errors abort the save, annotated with the
//     path. Duplicate attribute names on one object are InvalidArgument.
//   * All checks run before any file is created. The bundle holds the
//     tensors in node order (each node's attributes in order) and then the
//     serialized graph under kObjectGraphKey as a DT_STRING scalar, last.
//     options.bundle.num_shards must be 1 (InvalidArgument otherwise).
//   * Every error names the object path ("<root>" for the root).

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "checkpoint/collective_save.h"
#include "checkpoint/collectors.h"
#include "checkpoint/partitioned_parts.h"
#include "checkpoint/save_plan.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/external_variable.h"
#include "ckpt/object_graph.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "util/env_or_default.h"
#include "util/errors.h"
#include "util/parallel.h"

namespace ckpt::checkpoint {
namespace {

// "object 'net/dense'" or "the root object", for messages.
std::string DescribePath(absl::string_view path) {
  if (path.empty()) return "the root object";
  return absl::StrCat("object ", QuoteForMessage(path));
}

using graph::GraphTable;
using graph::StrRef;

// One node of the graph being built, with the live object behind it; its
// path is paths[path_at, path_at + path_size) of the builder.
struct LiveNode {
  ObjectRef ref;
  size_t path_at = 0;
  size_t path_size = 0;
};

// The state of one save: nodes, the graph table and the tensors. Paths are
// kept in one buffer (they may pass 4 GiB together for a deep chain, so
// not in the table's pool); views of them are invalidated by Discover.
struct GraphBuilder {
  std::vector<LiveNode> nodes;
  std::string paths;
  GraphTable graph;
  absl::flat_hash_map<ObjectRef, int> ids;
  std::vector<PlannedTensor> tensors;  // keys set once the graph is complete
  std::deque<Tensor> produced;
  std::deque<checkpoint::PlannedSlice> slices;  // of partitioned parts
  uint32_t num_attributes = 0;
  std::string scratch;  // a path or key being built
  // Whether one process's parts of a partitioned value must hold all of it
  // (a collective save checks all ranks' parts together).
  Coverage coverage = Coverage::kComplete;

  absl::string_view path(size_t node) const {
    return absl::string_view(paths.data() + nodes[node].path_at,
                             nodes[node].path_size);
  }
  std::string Describe(size_t node) const { return DescribePath(path(node)); }

  // Returns the id of `ref`, numbering it (and queuing it) if new, with the
  // path in `scratch`.
  int Discover(const ObjectRef& ref) {
    auto [it, inserted] = ids.try_emplace(ref, 0);
    if (inserted) {
      it->second = static_cast<int>(nodes.size());
      nodes.push_back({ref, paths.size(), scratch.size()});
      paths.append(scratch);
      graph.AddNode();
    }
    return it->second;
  }
  // scratch = the path of a child of `parent` along edge `name`.
  void ChildPath(size_t parent, absl::string_view name) {
    scratch.clear();
    graph::AppendChildPath(path(parent), name, &scratch);
  }
};

// Numbers the children of one node as they are visited and adds its edges.
class EdgeAdder : public ChildVisitor {
 public:
  EdgeAdder(GraphBuilder& b, size_t node) : b_(b), node_(node) {}
  void Visit(absl::string_view name, ObjectRef child) override {
    if (child.is_null()) return;
    b_.ChildPath(node_, name);
    const int id = b_.Discover(child);
    b_.graph.AddChild(node_, id, b_.graph.AddString(name));
  }

 private:
  GraphBuilder& b_;
  const size_t node_;
};

// Breadth-first numbering of every object reachable from the root.
void BuildNodes(ObjectRef root, GraphBuilder& b) {
  b.scratch.clear();
  b.Discover(root);
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    EdgeAdder adder(b, i);
    const ObjectRef ref = b.nodes[i].ref;  // nodes may grow during the visit
    ref.VisitChildren(adder);
  }
}

// Whether an object has children (slot variables must not).
class AnyChild : public ChildVisitor {
 public:
  void Visit(absl::string_view, ObjectRef child) override {
    found = found || !child.is_null();
  }
  bool found = false;
};

// A slot as reported by an optimizer.
using ReportedSlot = SlotCollector::Entry;

// Slot names in first-reported order.
std::vector<std::string> SlotNamesInOrder(
    const std::vector<ReportedSlot>& slots) {
  std::vector<std::string> names;
  absl::flat_hash_set<std::string> seen;
  for (const ReportedSlot& s : slots) {
    if (seen.insert(s.slot_name).second) names.push_back(s.slot_name);
  }
  return names;
}

// Appends the slot node for `s` of optimizer node `optimizer_id`.
absl::Status AppendSlotNode(int optimizer_id, int original_id,
                            const ReportedSlot& s, GraphBuilder& b) {
  if (b.ids.contains(s.slot)) {
    return absl::InvalidArgumentError(absl::StrCat(
        b.Describe(optimizer_id), ": slot variable ",
        QuoteForMessage(s.slot_name), " of ", b.Describe(original_id),
        " is already a node of the object graph (a regular dependency or "
        "another slot)"));
  }
  AnyChild children;
  s.slot.VisitChildren(children);
  if (children.found) {
    return absl::InvalidArgumentError(absl::StrCat(
        b.Describe(optimizer_id), ": slot variable ",
        QuoteForMessage(s.slot_name), " of ", b.Describe(original_id),
        " has children; slot variables cannot have dependencies"));
  }
  b.scratch.clear();
  graph::AppendSlotPath(b.path(original_id), b.path(optimizer_id), s.slot_name,
                        &b.scratch);
  const int slot_id = b.Discover(s.slot);
  b.graph.AddSlot(optimizer_id,
                  {original_id, slot_id, b.graph.AddString(s.slot_name)});
  return absl::OkStatus();
}

// Appends the slot nodes of one optimizer node in TensorFlow's order.
absl::Status AddSlotsOf(int optimizer_id, GraphBuilder& b) {
  SlotCollector collector;
  b.nodes[optimizer_id].ref.VisitSlots(collector);
  if (collector.slots.empty()) return absl::OkStatus();
  // Resolve every original to its node id first.
  std::vector<int> original_ids;
  for (const ReportedSlot& s : collector.slots) {
    auto it = b.ids.find(s.original);
    if (it == b.ids.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          b.Describe(optimizer_id), ": the original variable of slot ",
          QuoteForMessage(s.slot_name),
          " is not part of the object graph being saved"));
    }
    original_ids.push_back(it->second);
  }
  for (const std::string& name : SlotNamesInOrder(collector.slots)) {
    // (original node id, index into collector.slots), in node order.
    std::vector<std::pair<int, size_t>> order;
    for (size_t i = 0; i < collector.slots.size(); ++i) {
      if (collector.slots[i].slot_name == name) {
        order.emplace_back(original_ids[i], i);
      }
    }
    std::sort(order.begin(), order.end());
    for (size_t j = 0; j < order.size(); ++j) {
      if (j > 0 && order[j].first == order[j - 1].first) {
        return absl::InvalidArgumentError(absl::StrCat(
            b.Describe(optimizer_id), ": slot ", QuoteForMessage(name),
            " reported twice for ", b.Describe(order[j].first)));
      }
      CKPT_RETURN_IF_ERROR(AppendSlotNode(optimizer_id, order[j].first,
                                          collector.slots[order[j].second], b));
    }
  }
  return absl::OkStatus();
}

absl::Status BuildSlots(GraphBuilder& b) {
  const size_t regular_nodes = b.nodes.size();
  for (size_t i = 0; i < regular_nodes; ++i) {
    CKPT_RETURN_IF_ERROR(AddSlotsOf(static_cast<int>(i), b));
  }
  return absl::OkStatus();
}

// Plans one node's attributes: graph entries and tensors to write. The
// first error is kept; later attributes are ignored.
class AttributePlanner : public AttributeVisitor {
 public:
  AttributePlanner(GraphBuilder& b, size_t node) : b_(b), node_(node) {}

  void Tensor(absl::string_view name, ckpt::Tensor* value,
              absl::string_view full_name) override {
    if (!status_.ok() || !CheckName(name)) return;
    if (value == nullptr || value->dtype() == DataType::kInvalid) {
      status_ = absl::FailedPreconditionError(absl::StrCat(
          b_.Describe(node_), ": attribute ", QuoteForMessage(name),
          " is not initialized (no dtype); assign a value before saving"));
      return;
    }
    PlannedTensor& t = Add(name, full_name);
    t.live = value;
  }

  void Custom(absl::string_view name,
              std::function<absl::StatusOr<ckpt::Tensor>()> save,
              std::function<absl::Status(const ckpt::Tensor&)>) override {
    if (!status_.ok() || !CheckName(name)) return;
    absl::StatusOr<ckpt::Tensor> value =
        save ? save()
             : absl::StatusOr<ckpt::Tensor>(
                   absl::InvalidArgumentError("no save function"));
    if (!value.ok()) {
      status_ =
          Annotate(value.status(), absl::StrCat("saving custom attribute ",
                                                QuoteForMessage(name), " of ",
                                                b_.Describe(node_)));
      return;
    }
    if (value->dtype() == DataType::kInvalid) {
      status_ = absl::FailedPreconditionError(absl::StrCat(
          b_.Describe(node_), ": custom attribute ", QuoteForMessage(name),
          " produced an uninitialized tensor"));
      return;
    }
    PlannedTensor& t = Add(name, "");
    t.produced = &b_.produced.emplace_back(*std::move(value));
  }

  void Partitioned(absl::string_view name, const TensorShape& full_shape,
                   absl::Span<ckpt::Tensor* const> parts,
                   absl::Span<const TensorSlice> slices,
                   absl::string_view full_name) override {
    if (!status_.ok() || !CheckName(name)) return;
    status_ =
        Annotate(CheckPartitionedParts(full_shape, parts, slices, b_.coverage),
                 absl::StrCat(b_.Describe(node_), ": attribute ",
                              QuoteForMessage(name)));
    if (!status_.ok()) return;
    const uint32_t attribute = Add(name, full_name).attribute;
    b_.tensors.pop_back();  // one tensor per part instead, below
    for (size_t i = 0; i < parts.size(); ++i) {
      PlannedTensor& t = b_.tensors.emplace_back();
      t.attribute = attribute;
      t.live = parts[i];
      t.slice = &b_.slices.emplace_back(
          checkpoint::PlannedSlice{slices[i], full_shape});
    }
  }

  // Memory the caller owns: its read-only view is saved like a live tensor
  // (an asynchronous save copies it when it stages); callbacks produce a
  // row-major copy now.
  void External(absl::string_view name, ExternalVariable& variable,
                absl::string_view full_name) override {
    if (!status_.ok() || !CheckName(name)) return;
    if (variable.dtype() == DataType::kInvalid) {
      status_ = absl::FailedPreconditionError(absl::StrCat(
          b_.Describe(node_), ": attribute ", QuoteForMessage(name),
          " is an unbound ExternalVariable; bind it before saving"));
      return;
    }
    if (variable.access() != ExternalVariable::Access::kCopied) {
      PlannedTensor& t = Add(name, full_name);
      t.live = &variable.value();
      return;
    }
    absl::StatusOr<ckpt::Tensor> value =
        ckpt::Tensor::CreateUninitialized(variable.dtype(), variable.shape());
    absl::Status s = value.status();
    if (s.ok()) s = variable.save_fn()(value->mutable_bytes());
    if (!s.ok()) {
      status_ =
          Annotate(s, absl::StrCat("saving attribute ", QuoteForMessage(name),
                                   " of ", b_.Describe(node_),
                                   " (ExternalVariable save function)"));
      return;
    }
    PlannedTensor& t = Add(name, full_name);
    t.produced = &b_.produced.emplace_back(*std::move(value));
  }

  const absl::Status& status() const { return status_; }

 private:
  bool CheckName(absl::string_view name) {
    // A scan of the few attributes an object has; a set beyond that.
    const absl::Span<const GraphTable::Attribute> attrs =
        b_.graph.attributes(node_);
    bool seen = false;
    if (attrs.size() < kScanLimit) {
      for (const GraphTable::Attribute& a : attrs) {
        seen = seen || b_.graph.str(a.name) == name;
      }
    } else {
      if (names_.empty()) {
        for (const GraphTable::Attribute& a : attrs) {
          names_.insert(std::string(b_.graph.str(a.name)));
        }
      }
      seen = !names_.insert(std::string(name)).second;
    }
    if (!seen) return true;
    status_ = absl::InvalidArgumentError(
        absl::StrCat(b_.Describe(node_), ": attribute ", QuoteForMessage(name),
                     " is reported twice"));
    return false;
  }

  PlannedTensor& Add(absl::string_view name, absl::string_view full_name) {
    b_.scratch.clear();
    graph::AppendAttributeKey(b_.path(node_), name, &b_.scratch);
    GraphTable& g = b_.graph;
    g.AddAttribute(node_, {g.AddString(name), g.AddString(full_name),
                           g.AddString(b_.scratch), false});
    if (!names_.empty()) names_.insert(std::string(name));
    PlannedTensor& t = b_.tensors.emplace_back();
    t.attribute = b_.num_attributes++;
    return t;
  }

  static constexpr size_t kScanLimit = 16;
  GraphBuilder& b_;
  const size_t node_;
  absl::flat_hash_set<std::string> names_;  // beyond kScanLimit attributes
  absl::Status status_;
};

absl::Status BuildAttributes(GraphBuilder& b) {
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    AttributePlanner planner(b, i);
    b.nodes[i].ref.VisitAttributes(planner);
    CKPT_RETURN_IF_ERROR(planner.status());
  }
  return absl::OkStatus();
}

// Byte size of a tensor as written (strings, variant: their bytes), for
// sharding.
uint64_t StoredSize(const Tensor& t) {
  if (!t.holds_strings()) return t.bytes().size();
  uint64_t n = 0;
  for (const std::string& v : t.strings()) n += v.size() + 1;
  return n;
}

constexpr uint64_t kMinBytesPerThreadShard = uint64_t{8} << 20;

// Tensors per AddBatch call when everything goes to one data file.
constexpr size_t kWriteWindow = 4096;

// Staging copies: pieces of at most this size, on several threads from
// kParallelStageBytes on (below that, starting threads costs more).
constexpr size_t kStageCopyPiece = size_t{4} << 20;
constexpr uint64_t kParallelStageBytes = uint64_t{64} << 20;

}  // namespace

absl::Status ValidateSaveOptions(const SaveOptions& options) {
  if (options.bundle.num_shards != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SaveOptions: bundle.num_shards must be 1 (use num_threads or "
        "max_shard_bytes), got ",
        options.bundle.num_shards));
  }
  if (options.num_threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SaveOptions: num_threads must be >= 0, got ", options.num_threads));
  }
  if (options.max_shard_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SaveOptions: max_shard_bytes must be >= 0, got ",
                     options.max_shard_bytes));
  }
  return absl::OkStatus();
}

std::vector<int> AssignShards(const std::vector<uint64_t>& sizes,
                              int num_threads, int64_t max_shard_bytes,
                              int* num_shards) {
  std::vector<int> shard(sizes.size(), 0);
  *num_shards = 1;
  if (max_shard_bytes > 0) {
    // Next fit in order: consecutive tensors share a file.
    const uint64_t cap = static_cast<uint64_t>(max_shard_bytes);
    uint64_t used = 0;
    int current = 0;
    bool empty = true;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (!empty && (used > cap || sizes[i] > cap - used)) {
        ++current;
        used = 0;
      }
      shard[i] = current;
      used += sizes[i];
      empty = false;
    }
    *num_shards = current + 1;
    return shard;
  }
  uint64_t total = 0;
  for (uint64_t n : sizes) total += n;
  const uint64_t by_bytes =
      std::max<uint64_t>(total / kMinBytesPerThreadShard, 1);
  const int count = static_cast<int>(std::min<uint64_t>(
      static_cast<uint64_t>(std::max(num_threads, 1)), by_bytes));
  if (count <= 1) return shard;
  // Largest first, each to the lightest shard (ties: lowest id).
  std::vector<size_t> order(sizes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  using Load = std::pair<uint64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> lightest;
  for (int s = 0; s < count; ++s) lightest.push({0, s});
  for (size_t i : order) {
    Load l = lightest.top();
    lightest.pop();
    shard[i] = l.second;
    l.first += sizes[i];
    lightest.push(l);
  }
  *num_shards = count;
  return shard;
}

absl::StatusOr<SavePlan> PlanSave(ObjectRef root, const SaveOptions& options) {
  if (root.is_null()) {
    return absl::InvalidArgumentError("SaveObjectGraph: null root object");
  }
  CKPT_RETURN_IF_ERROR(ValidateSaveOptions(options));
  GraphBuilder b;
  if (options.communicator != nullptr) b.coverage = Coverage::kPartial;
  BuildNodes(root, b);
  CKPT_RETURN_IF_ERROR(BuildSlots(b));
  CKPT_RETURN_IF_ERROR(BuildAttributes(b));
  CKPT_RETURN_IF_ERROR(b.graph.status());
  if (options.write_has_checkpoint_values) {
    graph::ComputeHasCheckpointValues(b.graph);
  }
  // Nothing is written for a graph no reader could parse back.
  CKPT_RETURN_IF_ERROR(graph::ValidateGraphTableStrings(b.graph));
  SavePlan plan;
  b.graph.ShrinkToFit();
  plan.graph = std::move(b.graph);
  plan.produced = std::move(b.produced);
  plan.slices = std::move(b.slices);
  plan.tensors = std::move(b.tensors);
  // The keys, now that the pool no longer grows.
  for (PlannedTensor& t : plan.tensors) {
    t.key = plan.graph.str(plan.graph.attribute(t.attribute).key);
  }
  return plan;
}

absl::Status WritePlan(const SavePlan& plan, const std::string& prefix,
                       const SaveOptions& options) {
  std::vector<size_t> all(plan.tensors.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  CKPT_ASSIGN_OR_RETURN(const Tensor graph_tensor,
                        GraphTableTensor(plan.graph));
  return WritePlanPart(plan, all, &graph_tensor, prefix, options);
}

absl::Status WritePlanPart(const SavePlan& plan,
                           absl::Span<const size_t> selected,
                           const Tensor* graph_tensor,
                           const std::string& prefix,
                           const SaveOptions& options) {
  CKPT_RETURN_IF_ERROR(ValidateSaveOptions(options));
  Env* env = EnvOrDefault(options.env);
  const int threads = ResolveThreads(options.num_threads);
  std::vector<uint64_t> sizes;
  sizes.reserve(selected.size());
  for (size_t i : selected)
    sizes.push_back(StoredSize(plan.tensors[i].value()));
  int num_shards = 1;
  const std::vector<int> shard =
      AssignShards(sizes, threads, options.max_shard_bytes, &num_shards);
  if (num_shards > kMaxNumShards) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_shard_bytes ", options.max_shard_bytes, " gives ", num_shards,
        " shards, more than the limit of ", kMaxNumShards));
  }
  BundleWriterOptions bundle_options = options.bundle;
  bundle_options.num_shards = num_shards;
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleWriter> writer,
                        BundleWriter::Create(env, prefix, bundle_options));
  // Several shards: one batch, their threads side by side. One shard: in
  // batches of kWriteWindow tensors, so that the batch's bookkeeping stays
  // small while the checksum helpers still look ahead of the write.
  const size_t window =
      num_shards == 1 ? kWriteWindow : std::max<size_t>(selected.size(), 1);
  std::vector<BundleWriter::BatchItem> items;
  items.reserve(std::min(window, selected.size()));
  for (size_t begin = 0; begin < selected.size(); begin += window) {
    const size_t end = std::min(selected.size(), begin + window);
    items.clear();
    for (size_t i = begin; i < end; ++i) {
      const PlannedTensor& t = plan.tensors[selected[i]];
      items.push_back({t.key, &t.value(), shard[i],
                       t.slice != nullptr ? &t.slice->slice : nullptr,
                       t.slice != nullptr ? &t.slice->full_shape : nullptr});
    }
    // Errors name the key already.
    CKPT_RETURN_IF_ERROR(writer->AddBatch(items, threads));
  }
  if (graph_tensor != nullptr) {
    absl::Status s = writer->Add(kObjectGraphKey, *graph_tensor);
    if (!s.ok()) return Annotate(s, "writing the object graph");
  }
  return writer->Finish();
}

absl::Status StagingBuffers::Stage(SavePlan& plan, int num_threads) {
  // Sized first: the plan keeps pointers into buffers_.
  size_t count = 0;
  for (const PlannedTensor& t : plan.tensors) count += t.live != nullptr;
  buffers_.resize(count);
  // Buffers that can be reused are filled below, in pieces, on several
  // threads for a large state; the others are made here.
  struct Copy {
    const char* from;
    char* to;
    size_t size;
  };
  std::vector<Copy> copies;
  size_t pieces = 0;  // reserved: 100,000 small tensors must not regrow it
  for (const PlannedTensor& t : plan.tensors) {
    if (t.live != nullptr && !t.live->holds_strings()) {
      pieces +=
          (t.live->bytes().size() + kStageCopyPiece - 1) / kStageCopyPiece;
    }
  }
  copies.reserve(pieces);
  uint64_t copy_bytes = 0;
  size_t j = 0;
  for (PlannedTensor& t : plan.tensors) {
    if (t.live == nullptr) continue;
    const Tensor& live = *t.live;
    Tensor& buffer = buffers_[j++];
    const bool reusable =
        !live.holds_strings() && buffer.dtype() == live.dtype() &&
        buffer.shape() == live.shape() && !buffer.is_borrowed();
    if (reusable) {
      const absl::string_view src = live.bytes();
      for (size_t at = 0; at < src.size(); at += kStageCopyPiece) {
        copies.push_back({src.data() + at, buffer.mutable_bytes().data() + at,
                          std::min(kStageCopyPiece, src.size() - at)});
      }
      copy_bytes += src.size();
    } else if (live.holds_strings()) {
      buffer = live;  // string or variant: a deep copy of the elements
    } else {
      CKPT_ASSIGN_OR_RETURN(
          buffer, Tensor::FromBytes(live.dtype(), live.shape(), live.bytes()));
    }
    t.live = &buffer;
  }
  ParallelFor(copy_bytes >= kParallelStageBytes ? num_threads : 1,
              copies.size(), [&copies](size_t i) {
                std::memcpy(copies[i].to, copies[i].from, copies[i].size);
              });
  return absl::OkStatus();
}

uint64_t StagingBuffers::bytes() const {
  uint64_t n = 0;
  for (const Tensor& t : buffers_) n += t.bytes().size();
  return n;
}

}  // namespace ckpt::checkpoint

namespace ckpt {

absl::Status SaveObjectGraph(ObjectRef root, const std::string& prefix,
                             const SaveOptions& options) {
  const std::string what =
      absl::StrCat("saving checkpoint ", QuoteForMessage(prefix));
  if (options.communicator == nullptr) {
    CKPT_ASSIGN_OR_RETURN(checkpoint::SavePlan plan,
                          checkpoint::PlanSave(root, options));
    return Annotate(checkpoint::WritePlan(plan, prefix, options), what);
  }
  // Collective: a planning error on one rank is every rank's error.
  absl::StatusOr<checkpoint::SavePlan> plan =
      checkpoint::PlanSave(root, options);
  CKPT_RETURN_IF_ERROR(
      Annotate(AgreeOnStatus(*options.communicator, plan.status()), what));
  return Annotate(checkpoint::WritePlanCollective(*plan, prefix, options),
                  what);
}

}  // namespace ckpt
