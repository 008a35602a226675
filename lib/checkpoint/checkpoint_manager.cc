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
#include "checkpoint/manager_metadata.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/status.h"
#include "util/env_or_default.h"
#include "util/errors.h"

namespace ckpt {
namespace {

constexpr absl::string_view kLockFilename = "checkpoint.lock";
constexpr uint64_t kMaxMetadataBytes = uint64_t{1} << 20;

// Lexically normal form ("a/./b//c/" -> "a/b/c"), so that one checkpoint
// spelled two ways is one entry. Symlinks are not resolved.
std::string NormalizePath(const std::string& path) {
  if (path.empty()) return path;
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// Temporary files of an interrupted save: "<file>.tempstate<digits>"
// (BundleWriter) and "checkpoint.tmp<digits>" /
// "checkpoint.manager.tmp<digits>" (WriteStringToFileAtomic).
bool IsStaleTempName(absl::string_view name) {
  const size_t pos = name.rfind(".tempstate");
  if (pos != absl::string_view::npos && pos > 0 &&
      AllDigits(name.substr(pos + 10))) {
    return true;
  }
  for (absl::string_view base :
       {kCheckpointStateFilename, kManagerMetadataFilename}) {
    const std::string stem = absl::StrCat(base, ".tmp");
    if (absl::StartsWith(name, stem) && AllDigits(name.substr(stem.size()))) {
      return true;
    }
  }
  return false;
}

// "<prefix>.data-" files of `prefix` found in its directory.
absl::StatusOr<std::vector<std::string>> DataFiles(Env* env,
                                                   const std::string& prefix) {
  const std::string dir = Dirname(prefix);
  const std::string stem = absl::StrCat(Basename(prefix), ".data-");
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> names, env->GetChildren(dir));
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (absl::StartsWith(name, stem) && !IsStaleTempName(name)) {
      out.push_back(JoinPath(dir, name));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// OK if the index opens and every data file it needs exists.
absl::Status CheckFilesPresent(Env* env, const std::string& prefix) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(env, prefix));
  for (int i = 0; i < reader->num_shards(); ++i) {
    CKPT_RETURN_IF_ERROR(
        env->FileExists(DataFilename(prefix, i, reader->num_shards())));
  }
  return absl::OkStatus();
}

// The checkpoint number of "<name>-<digits>", or -1.
int64_t NumberOf(absl::string_view name, absl::string_view checkpoint_name) {
  if (!absl::StartsWith(name, checkpoint_name) ||
      name.size() <= checkpoint_name.size() + 1 ||
      name[checkpoint_name.size()] != '-') {
    return -1;
  }
  int64_t n;
  absl::string_view digits = name.substr(checkpoint_name.size() + 1);
  if (!AllDigits(digits) || !absl::SimpleAtoi(digits, &n)) return -1;
  return n;
}

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

absl::StatusOr<std::unique_ptr<CheckpointManager>> CheckpointManager::Create(
    Checkpoint* checkpoint, std::string directory,
    CheckpointManagerOptions options) {
  if (checkpoint == nullptr) {
    return absl::InvalidArgumentError("CheckpointManager: checkpoint is null");
  }
  directory = NormalizePath(directory);
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
  Env* env = EnvOrDefault(options.env);
  std::unique_ptr<CheckpointManager> manager(new CheckpointManager(
      checkpoint, std::move(directory), std::move(options), env));
  CKPT_RETURN_IF_ERROR(manager->Open());
  return manager;
}

absl::Status CheckpointManager::Open() {
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
  metadata_on_disk_ = !absl::IsNotFound(
      env_->FileExists(JoinPath(directory_, kManagerMetadataFilename)));
  return LoadState();
}

void CheckpointManager::Log(const std::string& line) {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "ckpt: " << line << "\n";
  }
}

double CheckpointManager::Now() const {
  if (options_.clock) return options_.clock();
  return static_cast<double>(env_->NowMicros()) / 1e6;
}

absl::Status CheckpointManager::RemoveStaleTempFiles() {
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        env_->GetChildren(directory_));
  std::sort(names.begin(), names.end());
  bool removed = false;
  for (const std::string& name : names) {
    if (!IsStaleTempName(name)) continue;
    const std::string path = JoinPath(directory_, name);
    absl::Status s = env_->DeleteFile(path);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    const std::string line = absl::StrCat("removed stale temporary file ", path,
                                          " (left by an interrupted save)");
    Log(line);
    recovered_.push_back(line);
    removed = true;
  }
  if (removed) CKPT_RETURN_IF_ERROR(env_->SyncDir(directory_));
  return absl::OkStatus();
}

