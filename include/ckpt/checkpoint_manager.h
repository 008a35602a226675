// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/checkpoint_manager.h
// -----------------------------------------------------------------------------
//
// CheckpointManager: tf.train.CheckpointManager in C++. It numbers and writes
// the checkpoints of one Checkpoint into a directory, keeps the directory's
// `checkpoint` state file (TensorFlow's text format, so TensorFlow's
// latest_checkpoint() and CheckpointManager read it), and deletes old
// checkpoints by policy: the newest `max_to_keep`, one every
// `keep_checkpoint_every_n_hours`, and beyond TensorFlow the best
// `keep_best` by a metric and checkpoints pinned explicitly.
//
// Durability contract (docs/manager.md):
//   * Save() commits in this order: data and index written to temp files and
//     fsync'd; data renamed, directory fsync; index renamed, directory fsync;
//     the manager's metadata file and then the state file each replaced
//     atomically (temp file, fsync, rename, directory fsync); only then are
//     old checkpoints deleted (index first, so a half-deleted checkpoint is
//     never mistaken for a complete one). Save() returns success only after
//     all of it. If it fails or the process dies at any point, the state file
//     names only complete checkpoints and every earlier checkpoint is intact.
//     save_options.bundle.sync is forced on.
//   * TensorFlow's rules on restart: timestamps are capped at the current
//     time, and checkpoints with no timestamp after last_preserved_timestamp
//     (e.g. written by Checkpoint::Save or tf.train.Checkpoint.save) are not
//     managed: never deleted, dropped from the list at the next save. Paths
//     are compared in lexically normal form; symlinks are not resolved.
//   * One writer per directory: Create() takes an advisory lock on
//     `<dir>/checkpoint.lock`, held until the manager is destroyed; a second
//     manager (in this or another process) fails at once with
//     FailedPrecondition. Readers take no lock and never see a partial or
//     mixed checkpoint through the state file.
//   * Create() removes temporary files left by a killed save (logging each),
//     reads the state file and drops (and reports) entries whose files are
//     missing or whose index is damaged; other errors (permissions, I/O) are
//     returned. A state file that does not parse is DataLoss naming it, unless
//     `recover_corrupt_state` is set: then it is rebuilt from the
//     checkpoints in the directory that verify, all unmanaged (never
//     deleted), the highest-numbered one latest. A missing state file is an
//     empty directory, never an error.
//   * Not thread-safe: one thread at a time uses a manager and its
//     Checkpoint.
//
// Example:
//
//   ckpt::Checkpoint checkpoint;
//   checkpoint.Track("model", model);
//   ckpt::CheckpointManagerOptions options;
//   options.max_to_keep = 3;
//   CKPT_ASSIGN_OR_RETURN(auto manager, ckpt::CheckpointManager::Create(
//                                           &checkpoint, "/runs/a", options));
//   CKPT_ASSIGN_OR_RETURN(auto restored, manager->RestoreOrInitialize());
//   for (...) {
//     ...train...
//     CKPT_ASSIGN_OR_RETURN(std::optional<std::string> saved, manager->Save());
//   }

#ifndef CKPT_CHECKPOINT_MANAGER_H_
#define CKPT_CHECKPOINT_MANAGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"

