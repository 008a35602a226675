// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckpointManager (contract in ckpt/checkpoint_manager.h, format and
// commit protocol in docs/manager.md).
//
// Invariants kept by every method:
//   * The state file names only checkpoints whose Write() completed (index
//     renamed and the directory fsync'd). It is rewritten after the metadata
//     file, so the metadata is always a superset of what the state names.
//   * A checkpoint number is reused only when nothing on disk can name it:
//     after a failed Write() the counter is rolled back; after a failed
//     commit of the state file (which may or may not have reached the disk)
//     the number is burned and its files are deleted only once a later state
//     file, which does not name it, has been committed.
//   * Files are deleted only after the state file that no longer names them
//     is durable; the index first, so a half-deleted checkpoint looks absent.

#include "ckpt/checkpoint_manager.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/async_saver.h"
#include "checkpoint/checkpoint_state.h"
#include "checkpoint/manager_files.h"
#include "checkpoint/manager_metadata.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/communicator.h"
#include "ckpt/status.h"
#include "util/env_or_default.h"
#include "util/errors.h"

namespace ckpt {
namespace {

using checkpoint::DataFiles;
using checkpoint::NormalizePath;

constexpr absl::string_view kLockFilename = "checkpoint.lock";

absl::StatusOr<int64_t> StepValue(const Variable& step) {
  if (step.shape().rank() == 0 && step.dtype() == DataType::kInt64) {
    return step.flat<int64_t>()[0];
  }
  if (step.shape().rank() == 0 && step.dtype() == DataType::kInt32) {
    return step.flat<int32_t>()[0];
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "CheckpointManager: step_counter must be an int64 or int32 scalar, is ",
      std::string(DataTypeName(step.dtype())), " ",
      step.shape().DebugString()));
}

}  // namespace

// ---- VerifyCheckpoint -------------------------------------------------------

absl::Status VerifyCheckpoint(Env* env, const std::string& prefix) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(env, prefix));
  return reader->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) {
        return reader->Verify(key, entry);
      });
}

// ---- construction
// -------------------------------------------------------------

CheckpointManager::CheckpointManager(Checkpoint* checkpoint,
                                     std::string directory,
                                     CheckpointManagerOptions options, Env* env)
    : checkpoint_(checkpoint),
      directory_(std::move(directory)),
      options_(std::move(options)),
      env_(env) {}

CheckpointManager::~CheckpointManager() {
  // A save in flight commits through this manager: let it finish. Its
  // error, if Wait() was not called, can only be logged.
  absl::Status s = checkpoint_->Wait();
  if (!s.ok()) Log(absl::StrCat("asynchronous save failed: ", s.ToString()));
}

