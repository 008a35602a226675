// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/checkpoint.h
// -----------------------------------------------------------------------------
//
// Checkpoint: tf.train.Checkpoint in C++. A root with named children that
// saves the object graph reachable from it (ckpt/trackable.h) as a
// TensorFlow-compatible bundle, and restores by structure.
//
// Saving writes what TensorFlow writes for the same structure: node ids in
// breadth-first order of the declared children, slot variable nodes appended
// (per optimizer in node order, per slot name in first-reported order, per
// original variable in node order), keys "<path>/.ATTRIBUTES/<name>" and
// "<var path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>/.ATTRIBUTES/...",
// tensors in node order, the serialized graph last.
//
// Restoring walks the saved graph from the root, matching child names to
// live objects, and assigns values through each attribute's checkpoint key.
// Values for objects that do not exist yet wait and are assigned when the
// owner calls ChildrenChanged() (deferred restoration); optimizer slot values
// wait for the slot to be reported by VisitSlots. A checkpoint without an
// object graph (TensorFlow 1) is restored by variable name (full_name).
//
// Example:
//
//   Model model;  Adam opt;
//   ckpt::Checkpoint ckpt;
//   ckpt.Track("model", model);
//   ckpt.Track("optimizer", opt);
//   CKPT_ASSIGN_OR_RETURN(std::string path, ckpt.Save("/tmp/run/ckpt"));
//   ...
//   CKPT_ASSIGN_OR_RETURN(ckpt::RestoreStatus st, ckpt.Restore(path));
//   CKPT_RETURN_IF_ERROR(st.AssertExistingObjectsMatched());

#ifndef CKPT_CHECKPOINT_H_
#define CKPT_CHECKPOINT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "ckpt/path_rule.h"
#include "ckpt/trackable.h"

namespace ckpt {

struct SaveOptions {
  Env* env = nullptr;  // null: Env::Default()
  // Bundle options (compression, sync, ...). num_shards must be 1: the
  // number of data files follows from the two options below.
  BundleWriterOptions bundle;
  // Threads writing data files. With more than one, the tensors are spread
  // over up to that many shards (`prefix.data-0000i-of-0000n`), balanced by
  // bytes, each written by its own thread; a checkpoint under 8 MiB per
  // thread uses fewer shards. Readers (ckpt's and TensorFlow's) see the
  // same keys and values whatever the shard count. Besides these, the
  // CRCs of large tensors are computed by bundle.checksum_threads helpers
  // (default 1) while the tensors are written.
  int num_threads = 1;
  // Upper bound on the bytes of one data file, 0 for none. Tensors are
  // never split: a tensor larger than the bound gets a shard of its own.
  // Combined with num_threads, the shards are written num_threads at a time.
  int64_t max_shard_bytes = 0;
  // Write has_checkpoint_values on every node, as newer TensorFlow does.
  // Off reproduces the files of older TensorFlow (2.0-2.4).
  bool write_has_checkpoint_values = true;
  // Not null: a collective save (docs/distributed.md). Every rank of the
  // communicator saves the same object graph to the same prefix; each writes
  // its parts of partitioned values and its share of the replicated ones,
  // and the result is one ordinary checkpoint. Asynchronous saves run the
  // collectives on the background thread (Communicator::CheckBackgroundUse
  // must allow it). Not owned.
  Communicator* communicator = nullptr;
};

struct RestoreOptions {
  Env* env = nullptr;  // null: Env::Default()
  // Threads reading tensor values into the variables' memory. 0 picks
  // min(hardware threads, 8). The values of one matching walk are read
  // together once the walk has matched them; below 16 MiB, or with 1, they
  // are read on the calling thread.
  int num_threads = 0;
  // Not null: a collective restore (docs/distributed.md). Every rank
  // restores what its own objects hold (its parts of partitioned values,
  // the replicated values), and the call fails on every rank if it fails on
  // one. Not owned.
  Communicator* communicator = nullptr;
  // A mapped restore, for read-mostly use such as inference: each
  // fixed-size value stored uncompressed, unpartitioned and aligned for its
  // element type becomes a read-only view of the checkpoint's data file
  // (Tensor::View; a private read-only mapping, MappedBundleReader) instead of
  // a copy in memory the variable owns. Its checksum is verified before the
  // restore returns; a value that fails keeps what it held. The mapping lives
  // as long as any variable (or tensor copy) views it, whatever happens to the
  // RestoreStatus. A variable's old tensor, owned or borrowed, is replaced
  // (nothing is written into it); the viewed values are read-only
  // (mutable_bytes() is empty), so a variable to be trained must be given
  // an owned tensor first. String, variant, compressed, partitioned and
  // misaligned values are copied as in a normal restore (docs/guide.md,
  // "Mapped restores").
  bool map_values = false;
  // Restores into writable caller-owned memory (ExternalVariable) through
  // scratch buffers: each such value is read and its checksum verified in a
  // buffer of ckpt's, and the buffers are copied into the caller's memory
  // only once the whole matching walk succeeded. A failed restore then
  // leaves every caller-owned byte as it was (without this option a value
  // whose read fails may be partly written); Copied variables' restore
  // callbacks run then too. In a collective restore the values are written
  // once every rank succeeded. Costs one more copy of those
  // values and as much temporary memory as they hold (docs/performance.md,
  // "Restoring into caller-owned memory"). Mapped restores copy into such
  // memory too.
  bool stage_external = false;