namespace ckpt {

namespace checkpoint {
struct CheckpointState;
struct ManagerMetadataEntry;
}  // namespace checkpoint

struct CheckpointManagerOptions {
  Env* env = nullptr;  // null: Env::Default()
  // The newest checkpoints to keep; nullopt keeps all. Must be >= 1.
  std::optional<int> max_to_keep = 5;
  // Of the checkpoints that max_to_keep would delete, keep one every this
  // many hours for good (they leave the manager's list, as in TensorFlow).
  std::optional<double> keep_checkpoint_every_n_hours;
  // Files are "<directory>/<checkpoint_name>-<number>".
  std::string checkpoint_name = "ckpt";
  // Step-based saving: with both set, Save() (check_interval on) writes only
  // when *step_counter (an int64 or int32 scalar) has advanced by at least
  // checkpoint_interval since this manager's last save.
  const Variable* step_counter = nullptr;
  std::optional<int64_t> checkpoint_interval;
  // Beyond TensorFlow: also keep the `keep_best` checkpoints with the best
  // metric (saved with SaveArgs::metric), smallest or largest first.
  int keep_best = 0;
  enum class MetricMode { kMin, kMax };
  MetricMode metric_mode = MetricMode::kMin;
  // A state file that does not parse: false -> Create() fails with DataLoss;
  // true -> rebuilt from the directory's checkpoints that verify.
  bool recover_corrupt_state = false;
  // Bundle options for every save (compression, ...); its env is ignored.
  SaveOptions save_options;
  // Seconds since the epoch for timestamps; null: env->NowMicros().
  std::function<double()> clock;
  // Receives one line per notable event (stale temp file removed, missing
  // checkpoint dropped, state rebuilt, ...); null: "ckpt: <line>" on stderr.
  std::function<void(const std::string&)> log;
  // Not null: every rank of the communicator creates a manager of the same
  // directory and options and calls the same methods in the same order
  // (docs/distributed.md, "A managed directory"). Rank 0 holds the lock,
  // recovers the directory at Create, decides every save (its save_counter
  // and step_counter count), commits the state file and prunes; saves are
  // collective (Checkpoint::Save with the communicator; SaveAsync commits
  // on the background threads, which needs Communicator::CheckBackgroundUse)
  // and every rank sees rank 0's list of kept checkpoints. Every call returns
  // the same status on every rank. Not owned.
  Communicator* communicator = nullptr;
};

// One checkpoint the manager keeps.
struct ManagedCheckpoint {
  std::string prefix;            // "<directory>/<name>-<number>"
  double timestamp = 0;          // seconds since the epoch
  std::optional<double> metric;  // as passed to Save
  bool pinned = false;           // never deleted by policy
};

// Reads every tensor of the checkpoint at `prefix`, checking every index
// block and tensor checksum. OK, NotFound for a missing file, or the first
// error (DataLoss for corruption), naming the file and key.
absl::Status VerifyCheckpoint(Env* env, const std::string& prefix);

// One checkpoint named by a directory's `checkpoint` state file.
struct CheckpointInfo {
  std::string prefix;  // inside the directory: JoinPath(dir as given, name);
                       // outside it: the path, lexically normal
  std::string name;    // relative to the directory ("ckpt-7"); outside it,
                       // the prefix
  std::optional<int64_t> number;    // the trailing "-N" of the name
  std::optional<double> timestamp;  // seconds since the epoch, if recorded
  int64_t bytes = 0;                // index and data files that exist
  std::optional<double> metric;     // from checkpoint.manager
  bool pinned = false;              // from checkpoint.manager
  bool preserved = false;      // no manager deletes it (see ListCheckpoints)
  bool latest = false;         // the state file's model_checkpoint_path
  bool files_present = false;  // index opens; every data file it names exists
  std::optional<absl::Status> verified;  // with `verify`: VerifyCheckpoint's
};

// The checkpoints that the `checkpoint` state file in `dir` names (what a
// CheckpointManager, ckpt's or TensorFlow's, keeps there), in the file's
// order (oldest first); the latest is appended when the list leaves it out.
// Read-only: takes no lock and changes nothing.
//   * Paths: relative ones resolved against `dir`, absolute ones kept (as
//     LatestCheckpoint); compared in lexically normal form (one named twice
//     is listed once; an absolute path inside a relative `dir` is inside).
//   * timestamp: all_model_checkpoint_timestamps when it has one per path.
//     preserved (TensorFlow's rule when a manager loads the file): no
//     timestamp, or one not after last_preserved_timestamp: kept for good
//     by keep_checkpoint_every_n_hours or never managed; no manager deletes
//     it. Timestamps are not capped at the current time.
//   * metric and pinned: `<dir>/checkpoint.manager`, when present, for
//     checkpoints directly inside `dir`.
//   * Missing or damaged files are not an error: files_present is false
//     when the index is missing or does not open (NotFound, DataLoss,
//     InvalidArgument, FailedPrecondition, Unimplemented) or a data file it
//     names is missing; bytes then counts the "<prefix>.data-*" files there.
//   * With `verify`, each checkpoint's `verified` is VerifyCheckpoint's
//     status (reads every tensor).
// Errors: NotFound naming `dir` when it or its state file does not exist;
// FailedPrecondition when `dir` is not a directory; DataLoss (naming the
// file and line) for a state or metadata file that does not parse,
// ResourceExhausted for one over 1 MiB; other I/O errors, annotated with
// the checkpoint or file. `env` null: Env::Default().
absl::StatusOr<std::vector<CheckpointInfo>> ListCheckpoints(
    Env* env, const std::string& dir, bool verify = false);

class CheckpointManager {
 public:
  // Manages `directory` (created if missing) for `checkpoint`, which must
  // outlive the manager. InvalidArgument for bad options (max_to_keep < 1,
  // checkpoint_interval without step_counter or < 1, keep_best < 0, an empty
  // or '/'-containing checkpoint_name); FailedPrecondition if another
  // manager holds the directory; DataLoss for a corrupt state or metadata
  // file (see recover_corrupt_state).
  static absl::StatusOr<std::unique_ptr<CheckpointManager>> Create(
      Checkpoint* checkpoint, std::string directory,
      CheckpointManagerOptions options = {});
  ~CheckpointManager();  // releases the directory lock
  CheckpointManager(const CheckpointManager&) = delete;
  CheckpointManager& operator=(const CheckpointManager&) = delete;