namespace {

// The arguments of Create(), checked.
absl::Status CheckCreateArguments(const Checkpoint* checkpoint,
                                  const std::string& directory,
                                  const CheckpointManagerOptions& options) {
  if (checkpoint == nullptr) {
    return absl::InvalidArgumentError("CheckpointManager: checkpoint is null");
  }
  if (directory.empty()) {
    return absl::InvalidArgumentError("CheckpointManager: empty directory");
  }
  if (options.max_to_keep && *options.max_to_keep < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CheckpointManager: max_to_keep must be >= 1 (or unset "
                     "to keep all), got ",
                     *options.max_to_keep));
  }
  if (options.keep_checkpoint_every_n_hours &&
      !(*options.keep_checkpoint_every_n_hours > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("CheckpointManager: keep_checkpoint_every_n_hours must "
                     "be > 0, got ",
                     *options.keep_checkpoint_every_n_hours));
  }
  if (options.checkpoint_interval &&
      (options.step_counter == nullptr || *options.checkpoint_interval < 1)) {
    return absl::InvalidArgumentError(
        "CheckpointManager: checkpoint_interval needs a step_counter and must "
        "be >= 1");
  }
  if (options.keep_best < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CheckpointManager: keep_best must be >= 0, got ", options.keep_best));
  }
  if (options.checkpoint_name.empty() ||
      absl::StrContains(options.checkpoint_name, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("CheckpointManager: bad checkpoint_name '",
                     options.checkpoint_name, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CheckpointManager>> CheckpointManager::Create(
    Checkpoint* checkpoint, std::string directory,
    CheckpointManagerOptions options) {
  directory = NormalizePath(directory);
  absl::Status valid = CheckCreateArguments(checkpoint, directory, options);
  if (options.communicator != nullptr) {
    // Collective: every rank goes on to Open(), or none.
    valid = AgreeOnStatus(*options.communicator, valid);
  }
  CKPT_RETURN_IF_ERROR(valid);
  Env* env = EnvOrDefault(options.env);
  std::unique_ptr<CheckpointManager> manager(new CheckpointManager(
      checkpoint, std::move(directory), std::move(options), env));
  CKPT_RETURN_IF_ERROR(manager->Open());
  return manager;
}

absl::Status CheckpointManager::Open() {
  if (options_.communicator != nullptr) return OpenCollective();
  return OpenDirectory();
}

absl::Status CheckpointManager::OpenDirectory() {
  absl::StatusOr<bool> is_dir = env_->IsDirectory(directory_);
  if (!is_dir.ok() && absl::IsNotFound(is_dir.status())) {
    CKPT_RETURN_IF_ERROR(env_->CreateDirs(directory_));
    CKPT_RETURN_IF_ERROR(env_->SyncDir(Dirname(directory_)));
  } else if (!is_dir.ok()) {
    return is_dir.status();
  } else if (!*is_dir) {
    return absl::FailedPreconditionError(
        absl::StrCat(directory_, ": not a directory"));
  }
  CKPT_ASSIGN_OR_RETURN(lock_,
                        env_->LockFile(JoinPath(directory_, kLockFilename)));
  CKPT_RETURN_IF_ERROR(RemoveStaleTempFiles());
  // Checked once here rather than on every commit.
  metadata_on_disk_ = !absl::IsNotFound(env_->FileExists(
      JoinPath(directory_, checkpoint::kManagerMetadataFilename)));
  return LoadState();
}

void CheckpointManager::Log(const std::string& line) {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "ckpt: " << line << "\n";
  }
}

void CheckpointManager::Recovered(const std::string& line) {
  Log(line);
  recovered_.push_back(line);
}

double CheckpointManager::Now() const {
  if (options_.clock) return options_.clock();
  return static_cast<double>(env_->NowMicros()) / 1e6;
}

// ---- committing
// -----------------------------------------------------------------

absl::Status CheckpointManager::Commit(
    const std::vector<ManagedCheckpoint>& entries,
    const std::optional<std::string>& latest, double last_preserved,
    const std::vector<ManagedCheckpoint>& leaving) {
  // 1. Metadata: a superset of what the old and the new state file name
  //    (`leaving`: entries the old state names and the new one will not).
  std::vector<checkpoint::ManagerMetadataEntry> metadata;
  std::vector<ManagedCheckpoint> all = leaving;
  all.insert(all.end(), entries.begin(), entries.end());
  for (const ManagedCheckpoint& e : all) {
    if ((e.metric || e.pinned) && Dirname(e.prefix) == directory_) {
      metadata.push_back({Basename(e.prefix), e.metric, e.pinned});
    }
  }
  const std::string metadata_path =
      JoinPath(directory_, checkpoint::kManagerMetadataFilename);
  // Written when there is something to record, or to empty a file that
  // exists (a stale line must not attach to a reused checkpoint name).
  if (!metadata.empty() || metadata_on_disk_) {
    CKPT_RETURN_IF_ERROR(WriteStringToFileAtomic(
        env_, metadata_path, checkpoint::SerializeManagerMetadata(metadata)));
    metadata_on_disk_ = true;
  }
  // 2. The state file.
  if (!latest) {
    absl::Status s =
        env_->DeleteFile(checkpoint::CheckpointStatePath(directory_));
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    return env_->SyncDir(directory_);
  }
  checkpoint::CheckpointState state;
  state.model_checkpoint_path = *latest;
  for (const ManagedCheckpoint& e : entries) {
    state.all_model_checkpoint_paths.push_back(e.prefix);
    state.all_model_checkpoint_timestamps.push_back(e.timestamp);
  }
  state.last_preserved_timestamp = last_preserved;
  return Annotate(checkpoint::WriteCheckpointState(env_, directory_, state),
                  "updating the checkpoint state file");
}

std::vector<ManagedCheckpoint> CheckpointManager::Sweep(
    std::vector<ManagedCheckpoint>* entries, double* last_preserved) const {
  const size_t n = entries->size();
  std::vector<bool> keep(n, false);
  for (size_t i = 0; i < n; ++i) keep[i] = (*entries)[i].pinned;
  if (!options_.max_to_keep) return {};  // keep everything
  const size_t newest = static_cast<size_t>(*options_.max_to_keep);
  for (size_t i = n > newest ? n - newest : 0; i < n; ++i) keep[i] = true;
  if (options_.keep_best > 0) {
    std::vector<size_t> ranked;
    for (size_t i = 0; i < n; ++i) {
      if ((*entries)[i].metric) ranked.push_back(i);
    }
    const bool max =
        options_.metric_mode == CheckpointManagerOptions::MetricMode::kMax;
    // Best first; among equal metrics the newer wins.
    std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
      const double ma = *(*entries)[a].metric;
      const double mb = *(*entries)[b].metric;
      if (ma != mb) return max ? ma > mb : ma < mb;
      return a > b;
    });
    for (size_t r = 0;
         r < ranked.size() && r < static_cast<size_t>(options_.keep_best);
         ++r) {
      keep[ranked[r]] = true;
    }
  }
  std::vector<ManagedCheckpoint> kept, pruned;
  for (size_t i = 0; i < n; ++i) {
    ManagedCheckpoint& e = (*entries)[i];
    if (keep[i]) {
      kept.push_back(std::move(e));
      continue;
    }
    if (options_.keep_checkpoint_every_n_hours &&
        e.timestamp - *options_.keep_checkpoint_every_n_hours * 3600.0 >=
            *last_preserved) {
      // Kept for good: it leaves the manager's list but is never deleted.
      *last_preserved = e.timestamp;
      continue;
    }
    pruned.push_back(std::move(e));
  }
  *entries = std::move(kept);
  return pruned;
}

absl::Status CheckpointManager::DeleteCheckpointFiles(
    const std::string& prefix) {
  // Index first, made durable, so a half-deleted checkpoint is never taken
  // for a complete one; then the data files.
  absl::Status s = env_->DeleteFile(IndexFilename(prefix));
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  CKPT_RETURN_IF_ERROR(env_->SyncDir(Dirname(prefix)));
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> data, DataFiles(env_, prefix));
  if (data.empty()) return absl::OkStatus();
  for (const std::string& path : data) {
    s = env_->DeleteFile(path);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  return env_->SyncDir(Dirname(prefix));
}

// ---- public operations
// ----------------------------------------------------------

std::vector<std::string> CheckpointManager::checkpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const ManagedCheckpoint& e : entries_) out.push_back(e.prefix);
  return out;
}

