// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/restore_session.h
// -----------------------------------------------------------------------------
//
// RestoreSession: the state of one restore and its matching walk
// (restore_session.cc); RestoreStatus and the entry point RestoreObjectGraph
// are in restore.cc.
//
// Restoring an object graph (docs/guide.md §4 Restoring and how matching
// works; the stored graph and keys: docs/format.md §12): the matching
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
//     its attributes restored once per session, from the first node bound
//     to it; the values of another node bound to the same object are
//     reported unused.
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
//   * Name-based mode (no object graph, docs/guide.md "TensorFlow 1
//     checkpoints"): every live object reachable from the root (children
//     and slot variables) restores each Tensor or partitioned attribute
//     whose full_name is a key of the bundle, once. The session registers
//     with every Trackable it reached, so objects created under one of them
//     later (ChildrenChanged()) are restored by name too, as TensorFlow
//     does; the session, and its open bundle, therefore live as long as
//     those objects do, and each name-based restore adds one such waiter.
//   * RestoreStatus assertions walk the live graph from the root to find
//     missing objects: the root must be alive when they are called.
//   * Identity is address + type: an object destroyed and another created at
//     the same address is taken for the first.
//   * Not thread-safe: a session and the objects it restores into are used
//     from one thread at a time.

#ifndef CKPT_LIB_CHECKPOINT_RESTORE_SESSION_H_
#define CKPT_LIB_CHECKPOINT_RESTORE_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "checkpoint/assignment_map.h"
#include "checkpoint/index_scan.h"
#include "checkpoint/read_batches.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/dtype.h"
#include "ckpt/external_variable.h"
#include "ckpt/mapped_bundle.h"
#include "ckpt/object_graph.h"
#include "graph/anchor.h"
#include "graph/graph_table.h"

