// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Restoring an object graph (tf-checkpoint-format.md section 7): the matching
// walk, deferred restoration, slot variables, name-based fallback, and the
// RestoreStatus assertions.
//
// Contracts:
//   * RestoreObjectGraph opens the bundle once; the session keeps the reader
//     (shared) for deferred reads, and lives as long as any RestoreStatus copy
//     or any Anchor still waiting on it (lib/graph/anchor.h).
//   * The matching walk is breadth-first over the checkpoint graph, iterative
//     (FIFO queue). Node 0 is bound to the root; a saved child edge binds the
//     live child with the same local name. Each checkpoint node is bound once
//     (a second, different object offered to a bound node is ignored, like
//     TensorFlow's "inconsistent references" warning); each live object has
//     its attributes restored once per session.
//   * Values are assigned in place: the stored dtype and shape must equal the
//     live tensor's (an uninitialized tensor, dtype kInvalid, takes the stored
//     value). A mismatch is recorded in the report and makes
//     RestoreObjectGraph (or the ChildrenChanged() that hit it) return
//     InvalidArgument naming the path and both dtype/shapes; the walk still
//     assigns every other value. Nothing is ever reinterpreted.
//   * Deferred restoration: a saved child with values that has no live
//     counterpart waits on the nearest enclosing live Trackable (the object
//     itself, or the closest Trackable above an aggregate/container on the
//     binding path). Its ChildrenChanged() re-walks from that Trackable's node
//     down through the live objects (descending into already-bound
//     aggregates/containers it owns), binding and restoring what appeared. The
//     session never dereferences a stored ObjectRef: stored refs are identity
//     keys only; only the notified owner and the objects reached from it in the
//     same call are touched.
//   * Slot variables: processed when the optimizer node is walked (first
//     binding, or a re-walk after the optimizer's ChildrenChanged()). A slot
//     the optimizer does not report yet (or whose original variable is not
//     bound yet) waits on the optimizer. An original variable bound in a later
//     walk than its optimizer needs optimizer.ChildrenChanged() (optimizers
//     call it after creating slots, which is when that matters).
//   * Name-based mode (no object graph, section 7.6): every live object
//     reachable from the root restores each Tensor attribute whose full_name
//     is a key of the bundle; objects created after the restore are NOT
//     restored by name (no deferral in this mode).
//   * RestoreStatus assertions walk the live graph from the root to find
//     missing objects: the root must be alive when they are called.
//   * Identity is address + type: an object destroyed and another created at
//     the same address is taken for the first.
//   * Not thread-safe: a session and the objects it restores into are used
//     from one thread at a time.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "ckpt/status.h"
#include "graph/anchor.h"
#include "util/parallel.h"

namespace ckpt {
namespace internal {
namespace {

// Values of one walk read on several threads from this many bytes on.
constexpr uint64_t kParallelReadBytes = uint64_t{16} << 20;
// From this many attributes on, the index is decoded in one pass.
constexpr size_t kIndexScanAttributes = 1024;

using IdentityKey = std::pair<const void*, const void*>;

IdentityKey KeyOf(const ObjectRef& ref) { return {ref.id(), ref.type()}; }

std::string Str(std::string_view s) { return std::string(s); }
std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string Describe(DataType dtype, const TensorShape& shape) {
  return absl::StrCat(Str(DataTypeName(dtype)), " ", shape.DebugString());
}

std::string JoinPath(const std::string& parent, std::string_view name) {
  const std::string escaped = EscapeLocalName(Str(name));
  return parent.empty() ? escaped : absl::StrCat(parent, "/", escaped);
}

// Collects an object's children in visit order.
class ChildCollector : public ChildVisitor {
 public:
  void Visit(std::string_view name, ObjectRef child) override {
    children.emplace_back(Str(name), child);
  }
  // The first child named `name`, or a null ref. A linear scan for a few
  // children; an index built on first use for many (a container of 100,000
  // variables must not cost 100,000^2 comparisons).
  ObjectRef Find(const std::string& name) {
    if (children.size() <= kScanLimit) {
      for (const auto& [n, ref] : children) {
        if (n == name) return ref;
      }
      return ObjectRef();
    }
    if (by_name_.empty()) {
      by_name_.reserve(children.size());
      for (size_t i = 0; i < children.size(); ++i) {
        by_name_.try_emplace(children[i].first, i);  // first one wins
      }
    }
    auto it = by_name_.find(name);
    return it == by_name_.end() ? ObjectRef() : children[it->second].second;
  }
  std::vector<std::pair<std::string, ObjectRef>> children;