std::optional<std::string> CheckpointManager::latest_checkpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

std::vector<ManagedCheckpoint> CheckpointManager::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

void CheckpointManager::SetState(std::vector<ManagedCheckpoint> entries,
                                 std::optional<std::string> latest) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_ = std::move(entries);
  latest_ = std::move(latest);
}

absl::Status CheckpointManager::Wait() { return checkpoint_->Wait(); }

absl::Status CheckpointManager::WaitForPrevious() {
  absl::Status s = checkpoint_->Wait();
  return checkpoint::AsPreviousSaveError(s);
}

absl::StatusOr<std::optional<std::string>> CheckpointManager::Save(
    const SaveArgs& args) {
  return SaveImpl(args, /*async=*/false);
}

absl::StatusOr<std::optional<std::string>> CheckpointManager::SaveAsync(
    const SaveArgs& args) {
  return SaveImpl(args, /*async=*/true);
}

absl::StatusOr<std::optional<std::string>> CheckpointManager::SaveImpl(
    const SaveArgs& args, bool async) {
  // The save in flight commits first; its error, if not yet collected,
  // ends this call.
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  if (options_.communicator != nullptr) return SaveCollective(args, async);
  CKPT_RETURN_IF_ERROR(CheckMetric(args));
  CKPT_ASSIGN_OR_RETURN(const std::optional<int64_t> step, CurrentStep());
  if (args.check_interval && !IntervalElapsed(step)) {
    return std::optional<std::string>();  // not due yet
  }
  CKPT_ASSIGN_OR_RETURN(const int64_t previous, CounterBeforeSave(args));
  Variable& counter = checkpoint_->save_counter();
  counter.mutable_flat<int64_t>()[0] = previous + 1;
  const int64_t number = args.checkpoint_number.value_or(previous + 1);
  const std::string prefix =
      JoinPath(directory_, absl::StrCat(options_.checkpoint_name, "-", number));

  const SaveOptions save_options = ManagedSaveOptions();
  absl::Status s = StopNaming(prefix);
  if (s.ok() && async) {
    // The state file is committed (and old checkpoints pruned) on the
    // background thread once the files are durable.
    const std::optional<double> metric = args.metric;
    s = checkpoint_->WriteAsync(prefix, save_options,
                                [this, prefix, metric, step] {
                                  return CommitSaved(prefix, metric, step);
                                });
  } else if (s.ok()) {
    s = checkpoint_->Write(prefix, save_options);
  }
  if (!s.ok()) {
    // Nothing was started, or nothing names this number: it may be used
    // again.
    counter.mutable_flat<int64_t>()[0] = previous;
    return s;
  }
  if (!async) CKPT_RETURN_IF_ERROR(CommitSaved(prefix, args.metric, step));
  return std::optional<std::string>(prefix);
}

