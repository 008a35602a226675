// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckpointManager's start-up recovery (docs/manager.md, "Start-up"):
// stale temporary files removed, the state file and the metadata read, each
// entry's files checked, and a corrupt state file rebuilt from what verifies
// when recover_corrupt_state allows it. Every action is logged and kept for
// recovery_log().

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/checkpoint_state.h"
#include "checkpoint/collective_save.h"
#include "checkpoint/manager_files.h"
#include "checkpoint/manager_metadata.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/status.h"
#include "util/errors.h"

namespace ckpt {
namespace {

using checkpoint::NormalizePath;

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

}  // namespace

absl::Status CheckpointManager::RemoveStaleTempFiles() {
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        env_->GetChildren(directory_));
  std::sort(names.begin(), names.end());
  bool removed = false;
  for (const std::string& name : names) {
    if (absl::EndsWith(name, "_temp") &&
        checkpoint::NumberOf(name.substr(0, name.size() - 5),
                             options_.checkpoint_name) >= 0) {
      // "<name>-<number>_temp/": the parts of an interrupted collective save.
      const std::string dir = JoinPath(directory_, name);
      CKPT_RETURN_IF_ERROR(checkpoint::RemoveTempDir(env_, dir));
      Recovered(absl::StrCat("removed stale temporary directory ", dir,
                             " (left by an interrupted collective save)"));
      removed = true;
      continue;
    }
    if (!checkpoint::IsStaleTempName(name)) continue;
    const std::string path = JoinPath(directory_, name);
    absl::Status s = env_->DeleteFile(path);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    Recovered(absl::StrCat("removed stale temporary file ", path,
                           " (left by an interrupted save)"));
    removed = true;
  }
  if (removed) CKPT_RETURN_IF_ERROR(env_->SyncDir(directory_));
  return absl::OkStatus();
}

// ---- loading the state
// ----------------------------------------------------------

absl::Status CheckpointManager::LoadState() {
  absl::StatusOr<checkpoint::CheckpointState> state =
      checkpoint::ReadCheckpointState(env_, directory_);
  const double now = Now();
  if (!state.ok()) return LoadUnreadableState(state.status(), now);
  CKPT_ASSIGN_OR_RETURN(std::vector<checkpoint::ManagerMetadataEntry> metadata,
                        ReadMetadata());
  // TensorFlow's rule: last_preserved_timestamp is capped at now.
  last_preserved_timestamp_ = std::min(state->last_preserved_timestamp, now);
  CKPT_ASSIGN_OR_RETURN(const bool dropped,
                        AdoptStateEntries(*state, metadata, now));
  if (!dropped) return absl::OkStatus();
  // Entries were dropped: the state file on disk names what is not there.
  CKPT_RETURN_IF_ERROR(Commit(entries_, latest_, last_preserved_timestamp_));
  Recovered(latest_ ? absl::StrCat("checkpoint state rewritten; latest is now ",
                                   *latest_)
                    : "checkpoint state removed: no checkpoint is left");
  return absl::OkStatus();
}

absl::Status CheckpointManager::LoadUnreadableState(const absl::Status& why,
                                                    double now) {
  if (absl::IsNotFound(why)) {
    // A fresh directory (TensorFlow sets the clock back a little as well).
    last_preserved_timestamp_ = now - 1;
    return absl::OkStatus();
  }
  if (!absl::IsDataLoss(why) && !absl::IsResourceExhausted(why)) return why;
  if (options_.recover_corrupt_state) return RebuildState(why);
  return absl::DataLossError(
      absl::StrCat(why.message(),
                   " (set recover_corrupt_state to rebuild it from the "
                   "checkpoints that verify)"));
}

absl::StatusOr<std::vector<checkpoint::ManagerMetadataEntry>>
CheckpointManager::ReadMetadata() {
  const std::string path =
      JoinPath(directory_, checkpoint::kManagerMetadataFilename);
  absl::StatusOr<std::string> text =
      ReadFileToString(env_, path, checkpoint::kMaxManagerMetadataBytes);
  absl::Status problem;
  if (text.ok()) {
    absl::StatusOr<std::vector<checkpoint::ManagerMetadataEntry>> parsed =
        checkpoint::ParseManagerMetadata(*text, path);
    if (parsed.ok()) return parsed;
    problem = absl::Status(parsed.status().code(),
                           absl::StrCat("corrupt ", parsed.status().message()));
    if (!options_.recover_corrupt_state) return parsed.status();
  } else if (absl::IsNotFound(text.status())) {
    return std::vector<checkpoint::ManagerMetadataEntry>();  // no metadata
  } else if (absl::IsResourceExhausted(text.status()) &&
             options_.recover_corrupt_state) {
    problem = text.status();
  } else {
    return text.status();
  }
  Recovered(absl::StrCat("ignoring ", problem.message(),
                         "; metrics and pins are lost"));
  return std::vector<checkpoint::ManagerMetadataEntry>();
}