  const std::string& directory() const { return directory_; }
  // The newest checkpoint, if any (what the state file names). While an
  // asynchronous save is in flight this is still the previous one: it
  // advances only once the new checkpoint and the state file are durable.
  // The three accessors below are safe to call during such a save.
  std::optional<std::string> latest_checkpoint() const;
  // Prefixes of the kept checkpoints, oldest first.
  std::vector<std::string> checkpoints() const;
  // The kept checkpoints with timestamps, metrics and pins, oldest first.
  std::vector<ManagedCheckpoint> entries() const;
  // What Create() found wrong and dealt with (one line each).
  const std::vector<std::string>& recovery_log() const { return recovered_; }

  struct SaveArgs {
    // The number in the file name; default: the incremented save_counter.
    std::optional<int64_t> checkpoint_number;
    // Ranks the checkpoint for keep_best.
    std::optional<double> metric;
    // Honour checkpoint_interval (see the options).
    bool check_interval = true;
  };
  // Writes a checkpoint, records it and deletes what the policy no longer
  // keeps. Returns the prefix, or nullopt when skipped by the interval.
  // Overwriting a kept number first removes it from the state file;
  // overwriting a pinned one is FailedPrecondition.
  absl::StatusOr<std::optional<std::string>> Save(const SaveArgs& args);
  absl::StatusOr<std::optional<std::string>> Save() { return Save(SaveArgs{}); }

  // Save() with the write in the background (Checkpoint::WriteAsync): the
  // values are snapshotted at the call, which returns the prefix that will
  // be written (nullopt when skipped by the interval). The background thread
  // writes the files, then commits the state file (latest_checkpoint()
  // advances) and prunes, in the same order as Save(). One save is in
  // flight at a time; every other mutating call (Save, SaveAsync, Pin,
  // Unpin, RestoreOrInitialize) first waits for it, and returns its error if
  // Wait() was not called to collect it.
  absl::StatusOr<std::optional<std::string>> SaveAsync(const SaveArgs& args);
  absl::StatusOr<std::optional<std::string>> SaveAsync() {
    return SaveAsync(SaveArgs{});
  }
  // Waits for the asynchronous save in flight; its status (OK if none).
  absl::Status Wait();

  struct Restored {
    std::optional<std::string> prefix;    // null: init_fn ran instead
    std::optional<RestoreStatus> status;  // set when restored
  };
  // Restores the newest checkpoint, or runs `init_fn` (may be null) when
  // there is none.
  absl::StatusOr<Restored> RestoreOrInitialize(
      const std::function<absl::Status()>& init_fn = nullptr);

  // The newest kept checkpoint that passes VerifyCheckpoint, for restarts
  // after damage; the ones skipped are appended to `skipped` as
  // "<prefix>: <error>". NotFound if none verifies.
  absl::StatusOr<std::string> LatestVerifiedCheckpoint(
      std::vector<std::string>* skipped = nullptr) const;

  // Pins or unpins a kept checkpoint (persisted in the metadata file). A
  // pinned checkpoint is never deleted by policy; one unpinned beyond the
  // policy goes at the next Save(). NotFound if the manager does not keep it.
  absl::Status Pin(const std::string& prefix) {
    return SetPinned(prefix, true);
  }
  absl::Status Unpin(const std::string& prefix) {
    return SetPinned(prefix, false);
  }