absl::Status CheckpointManager::LoadState() {
  absl::StatusOr<CheckpointState> state = ReadCheckpointState(env_, directory_);
  const double now = Now();
  if (!state.ok()) {
    if (absl::IsNotFound(state.status())) {
      // A fresh directory (TensorFlow sets the clock back a little as well).
      last_preserved_timestamp_ = now - 1;
      return absl::OkStatus();
    }
    if (absl::IsDataLoss(state.status()) ||
        absl::IsResourceExhausted(state.status())) {
      if (options_.recover_corrupt_state) return RebuildState(state.status());
      return absl::DataLossError(absl::StrCat(
          state.status().message(),
          " (set recover_corrupt_state to rebuild it from the checkpoints "
          "that verify)"));
    }
    return state.status();
  }

  // Metrics and pins.
  std::vector<ManagerMetadataEntry> metadata;
  const std::string metadata_path =
      JoinPath(directory_, kManagerMetadataFilename);
  absl::StatusOr<std::string> text =
      ReadFileToString(env_, metadata_path, kMaxMetadataBytes);
  if (text.ok()) {
    absl::StatusOr<std::vector<ManagerMetadataEntry>> parsed =
        ParseManagerMetadata(*text, metadata_path);
    if (parsed.ok()) {
      metadata = std::move(*parsed);
    } else if (options_.recover_corrupt_state) {
      const std::string line =
          absl::StrCat("ignoring corrupt ", parsed.status().message(),
                       "; metrics and pins are lost");
      Log(line);
      recovered_.push_back(line);
    } else {
      return parsed.status();
    }
  } else if (!absl::IsNotFound(text.status())) {
    if (!absl::IsResourceExhausted(text.status()) ||
        !options_.recover_corrupt_state) {
      return text.status();
    }
    const std::string line = absl::StrCat("ignoring ", text.status().message(),
                                          "; metrics and pins are lost");
    Log(line);
    recovered_.push_back(line);
  }

  // TensorFlow's rules: timestamps are capped at now; entries without
  // timestamps, or not newer than last_preserved_timestamp, are no longer
  // managed (never deleted, and left out of the next state file's list).
  last_preserved_timestamp_ = std::min(state->last_preserved_timestamp, now);
  std::vector<std::string> paths;
  for (const std::string& p : state->all_model_checkpoint_paths) {
    paths.push_back(NormalizePath(p));
  }
  std::vector<double> stamps = state->all_model_checkpoint_timestamps;
  if (stamps.size() != paths.size()) {
    stamps.assign(paths.size(), last_preserved_timestamp_);
  }
  const std::string model_path = NormalizePath(state->model_checkpoint_path);

  // Files that are missing or whose index is damaged are not trusted: the
  // entry is dropped (the files are left alone). Other errors (permissions,
  // I/O) are returned: they say nothing about the checkpoint.
  bool dropped = false;
  auto usable = [&](const std::string& prefix) -> absl::StatusOr<bool> {
    absl::Status present = CheckFilesPresent(env_, prefix);
    if (present.ok()) return true;
    if (!absl::IsNotFound(present) && !absl::IsDataLoss(present)) {
      return Annotate(present, absl::StrCat("checking ", prefix,
                                            ", named by the checkpoint state"));
    }
    const std::string line = absl::StrCat(
        "dropping ", prefix, " from the checkpoint state: ", present.message());
    Log(line);
    recovered_.push_back(line);
    dropped = true;
    return false;
  };
  std::set<std::string> seen;
  bool model_path_usable = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!seen.insert(paths[i]).second) continue;
    CKPT_ASSIGN_OR_RETURN(const bool ok, usable(paths[i]));
    if (!ok) continue;
    if (paths[i] == model_path) model_path_usable = true;
    const double timestamp = std::min(stamps[i], now);
    if (timestamp <= last_preserved_timestamp_) {
      const std::string line = absl::StrCat(
          "not managing ", paths[i],
          " (no timestamp after last_preserved_timestamp): it is never "
          "deleted");
      Log(line);
      recovered_.push_back(line);
      continue;
    }
    ManagedCheckpoint e;
    e.prefix = paths[i];
    e.timestamp = timestamp;
    if (Dirname(paths[i]) == directory_) {
      for (const ManagerMetadataEntry& m : metadata) {
        if (m.name == Basename(paths[i])) {
          e.metric = m.metric;
          e.pinned = m.pinned;
        }
      }
    }
    entries_.push_back(std::move(e));
  }
  if (seen.count(model_path) == 0) {
    CKPT_ASSIGN_OR_RETURN(model_path_usable, usable(model_path));
  }
  latest_.reset();
  if (model_path_usable) {
    latest_ = model_path;
  } else if (!entries_.empty()) {
    latest_ = entries_.back().prefix;
  }
  if (dropped) {
    CKPT_RETURN_IF_ERROR(Commit(entries_, latest_, last_preserved_timestamp_));
    const std::string line =
        latest_ ? absl::StrCat("checkpoint state rewritten; latest is now ",
                               *latest_)
                : "checkpoint state removed: no checkpoint is left";
    Log(line);
    recovered_.push_back(line);
  }
  return absl::OkStatus();
}