absl::StatusOr<bool> CheckpointManager::FilesUsable(const std::string& prefix) {
  absl::Status present = CheckFilesPresent(env_, prefix);
  if (present.ok()) return true;
  // Missing files or a damaged index: the entry is not trusted. Other errors
  // (permissions, I/O) say nothing about the checkpoint: returned.
  if (!absl::IsNotFound(present) && !absl::IsDataLoss(present)) {
    return Annotate(present, absl::StrCat("checking ", prefix,
                                          ", named by the checkpoint state"));
  }
  Recovered(absl::StrCat("dropping ", prefix,
                         " from the checkpoint state: ", present.message()));
  return false;
}

absl::StatusOr<bool> CheckpointManager::AdoptStateEntries(
    const checkpoint::CheckpointState& state,
    const std::vector<checkpoint::ManagerMetadataEntry>& metadata, double now) {
  std::vector<std::string> paths;
  for (const std::string& p : state.all_model_checkpoint_paths) {
    paths.push_back(NormalizePath(p));
  }
  std::vector<double> stamps = state.all_model_checkpoint_timestamps;
  if (stamps.size() != paths.size()) {
    stamps.assign(paths.size(), last_preserved_timestamp_);
  }
  const std::string model_path = NormalizePath(state.model_checkpoint_path);

  // TensorFlow's rules: timestamps are capped at now; entries without
  // timestamps, or not newer than last_preserved_timestamp, are no longer
  // managed (never deleted, and left out of the next state file's list).
  // Entries whose files are missing or damaged are dropped (the files are
  // left alone).
  bool dropped = false;
  std::set<std::string> seen;
  bool model_path_usable = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!seen.insert(paths[i]).second) continue;
    CKPT_ASSIGN_OR_RETURN(const bool usable, FilesUsable(paths[i]));
    if (!usable) {
      dropped = true;
      continue;
    }
    if (paths[i] == model_path) model_path_usable = true;
    const double timestamp = std::min(stamps[i], now);
    if (timestamp <= last_preserved_timestamp_) {
      Recovered(absl::StrCat(
          "not managing ", paths[i],
          " (no timestamp after last_preserved_timestamp): it is never "
          "deleted"));
      continue;
    }
    ManagedCheckpoint e;
    e.prefix = paths[i];
    e.timestamp = timestamp;
    if (Dirname(paths[i]) == directory_) {
      for (const checkpoint::ManagerMetadataEntry& m : metadata) {
        if (m.name == Basename(paths[i])) {
          e.metric = m.metric;
          e.pinned = m.pinned;
        }
      }
    }
    entries_.push_back(std::move(e));
  }
  if (seen.count(model_path) == 0) {
    CKPT_ASSIGN_OR_RETURN(model_path_usable, FilesUsable(model_path));
    if (!model_path_usable) dropped = true;
  }
  latest_.reset();
  if (model_path_usable) {
    latest_ = model_path;
  } else if (!entries_.empty()) {
    latest_ = entries_.back().prefix;
  }
  return dropped;
}

absl::Status CheckpointManager::RebuildState(const absl::Status& why) {
  Recovered(absl::StrCat("corrupt checkpoint state (", why.message(),
                         "); rebuilding it from the checkpoints that verify"));
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        env_->GetChildren(directory_));
  std::vector<std::pair<int64_t, std::string>> found;
  for (const std::string& name : names) {
    if (!absl::EndsWith(name, ".index")) continue;
    const std::string stem = name.substr(0, name.size() - 6);
    const int64_t number = checkpoint::NumberOf(stem, options_.checkpoint_name);
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
      Recovered(
          absl::StrCat("not recovering ", prefix, ": ", verified.message()));
      continue;
    }
    ++verified_count;
    latest_ = prefix;
  }
  last_preserved_timestamp_ = Now();
  CKPT_RETURN_IF_ERROR(Commit(entries_, latest_, last_preserved_timestamp_));
  Recovered(absl::StrCat(
      "rebuilt the checkpoint state: ", verified_count,
      " checkpoint(s) verify and are kept unmanaged (never deleted)",
      latest_ ? absl::StrCat("; latest ", *latest_) : ""));
  return absl::OkStatus();
}

}  // namespace ckpt
