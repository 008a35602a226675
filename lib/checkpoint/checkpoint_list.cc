// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ListCheckpoints (contract in ckpt/checkpoint_manager.h): the checkpoints
// of a directory's `checkpoint` state file with what the manager and the
// file system know about each. Read-only; the state file and the metadata
// file are each held to 1 MiB, so the list is bounded too.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/checkpoint_state.h"
#include "checkpoint/manager_files.h"
#include "checkpoint/manager_metadata.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/status.h"
#include "util/env_or_default.h"
#include "util/errors.h"

namespace ckpt {
namespace {

using checkpoint::NormalizePath;

constexpr absl::string_view kPrefixHint =
    "; to list the tensors of a single checkpoint, use `ckpt ls PREFIX`";

bool IsAbsolute(absl::string_view path) {
  return !path.empty() && path.front() == '/';
}

// `path` relative to the directory `dir` (both lexically normal), or
// nullopt when it is not under it.
std::optional<std::string> RelativeTo(const std::string& dir,
                                      const std::string& path) {
  if (dir.empty() || dir == ".") {
    if (IsAbsolute(path) || absl::StartsWith(path, "../") || path == "..") {
      return std::nullopt;
    }
    return path;
  }
  const std::string stem = dir == "/" ? "/" : absl::StrCat(dir, "/");
  if (absl::StartsWith(path, stem) && path.size() > stem.size()) {
    return path.substr(stem.size());
  }
  return std::nullopt;
}

// The name of `prefix` relative to `dir`; for a relative `dir` and an
// absolute prefix (a state file written elsewhere with absolute paths) also
// against `dir` made absolute. The prefix itself when outside `dir`.
std::string NameIn(const std::string& dir, const std::string& prefix) {
  if (std::optional<std::string> name = RelativeTo(dir, prefix)) return *name;
  if (!IsAbsolute(dir) && IsAbsolute(prefix)) {
    std::error_code ec;
    const std::filesystem::path abs =
        std::filesystem::absolute(dir.empty() ? "." : dir, ec);
    if (!ec) {
      if (std::optional<std::string> name =
              RelativeTo(NormalizePath(abs.string()), prefix)) {
        return *name;
      }
    }
  }
  return prefix;
}

// The trailing "-N" of the last component of `name`.
std::optional<int64_t> TrailingNumber(const std::string& name) {
  const std::string base = Basename(name);
  const size_t dash = base.rfind('-');
  if (dash == std::string::npos || dash == 0) return std::nullopt;
  const int64_t n = checkpoint::NumberOf(base, base.substr(0, dash));
  if (n < 0) return std::nullopt;
  return n;
}

// Whether `s`, from opening an index, says the checkpoint is missing or
// damaged (listed as such) rather than that it could not be looked at.
bool IsDamage(const absl::Status& s) {
  return absl::IsNotFound(s) || absl::IsDataLoss(s) ||
         absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) ||
         absl::IsUnimplemented(s);
}

class Lister {
 public:
  // `dir` as given (for messages and the prefixes listed), and lexically
  // normal (for comparing paths).
  Lister(Env* env, std::string dir, std::string normal_dir)
      : env_(env), dir_(std::move(dir)), normal_dir_(std::move(normal_dir)) {}

  absl::StatusOr<std::vector<CheckpointInfo>> Run(bool verify);

 private:
  absl::Status CheckDirectory();
  absl::StatusOr<std::vector<checkpoint::ManagerMetadataEntry>> ReadMetadata();
  // Fills bytes and files_present of `info`.
  absl::Status MeasureFiles(CheckpointInfo* info);
  // Sizes of the "<prefix>.data-*" files present (temporary files left out).
  absl::StatusOr<uint64_t> GlobbedDataBytes(const std::string& prefix);
  // Size of `path`; nullopt when it does not exist.
  absl::StatusOr<std::optional<uint64_t>> SizeIfPresent(
      const std::string& path);