  // ---- transfer learning (docs/guide.md "Transfer learning") ----
  //
  // Restores only the checkpoint object at this object path (as `ckpt tree`
  // prints it: "model/encoder") and what lies below it, matched against the
  // root of the restore, as if the checkpoint were rooted there:
  // Restore(path, {.from = "model/encoder"}). Values outside it are reported
  // unused. NotFound if no object has that path.
  std::string from;
  // Rules moving checkpoint objects to other live paths (ckpt/path_map.h,
  // ckpt/path_rule.h:
  // prefix rules "model/encoder" -> "backbone", regular expressions, drop
  // rules), tried in order on each object's path (relative to `from`) before
  // the matching walk, which then matches by the mapped structure: deferred
  // restoration, slot variables and the report work as without rules. Keys
  // are unchanged: values are read from where the checkpoint stored them.
  // Two checkpoint objects holding values mapped to one path are
  // InvalidArgument before anything is assigned; so is a rule that matches
  // no object unless allow_unused_rules. Needs an object graph
  // (FailedPrecondition for a TF1 checkpoint: see assignment_map).
  std::vector<PathRule> path_map;
  // Objects no rule matches keep their path (true) or are left out (false;
  // InvalidArgument without path_map). Left out values are reported unused,
  // with the reason.
  bool keep_unmapped = true;
  // A path_map rule or assignment_map entry that matches nothing is listed
  // in the report (RestoreReport::unused_rules) instead of failing the
  // restore.
  bool allow_unused_rules = false;
  // TF1 init_from_checkpoint (docs/guide.md "Assignment maps"): restores by
  // variable name (each live value's full_name), renamed by these
  // (checkpoint name, live name) entries; only the variables an entry
  // covers are restored. `{"old/", "new/"}` maps every live variable under
  // scope "new/" from "old/<rest>"; `{"/", "new/"}` from the checkpoint's
  // root; `{"old/", "/"}` maps every variable; `{"old/v", "new/w"}` one
  // variable. The names are bundle keys, so it works on any checkpoint
  // (object-based ones store "<path>/.ATTRIBUTES/VARIABLE_VALUE" keys, which
  // only exact entries can name). A tensor the map names that the checkpoint
  // lacks is NotFound for the variables present at the restore, and is
  // reported missing for variables created later (deferred restoration, as
  // by name). Cannot be combined with `from` or `path_map`.
  std::vector<std::pair<std::string, std::string>> assignment_map;
};

// What a restore matched, and what it did not. Deferred restorations update
// it as objects appear.
struct RestoreReport {
  struct Entry {
    std::string path;  // object path in the checkpoint ("net/dense/kernel")
    std::string key;   // bundle key, when there is one
    // e.g. "checkpoint float32 [3,2] vs object float32 [2,3]"
    std::string detail;
    // With a path mapping or assignment map: where the value is in the
    // checkpoint ("" when `path` is that place), and the rule that moved it
    // ("model/encoder -> backbone"; "" for none).
    std::string checkpoint_path;
    std::string rule;
  };
  bool name_based = false;        // the checkpoint had no object graph
  std::vector<Entry> matched;     // values assigned
  std::vector<Entry> pending;     // saved values waiting for objects
  std::vector<Entry> unused;      // saved values no object asked for
  std::vector<Entry> missing;     // live values absent from the file
  std::vector<Entry> mismatched;  // dtype or shape differs (error)
  // Path rules or assignment-map entries that matched nothing
  // (RestoreOptions::allow_unused_rules), as "from -> to".
  std::vector<std::string> unused_rules;
  std::string ToText() const;
  std::string ToJson() const;
};

namespace checkpoint {
class RestoreSession;
class AsyncSaver;
}  // namespace checkpoint

// The result of Restore()/Read(), like TensorFlow's load status. Copies share
// one state; the state lives as long as any copy or any waiting object.
class RestoreStatus {
 public:
  // Every saved value was assigned (none pending, none unused, no slot
  // waiting) and every live object that saves values was matched.
  absl::Status AssertConsumed() const;
  // Every live object reachable from the root that saves values was matched
  // and every matched checkpoint object was assigned.
  absl::Status AssertExistingObjectsMatched() const;
  // Something beyond the root matched.
  absl::Status AssertNontrivialMatch() const;
  // Accepts a partial match: OK unless a value could not be assigned
  // (dtype/shape mismatch or read error).
  absl::Status ExpectPartial() const;

