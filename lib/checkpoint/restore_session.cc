// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RestoreSession (contract in checkpoint/restore_session.h): the matching
// walk, deferred restoration, slots, name-based mode and the report.

#include "checkpoint/restore_session.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "checkpoint/collectors.h"
#include "checkpoint/partitioned_parts.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "ckpt/status.h"
#include "graph/anchor.h"
#include "util/errors.h"
#include "util/parallel.h"

namespace ckpt {
namespace checkpoint {

namespace {

// Values of one walk read on several threads from this many bytes on.
constexpr uint64_t kParallelReadBytes = uint64_t{16} << 20;
// From this many attributes on, the index is decoded in one pass when the
// decoding ran on a helper thread beside the graph's parse (a lookup per
// key costs a search of the index and a block decode: count_1k restored in
// 1.06 ms by lookups, 0.64 ms from the scan; docs/performance.md), and
// from kInlineScanAttributes on when it would run on the walk's thread.
constexpr size_t kIndexScanAttributes = 256;
constexpr size_t kInlineScanAttributes = 1024;
// The scan is used only if the index holds at most this many entries per
// attribute restored.
constexpr size_t kScanEntriesPerAttribute = 8;
// A walk's queued reads go to the read helper (ReadBatches) this many at a
// time, while the walk goes on, if they hold at most kBatchBytes: many small
// values. Larger ones wait for the end of the walk and are read on every
// thread.
constexpr size_t kBatchReads = 4096;
constexpr uint64_t kBatchBytes = uint64_t{32} << 20;
// The walk's queue drops the items it has done once there are this many.
constexpr size_t kQueueCompactAt = 4096;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string Describe(DataType dtype, const TensorShape& shape) {
  return absl::StrCat(DataTypeName(dtype), " ", shape.DebugString());
}

// The path of the child `name` of the object at `parent` (the naming rule
// of graph/graph_table.h).
std::string ChildPath(absl::string_view parent, absl::string_view name) {
  std::string out;
  graph::AppendChildPath(parent, name, &out);
  return out;
}

}  // namespace

bool RestoreSession::HasValues(int node) const {
  const size_t n = static_cast<size_t>(node);
  if (const std::optional<bool> v = graph_.has_checkpoint_values(n)) return *v;
  return !graph_.children(n).empty() || !graph_.attributes(n).empty() ||
         !graph_.slots(n).empty() || graph_.saver(n) != nullptr;
}

void RestoreSession::Bind(int node, ObjectRef obj) {
  bound_[static_cast<size_t>(node)] = obj;
  const auto [it, inserted] = object_index_.try_emplace(
      obj, static_cast<uint32_t>(restored_from_.size()));
  if (inserted) restored_from_.push_back(-1);
  node_object_[static_cast<size_t>(node)] = it->second;
}

void RestoreSession::AddPending(Trackable* anchor, int node) {
  if (anchor == nullptr) return;  // no Trackable above: cannot be deferred
  auto& set = pending_[anchor];
  set.insert(node);
  graph::Anchor::Of(*anchor).AddWaiter(shared_from_this());
}

void RestoreSession::RecordError(absl::string_view path, absl::string_view key,
                                 std::string detail, absl::Status status,
                                 absl::Status* walk_error) {
  report_.mismatched.push_back(
      {std::string(path), std::string(key), std::move(detail)});
  if (first_error_.ok()) first_error_ = status;
  if (walk_error->ok()) *walk_error = std::move(status);
}

void RestoreSession::RecordRestoreError(absl::string_view path,
                                        absl::string_view key,
                                        const absl::Status& s,
                                        absl::Status* walk_error) {
  RecordError(path, key, Msg(s),
              Annotate(s, absl::StrCat("restoring ", QuoteForMessage(path))),
              walk_error);
}

void RestoreSession::RecordMismatch(absl::string_view path,
                                    absl::string_view key, std::string detail,
                                    absl::Status* walk_error) {
  absl::Status s = absl::InvalidArgumentError(
      absl::StrCat("cannot restore ", QuoteForMessage(path), " (key ",
                   QuoteForMessage(key), "): ", detail));
  RecordError(path, key, std::move(detail), std::move(s), walk_error);
}

const BundleEntry* RestoreSession::Scanned(int node, size_t attr) const {
  if (scanned_.empty()) return nullptr;
  return scanned_[graph_.first_attribute(static_cast<size_t>(node)) + attr];
}

absl::StatusOr<const BundleEntry*> RestoreSession::Entry(
    absl::string_view key, const BundleEntry* scanned) {
  if (scanned != nullptr) return scanned;
  // Not scanned, or not found by the scan: the lookup reports NotFound or
  // the index damage itself.
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, reader_->GetEntry(key));
  looked_up_.push_back(std::move(entry));
  return &looked_up_.back();
}

size_t RestoreSession::AddMatched(absl::string_view path, absl::string_view key,
                                  DataType dtype, const TensorShape& shape) {
  const std::vector<int64_t>& dims = shape.dims();
  matched_.push_back({path, key, matched_dims_.size(),
                      static_cast<uint8_t>(dims.size()), false, dtype});
  matched_dims_.insert(matched_dims_.end(), dims.begin(), dims.end());
  return matched_.size() - 1;
}

size_t RestoreSession::num_matched() const {
  return static_cast<size_t>(
      std::count_if(matched_.begin(), matched_.end(),
                    [](const Matched& m) { return !m.failed; }));
}

absl::Status RestoreSession::StartGraph(graph::GraphTable graph,
                                        IndexScan* scan) {
  graph_ = std::move(graph);
  CKPT_ASSIGN_OR_RETURN(
      paths_, graph::NodePathTable::Build(
                  graph_, absl::StrCat("object graph of ", reader_->prefix())));
  // A restore that reads many values decodes the whole index in one pass
  // (`scan`) rather than looking keys up one by one: from
  // kIndexScanAttributes on when the scan ran beside the graph's parse,
  // from kInlineScanAttributes when it would run here, and only if the
  // index is not much larger than what is restored (a small subtree of a
  // large checkpoint looks its keys up). A damaged index is left to the
  // lookups, which report it per key.
  const size_t attributes = graph_.num_attributes();
  if (scan != nullptr &&
      attributes >=
          (scan->started() ? kIndexScanAttributes : kInlineScanAttributes)) {
    // Each key is hashed once, as a view into the graph, while the scan may
    // still run; entries are kept by attribute, so the walk needs no lookup.
    absl::flat_hash_map<absl::string_view, size_t> slot_of;
    slot_of.reserve(attributes);
    for (size_t i = 0; i < attributes; ++i) {
      slot_of.try_emplace(graph_.str(graph_.attribute(i).key), i);
    }
    if (scan->Wait().ok() &&
        scan->size() / kScanEntriesPerAttribute <= attributes) {
      scanned_.assign(attributes, nullptr);
      for (size_t i = 0; i < scan->size(); ++i) {
        auto it = slot_of.find(scan->key(i));
        if (it != slot_of.end()) scanned_[it->second] = &scan->entry(i);
      }
      scan->ReleaseKeys();  // the entries stay until the walk ends
    }
  }
  bound_.assign(graph_.num_nodes(), ObjectRef());
  restored_nodes_.assign(graph_.num_nodes(), false);
  matched_.reserve(attributes);
  matched_dims_.reserve(attributes);  // rank 1 is the common case
  // With a read helper, reads leave the queue kBatchReads at a time.
  const size_t queue =
      num_threads_ > 1 ? std::min(attributes, kBatchReads) : attributes;
  queued_reads_.reserve(queue);
  queued_matched_.reserve(queue);
  queued_fresh_.reserve(queue);
  node_object_.assign(graph_.num_nodes(), 0);
  object_index_.reserve(graph_.num_nodes());
  restored_from_.reserve(graph_.num_nodes());
  Bind(0, root_);
  // The first walk's queue holds up to every node: reserved once.
  std::vector<Item> start;
  start.reserve(graph_.num_nodes());
  start.push_back(Item{0, root_, root_.trackable()});
  absl::Status walked = Walk(std::move(start));
  // Deferred walks look keys up one by one: the session may live as long as
  // the caller keeps its RestoreStatus, and need not hold the whole index.
  std::vector<const BundleEntry*>().swap(scanned_);
  return walked;
}

absl::Status RestoreSession::OnChildrenChanged(Trackable& owner) {
  // Keep this session alive even if the anchor drops us below.
  std::shared_ptr<RestoreSession> self = shared_from_this();
  if (name_based_) {
    auto it = name_paths_.find(&owner);
    const std::string path = it == name_paths_.end() ? "" : it->second;
    return NameBasedWalk(ObjectRef::Of(owner), path);
  }
  const ObjectRef owner_ref = ObjectRef::Of(owner);
  std::vector<Item> start;
  for (size_t n = 0; n < bound_.size(); ++n) {
    if (bound_[n] == owner_ref) {
      start.push_back({static_cast<int>(n), owner_ref, &owner});
    }
  }
  // The re-walk re-registers whatever still waits on `owner`.
  pending_.erase(&owner);
  absl::Status status = Walk(std::move(start));
  auto it = pending_.find(&owner);
  if (it == pending_.end() || it->second.empty()) {
    pending_.erase(&owner);
    graph::Anchor::Of(owner).RemoveWaiter(this);
  }
  return status;
}

absl::Status RestoreSession::Walk(std::vector<Item> start) {
  absl::Status walk_error;
  // A walk started by user code inside another (a callback calling
  // ChildrenChanged()) commits only its own staged values.
  std::deque<Staged> outer_staged = std::move(staged_);
  staged_.clear();
  // FIFO: items before `head` are done; the done prefix is dropped once it
  // is half of the vector or more, so the queue reuses its memory.
  std::vector<Item> queue = std::move(start);
  size_t head = 0;
  std::vector<bool> visited(graph_.num_nodes());      // processed in this walk
  std::vector<std::pair<int, ObjectRef>> optimizers;  // alive during the walk
  while (head < queue.size()) {
    if (head >= kQueueCompactAt && head * 2 >= queue.size()) {
      queue.erase(queue.begin(), queue.begin() + static_cast<ptrdiff_t>(head));
      head = 0;
    }
    const Item item = queue[head++];
    const size_t n = static_cast<size_t>(item.node);
    if (visited[n]) continue;
    visited[n] = true;
    if (!restored_nodes_[n]) {
      restored_nodes_[n] = true;
      RestoreNode(item.node, item.obj, &walk_error);
    }
    Trackable* const anchor =
        item.obj.trackable() != nullptr ? item.obj.trackable() : item.anchor;

    const absl::Span<const graph::GraphTable::Child> edges = graph_.children(n);
    EdgeMatcher live(graph_, edges);
    if (!edges.empty()) item.obj.VisitChildren(live);
    for (size_t e = 0; e < edges.size(); ++e) {
      const graph::GraphTable::Child& edge = edges[e];
      const size_t c = static_cast<size_t>(edge.node_id);
      const ObjectRef child = live.child_of(e);
      if (!bound_[c].is_null()) {
        if (child.is_null()) continue;
        if (!(child == bound_[c])) {
          ++inconsistent_bindings_;  // keep the first binding
          continue;
        }
        // Re-walk owned aggregates/containers: their contents may be new.
        if (child.trackable() == nullptr && !visited[c]) {
          queue.push_back({edge.node_id, child, anchor});
        }
        continue;
      }
      if (!child.is_null()) {
        Bind(edge.node_id, child);
        queue.push_back({edge.node_id, child, anchor});
      } else if (HasValues(edge.node_id)) {
        AddPending(anchor, edge.node_id);
      }
    }
    if (!graph_.slots(n).empty() && item.obj.trackable() != nullptr) {
      optimizers.emplace_back(item.node, item.obj);
      ProcessSlots(item.node, item.obj, &walk_error);
    }
  }
  // Originals bound after their optimizer was processed in this walk.
  for (const auto& [node, opt] : optimizers) {
    ProcessSlots(node, opt, &walk_error);
  }
  FlushReads(&walk_error);
  CommitOrDefer(&walk_error);
  staged_ = std::move(outer_staged);
  // Forget waits that were satisfied (anchors are identity keys only).
  for (auto& [anchor, nodes] : pending_) {
    absl::erase_if(nodes, [this](int node) {
      return !bound_[static_cast<size_t>(node)].is_null();
    });
  }
  return walk_error;
}

void RestoreSession::ProcessSlots(int opt_node, ObjectRef opt,
                                  absl::Status* walk_error) {
  SlotCollector live;
  opt.VisitSlots(live);
  for (const graph::GraphTable::Slot& ref :
       graph_.slots(static_cast<size_t>(opt_node))) {
    const size_t slot_node = static_cast<size_t>(ref.slot_node_id);
    if (!bound_[slot_node].is_null()) continue;
    const ObjectRef original =
        bound_[static_cast<size_t>(ref.original_node_id)];
    const SlotCollector::Entry* found = nullptr;
    if (!original.is_null()) {
      for (const auto& e : live.slots) {
        if (e.slot_name == graph_.str(ref.name) && e.original == original) {
          found = &e;
          break;
        }
      }
    }
    if (found == nullptr) {
      AddPending(opt.trackable(), ref.slot_node_id);
      continue;
    }
    const ObjectRef slot = found->slot;
    Bind(ref.slot_node_id, slot);
    restored_nodes_[slot_node] = true;
    RestoreNode(ref.slot_node_id, slot, walk_error);
  }
}

void RestoreSession::RestoreNode(int node, ObjectRef obj,
                                 absl::Status* walk_error) {
  // Every object is bound (to `node`) before it is restored; once per
  // object, from whichever of its nodes comes first.
  const absl::Span<const graph::GraphTable::Attribute> saved =
      graph_.attributes(static_cast<size_t>(node));
  const absl::string_view path = paths_[static_cast<size_t>(node)];
  int& from = restored_from_[node_object_[static_cast<size_t>(node)]];
  if (from >= 0) {
    // A second node bound to the object: its values are not assigned.
    const absl::string_view first = paths_[static_cast<size_t>(from)];
    for (const graph::GraphTable::Attribute& a : saved) {
      report_.unused.push_back(
          {std::string(path), std::string(graph_.str(a.key)),
           absl::StrCat("the object was restored from checkpoint object '",
                        first.empty() ? "(root)" : first, "'")});
    }
    return;
  }
  from = node;
  AttributeCollector live;
  obj.VisitAttributes(live);
  absl::InlinedVector<bool, 8> taken(saved.size(), false);
  for (AttributeCollector::Attr& attr : live.attrs) {
    const graph::GraphTable::Attribute* stored = nullptr;
    for (size_t i = 0; i < saved.size(); ++i) {
      if (!taken[i] && graph_.str(saved[i].name) == attr.name) {
        taken[i] = true;
        stored = &saved[i];
        break;
      }
    }
    if (stored == nullptr) {
      report_.missing.push_back(
          {AttributeKey(path, attr.name), "",
           absl::StrCat("attribute ", attr.name, " not in the checkpoint")});
      continue;
    }
    const absl::string_view key = graph_.str(stored->key);
    if (attr.partitioned) {
      RestoreParts(path, key,
                   Scanned(node, static_cast<size_t>(stored - saved.data())),
                   attr.parts, attr.slices, attr.full_shape, walk_error);
      continue;
    }
    if (attr.tensor != nullptr) {
      RestoreTensor(path, key,
                    Scanned(node, static_cast<size_t>(stored - saved.data())),
                    attr.tensor, walk_error);
      continue;
    }
    if (attr.external != nullptr) {
      RestoreExternal(path, key,
                      Scanned(node, static_cast<size_t>(stored - saved.data())),
                      *attr.external, walk_error);
      continue;
    }
    // User code may touch other variables: their queued reads go first.
    FlushReads(walk_error);
    absl::StatusOr<ckpt::Tensor> value = reader_->Read(key);
    absl::Status s = value.ok() ? attr.restore(*value) : value.status();
    if (!s.ok()) {
      RecordRestoreError(path, key, s, walk_error);
      continue;
    }
    AddMatched(path, key, value->dtype(), value->shape());
  }
  for (size_t i = 0; i < saved.size(); ++i) {
    if (!taken[i]) {
      report_.unused.push_back(
          {std::string(path), std::string(graph_.str(saved[i].key)),
           absl::StrCat("no attribute ", graph_.str(saved[i].name),
                        " on the object")});
    }
  }
}

const BundleEntry* RestoreSession::MatchingEntry(
    absl::string_view path, absl::string_view key, const BundleEntry* scanned,
    DataType dtype, const TensorShape& shape, absl::Status* walk_error) {
  absl::StatusOr<const BundleEntry*> found = Entry(key, scanned);
  if (!found.ok()) {
    RecordRestoreError(path, key, found.status(), walk_error);
    return nullptr;
  }
  const BundleEntry& entry = **found;
  if (dtype != DataType::kInvalid &&
      (entry.dtype != dtype || entry.shape != shape)) {
    RecordMismatch(
        path, key,
        absl::StrCat("checkpoint ", Describe(entry.dtype, entry.shape),
                     " vs object ", Describe(dtype, shape)),
        walk_error);
    return nullptr;
  }
  return &entry;
}

void RestoreSession::RestoreTensor(absl::string_view path,
                                   absl::string_view key,
                                   const BundleEntry* scanned,
                                   ckpt::Tensor* value,
                                   absl::Status* walk_error) {
  const BundleEntry* const matching = MatchingEntry(
      path, key, scanned, value->dtype(), value->shape(), walk_error);
  if (matching == nullptr) return;
  const BundleEntry& entry = *matching;
  const bool fresh = value->dtype() == DataType::kInvalid;
  if (mapped_ != nullptr && entry.num_slices == 0 &&
      entry.compression == Compression::kNone &&
      IsFixedSizeDataType(entry.dtype) && entry.size > 0) {
    // A mapped restore: the value becomes a view of the data file.
    queued_views_.push_back(
        {key, &entry, value, AddMatched(path, key, entry.dtype, entry.shape)});
    queued_view_bytes_ += static_cast<uint64_t>(entry.size);
    return;
  }
  if (fresh && IsFixedSizeDataType(entry.dtype)) {
    // An uninitialized variable: a tensor of the entry's dtype and shape,
    // its bytes read with the walk's other values (not zero-filled first:
    // every byte is read before the restore returns, and a failed read
    // empties the variable again).
    absl::StatusOr<ckpt::Tensor> t =
        ckpt::Tensor::CreateUninitialized(entry.dtype, entry.shape);
    if (!t.ok()) {
      RecordRestoreError(path, key, t.status(), walk_error);
      return;
    }
    *value = *std::move(t);
    QueueRead(path, key, entry, value->mutable_bytes(), value);
    return;
  }
  if (fresh) {  // string or variant
    absl::StatusOr<ckpt::Tensor> t = reader_->Read(key);
    if (!t.ok()) {
      RecordRestoreError(path, key, t.status(), walk_error);
      return;
    }
    *value = *std::move(t);
    AddMatched(path, key, entry.dtype, entry.shape);
    return;
  }
  absl::Status s;
  if (value->holds_strings()) {  // string or variant elements
    absl::StatusOr<ckpt::Tensor> t = reader_->Read(key);
    if (t.ok()) {
      *value->mutable_strings() = t->strings();
    } else {
      s = t.status();
    }
  } else if (value->is_borrowed()) {
    s = absl::FailedPreconditionError("the tensor is a read-only borrow");
  } else {
    QueueRead(path, key, entry, value->mutable_bytes(), nullptr);
    return;
  }
  if (!s.ok()) {
    RecordRestoreError(path, key, s, walk_error);
    return;
  }
  AddMatched(path, key, entry.dtype, entry.shape);
}

void RestoreSession::RestoreExternal(absl::string_view path,
                                     absl::string_view key,
                                     const BundleEntry* scanned,
                                     ExternalVariable& variable,
                                     absl::Status* walk_error) {
  const BundleEntry* const matching = MatchingEntry(
      path, key, scanned, variable.dtype(), variable.shape(), walk_error);
  if (matching == nullptr) return;
  const BundleEntry& entry = *matching;
  switch (variable.access()) {
    case ExternalVariable::Access::kReadOnly:
      RecordRestoreError(
          path, key,
          absl::FailedPreconditionError(
              "the object is a read-only view of caller memory "
              "(ExternalVariable::ReadOnly); bind it writable to restore "
              "into it"),
          walk_error);
      return;
    case ExternalVariable::Access::kCopied: {
      absl::StatusOr<ckpt::Tensor> value = reader_->Read(key);  // checked
      if (!value.ok()) {
        RecordRestoreError(path, key, value.status(), walk_error);
        return;
      }
      const size_t matched = AddMatched(path, key, entry.dtype, entry.shape);
      if (stage_external_) {  // the callback runs in CommitStaged
        Staged& staged = staged_.emplace_back();
        staged.scratch = *std::move(value);
        staged.restore = variable.restore_fn();
        staged.matched = matched;
        return;
      }
      // User code may touch other variables: their queued reads go first
      // (which frees looked-up entries: `entry` is not used after this).
      FlushReads(walk_error);
      if (absl::Status s = variable.restore_fn()(value->bytes()); !s.ok()) {
        matched_[matched].failed = true;
        RecordRestoreError(path, key, s, walk_error);
      }
      return;
    }
    case ExternalVariable::Access::kWritable:
      break;
    case ExternalVariable::Access::kUnbound:  // visits as a Tensor instead
      RecordRestoreError(path, key,
                         absl::InternalError("unbound ExternalVariable"),
                         walk_error);
      return;
  }
  if (!stage_external_) {
    // Straight into the caller's memory (a mapped restore copies too: the
    // memory is the caller's, not a view to replace).
    QueueRead(path, key, entry, variable.writable_bytes(), nullptr);
    return;
  }
  // Into scratch first; copied in by CommitStaged if the walk succeeds.
  absl::StatusOr<ckpt::Tensor> scratch =
      ckpt::Tensor::CreateUninitialized(entry.dtype, entry.shape);
  if (!scratch.ok()) {
    RecordRestoreError(path, key, scratch.status(), walk_error);
    return;
  }
  Staged& staged = staged_.emplace_back();
  staged.scratch = *std::move(scratch);
  staged.to = variable.writable_bytes();
  staged.matched = matched_.size();
  QueueRead(path, key, entry, staged.scratch.mutable_bytes(), &staged.scratch);
}

void RestoreSession::CommitOrDefer(absl::Status* walk_error) {
  if (!defer_first_commit_) {
    CommitStaged(walk_error);
    return;
  }
  defer_first_commit_ = false;  // later (deferred) walks are this rank's
  deferred_staged_ = std::move(staged_);
  staged_.clear();
}

absl::Status RestoreSession::CommitDeferred(RestoreStatus& restored,
                                            absl::Status agreed) {
  RestoreSession& session = *restored.session_;
  session.staged_ = std::move(session.deferred_staged_);
  session.deferred_staged_.clear();
  session.CommitStaged(&agreed);
  return agreed;
}

void RestoreSession::CommitStaged(absl::Status* walk_error) {
  if (staged_.empty()) return;
  // Every staged value must have been read and checked (a read that failed
  // in a nested walk is marked failed but reported there).
  bool ok = walk_error->ok();
  for (const Staged& v : staged_) ok = ok && !matched_[v.matched].failed;
  if (ok) {
    uint64_t bytes = 0;
    for (const Staged& v : staged_) bytes += v.to.size();
    ParallelFor(bytes >= kParallelReadBytes ? num_threads_ : 1, staged_.size(),
                [this](size_t i) {
                  const Staged& v = staged_[i];
                  if (!v.to.empty()) {
                    std::memcpy(v.to.data(), v.scratch.bytes().data(),
                                v.to.size());
                  }
                });
    // Callbacks (ExternalVariable::Copied) on this thread, in walk order.
    for (const Staged& v : staged_) {
      if (!v.restore) continue;
      if (absl::Status s = v.restore(v.scratch.bytes()); !s.ok()) {
        Matched& m = matched_[v.matched];
        m.failed = true;
        RecordRestoreError(m.path, m.key, s, walk_error);
      }
    }
  } else {
    // A failed restore leaves every caller-owned byte as it was.
    for (const Staged& v : staged_) {
      Matched& m = matched_[v.matched];
      if (m.failed) continue;  // its own error is reported
      m.failed = true;
      report_.unused.push_back(
          {std::string(m.path), std::string(m.key),
           "not written: the restore failed and stage_external leaves "
           "caller memory untouched"});
    }
  }
  staged_.clear();
}

void RestoreSession::QueueRead(absl::string_view path, absl::string_view key,
                               const BundleEntry& entry, absl::Span<char> out,
                               ckpt::Tensor* fresh, const TensorSlice* slice) {
  // Read when the walk ends, with the other values of the walk.
  queued_bytes_ += out.size();
  batch_bytes_ += out.size();
  queued_reads_.push_back({key, out, &entry, slice});
  queued_matched_.push_back(AddMatched(path, key, entry.dtype, entry.shape));
  queued_fresh_.push_back(fresh);
  MaybeSubmitBatch();
}

ReadBatches::Batch RestoreSession::TakeQueuedReads() {
  ReadBatches::Batch batch;
  batch.reads.swap(queued_reads_);
  batch.matched.swap(queued_matched_);
  batch.fresh.swap(queued_fresh_);
  return batch;
}

void RestoreSession::MaybeSubmitBatch() {
  if (num_threads_ < 2 || queued_reads_.size() < kBatchReads ||
      batch_bytes_ > kBatchBytes) {
    return;
  }
  if (batches_ == nullptr) batches_ = std::make_unique<ReadBatches>(*reader_);
  batches_->Submit(TakeQueuedReads());
  batch_bytes_ = 0;
  queued_reads_.reserve(kBatchReads);
  queued_matched_.reserve(kBatchReads);
  queued_fresh_.reserve(kBatchReads);
}

void RestoreSession::RestoreParts(absl::string_view path, absl::string_view key,
                                  const BundleEntry* scanned,
                                  absl::Span<ckpt::Tensor* const> parts,
                                  absl::Span<const TensorSlice> slices,
                                  const TensorShape& full_shape,
                                  absl::Status* walk_error) {
  // The parts come from user code: checked before anything is read.
  if (absl::Status s =
          CheckPartitionedParts(full_shape, parts, slices, Coverage::kPartial);
      !s.ok()) {
    RecordRestoreError(path, key, s, walk_error);
    return;
  }
  absl::StatusOr<const BundleEntry*> found = Entry(key, scanned);
  if (!found.ok()) {
    RecordRestoreError(path, key, found.status(), walk_error);
    return;
  }
  const BundleEntry& entry = **found;
  const DataType dtype = parts.front()->dtype();
  if (entry.dtype != dtype || entry.shape != full_shape) {
    RecordMismatch(
        path, key,
        absl::StrCat("checkpoint ", Describe(entry.dtype, entry.shape),
                     " vs object ", Describe(dtype, full_shape), " in ",
                     parts.size(), " parts"),
        walk_error);
    return;
  }
  absl::Status s;
  for (size_t i = 0; i < parts.size() && s.ok(); ++i) {
    ckpt::Tensor* part = parts[i];
    if (part->holds_strings()) {  // string or variant elements
      absl::StatusOr<ckpt::Tensor> t = reader_->ReadSlice(key, slices[i]);
      if (t.ok()) {
        *part->mutable_strings() = t->strings();
      } else {
        s = t.status();
      }
    } else if (part->is_borrowed()) {
      s = absl::FailedPreconditionError(
          absl::StrCat("part ", i, " is a read-only borrow"));
    } else {
      // Only its region.
      QueueRead(path, key, entry, part->mutable_bytes(), nullptr,
                &queued_slices_.emplace_back(slices[i]));
    }
  }
  if (!s.ok()) {
    RecordRestoreError(path, key, s, walk_error);
  }
}

void RestoreSession::FlushViews(absl::Status* walk_error) {
  std::vector<QueuedView> views;
  views.swap(queued_views_);
  const int threads =
      queued_view_bytes_ >= kParallelReadBytes ? num_threads_ : 1;
  queued_view_bytes_ = 0;
  // Each view is checked (range, checksum) before it is handed out; a
  // value whose check fails keeps what it held.
  std::vector<absl::StatusOr<ckpt::Tensor>> got(views.size(),
                                                absl::UnknownError("not read"));
  ParallelFor(threads, views.size(), [&](size_t i) {
    got[i] = mapped_->Get(views[i].key, *views[i].entry);
  });
  for (size_t i = 0; i < views.size(); ++i) {
    if (got[i].ok()) {
      *views[i].value = *std::move(got[i]);
      continue;
    }
    Matched& m = matched_[views[i].matched];
    m.failed = true;
    RecordRestoreError(m.path, m.key, got[i].status(), walk_error);
  }
}

void RestoreSession::FlushReads(absl::Status* walk_error) {
  if (!queued_views_.empty()) FlushViews(walk_error);
  // The batches the helper read while the walk went on, then the rest:
  // small values join them, read by the helper and this thread together.
  // (From kParallelReadBytes on, the rest is read on every thread once the
  // batches are done.)
  if (batches_ != nullptr && !queued_reads_.empty() &&
      batch_bytes_ < kParallelReadBytes) {
    batches_->Submit(TakeQueuedReads());
  }
  std::vector<ReadBatches::Batch> done;
  if (batches_ != nullptr) done = batches_->Finish();
  if (!queued_reads_.empty()) {
    ReadBatches::Batch& rest = done.emplace_back(TakeQueuedReads());
    const int threads = queued_bytes_ >= kParallelReadBytes ? num_threads_ : 1;
    rest.statuses.resize(rest.reads.size());
    reader_->ReadManyInto(rest.reads, threads, absl::MakeSpan(rest.statuses));
  }
  queued_bytes_ = 0;
  batch_bytes_ = 0;
  // The requests point into these: freed once every batch is read.
  looked_up_.clear();
  queued_slices_.clear();
  // Failed values leave "matched" and are reported in read order.
  for (const ReadBatches::Batch& batch : done) {
    for (size_t i = 0; i < batch.reads.size(); ++i) {
      if (batch.statuses[i].ok()) continue;
      if (batch.fresh[i] != nullptr) {
        *batch.fresh[i] = ckpt::Tensor();  // unverified bytes
      }
      Matched& m = matched_[batch.matched[i]];
      m.failed = true;
      RecordRestoreError(m.path, m.key, batch.statuses[i], walk_error);
    }
  }
}

void RestoreSession::SetMapping(std::vector<std::string> checkpoint_paths,
                                std::vector<std::string> rules,
                                std::vector<RestoreReport::Entry> left_out,
                                std::vector<std::string> unused_rules) {
  mapped_from_ = std::move(checkpoint_paths);
  mapped_rule_ = std::move(rules);
  left_out_ = std::move(left_out);
  report_.unused_rules = std::move(unused_rules);
}

absl::Status RestoreSession::StartNameBased() {
  name_based_ = true;
  if (assignment_map_.has_value()) {
    entry_used_.assign(assignment_map_->size(), false);
  }
  first_name_walk_ = true;
  absl::Status walked = NameBasedWalk(root_, "");
  first_name_walk_ = false;
  if (!assignment_map_.has_value()) return walked;
  // Entries that covered no variable of the first walk: a typo, unless the
  // caller said they may match objects created later.
  std::vector<std::string> unused;
  for (size_t i = 0; i < entry_used_.size(); ++i) {
    if (!entry_used_[i]) {
      unused.push_back(assignment_map_->Describe(static_cast<int>(i)));
    }
  }
  if (!unused.empty() && !allow_unused_entries_) {
    absl::Status s = absl::InvalidArgumentError(
        absl::StrCat(unused.size(), " assignment map entr",
                     unused.size() == 1 ? "y covers" : "ies cover",
                     " no live variable: ", absl::StrJoin(unused, ", ")));
    if (first_error_.ok()) first_error_ = s;
    if (walked.ok()) walked = s;
  }
  report_.unused_rules = std::move(unused);
  return walked;
}

absl::StatusOr<std::optional<std::string>> RestoreSession::NameBasedKey(
    const std::string& where, const std::string& full_name, int* entry) {
  *entry = -1;
  if (!assignment_map_.has_value()) return std::optional(full_name);
  CKPT_ASSIGN_OR_RETURN(std::optional<AssignmentMap::Hit> hit,
                        assignment_map_->Lookup(full_name));
  if (!hit.has_value()) {
    report_.missing.push_back(
        {where, "",
         absl::StrCat("variable ", QuoteForMessage(full_name),
                      " is not covered by the assignment map")});
    return std::optional<std::string>();
  }
  entry_used_[static_cast<size_t>(hit->entry)] = true;
  *entry = hit->entry;
  return std::optional(std::move(hit->checkpoint_name));
}

absl::Status RestoreSession::NameBasedWalk(ObjectRef start,
                                           const std::string& start_path) {
  absl::Status error;
  std::deque<Staged> outer_staged = std::move(staged_);  // as in Walk
  staged_.clear();
  // The whole subtree is walked (containers that grew are not Trackables
  // and cannot say so); values are assigned to objects not restored before.
  absl::flat_hash_set<ObjectRef> visited;
  std::deque<std::pair<ObjectRef, std::string>> queue;
  queue.emplace_back(start, start_path);
  visited.insert(start);
  while (!queue.empty()) {
    auto [obj, path] = queue.front();
    queue.pop_front();
    const bool restore_attrs = name_seen_.insert(obj).second;
    if (Trackable* t = obj.trackable(); t != nullptr) {
      // Objects created under it later are restored by name too, as
      // TensorFlow's name-based restore does.
      name_paths_.try_emplace(t, path);
      graph::Anchor::Of(*t).AddWaiter(shared_from_this());
    }
    AttributeCollector attrs;
    if (restore_attrs) obj.VisitAttributes(attrs);
    for (const AttributeCollector::Attr& attr : attrs.attrs) {
      // Custom state has no global name.
      if (attr.tensor == nullptr && !attr.partitioned &&
          attr.external == nullptr) {
        continue;
      }
      const std::string where = AttributeKey(path, attr.name);
      if (attr.full_name.empty()) {
        report_.missing.push_back({where, "", "no full_name"});
        continue;
      }
      int map_entry = -1;
      absl::StatusOr<std::optional<std::string>> name =
          NameBasedKey(where, attr.full_name, &map_entry);
      if (!name.ok()) {  // two assignment map entries cover it
        RecordError(owned_strings_.emplace_back(where), "",
                    std::string(name.status().message()), name.status(),
                    &error);
        continue;
      }
      if (!name->has_value()) continue;  // not covered: recorded missing
      const std::string& key = owned_strings_.emplace_back(**name);
      absl::StatusOr<BundleEntry> entry = reader_->GetEntry(key);
      if (absl::IsNotFound(entry.status())) {
        if (assignment_map_.has_value() && first_name_walk_) {
          // Named by the map, so it must exist (TensorFlow: "Tensor ... is
          // not found in ... checkpoint").
          RecordError(owned_strings_.emplace_back(where), key,
                      "not in the checkpoint",
                      absl::NotFoundError(absl::StrCat(
                          "assignment map: tensor ", QuoteForMessage(key),
                          " (for variable ", QuoteForMessage(attr.full_name),
                          ", entry ", assignment_map_->Describe(map_entry),
                          ") is not in checkpoint ",
                          QuoteForMessage(reader_->prefix()))),
                      &error);
          continue;
        }
        // Variables created later (a slot "new/w/Adam" under a mapped
        // scope) are restored if the checkpoint has them, as without a map.
        report_.missing.push_back({where, key, "name not in the checkpoint"});
        continue;
      }
      if (!entry.ok()) {  // a damaged entry is an error, not a missing name
        RecordRestoreError(owned_strings_.emplace_back(where), key,
                           entry.status(), &error);
        continue;
      }
      looked_up_.push_back(*std::move(entry));
      // The session's report keeps views: the strings must stay put.
      const std::string& shown =
          path.empty() ? owned_strings_.emplace_back(attr.full_name)
                       : owned_strings_.emplace_back(path);
      if (map_entry >= 0) {
        assigned_by_[absl::StrCat(shown, "\n", key)] = map_entry;
      }
      if (attr.partitioned) {
        RestoreParts(shown, key, &looked_up_.back(), attr.parts, attr.slices,
                     attr.full_shape, &error);
      } else if (attr.external != nullptr) {
        RestoreExternal(shown, key, &looked_up_.back(), *attr.external, &error);
      } else {
        RestoreTensor(shown, key, &looked_up_.back(), attr.tensor, &error);
      }
    }
    ChildCollector children;
    obj.VisitChildren(children);
    for (const auto& [name, child] : children.children) {
      if (visited.insert(child).second) {
        queue.emplace_back(child, ChildPath(path, name));
      }
    }
    // Slot variables carry names of their own (TensorFlow 1 names them
    // "<variable>/<optimizer>"): restored by name like any variable.
    SlotCollector slots;
    obj.VisitSlots(slots);
    for (const SlotCollector::Entry& e : slots.slots) {
      if (visited.insert(e.slot).second) {
        queue.emplace_back(e.slot, ChildPath(path, e.slot_name));
      }
    }
  }
  FlushReads(&error);
  CommitOrDefer(&error);
  staged_ = std::move(outer_staged);
  return error;
}

std::vector<RestoreReport::Entry> RestoreSession::ComputeMissing() const {
  std::vector<RestoreReport::Entry> missing;
  if (name_based_ || root_.is_null()) return missing;
  absl::flat_hash_map<ObjectRef, std::string> path_of;
  std::deque<ObjectRef> queue;
  queue.push_back(root_);
  path_of.emplace(root_, "");
  while (!queue.empty()) {
    const ObjectRef obj = queue.front();
    queue.pop_front();
    const std::string path = path_of.at(obj);
    AttributeCollector attrs;
    obj.VisitAttributes(attrs);
    if (!attrs.attrs.empty() && !object_index_.contains(obj)) {
      missing.push_back({path.empty() ? "(root)" : path, "",
                         "not matched to a checkpoint object"});
    }
    ChildCollector children;
    obj.VisitChildren(children);
    for (const auto& [name, child] : children.children) {
      if (path_of.try_emplace(child, ChildPath(path, name)).second) {
        queue.push_back(child);
      }
    }
    SlotCollector slots;
    obj.VisitSlots(slots);
    for (const auto& e : slots.slots) {
      const ObjectRef slot = e.slot;
      if (object_index_.contains(slot)) continue;
      auto it = path_of.find(e.original);
      const std::string original =
          it != path_of.end() ? it->second : "(unreachable variable)";
      std::string slot_path;
      graph::AppendSlotPath(
          original, path,
          absl::string_view(e.slot_name.data(), e.slot_name.size()),
          &slot_path);
      missing.push_back({std::move(slot_path), "",
                         "slot variable not matched to a checkpoint object"});
    }
  }
  return missing;
}

RestoreReport RestoreSession::Report(bool with_matched) const {
  RestoreReport r = report_;
  r.name_based = name_based_;
  if (with_matched) {
    r.matched.reserve(matched_.size());
    for (const Matched& m : matched_) {
      if (m.failed) continue;
      const auto dims = matched_dims_.begin() + m.dims_at;
      r.matched.push_back({std::string(m.path), std::string(m.key),
                           Describe(m.dtype, TensorShape(std::vector<int64_t>(
                                                 dims, dims + m.rank)))});
    }
  }
  for (size_t n = 0; n < bound_.size(); ++n) {
    const absl::Span<const graph::GraphTable::Attribute> attrs =
        graph_.attributes(n);
    if (bound_[n].is_null() && !attrs.empty()) {
      r.pending.push_back({std::string(paths_[n]),
                           std::string(graph_.str(attrs[0].key)),
                           "no matching object yet"});
    }
  }
  for (RestoreReport::Entry& e : ComputeMissing()) {
    r.missing.push_back(std::move(e));
  }
  AnnotateMapping(&r);
  return r;
}

void RestoreSession::AnnotateMapping(RestoreReport* report) const {
  if (assignment_map_.has_value()) {
    for (RestoreReport::Entry& e : report->matched) {
      if (auto it = assigned_by_.find(absl::StrCat(e.path, "\n", e.key));
          it != assigned_by_.end()) {
        e.rule = assignment_map_->Describe(it->second);
      }
    }
    return;
  }
  if (mapped_from_.empty()) return;
  absl::flat_hash_map<absl::string_view, size_t> node_of;
  node_of.reserve(paths_.size());
  for (size_t n = 0; n < paths_.size(); ++n) node_of.try_emplace(paths_[n], n);
  auto annotate = [&](std::vector<RestoreReport::Entry>& entries) {
    for (RestoreReport::Entry& e : entries) {
      auto it = node_of.find(e.path);
      if (it == node_of.end()) continue;
      const std::string& from = mapped_from_[it->second];
      if (from != e.path) e.checkpoint_path = from;
      e.rule = mapped_rule_[it->second];
    }
  };
  annotate(report->matched);
  annotate(report->pending);
  annotate(report->unused);
  annotate(report->mismatched);
  report->unused.insert(report->unused.end(), left_out_.begin(),
                        left_out_.end());
}

}  // namespace checkpoint
}  // namespace ckpt