absl::Status CheckpointManager::RebuildState(const absl::Status& why) {
  std::string line =
      absl::StrCat("corrupt checkpoint state (", why.message(),
                   "); rebuilding it from the checkpoints that verify");
  Log(line);
  recovered_.push_back(line);
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        env_->GetChildren(directory_));
  std::vector<std::pair<int64_t, std::string>> found;
  for (const std::string& name : names) {
    if (!absl::EndsWith(name, ".index")) continue;
    const std::string stem = name.substr(0, name.size() - 6);
    const int64_t number = NumberOf(stem, options_.checkpoint_name);
    if (number >= 0) found.emplace_back(number, JoinPath(directory_, stem));
  }
  std::sort(found.begin(), found.end());
  // The verified checkpoints are not managed: nothing says which of them
  // were preserved, pinned or best, so none is ever deleted by policy. The
  // highest-numbered one becomes the latest.
  int verified_count = 0;
  for (const auto& [number, prefix] : found) {
    absl::Status verified = VerifyCheckpoint(env_, prefix);
    if (!verified.ok()) {
      line = absl::StrCat("not recovering ", prefix, ": ", verified.message());
      Log(line);
      recovered_.push_back(line);
      continue;
    }
    ++verified_count;
    latest_ = prefix;
  }
  last_preserved_timestamp_ = Now();
  CKPT_RETURN_IF_ERROR(Commit(entries_, latest_, last_preserved_timestamp_));
  line = absl::StrCat(
      "rebuilt the checkpoint state: ", verified_count,
      " checkpoint(s) verify and are kept unmanaged (never deleted)",
      latest_ ? absl::StrCat("; latest ", *latest_) : "");
  Log(line);
  recovered_.push_back(line);
  return absl::OkStatus();
}

// ---- committing
// -----------------------------------------------------------------