 private:
  static constexpr size_t kScanLimit = 16;
  absl::flat_hash_map<std::string, size_t> by_name_;
};

// Collects an object's attributes.
class AttributeCollector : public AttributeVisitor {
 public:
  struct Attr {
    std::string name;
    ckpt::Tensor* tensor = nullptr;  // null for custom attributes
    std::string full_name;
    std::function<absl::Status(const ckpt::Tensor&)> restore;
  };
  void Tensor(std::string_view name, ckpt::Tensor* value,
              std::string_view full_name) override {
    attrs.push_back({Str(name), value, Str(full_name), nullptr});
  }
  void Custom(
      std::string_view name, std::function<absl::StatusOr<ckpt::Tensor>()> save,
      std::function<absl::Status(const ckpt::Tensor&)> restore) override {
    (void)save;
    attrs.push_back({Str(name), nullptr, "", std::move(restore)});
  }
  std::vector<Attr> attrs;
};

// Collects an optimizer's slots.
class SlotCollector : public SlotVisitor {
 public:
  struct Entry {
    std::string slot_name;
    ObjectRef original;
    Variable* slot;
  };
  void Slot(std::string_view slot_name, Variable& original,
            Variable& slot) override {
    slots.push_back({Str(slot_name), ObjectRef::Of(original), &slot});
  }
  std::vector<Entry> slots;
};

}  // namespace

// -----------------------------------------------------------------------------
// RestoreSession: the state of one restore (the coordinator of TensorFlow).
// Single-threaded.
// -----------------------------------------------------------------------------
class RestoreSession : public Waiter,
                       public std::enable_shared_from_this<RestoreSession> {
 public:
  RestoreSession(std::shared_ptr<BundleReader> reader, ObjectRef root,
                 int num_threads)
      : reader_(std::move(reader)), root_(root), num_threads_(num_threads) {}

  // Object-graph mode: binds node 0 to the root and walks.
  absl::Status StartGraph(ObjectGraph graph);
  // Name-based mode (section 7.6).
  absl::Status StartNameBased();

  absl::Status OnChildrenChanged(Trackable& owner) override;

  // The report with `missing` completed by a walk of the live graph.
  RestoreReport Report() const;
  size_t num_bound() const {
    return static_cast<size_t>(
        std::count_if(bound_.begin(), bound_.end(),
                      [](const ObjectRef& r) { return !r.is_null(); }));
  }
  bool name_based() const { return name_based_; }
  const absl::Status& first_error() const { return first_error_; }
  // RestoreStatus's constructor is private; the session is its friend.
  static RestoreStatus MakeStatus(std::shared_ptr<RestoreSession> session) {
    return RestoreStatus(std::move(session));
  }

 private:
  struct Item {
    int node;
    ObjectRef obj;
    Trackable* anchor;  // nearest enclosing Trackable (may be null)
  };

  bool HasValues(int node) const;
  void Bind(int node, ObjectRef obj);
  // Runs the matching walk from `start`; returns the first error of this walk.
  absl::Status Walk(std::vector<Item> start);
  void RestoreNode(int node, ObjectRef obj, absl::Status* walk_error);
  // Reads `key` into a live Tensor attribute (dtype/shape checked).
  void RestoreTensor(const std::string& path, const std::string& key,
                     ckpt::Tensor* value, absl::Status* walk_error);
  void ProcessSlots(int opt_node, ObjectRef opt, absl::Status* walk_error);
  // The index entry of `key`: in the scanned index when there is one (not
  // copied), else looked up into *storage.
  absl::StatusOr<const BundleEntry*> Entry(const std::string& key,
                                           BundleEntry* storage);
  // Reads the values queued by RestoreTensor, in parallel when they are
  // large, and records the failures.
  void FlushReads(absl::Status* walk_error);
  void AddPending(Trackable* anchor, int node);
  void RecordError(const std::string& path, const std::string& key,
                   std::string detail, absl::Status status,
                   absl::Status* walk_error);
  // Live objects reachable from the root that save values and were never
  // bound.
  std::vector<RestoreReport::Entry> ComputeMissing() const;

  // A value to read into live memory, its "matched" entry already recorded.
  struct QueuedRead {
    std::string path;
    std::string key;
    absl::Span<char> out;
    const BundleEntry* cached;  // in entry_cache_, or null: see `owned`
    BundleEntry owned;
    size_t matched_index;
    const BundleEntry* entry() const {
      return cached != nullptr ? cached : &owned;
    }
  };

  std::shared_ptr<BundleReader> reader_;
  ObjectRef root_;
  int num_threads_;
  std::vector<QueuedRead> queued_reads_;
  absl::flat_hash_map<std::string, BundleEntry> entry_cache_;
  uint64_t queued_bytes_ = 0;
  bool name_based_ = false;
  ObjectGraph graph_;
  std::vector<std::string> paths_;
  std::vector<ObjectRef> bound_;                       // per node
  absl::flat_hash_map<IdentityKey, int> node_of_;      // first binding
  absl::flat_hash_set<IdentityKey> restored_objects_;  // attributes done
  std::vector<bool> restored_nodes_;
  // Anchor (identity only, never dereferenced) -> waiting node ids.
  absl::flat_hash_map<const Trackable*, absl::flat_hash_set<int>> pending_;
  int inconsistent_bindings_ = 0;  // kept for debugging
  RestoreReport report_;           // matched, unused, mismatched, missing attrs
  absl::Status first_error_;
};

bool RestoreSession::HasValues(int node) const {
  const ObjectGraph::Node& n = graph_.nodes[static_cast<size_t>(node)];
  if (n.has_checkpoint_values.has_value()) return *n.has_checkpoint_values;
  return !n.children.empty() || !n.attributes.empty() || !n.slots.empty() ||
         n.registered_saver.has_value();
}

void RestoreSession::Bind(int node, ObjectRef obj) {
  bound_[static_cast<size_t>(node)] = obj;
  node_of_.try_emplace(KeyOf(obj), node);
}

void RestoreSession::AddPending(Trackable* anchor, int node) {
  if (anchor == nullptr) return;  // no Trackable above: cannot be deferred
  auto& set = pending_[anchor];
  set.insert(node);
  Anchor::Of(*anchor).AddWaiter(shared_from_this());
}

void RestoreSession::RecordError(const std::string& path,
                                 const std::string& key, std::string detail,
                                 absl::Status status,
                                 absl::Status* walk_error) {
  report_.mismatched.push_back({path, key, std::move(detail)});
  if (first_error_.ok()) first_error_ = status;
  if (walk_error->ok()) *walk_error = std::move(status);
}

absl::StatusOr<const BundleEntry*> RestoreSession::Entry(const std::string& key,
                                                         BundleEntry* storage) {
  auto it = entry_cache_.find(key);
  if (it != entry_cache_.end()) return &it->second;
  CKPT_ASSIGN_OR_RETURN(*storage, reader_->GetEntry(key));  // and its errors
  return storage;
}

absl::Status RestoreSession::StartGraph(ObjectGraph graph) {
  graph_ = std::move(graph);
  // A restore that reads many values decodes the whole index in one pass
  // rather than looking keys up one by one. A damaged index is left to the
  // lookups, which report it per key.
  size_t attributes = 0;
  for (const ObjectGraph::Node& node : graph_.nodes) {
    attributes += node.attributes.size();
  }
  if (attributes >= kIndexScanAttributes) {
    entry_cache_.reserve(attributes);
    absl::Status scan = reader_->ForEachEntry(
        [this](absl::string_view key, const BundleEntry& entry) {
          entry_cache_.emplace(key, entry);
          return absl::OkStatus();
        });
    if (!scan.ok()) entry_cache_.clear();
  }
  paths_ = NodePaths(graph_);
  bound_.assign(graph_.nodes.size(), ObjectRef());
  restored_nodes_.assign(graph_.nodes.size(), false);
  Bind(0, root_);
  absl::Status walked = Walk({Item{0, root_, root_.trackable()}});
  // Deferred walks look keys up one by one: the session may live as long as
  // the caller keeps its RestoreStatus, and need not hold the whole index.
  absl::flat_hash_map<std::string, BundleEntry>().swap(entry_cache_);
  return walked;
}

absl::Status RestoreSession::OnChildrenChanged(Trackable& owner) {
  // Keep this session alive even if the anchor drops us below.
  std::shared_ptr<RestoreSession> self = shared_from_this();
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
    Anchor::Of(owner).RemoveWaiter(this);
  }
  return status;
}

absl::Status RestoreSession::Walk(std::vector<Item> start) {
  absl::Status walk_error;
  std::deque<Item> queue(start.begin(), start.end());
  absl::flat_hash_set<int> visited;  // nodes processed in this walk
  std::vector<std::pair<int, ObjectRef>> optimizers;  // alive during the walk
  while (!queue.empty()) {
    const Item item = queue.front();
    queue.pop_front();
    if (!visited.insert(item.node).second) continue;
    const size_t n = static_cast<size_t>(item.node);
    if (!restored_nodes_[n]) {
      restored_nodes_[n] = true;
      RestoreNode(item.node, item.obj, &walk_error);
    }
    Trackable* const anchor =
        item.obj.trackable() != nullptr ? item.obj.trackable() : item.anchor;

    ChildCollector live;
    item.obj.VisitChildren(live);
    for (const ObjectGraph::Child& edge : graph_.nodes[n].children) {
      const size_t c = static_cast<size_t>(edge.node_id);
      const ObjectRef child = live.Find(edge.local_name);
      if (!bound_[c].is_null()) {
        if (child.is_null()) continue;
        if (!(child == bound_[c])) {
          ++inconsistent_bindings_;  // keep the first binding
          continue;
        }
        // Re-walk owned aggregates/containers: their contents may be new.
        if (child.trackable() == nullptr && !visited.contains(edge.node_id)) {
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
    if (!graph_.nodes[n].slots.empty() && item.obj.trackable() != nullptr) {
      optimizers.emplace_back(item.node, item.obj);
      ProcessSlots(item.node, item.obj, &walk_error);
    }
  }
  // Originals bound after their optimizer was processed in this walk.
  for (const auto& [node, opt] : optimizers) {
    ProcessSlots(node, opt, &walk_error);
  }
  FlushReads(&walk_error);
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
  for (const ObjectGraph::Slot& ref :
       graph_.nodes[static_cast<size_t>(opt_node)].slots) {
    const size_t slot_node = static_cast<size_t>(ref.slot_node_id);
    if (!bound_[slot_node].is_null()) continue;
    const ObjectRef original =
        bound_[static_cast<size_t>(ref.original_node_id)];
    const SlotCollector::Entry* found = nullptr;
    if (!original.is_null()) {
      for (const auto& e : live.slots) {
        if (e.slot_name == ref.slot_name && e.original == original) {
          found = &e;
          break;
        }
      }
    }
    if (found == nullptr) {
      AddPending(opt.trackable(), ref.slot_node_id);
      continue;
    }
    const ObjectRef slot = ObjectRef::Of(*found->slot);
    Bind(ref.slot_node_id, slot);
    restored_nodes_[slot_node] = true;
    RestoreNode(ref.slot_node_id, slot, walk_error);
  }
}

void RestoreSession::RestoreNode(int node, ObjectRef obj,
                                 absl::Status* walk_error) {
  if (!restored_objects_.insert(KeyOf(obj)).second) return;
  const ObjectGraph::Node& saved = graph_.nodes[static_cast<size_t>(node)];
  const std::string& path = paths_[static_cast<size_t>(node)];
  AttributeCollector live;
  obj.VisitAttributes(live);
  std::vector<bool> taken(saved.attributes.size(), false);
  for (AttributeCollector::Attr& attr : live.attrs) {
    const ObjectGraph::Attribute* stored = nullptr;
    for (size_t i = 0; i < saved.attributes.size(); ++i) {
      if (!taken[i] && saved.attributes[i].name == attr.name) {
        taken[i] = true;
        stored = &saved.attributes[i];
        break;
      }
    }
    if (stored == nullptr) {
      report_.missing.push_back(
          {AttributeKey(path, attr.name), "",
           absl::StrCat("attribute ", attr.name, " not in the checkpoint")});
      continue;
    }
    if (attr.tensor != nullptr) {
      RestoreTensor(path, stored->checkpoint_key, attr.tensor, walk_error);
      continue;
    }
    // User code may touch other variables: their queued reads go first.
    FlushReads(walk_error);
    absl::StatusOr<ckpt::Tensor> value = reader_->Read(stored->checkpoint_key);
    absl::Status s = value.ok() ? attr.restore(*value) : value.status();
    if (!s.ok()) {
      RecordError(path, stored->checkpoint_key, Msg(s),
                  absl::Status(s.code(), absl::StrCat("restoring '", path,
                                                      "': ", s.message())),
                  walk_error);
      continue;
    }
    report_.matched.push_back({path, stored->checkpoint_key,
                               Describe(value->dtype(), value->shape())});
  }
  for (size_t i = 0; i < saved.attributes.size(); ++i) {
    if (!taken[i]) {
      report_.unused.push_back(
          {path, saved.attributes[i].checkpoint_key,
           absl::StrCat("no attribute ", saved.attributes[i].name,
                        " on the object")});
    }
  }
}

void RestoreSession::RestoreTensor(const std::string& path,
                                   const std::string& key, ckpt::Tensor* value,
                                   absl::Status* walk_error) {
  BundleEntry looked_up;
  absl::StatusOr<const BundleEntry*> entry = Entry(key, &looked_up);
  if (!entry.ok()) {
    RecordError(path, key, Msg(entry.status()),
                absl::Status(entry.status().code(),
                             absl::StrCat("restoring '", path,
                                          "': ", entry.status().message())),
                walk_error);
    return;
  }
  const std::string stored = Describe((*entry)->dtype, (*entry)->shape);
  if (value->dtype() == DataType::kInvalid) {
    absl::StatusOr<ckpt::Tensor> t = reader_->Read(key);
    if (!t.ok()) {
      RecordError(path, key, Msg(t.status()), t.status(), walk_error);
      return;
    }
    *value = *std::move(t);
    report_.matched.push_back({path, key, stored});
    return;
  }
  if ((*entry)->dtype != value->dtype() || (*entry)->shape != value->shape()) {
    std::string detail = absl::StrCat("checkpoint ", stored, " vs object ",
                                      Describe(value->dtype(), value->shape()));
    RecordError(path, key, detail,
                absl::InvalidArgumentError(absl::StrCat(
                    "cannot restore '", path, "' (key '", key, "'): ", detail)),
                walk_error);
    return;
  }
  absl::Status s;
  if (value->is_string()) {
    absl::StatusOr<ckpt::Tensor> t = reader_->Read(key);
    if (t.ok()) {
      *value->mutable_strings() = t->strings();
    } else {
      s = t.status();
    }
  } else if (value->is_borrowed()) {
    s = absl::FailedPreconditionError("the tensor is a read-only borrow");
  } else {
    // Read when the walk ends, with the other values of the walk.
    const absl::Span<char> out = value->mutable_bytes();
    queued_bytes_ += out.size();
    queued_reads_.push_back(
        {path, key, out, *entry == &looked_up ? nullptr : *entry,
         *entry == &looked_up ? std::move(looked_up) : BundleEntry(),
         report_.matched.size()});
    report_.matched.push_back({path, key, stored});
    return;
  }
  if (!s.ok()) {
    RecordError(path, key, Msg(s),
                absl::Status(s.code(), absl::StrCat("restoring '", path,
                                                    "': ", s.message())),
                walk_error);
    return;
  }
  report_.matched.push_back({path, key, stored});
}

void RestoreSession::FlushReads(absl::Status* walk_error) {
  if (queued_reads_.empty()) return;
  std::vector<QueuedRead> reads;
  reads.swap(queued_reads_);
  const int threads = queued_bytes_ >= kParallelReadBytes ? num_threads_ : 1;
  queued_bytes_ = 0;
  std::vector<BundleReader::ReadRequest> requests;
  requests.reserve(reads.size());
  for (const QueuedRead& r : reads)
    requests.push_back({r.key, r.out, r.entry()});
  std::vector<absl::Status> results(reads.size());
  reader_->ReadManyInto(requests, threads, absl::MakeSpan(results));
  // Failed values leave "matched" (back to front, so indexes stay valid)
  // and are reported in read order.
  std::vector<size_t> failed;
  for (size_t i = 0; i < reads.size(); ++i) {
    if (!results[i].ok()) failed.push_back(i);
  }
  for (auto it = failed.rbegin(); it != failed.rend(); ++it) {
    report_.matched.erase(
        report_.matched.begin() +
        static_cast<std::ptrdiff_t>(reads[*it].matched_index));
  }
  for (size_t i : failed) {
    const QueuedRead& r = reads[i];
    const absl::Status& s = results[i];
    RecordError(r.path, r.key, Msg(s),
                absl::Status(s.code(), absl::StrCat("restoring '", r.path,
                                                    "': ", s.message())),
                walk_error);
  }
}

absl::Status RestoreSession::StartNameBased() {
  name_based_ = true;
  absl::Status error;
  absl::flat_hash_set<IdentityKey> seen;
  std::deque<std::pair<ObjectRef, std::string>> queue;
  queue.emplace_back(root_, "");
  seen.insert(KeyOf(root_));
  while (!queue.empty()) {
    auto [obj, path] = queue.front();
    queue.pop_front();
    AttributeCollector attrs;
    obj.VisitAttributes(attrs);
    for (const AttributeCollector::Attr& attr : attrs.attrs) {
      if (attr.tensor == nullptr) continue;  // custom state: no global name
      const std::string where = AttributeKey(path, attr.name);
      if (attr.full_name.empty()) {
        report_.missing.push_back({where, "", "no full_name"});
        continue;
      }
      if (!reader_->GetEntry(attr.full_name).ok()) {
        report_.missing.push_back(
            {where, attr.full_name, "name not in the checkpoint"});
        continue;
      }
      RestoreTensor(path.empty() ? attr.full_name : path, attr.full_name,
                    attr.tensor, &error);
    }
    ChildCollector children;
    obj.VisitChildren(children);
    for (const auto& [name, child] : children.children) {
      if (seen.insert(KeyOf(child)).second) {
        queue.emplace_back(child, JoinPath(path, name));
      }
    }
  }
  FlushReads(&error);
  return error;
}

std::vector<RestoreReport::Entry> RestoreSession::ComputeMissing() const {
  std::vector<RestoreReport::Entry> missing;
  if (name_based_ || root_.is_null()) return missing;
  absl::flat_hash_map<IdentityKey, std::string> path_of;
  std::deque<ObjectRef> queue;
  queue.push_back(root_);
  path_of.emplace(KeyOf(root_), "");
  while (!queue.empty()) {
    const ObjectRef obj = queue.front();
    queue.pop_front();
    const std::string path = path_of.at(KeyOf(obj));
    AttributeCollector attrs;
    obj.VisitAttributes(attrs);
    if (!attrs.attrs.empty() && !node_of_.contains(KeyOf(obj))) {
      missing.push_back({path.empty() ? "(root)" : path, "",
                         "not matched to a checkpoint object"});
    }
    ChildCollector children;
    obj.VisitChildren(children);
    for (const auto& [name, child] : children.children) {
      if (path_of.try_emplace(KeyOf(child), JoinPath(path, name)).second) {
        queue.push_back(child);
      }
    }
    SlotCollector slots;
    obj.VisitSlots(slots);
    for (const auto& e : slots.slots) {
      const ObjectRef slot = ObjectRef::Of(*e.slot);
      if (node_of_.contains(KeyOf(slot))) continue;
      auto it = path_of.find(KeyOf(e.original));
      const std::string original =
          it != path_of.end() ? it->second : "(unreachable variable)";
      missing.push_back({absl::StrCat(original, "/.OPTIMIZER_SLOT/", path, "/",
                                      EscapeLocalName(e.slot_name)),
                         "",
                         "slot variable not matched to a checkpoint object"});
    }
  }
  return missing;
}

RestoreReport RestoreSession::Report() const {
  RestoreReport r = report_;
  r.name_based = name_based_;
  for (size_t n = 0; n < bound_.size(); ++n) {
    const ObjectGraph::Node& node = graph_.nodes[n];
    if (bound_[n].is_null() && !node.attributes.empty()) {
      r.pending.push_back({paths_[n], node.attributes[0].checkpoint_key,
                           "no matching object yet"});
    }
  }
  for (RestoreReport::Entry& e : ComputeMissing()) {
    r.missing.push_back(std::move(e));
  }
  return r;
}

}  // namespace internal

// ---- RestoreStatus
// -----------------------------------------------------------

namespace {

constexpr size_t kMaxListed = 5;

std::string ListPaths(const char* what,
                      const std::vector<RestoreReport::Entry>& entries) {
  if (entries.empty()) return "";
  std::vector<std::string> shown;
  for (size_t i = 0; i < entries.size() && i < kMaxListed; ++i) {
    const auto& e = entries[i];
    shown.push_back(e.key.empty() ? e.path
                                  : absl::StrCat(e.path, " (", e.key, ")"));
  }
  std::string out =
      absl::StrCat(entries.size(), " ", what, ": ", absl::StrJoin(shown, ", "));
  if (entries.size() > kMaxListed) {
    absl::StrAppend(&out, ", and ", entries.size() - kMaxListed, " more");
  }
  return out;
}

absl::Status MismatchError(const internal::RestoreSession& s,
                           const RestoreReport& r) {
  if (r.mismatched.empty()) return absl::OkStatus();
  std::vector<std::string> shown;
  for (size_t i = 0; i < r.mismatched.size() && i < kMaxListed; ++i) {
    shown.push_back(
        absl::StrCat(r.mismatched[i].path, ": ", r.mismatched[i].detail));
  }
  const absl::StatusCode code = s.first_error().ok()
                                    ? absl::StatusCode::kInvalidArgument
                                    : s.first_error().code();
  return absl::Status(code, absl::StrCat(r.mismatched.size(),
                                         " value(s) could not be restored: ",
                                         absl::StrJoin(shown, "; ")));
}

absl::Status Precondition(const std::string& assertion,
                          std::vector<std::string> parts) {
  parts.erase(std::remove(parts.begin(), parts.end(), std::string()),
              parts.end());
  if (parts.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(assertion, " failed: ", absl::StrJoin(parts, "; ")));
}

}  // namespace

RestoreStatus::RestoreStatus(std::shared_ptr<internal::RestoreSession> session)
    : session_(std::move(session)) {}

RestoreReport RestoreStatus::report() const { return session_->Report(); }

absl::Status RestoreStatus::AssertConsumed() const {
  const RestoreReport r = report();
  CKPT_RETURN_IF_ERROR(MismatchError(*session_, r));
  return Precondition(
      "AssertConsumed",
      {ListPaths("checkpoint value(s) pending (no matching object)", r.pending),
       ListPaths("checkpoint value(s) unused", r.unused),
       ListPaths("object value(s) missing from the checkpoint", r.missing)});
}

absl::Status RestoreStatus::AssertExistingObjectsMatched() const {
  const RestoreReport r = report();
  CKPT_RETURN_IF_ERROR(MismatchError(*session_, r));
  return Precondition(
      "AssertExistingObjectsMatched",
      {ListPaths("object value(s) missing from the checkpoint", r.missing)});
}

absl::Status RestoreStatus::AssertNontrivialMatch() const {
  if (session_->name_based()) {
    const RestoreReport r = report();
    if (r.matched.empty()) {
      return absl::FailedPreconditionError(
          "AssertNontrivialMatch failed: nothing matched by name");
    }
    return Precondition(
        "AssertNontrivialMatch",
        {ListPaths("object value(s) missing from the checkpoint", r.missing)});
  }
  if (session_->num_bound() <= 1) {
    return absl::FailedPreconditionError(
        "AssertNontrivialMatch failed: nothing beyond the root matched the "
        "checkpoint");
  }
  return absl::OkStatus();
}

absl::Status RestoreStatus::ExpectPartial() const {
  return MismatchError(*session_, report());
}

// ---- RestoreReport
// -------------------------------------------------------------

namespace {

void AppendJsonString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

std::string RestoreReport::ToText() const {
  std::string out =
      absl::StrCat("name_based: ", name_based ? "true" : "false", "\n");
  const std::pair<const char*, const std::vector<Entry>*> groups[] = {
      {"matched", &matched},
      {"pending", &pending},
      {"unused", &unused},
      {"missing", &missing},
      {"mismatched", &mismatched}};
  for (const auto& [name, entries] : groups) {
    absl::StrAppend(&out, name, ": ", entries->size(), "\n");
    for (const Entry& e : *entries) {
      absl::StrAppend(&out, "  ", name, " ",
                      e.path.empty() ? "(root)" : e.path);
      if (!e.key.empty()) absl::StrAppend(&out, " key=", e.key);
      if (!e.detail.empty()) absl::StrAppend(&out, " (", e.detail, ")");
      out.push_back('\n');
    }
  }
  return out;
}

std::string RestoreReport::ToJson() const {
  std::string out =
      absl::StrCat("{\"name_based\":", name_based ? "true" : "false");
  const std::pair<const char*, const std::vector<Entry>*> groups[] = {
      {"matched", &matched},
      {"pending", &pending},
      {"unused", &unused},
      {"missing", &missing},
      {"mismatched", &mismatched}};
  for (const auto& [name, entries] : groups) {
    absl::StrAppend(&out, ",\"", name, "\":[");
    bool first = true;
    for (const Entry& e : *entries) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"path\":");
      AppendJsonString(&out, e.path);
      out.append(",\"key\":");
      AppendJsonString(&out, e.key);
      out.append(",\"detail\":");
      AppendJsonString(&out, e.detail);
      out.push_back('}');
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

// ---- entry point
// ---------------------------------------------------------------

absl::StatusOr<RestoreStatus> RestoreObjectGraph(
    ObjectRef root, const std::string& prefix, const RestoreOptions& options) {
  if (root.is_null()) {
    return absl::InvalidArgumentError("RestoreObjectGraph: null root");
  }
  Env* env = options.env != nullptr ? options.env : Env::Default();
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> opened,
                        BundleReader::Open(env, prefix));
  std::shared_ptr<BundleReader> reader(std::move(opened));
  if (options.num_threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RestoreOptions: num_threads must be >= 0, got ", options.num_threads));
  }
  auto session = std::make_shared<internal::RestoreSession>(
      reader, root, ResolveThreads(options.num_threads));
  // Name-based only when the index has no graph: a graph that cannot be
  // read (its data file deleted meanwhile, say) is an error, not TF1.
  CKPT_ASSIGN_OR_RETURN(const bool has_graph, HasObjectGraph(*reader));
  if (has_graph) {
    CKPT_ASSIGN_OR_RETURN(ObjectGraph graph, ReadObjectGraph(*reader));
    CKPT_RETURN_IF_ERROR(session->StartGraph(std::move(graph)));
  } else {
    CKPT_RETURN_IF_ERROR(session->StartNameBased());
  }
  return internal::RestoreSession::MakeStatus(std::move(session));
}

}  // namespace ckpt