  Env* env_;
  const std::string dir_;
  const std::string normal_dir_;
  // Directory listings for GlobbedDataBytes, one per directory.
  std::map<std::string, std::vector<std::string>> children_;
};

absl::Status Lister::CheckDirectory() {
  const std::string shown = dir_.empty() ? "." : dir_;
  absl::StatusOr<bool> is_dir = env_->IsDirectory(shown);
  if (!is_dir.ok()) {
    if (absl::IsNotFound(is_dir.status())) {
      return absl::NotFoundError(
          absl::StrCat(shown, ": no such directory", kPrefixHint));
    }
    return is_dir.status();
  }
  if (!*is_dir) {
    return absl::FailedPreconditionError(
        absl::StrCat(shown,
                     ": not a directory (pass the directory holding the "
                     "`checkpoint` state file)",
                     kPrefixHint));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<checkpoint::ManagerMetadataEntry>>
Lister::ReadMetadata() {
  const std::string path = JoinPath(dir_, checkpoint::kManagerMetadataFilename);
  absl::StatusOr<std::string> text =
      ReadFileToString(env_, path, checkpoint::kMaxManagerMetadataBytes);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return std::vector<checkpoint::ManagerMetadataEntry>();
    }
    return text.status();  // names the path
  }
  // DataLoss naming the file and line.
  return checkpoint::ParseManagerMetadata(*text, path);
}

absl::StatusOr<std::optional<uint64_t>> Lister::SizeIfPresent(
    const std::string& path) {
  absl::StatusOr<uint64_t> size = env_->GetFileSize(path);
  if (size.ok()) return std::optional<uint64_t>(*size);
  if (absl::IsNotFound(size.status())) return std::optional<uint64_t>();
  return size.status();
}

absl::StatusOr<uint64_t> Lister::GlobbedDataBytes(const std::string& prefix) {
  const std::string dir = Dirname(prefix);
  auto it = children_.find(dir);
  if (it == children_.end()) {
    absl::StatusOr<std::vector<std::string>> names =
        env_->GetChildren(dir.empty() ? "." : dir);
    std::vector<std::string> kept;
    if (names.ok()) {
      kept = *std::move(names);
    } else if (!absl::IsNotFound(names.status()) &&
               !absl::IsFailedPrecondition(names.status())) {
      return names.status();
    }
    it = children_.emplace(dir, std::move(kept)).first;
  }
  const std::string stem = absl::StrCat(Basename(prefix), ".data-");
  uint64_t bytes = 0;
  for (const std::string& name : it->second) {
    if (!absl::StartsWith(name, stem) || checkpoint::IsStaleTempName(name)) {
      continue;
    }
    CKPT_ASSIGN_OR_RETURN(const std::optional<uint64_t> size,
                          SizeIfPresent(JoinPath(dir, name)));
    bytes += size.value_or(0);
  }
  return bytes;
}

absl::Status Lister::MeasureFiles(CheckpointInfo* info) {
  const std::string& prefix = info->prefix;
  uint64_t bytes = 0;
  CKPT_ASSIGN_OR_RETURN(const std::optional<uint64_t> index_size,
                        SizeIfPresent(IndexFilename(prefix)));
  bool present = false;
  bool counted_data = false;
  if (index_size) {
    bytes += *index_size;
    absl::StatusOr<std::unique_ptr<BundleReader>> reader =
        BundleReader::Open(env_, prefix);
    if (reader.ok()) {
      // The data files the index names (kMaxNumShards at most).
      present = true;
      counted_data = true;
      const int n = (*reader)->num_shards();
      for (int i = 0; i < n; ++i) {
        CKPT_ASSIGN_OR_RETURN(const std::optional<uint64_t> size,
                              SizeIfPresent(DataFilename(prefix, i, n)));
        if (size) {
          bytes += *size;
        } else {
          present = false;
        }
      }
    } else if (!IsDamage(reader.status())) {
      return reader.status();
    }
  }
  if (!counted_data) {
    CKPT_ASSIGN_OR_RETURN(const uint64_t data, GlobbedDataBytes(prefix));
    bytes += data;
  }
  info->bytes = static_cast<int64_t>(bytes);
  info->files_present = present;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CheckpointInfo>> Lister::Run(bool verify) {
  CKPT_RETURN_IF_ERROR(CheckDirectory());
  absl::StatusOr<checkpoint::CheckpointState> state =
      checkpoint::ReadCheckpointState(env_, dir_);
  if (!state.ok()) {
    if (absl::IsNotFound(state.status())) {
      return absl::NotFoundError(absl::StrCat(
          dir_.empty() ? "." : dir_, ": no `checkpoint` state file (",
          checkpoint::CheckpointStatePath(dir_),
          ") lists checkpoints in this directory", kPrefixHint));
    }
    // DataLoss / ResourceExhausted name the file already.
    return state.status();
  }
  CKPT_ASSIGN_OR_RETURN(std::vector<checkpoint::ManagerMetadataEntry> metadata,
                        ReadMetadata());
  std::map<std::string, const checkpoint::ManagerMetadataEntry*> by_name;
  for (const checkpoint::ManagerMetadataEntry& m : metadata) {
    by_name.emplace(m.name, &m);
  }

  const std::vector<std::string>& paths = state->all_model_checkpoint_paths;
  const std::vector<double>& stamps = state->all_model_checkpoint_timestamps;
  // The manager's rule: timestamps count only when there is one per path.
  const bool has_stamps = stamps.size() == paths.size();
  const std::string latest = NormalizePath(state->model_checkpoint_path);

  std::vector<CheckpointInfo> out;
  std::set<std::string> seen;
  const auto add = [&](const std::string& path,
                       std::optional<double> timestamp) -> absl::Status {
    CheckpointInfo info;
    const std::string normal = NormalizePath(path);
    if (!seen.insert(normal).second) return absl::OkStatus();
    info.name = NameIn(normal_dir_, normal);
    // Inside the directory: spelled from the directory as given.
    info.prefix = info.name == normal ? normal
                  : dir_.empty()      ? info.name
                                      : JoinPath(dir_, info.name);
    info.latest = normal == latest;
    info.number = TrailingNumber(info.name);
    info.timestamp = timestamp;
    info.preserved =
        !timestamp || *timestamp <= state->last_preserved_timestamp;
    if (!absl::StrContains(info.name, '/')) {
      auto m = by_name.find(info.name);
      if (m != by_name.end()) {
        info.metric = m->second->metric;
        info.pinned = m->second->pinned;
      }
    }
    CKPT_RETURN_IF_ERROR(
        Annotate(MeasureFiles(&info),
                 absl::StrCat("checking ", info.prefix, ", named by ",
                              checkpoint::CheckpointStatePath(dir_))));
    if (verify) info.verified = VerifyCheckpoint(env_, info.prefix);
    out.push_back(std::move(info));
    return absl::OkStatus();
  };
  for (size_t i = 0; i < paths.size(); ++i) {
    CKPT_RETURN_IF_ERROR(add(paths[i], has_stamps
                                           ? std::optional<double>(stamps[i])
                                           : std::nullopt));
  }
  // A latest the list leaves out (a state file rebuilt by recovery, or one
  // whose latest is no longer managed): listed last, never deleted.
  CKPT_RETURN_IF_ERROR(add(latest, std::nullopt));
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CheckpointInfo>> ListCheckpoints(
    Env* env, const std::string& dir, bool verify) {
  std::string given = dir;
  while (given.size() > 1 && given.back() == '/') given.pop_back();
  return Lister(EnvOrDefault(env), std::move(given), NormalizePath(dir))
      .Run(verify);
}

}  // namespace ckpt