  RestoreReport report() const;

 private:
  friend class Checkpoint;
  friend class checkpoint::RestoreSession;
  explicit RestoreStatus(std::shared_ptr<checkpoint::RestoreSession> session);
  std::shared_ptr<checkpoint::RestoreSession> session_;
};

// Saves the graph reachable from `root` (node 0) to `prefix`: the core write
// path used by Checkpoint::Write and the tools.
absl::Status SaveObjectGraph(ObjectRef root, const std::string& prefix,
                             const SaveOptions& options = {});

// Restores the checkpoint at `prefix` into the graph reachable from `root`.
absl::StatusOr<RestoreStatus> RestoreObjectGraph(
    ObjectRef root, const std::string& prefix,
    const RestoreOptions& options = {});

// tf.train.latest_checkpoint: the newest checkpoint prefix named by the
// `checkpoint` state file in `dir` (relative paths resolved against `dir`).
// NotFound naming the file when there is none; DataLoss when it does not
// parse. The prefix itself is not checked: restoring it reports NotFound
// if its files are gone.
absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir,
                                             Env* env = nullptr);

class Checkpoint : public Trackable {
 public:
  Checkpoint();
  ~Checkpoint() override;

  // Adds a named child of the root (not owned). Children are visited in
  // name order, like TensorFlow's keyword arguments, then save_counter.
  // Tracking a name again replaces the child. Calls ChildrenChanged().
  template <typename T>
  absl::Status Track(std::string name, T& child) {
    return TrackRef(std::move(name), ObjectRef::Of(child), nullptr);
  }
  // Adds a named child the checkpoint keeps alive.
  template <typename T>
  absl::Status TrackOwned(std::string name, std::shared_ptr<T> child) {
    ObjectRef ref = ObjectRef::Of(*child);
    return TrackRef(std::move(name), ref, std::move(child));
  }