absl::Status CheckpointManager::CheckMetric(const SaveArgs& args) const {
  if (args.metric && !std::isfinite(*args.metric)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CheckpointManager::Save: metric must be finite, got ", *args.metric));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<int64_t>> CheckpointManager::CurrentStep() const {
  if (options_.step_counter == nullptr) return std::optional<int64_t>();
  CKPT_ASSIGN_OR_RETURN(const int64_t step, StepValue(*options_.step_counter));
  return std::optional<int64_t>(step);
}

SaveOptions CheckpointManager::ManagedSaveOptions() const {
  SaveOptions save_options = options_.save_options;
  save_options.env = env_;
  save_options.bundle.sync = true;  // the commit protocol depends on it
  save_options.communicator = options_.communicator;
  return save_options;
}

bool CheckpointManager::IntervalElapsed(std::optional<int64_t> step) const {
  if (!options_.checkpoint_interval || !last_checkpoint_step_) return true;
  // step is set: checkpoint_interval requires a step_counter. Unsigned
  // arithmetic: no overflow for any pair of int64 steps.
  return *step >= *last_checkpoint_step_ &&
         static_cast<uint64_t>(*step) -
                 static_cast<uint64_t>(*last_checkpoint_step_) >=
             static_cast<uint64_t>(*options_.checkpoint_interval);
}

absl::StatusOr<int64_t> CheckpointManager::CounterBeforeSave(
    const SaveArgs& args) {
  const Variable& counter = checkpoint_->save_counter();
  if (counter.dtype() != DataType::kInt64 || counter.shape().rank() != 0) {
    return absl::FailedPreconditionError(
        "CheckpointManager::Save: save_counter is not an int64 scalar");
  }
  const int64_t previous = counter.flat<int64_t>()[0];
  if (previous < 0 || previous == std::numeric_limits<int64_t>::max() ||
      (args.checkpoint_number && *args.checkpoint_number < 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CheckpointManager::Save: checkpoint numbers must be in [0, 2^63-1); "
        "save_counter is ",
        previous,
        args.checkpoint_number
            ? absl::StrCat(", checkpoint_number ", *args.checkpoint_number)
            : ""));
  }
  return previous;
}

absl::Status CheckpointManager::StopNaming(const std::string& prefix) {
  auto same = std::find_if(
      entries_.begin(), entries_.end(),
      [&](const ManagedCheckpoint& e) { return e.prefix == prefix; });
  if (same == entries_.end() && latest_ != prefix) return absl::OkStatus();
  if (same != entries_.end() && same->pinned) {
    return absl::FailedPreconditionError(
        absl::StrCat(prefix, ": pinned; unpin it before saving over it"));
  }
  std::vector<ManagedCheckpoint> without = entries_;
  if (same != entries_.end()) {
    without.erase(without.begin() + (same - entries_.begin()));
  }
  std::optional<std::string> latest;
  if (latest_ != prefix) {
    latest = latest_;
  } else if (!without.empty()) {
    latest = without.back().prefix;
  }
  CKPT_RETURN_IF_ERROR(Commit(without, latest, last_preserved_timestamp_));
  SetState(std::move(without), std::move(latest));
  return absl::OkStatus();
}