 private:
  CheckpointManager(Checkpoint* checkpoint, std::string directory,
                    CheckpointManagerOptions options, Env* env);
  absl::Status Open();
  absl::Status RemoveStaleTempFiles();
  // Create's work: the directory, its lock, start-up recovery (rank 0 of a
  // communicator only, then shared).
  absl::Status OpenDirectory();
  absl::Status OpenCollective();
  // Rank 0's entries_, latest_, last_preserved_timestamp_ and
  // last_checkpoint_step_ on every rank (manager_collective.cc).
  absl::Status ShareState();
  absl::StatusOr<std::optional<std::string>> SaveCollective(
      const SaveArgs& args, bool async);
  // Rank 0's decision for a collective save, encoded for the other ranks.
  absl::StatusOr<std::string> DecideSave(const SaveArgs& args);
  // After a collective save's files are durable: rank 0 commits and prunes
  // (CommitSaved), every rank agrees and adopts rank 0's list.
  absl::Status CommitCollective(const std::string& prefix,
                                std::optional<double> metric,
                                std::optional<int64_t> step);
  absl::Status SetPinnedHere(const std::string& prefix, bool pinned);
  // Start-up recovery (docs/manager.md): LoadState reads the state file,
  // then the metadata, then adopts the entries whose files are present.
  absl::Status LoadState();
  // The state file is absent (a fresh directory) or unreadable.
  absl::Status LoadUnreadableState(const absl::Status& why, double now);
  // The metrics and pins of checkpoint.manager; none when it is absent, or
  // damaged and recover_corrupt_state is set.
  absl::StatusOr<std::vector<checkpoint::ManagerMetadataEntry>> ReadMetadata();
  // Fills entries_ and latest_ from `state`; true if an entry was dropped.
  absl::StatusOr<bool> AdoptStateEntries(
      const checkpoint::CheckpointState& state,
      const std::vector<checkpoint::ManagerMetadataEntry>& metadata,
      double now);
  // Whether the files of `prefix` are there (logged as dropped if not).
  absl::StatusOr<bool> FilesUsable(const std::string& prefix);
  absl::Status RebuildState(const absl::Status& why);
  // Writes metadata then the state file for `entries` / `latest`.
  absl::Status Commit(const std::vector<ManagedCheckpoint>& entries,
                      const std::optional<std::string>& latest,
                      double last_preserved,
                      const std::vector<ManagedCheckpoint>& leaving = {});
  // Entries to delete after adding a checkpoint (policy), updating
  // *last_preserved for keep_checkpoint_every_n_hours.
  std::vector<ManagedCheckpoint> Sweep(std::vector<ManagedCheckpoint>* entries,
                                       double* last_preserved) const;
  absl::Status DeleteCheckpointFiles(const std::string& prefix);
  // Waits for the asynchronous save in flight; its error, annotated.
  absl::Status WaitForPrevious();
  absl::StatusOr<std::optional<std::string>> SaveImpl(const SaveArgs& args,
                                                      bool async);
  // InvalidArgument unless args.metric is finite (or absent).
  absl::Status CheckMetric(const SaveArgs& args) const;
  // *step_counter, if there is one.
  absl::StatusOr<std::optional<int64_t>> CurrentStep() const;
  // options_.save_options as every managed save uses them.
  SaveOptions ManagedSaveOptions() const;
  // Whether checkpoint_interval steps have passed since the last save.
  bool IntervalElapsed(std::optional<int64_t> step) const;
  // save_counter's value before a save, checked to leave room for one more.
  absl::StatusOr<int64_t> CounterBeforeSave(const SaveArgs& args);
  // Before saving over `prefix`: commits a state that no longer names it.
  absl::Status StopNaming(const std::string& prefix);
  // After the files of `prefix` are durable: records it, commits the state
  // file, prunes. Runs on the background thread of an asynchronous save.
  absl::Status CommitSaved(const std::string& prefix,
                           std::optional<double> metric,
                           std::optional<int64_t> step);
  // Replaces entries_ and latest_ (under mu_, for the accessors).
  void SetState(std::vector<ManagedCheckpoint> entries,
                std::optional<std::string> latest);
  absl::Status SetPinned(const std::string& prefix, bool pinned);
  double Now() const;
  void Log(const std::string& line);
  // Logs a start-up recovery action and keeps it for recovery_log().
  void Recovered(const std::string& line);

  Checkpoint* checkpoint_;
  std::string directory_;
  CheckpointManagerOptions options_;
  Env* env_;
  std::unique_ptr<FileLock> lock_;
  // Written only by the thread that owns the manager or by the background
  // half of its one asynchronous save (never both at once: every mutating
  // call waits first); mu_ orders those writes with the accessors.
  mutable std::mutex mu_;
  std::vector<ManagedCheckpoint> entries_;
  std::optional<std::string> latest_;
  double last_preserved_timestamp_ = 0;
  std::optional<int64_t> last_checkpoint_step_;
  std::vector<std::string> recovered_;
  std::vector<std::string> undeleted_;  // pruned, but deleting failed: retry
  bool metadata_on_disk_ = false;       // checkpoint.manager exists
};

}  // namespace ckpt

#endif  // CKPT_CHECKPOINT_MANAGER_H_