namespace ckpt {
namespace checkpoint {

// -----------------------------------------------------------------------------
// RestoreSession: the state of one restore (the coordinator of TensorFlow).
// Single-threaded.
// -----------------------------------------------------------------------------
class RestoreSession : public graph::Waiter,
                       public std::enable_shared_from_this<RestoreSession> {
 public:
  RestoreSession(std::shared_ptr<BundleReader> reader, ObjectRef root,
                 int num_threads)
      : reader_(std::move(reader)), root_(root), num_threads_(num_threads) {}

  // Makes this a mapped restore (before StartGraph): fixed-size values that
  // are stored plain become views of `mapped`'s data files.
  void SetMapped(std::unique_ptr<MappedBundleReader> mapped) {
    mapped_ = std::move(mapped);
  }
  // RestoreOptions::stage_external: values for writable caller memory are
  // read into scratch and copied in at the end of a walk that succeeded.
  void SetStageExternal(bool stage) { stage_external_ = stage; }
  // A collective restore: the first walk's staged values wait for
  // CommitDeferred, once the ranks agreed on the outcome.
  void DeferFirstCommit() { defer_first_commit_ = true; }
  // Commits (if `agreed` is OK) or drops the staged values of `restored`'s
  // first walk; returns `agreed`, or a restore callback's error.
  static absl::Status CommitDeferred(RestoreStatus& restored,
                                     absl::Status agreed);

  // A path-mapped restore (RestoreOptions::path_map, ::from; before
  // StartGraph, whose graph is then the remapped one): per node of that
  // graph, its path in the checkpoint and the rule that moved it (""), the
  // values the mapping left out, and the rules that matched nothing.
  void SetMapping(std::vector<std::string> checkpoint_paths,
                  std::vector<std::string> rules,
                  std::vector<RestoreReport::Entry> left_out,
                  std::vector<std::string> unused_rules);
  // A name-based restore through an assignment map (before StartNameBased);
  // with `allow_unused`, entries covering no variable are reported instead
  // of failing the restore.
  void SetAssignmentMap(AssignmentMap map, bool allow_unused) {
    assignment_map_ = std::move(map);
    allow_unused_entries_ = allow_unused;
  }

  // Object-graph mode: binds node 0 to the root and walks. `scan` (may be
  // null, or started before the graph was parsed) gives the index entries
  // when the graph has many attributes; it must live until this returns.
  absl::Status StartGraph(graph::GraphTable graph, IndexScan* scan);
  // Name-based mode (docs/guide.md "TensorFlow 1 checkpoints"), through the
  // assignment map if one was set.
  absl::Status StartNameBased();

  absl::Status OnChildrenChanged(Trackable& owner) override;

  // The report with `missing` completed by a walk of the live graph;
  // `matched` is left empty unless `with_matched` (the assertions do not
  // need a string per restored value).
  RestoreReport Report(bool with_matched = true) const;
  // Values assigned so far.
  size_t num_matched() const;
  size_t num_bound() const {
    return static_cast<size_t>(
        std::count_if(bound_.begin(), bound_.end(),
                      [](const ObjectRef& r) { return !r.is_null(); }));
  }
  bool name_based() const { return name_based_; }
  // What the walks recorded: mismatched, unused and some missing values,
  // without matched ones or the walk of the live graph.
  const RestoreReport& recorded() const { return report_; }
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
  // Reads `key` into a live Tensor attribute (dtype/shape checked). `path`
  // and `key` must outlive the session (graph_, paths_ or owned_strings_);
  // `scanned` is the key's entry from the index scan, if any.
  void RestoreTensor(absl::string_view path, absl::string_view key,
                     const BundleEntry* scanned, ckpt::Tensor* value,
                     absl::Status* walk_error);
  // Reads the regions of `key` into the parts of a partitioned attribute
  // (its dtype and full shape checked); fixed-size parts are queued.
  // The index entry of `key` if it can be restored into a value of `dtype`
  // and `shape` (kInvalid: an uninitialized value, which takes anything);
  // otherwise null, with the lookup error or the mismatch recorded.
  const BundleEntry* MatchingEntry(absl::string_view path,
                                   absl::string_view key,
                                   const BundleEntry* scanned, DataType dtype,
                                   const TensorShape& shape,
                                   absl::Status* walk_error);
  // Restores a caller-owned value (ckpt/external_variable.h): dtype and
  // shape checked; writable memory is queued like a Variable's tensor (or
  // staged), callbacks get the checked bytes, read-only memory is an error.
  void RestoreExternal(absl::string_view path, absl::string_view key,
                       const BundleEntry* scanned, ExternalVariable& variable,
                       absl::Status* walk_error);
  // CommitStaged, or for the first walk of a collective restore, keeps the
  // staged values for CommitDeferred.
  void CommitOrDefer(absl::Status* walk_error);
  // At the end of a walk: copies the staged values into the caller's memory
  // (or hands them to their callbacks) if the walk succeeded, else drops
  // them (reported unused).
  void CommitStaged(absl::Status* walk_error);
  void RestoreParts(absl::string_view path, absl::string_view key,
                    const BundleEntry* scanned,
                    absl::Span<ckpt::Tensor* const> parts,
                    absl::Span<const TensorSlice> slices,
                    const TensorShape& full_shape, absl::Status* walk_error);
  void ProcessSlots(int opt_node, ObjectRef opt, absl::Status* walk_error);
  // Name-based restore (no object graph) of every object reachable from
  // `start` (children and slots) not restored by name before; registers
  // this session with each Trackable so that objects created later are
  // restored too.
  absl::Status NameBasedWalk(ObjectRef start, const std::string& start_path);
  // The scanned entry of attribute `attr` of `node`, or null.
  const BundleEntry* Scanned(int node, size_t attr) const;
  // The index entry of `key`: `scanned` when set, else looked up into
  // looked_up_ (kept until the next FlushReads).
  absl::StatusOr<const BundleEntry*> Entry(absl::string_view key,
                                           const BundleEntry* scanned);
  // Records a value as matched; returns its index in matched_.
  size_t AddMatched(absl::string_view path, absl::string_view key,
                    DataType dtype, const TensorShape& shape);
  // Queues the read of `entry` (of its region `slice`, if not null; the
  // slice must stay put until FlushReads) into `out` and records it as
  // matched; `fresh` (null, or the tensor owning `out`) is emptied if the
  // read fails.
  void QueueRead(absl::string_view path, absl::string_view key,
                 const BundleEntry& entry, absl::Span<char> out,
                 ckpt::Tensor* fresh, const TensorSlice* slice = nullptr);
  // The queued reads and their bookkeeping as one batch; the queue is left
  // empty.
  ReadBatches::Batch TakeQueuedReads();
  // Hands the queued reads to the read helper once there are kBatchReads of
  // them holding at most kBatchBytes (restore_session.cc).
  void MaybeSubmitBatch();
  // Replaces each queued view's value with a checked view of the mapping.
  void FlushViews(absl::Status* walk_error);
  // Reads the values queued by RestoreTensor, in parallel when they are
  // large, and records the failures.
  void FlushReads(absl::Status* walk_error);
  void AddPending(Trackable* anchor, int node);
  void RecordError(absl::string_view path, absl::string_view key,
                   std::string detail, absl::Status status,
                   absl::Status* walk_error);
  // RecordError of a failure `s` while restoring `path` (docs/errors.md:
  // "restoring 'PATH': <s's message>", with s's code).
  void RecordRestoreError(absl::string_view path, absl::string_view key,
                          const absl::Status& s, absl::Status* walk_error);
  // RecordError of a dtype or shape mismatch: InvalidArgument "cannot
  // restore 'PATH' (key 'KEY'): <detail>".
  void RecordMismatch(absl::string_view path, absl::string_view key,
                      std::string detail, absl::Status* walk_error);
  // Live objects reachable from the root that save values and were never
  // bound.
  std::vector<RestoreReport::Entry> ComputeMissing() const;
  // The bundle key a name-based restore reads for a live value named
  // `full_name` (`where` is its attribute path): full_name itself, or
  // through the assignment map (`entry` the entry's index, else -1);
  // nullopt (recorded as missing) when no entry covers it.
  absl::StatusOr<std::optional<std::string>> NameBasedKey(
      const std::string& where, const std::string& full_name, int* entry);
  // Fills checkpoint_path and rule of the entries of a mapped restore.
  void AnnotateMapping(RestoreReport* report) const;

  // A value assigned, or queued to be: the report's "matched" entry, kept
  // compact (views into graph_, paths_ or owned_strings_, the shape in
  // matched_dims_) and written out by Report(). A queued read that fails
  // is marked, not erased.
  struct Matched {
    absl::string_view path;
    absl::string_view key;
    size_t dims_at;  // the shape is matched_dims_[dims_at, dims_at + rank)
    uint8_t rank;    // <= TensorShape::kMaxRank
    bool failed;
    DataType dtype;
  };

  std::shared_ptr<BundleReader> reader_;
  ObjectRef root_;
  int num_threads_;
  std::vector<Matched> matched_;
  std::vector<int64_t> matched_dims_;
  std::deque<std::string> owned_strings_;  // name-based paths and keys
  // Reads queued by RestoreTensor, each with its index in matched_, and the
  // entries looked up for them (a deque: the requests point into it).
  std::vector<BundleReader::ReadRequest> queued_reads_;
  std::deque<TensorSlice> queued_slices_;  // regions of queued part reads
  std::vector<size_t> queued_matched_;
  // Per queued read: the tensor it created for an uninitialized variable,
  // emptied again if the read fails; null for a variable that had a value.
  std::vector<ckpt::Tensor*> queued_fresh_;
  std::deque<BundleEntry> looked_up_;
  uint64_t queued_bytes_ = 0;
  // Batches of many small reads handed to a helper thread during the walk
  // (MaybeSubmitBatch); bytes queued since the last batch.
  std::unique_ptr<ReadBatches> batches_;
  uint64_t batch_bytes_ = 0;
  // A mapped restore (RestoreOptions::map_values): the data files, and the
  // values that become views of them when the walk ends.
  std::unique_ptr<MappedBundleReader> mapped_;
  struct QueuedView {
    absl::string_view key;
    const BundleEntry* entry;  // scanned_ or looked_up_
    ckpt::Tensor* value;
    size_t matched;  // index in matched_
  };
  std::vector<QueuedView> queued_views_;
  // RestoreOptions::stage_external: values read into scratch during this
  // walk, waiting for CommitStaged (a deque: queued reads point into them).
  bool stage_external_ = false;
  struct Staged {
    ckpt::Tensor scratch;
    absl::Span<char> to;                  // the caller's memory, or
    ExternalVariable::RestoreFn restore;  // a Copied variable's callback
    size_t matched;                       // index in matched_
  };
  std::deque<Staged> staged_;
  bool defer_first_commit_ = false;
  std::deque<Staged> deferred_staged_;  // DeferFirstCommit
  uint64_t queued_view_bytes_ = 0;
  // The index scanned once for the first walk of a large graph: the entry
  // of attribute i of node n is scanned_[graph_.first_attribute(n) + i]
  // (null if the index has no such key), pointing into the IndexScan
  // StartGraph was given, which outlives the walk. Empty otherwise, and
  // after the first walk.
  std::vector<const BundleEntry*> scanned_;
  bool name_based_ = false;
  // Name-based mode: the objects visited, and each Trackable's path.
  absl::flat_hash_set<ObjectRef> name_seen_;
  absl::flat_hash_map<const Trackable*, std::string> name_paths_;
  graph::GraphTable graph_;
  graph::NodePathTable paths_;
  std::vector<ObjectRef> bound_;  // per node
  // Bound objects, each with an index into restored_from_ (the node its
  // attributes were restored from, or -1), and per node the index of its
  // object (valid where bound_ is not null): restoring a node needs no
  // hash lookup. Invariant: RestoreNode(n, obj) only with obj == bound_[n].
  absl::flat_hash_map<ObjectRef, uint32_t> object_index_;
  std::vector<int> restored_from_;
  std::vector<uint32_t> node_object_;
  std::vector<bool> restored_nodes_;
  // Anchor (identity only, never dereferenced) -> waiting node ids.
  absl::flat_hash_map<const Trackable*, absl::flat_hash_set<int>> pending_;
  int inconsistent_bindings_ = 0;  // kept for debugging
  // SetMapping: per node, the checkpoint path ("" when unchanged) and the
  // rule; values left out; rules that matched nothing.
  std::vector<std::string> mapped_from_;
  std::vector<std::string> mapped_rule_;
  std::vector<RestoreReport::Entry> left_out_;
  // SetAssignmentMap: the map, the entries that covered a variable, and
  // per restored value ("<shown path>\n<key>") the entry that named it.
  std::optional<AssignmentMap> assignment_map_;
  bool allow_unused_entries_ = false;
  // During StartNameBased's walk: a tensor the map names that the
  // checkpoint lacks is an error then (as in TensorFlow), and reported
  // missing for variables created later.
  bool first_name_walk_ = false;
  std::vector<bool> entry_used_;
  absl::flat_hash_map<std::string, int> assigned_by_;
  RestoreReport report_;  // unused, mismatched, missing attrs (not matched)
  absl::Status first_error_;
};

}  // namespace checkpoint
}  // namespace ckpt

#endif  // CKPT_LIB_CHECKPOINT_RESTORE_SESSION_H_