absl::Status CheckpointManager::Commit(
    const std::vector<ManagedCheckpoint>& entries,
    const std::optional<std::string>& latest, double last_preserved,
    const std::vector<ManagedCheckpoint>& leaving) {
  // 1. Metadata: a superset of what the old and the new state file name
  //    (`leaving`: entries the old state names and the new one will not).
  std::vector<ManagerMetadataEntry> metadata;
  std::vector<ManagedCheckpoint> all = leaving;
  all.insert(all.end(), entries.begin(), entries.end());
  for (const ManagedCheckpoint& e : all) {
    if ((e.metric || e.pinned) && Dirname(e.prefix) == directory_) {
      metadata.push_back({Basename(e.prefix), e.metric, e.pinned});
    }
  }
  const std::string metadata_path =
      JoinPath(directory_, kManagerMetadataFilename);
  // Written when there is something to record, or to empty a file that
  // exists (a stale line must not attach to a reused checkpoint name).
  if (!metadata.empty() || metadata_on_disk_) {
    CKPT_RETURN_IF_ERROR(WriteStringToFileAtomic(
        env_, metadata_path, SerializeManagerMetadata(metadata)));
    metadata_on_disk_ = true;
  }
  // 2. The state file.
  if (!latest) {
    absl::Status s = env_->DeleteFile(CheckpointStatePath(directory_));
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    return env_->SyncDir(directory_);
  }
  CheckpointState state;
  state.model_checkpoint_path = *latest;
  for (const ManagedCheckpoint& e : entries) {
    state.all_model_checkpoint_paths.push_back(e.prefix);
    state.all_model_checkpoint_timestamps.push_back(e.timestamp);
  }
  state.last_preserved_timestamp = last_preserved;
  return Annotate(WriteCheckpointState(env_, directory_, state),
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
  return internal::AsPreviousSaveError(s);
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
  if (args.metric && !std::isfinite(*args.metric)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CheckpointManager::Save: metric must be finite, got ", *args.metric));
  }
  std::optional<int64_t> step;
  if (options_.step_counter != nullptr) {
    CKPT_ASSIGN_OR_RETURN(step, StepValue(*options_.step_counter));
  }
  if (options_.checkpoint_interval && args.check_interval &&
      last_checkpoint_step_ &&
      (*step < *last_checkpoint_step_ ||
       static_cast<uint64_t>(*step) -
               static_cast<uint64_t>(*last_checkpoint_step_) <
           static_cast<uint64_t>(*options_.checkpoint_interval))) {
    return std::optional<std::string>();  // not due yet (no overflow above)
  }

  Variable& counter = checkpoint_->save_counter();
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
  counter.mutable_flat<int64_t>()[0] = previous + 1;
  const int64_t number = args.checkpoint_number.value_or(previous + 1);
  const std::string prefix =
      JoinPath(directory_, absl::StrCat(options_.checkpoint_name, "-", number));
  auto roll_back = [&] { counter.mutable_flat<int64_t>()[0] = previous; };

  // Overwriting a kept checkpoint: stop naming it before touching its files.
  auto same = std::find_if(
      entries_.begin(), entries_.end(),
      [&](const ManagedCheckpoint& e) { return e.prefix == prefix; });
  if (same != entries_.end() || latest_ == prefix) {
    if (same != entries_.end() && same->pinned) {
      roll_back();
      return absl::FailedPreconditionError(
          absl::StrCat(prefix, ": pinned; unpin it before saving over it"));
    }
    std::vector<ManagedCheckpoint> without = entries_;
    if (same != entries_.end()) {
      without.erase(without.begin() + (same - entries_.begin()));
    }
    std::optional<std::string> latest = latest_;
    if (latest == prefix) {
      latest.reset();
      if (!without.empty()) latest = without.back().prefix;
    }
    absl::Status s = Commit(without, latest, last_preserved_timestamp_);
    if (!s.ok()) {
      roll_back();
      return s;
    }
    SetState(std::move(without), std::move(latest));
  }

  SaveOptions save_options = options_.save_options;
  save_options.env = env_;
  save_options.bundle.sync = true;  // the commit protocol depends on it
  if (async) {
    // The state file is committed (and old checkpoints pruned) on the
    // background thread once the files are durable.
    const std::optional<double> metric = args.metric;
    absl::Status s = checkpoint_->WriteAsync(
        prefix, save_options, [this, prefix, metric, step] {
          return CommitSaved(prefix, metric, step);
        });
    if (!s.ok()) {
      roll_back();  // nothing was started
      return s;
    }
    return std::optional<std::string>(prefix);
  }
  absl::Status s = checkpoint_->Write(prefix, save_options);
  if (!s.ok()) {
    roll_back();  // nothing names this number: it may be written again
    return s;
  }
  CKPT_RETURN_IF_ERROR(CommitSaved(prefix, args.metric, step));
  return std::optional<std::string>(prefix);
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
    CKPT_ASSIGN_OR_RETURN(RestoreStatus status,
                          checkpoint_->Restore(*latest_, options));
    result.prefix = latest_;
    result.status = std::move(status);
    return result;
  }
  if (init_fn) CKPT_RETURN_IF_ERROR(init_fn());
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