absl::Status CheckpointManager::CommitSaved(const std::string& prefix,
                                            std::optional<double> metric,
                                            std::optional<int64_t> step) {
  std::vector<ManagedCheckpoint> entries = entries_;
  entries.push_back(ManagedCheckpoint{prefix, Now(), metric, false});
  double last_preserved = last_preserved_timestamp_;
  std::vector<ManagedCheckpoint> pruned = Sweep(&entries, &last_preserved);
  absl::Status s = Commit(entries, prefix, last_preserved, pruned);
  if (!s.ok()) {
    // The state file may or may not name `prefix` now: never reuse the
    // number, and delete its files only after a later commit.
    undeleted_.push_back(prefix);
    return s;
  }
  SetState(std::move(entries), prefix);
  last_preserved_timestamp_ = last_preserved;
  if (step) last_checkpoint_step_ = step;

  // Prune what the committed state file no longer names.
  std::vector<std::string> to_delete;
  to_delete.swap(undeleted_);
  for (const ManagedCheckpoint& e : pruned) to_delete.push_back(e.prefix);
  absl::Status first;
  for (const std::string& old : to_delete) {
    if (old == prefix) continue;
    absl::Status d = DeleteCheckpointFiles(old);
    if (!d.ok()) {
      undeleted_.push_back(old);
      if (first.ok()) {
        first = Annotate(d, absl::StrCat("checkpoint ", prefix,
                                         " is saved, but deleting ", old));
      }
    }
  }
  return first;
}

absl::StatusOr<CheckpointManager::Restored>
CheckpointManager::RestoreOrInitialize(
    const std::function<absl::Status()>& init_fn) {
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  Restored result;
  if (latest_) {
    RestoreOptions options;
    options.env = env_;
    options.communicator = options_.communicator;  // collective: agreed
    CKPT_ASSIGN_OR_RETURN(RestoreStatus status,
                          checkpoint_->Restore(*latest_, options));
    result.prefix = latest_;
    result.status = std::move(status);
    return result;
  }
  absl::Status initialized = init_fn ? init_fn() : absl::OkStatus();
  if (options_.communicator != nullptr) {
    initialized = AgreeOnStatus(*options_.communicator, initialized);
  }
  CKPT_RETURN_IF_ERROR(initialized);
  return result;
}

absl::StatusOr<std::string> CheckpointManager::LatestVerifiedCheckpoint(
    std::vector<std::string>* skipped) const {
  std::vector<std::string> candidates = checkpoints();
  std::reverse(candidates.begin(), candidates.end());
  const std::optional<std::string> latest = latest_checkpoint();
  if (latest && std::find(candidates.begin(), candidates.end(), *latest) ==
                    candidates.end()) {
    candidates.insert(candidates.begin(), *latest);  // unmanaged latest
  }
  for (const std::string& prefix : candidates) {
    absl::Status s = VerifyCheckpoint(env_, prefix);
    if (s.ok()) return prefix;
    if (skipped != nullptr) {
      skipped->push_back(absl::StrCat(prefix, ": ", s.ToString()));
    }
  }
  return absl::NotFoundError(absl::StrCat(directory_,
                                          ": no kept checkpoint verifies (",
                                          candidates.size(), " tried)"));
}

absl::Status CheckpointManager::SetPinned(const std::string& path,
                                          bool pinned) {
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  if (options_.communicator == nullptr) return SetPinnedHere(path, pinned);
  // Collective: rank 0 commits, every rank mirrors its state.
  Communicator& comm = *options_.communicator;
  const absl::Status s = AgreeOnStatus(
      comm, comm.rank() == 0 ? SetPinnedHere(path, pinned) : absl::OkStatus());
  CKPT_RETURN_IF_ERROR(ShareState());
  return s;
}

absl::Status CheckpointManager::SetPinnedHere(const std::string& path,
                                              bool pinned) {
  const std::string prefix = NormalizePath(path);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].prefix != prefix) continue;
    if (entries_[i].pinned == pinned) return absl::OkStatus();
    if (Dirname(entries_[i].prefix) != directory_) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, ": only checkpoints inside ", directory_,
          " can be pinned (pins are recorded in its checkpoint.manager)"));
    }
    std::vector<ManagedCheckpoint> entries = entries_;
    entries[i].pinned = pinned;
    CKPT_RETURN_IF_ERROR(Commit(entries, latest_, last_preserved_timestamp_));
    SetState(std::move(entries), latest_);
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat(
      prefix, ": not a checkpoint kept by the manager of ", directory_));
}

}  // namespace ckpt