  // Increments save_counter, writes "<file_prefix>-<save_counter>" and points
  // the directory's `checkpoint` state file at it. Returns the prefix. If
  // the files cannot be written, save_counter is rolled back; if only the
  // state file cannot be updated, the number stays used (the state file may
  // name it).
  absl::StatusOr<std::string> Save(const std::string& file_prefix,
                                   const SaveOptions& options = {});
  // Writes exactly `prefix`; touches neither save_counter nor the state file.
  absl::Status Write(const std::string& prefix,
                     const SaveOptions& options = {});

  // ---- asynchronous saving ----
  //
  // SaveAsync()/WriteAsync() take a snapshot of every value at the call
  // (custom attributes are produced then too), return, and write the
  // snapshot on a background thread. Changes to variables after the call
  // never reach that checkpoint. At most one save is in flight: a new one
  // first waits for the previous one. The snapshot is copied into staging
  // buffers owned by this Checkpoint and reused by the next save with the
  // same tensor sizes, so staging memory is bounded by one copy of the
  // values and steady-state saves allocate nothing. From 64 MiB of values
  // on, the copy runs on min(hardware threads, 8) threads (whatever
  // SaveOptions::num_threads says of the shard files): the copy is the time
  // the calling thread is blocked.
  //
  // Errors of the background write are returned by Wait(), or, if Wait()
  // was not called, by the next save call of any kind (which then does not
  // start): an error is never dropped. Restoring while a save is in flight
  // is fine (the snapshot is separate); the destructor waits for the save.

  // Like Save(): increments save_counter at the call (the incremented value
  // is in the snapshot) and returns "<file_prefix>-<n>"; the state file is
  // updated after the files are durable. A failed background write does
  // not roll save_counter back: the number is skipped.
  absl::StatusOr<std::string> SaveAsync(const std::string& file_prefix,
                                        const SaveOptions& options = {});
  // Like Write(). `after_write`, if set, runs on the background thread after
  // the files are committed, and its status becomes the save's (the
  // CheckpointManager commits its state file there).
  absl::Status WriteAsync(const std::string& prefix,
                          const SaveOptions& options = {},
                          std::function<absl::Status()> after_write = nullptr);
  // Blocks until the save in flight (if any) is finished and returns its
  // status, once: OK when nothing was in flight or its result was already
  // returned.
  absl::Status Wait();
  // Whether a background save has not finished yet.
  bool save_in_flight() const;

  // Restores from `path` (a prefix, or a directory whose state file names
  // one), creating save_counter first so it is restored too (not with
  // RestoreOptions::from: a subtree has no save_counter).
  absl::StatusOr<RestoreStatus> Restore(const std::string& path,
                                        const RestoreOptions& options = {});
  // Restore() without creating save_counter.
  absl::StatusOr<RestoreStatus> Read(const std::string& path,
                                     const RestoreOptions& options = {});

  // The number of Save() calls (restored with the checkpoint); created on
  // first use.
  Variable& save_counter();

  void VisitChildren(ChildVisitor& visit) override;

 private:
  absl::Status TrackRef(std::string name, ObjectRef ref,
                        std::shared_ptr<void> owned);
  struct Child {
    ObjectRef ref;
    std::shared_ptr<void> owned;
  };
  // Waits for the save in flight; its error, annotated, if it failed.
  absl::Status WaitForPrevious();
  // Save() and SaveAsync(): the next number, the write, the state file.
  absl::StatusOr<std::string> SaveNumbered(const std::string& file_prefix,
                                           const SaveOptions& options,
                                           bool async);
  absl::btree_map<std::string, Child> children_;
  std::unique_ptr<Variable> save_counter_;
  std::unique_ptr<checkpoint::AsyncSaver> async_;
};

}  // namespace ckpt

#endif  // CKPT_CHECKPOINT_H_
