// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Resolution of user-supplied checkpoint paths to bundle prefixes (contract
// in cli/prefix.h).

#include "cli/prefix.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "checkpoint/checkpoint_state.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/status.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kIndexSuffix = ".index";
constexpr size_t kMaxHintPrefixes = 8;

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

bool Exists(Env* env, const std::string& path) {
  return env->FileExists(path).ok();
}

// "did you mean a?" / "did you mean one of: a, b (and 3 more)?"; "" if none.
std::string DidYouMean(const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return "";
  if (prefixes.size() == 1) {
    return absl::StrCat("; did you mean ", prefixes[0], "?");
  }
  const size_t shown = std::min(prefixes.size(), kMaxHintPrefixes);
  std::string hint = absl::StrCat(
      "; did you mean one of: ",
      absl::StrJoin(prefixes.begin(), prefixes.begin() + shown, ", "));
  if (shown < prefixes.size()) {
    absl::StrAppend(&hint, " (and ", prefixes.size() - shown, " more)");
  }
  return hint + "?";
}

// Hint for a path that does not exist: the checkpoints next to it, if any.
std::string HintForMissing(Env* env, const std::string& path) {
  absl::StatusOr<std::vector<std::string>> nearby =
      ListPrefixesInDir(env, Dirname(path));
  if (nearby.ok() && !nearby->empty()) return DidYouMean(*nearby);
  return "; pass a checkpoint prefix (dir/ckpt-1), its .index or .data file, "
         "a `checkpoint` state file, or a directory";
}

absl::StatusOr<std::string> ResolveStateFile(Env* env, const std::string& dir) {
  CKPT_ASSIGN_OR_RETURN(checkpoint::CheckpointState state,
                        checkpoint::ReadCheckpointState(env, dir));
  const std::string& prefix = state.model_checkpoint_path;
  const std::string index = IndexFilename(prefix);
  if (Exists(env, index)) return prefix;
  absl::StatusOr<std::vector<std::string>> present =
      ListPrefixesInDir(env, dir);
  std::string hint;
  if (present.ok() && !present->empty()) {
    hint = DidYouMean(*present);
  } else {
    hint = absl::StrCat("; no checkpoint (*.index) exists in ",
                        dir.empty() ? "." : dir);
  }
  return absl::NotFoundError(absl::StrCat(
      checkpoint::CheckpointStatePath(dir), " names checkpoint ", prefix,
      ", but its index file ", index, " does not exist", hint));
}

absl::StatusOr<std::string> ResolveDirectory(Env* env, const std::string& dir) {
  if (Exists(env, checkpoint::CheckpointStatePath(dir)))
    return ResolveStateFile(env, dir);
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> prefixes,
                        ListPrefixesInDir(env, dir));
  if (prefixes.size() == 1) return prefixes[0];
  if (prefixes.empty()) {
    return absl::NotFoundError(
        absl::StrCat(dir,
                     ": directory holds neither a `checkpoint` state "
                     "file nor a checkpoint (*.index)"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      dir, ": directory holds no `checkpoint` state file and ", prefixes.size(),
      " checkpoints; pass one of them", DidYouMean(prefixes)));
}

}  // namespace

std::optional<std::string> PrefixFromBundleFilename(absl::string_view path) {
  if (absl::EndsWith(path, kIndexSuffix) && path.size() > kIndexSuffix.size()) {
    return std::string(path.substr(0, path.size() - kIndexSuffix.size()));
  }
  // P.data-NNNNN-of-MMMMM
  const size_t of = path.rfind("-of-");
  if (of == absl::string_view::npos) return std::nullopt;
  const absl::string_view total = path.substr(of + 4);
  const size_t data = path.rfind(".data-", of);
  if (data == absl::string_view::npos || data == 0) return std::nullopt;
  const absl::string_view shard = path.substr(data + 6, of - (data + 6));
  if (!AllDigits(shard) || !AllDigits(total) || shard.size() < 5 ||
      total.size() < 5) {
    return std::nullopt;
  }
  return std::string(path.substr(0, data));
}

absl::StatusOr<std::vector<std::string>> ListPrefixesInDir(
    Env* env, const std::string& dir) {
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> children,
                        env->GetChildren(dir.empty() ? "." : dir));
  std::vector<std::string> prefixes;
  for (const std::string& name : children) {
    if (absl::EndsWith(name, kIndexSuffix) &&
        name.size() > kIndexSuffix.size()) {
      prefixes.push_back(
          JoinPath(dir, name.substr(0, name.size() - kIndexSuffix.size())));
    }
  }
  std::sort(prefixes.begin(), prefixes.end());
  return prefixes;
}

absl::StatusOr<std::string> ResolvePrefix(Env* env, const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("empty checkpoint path");
  }
  // 1. A prefix.
  if (Exists(env, IndexFilename(path))) return path;
  // 2./3. An index or data file name: the prefix must have an index.
  if (std::optional<std::string> prefix = PrefixFromBundleFilename(path)) {
    const std::string index = IndexFilename(*prefix);
    if (Exists(env, index)) return *prefix;
    if (Exists(env, path)) {
      return absl::NotFoundError(
          absl::StrCat(path, ": the checkpoint's index file ", index,
                       " does not exist", HintForMissing(env, *prefix)));
    }
    return absl::NotFoundError(
        absl::StrCat(path, ": no such file", HintForMissing(env, *prefix)));
  }
  absl::StatusOr<bool> is_dir = env->IsDirectory(path);
  if (!is_dir.ok()) {
    if (!absl::IsNotFound(is_dir.status())) return is_dir.status();
    return absl::NotFoundError(absl::StrCat(
        path, ": no such checkpoint (neither ", path, " nor ",
        IndexFilename(path), " exists)", HintForMissing(env, path)));
  }
  // 4. A directory.
  if (*is_dir) return ResolveDirectory(env, path);
  // 5. A state file.
  if (Basename(path) == checkpoint::kCheckpointStateFilename) {
    return ResolveStateFile(env, Dirname(path));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": not a checkpoint: expected a prefix (with ", IndexFilename(path),
      " next to it), an .index or .data-NNNNN-of-NNNNN file, a `checkpoint` "
      "state file or a directory"));
}

absl::Status CheckDestinationPrefix(const std::string& dst,
                                    const std::string& src,
                                    absl::string_view verb) {
  if (dst.empty() || dst.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "DST '", dst,
        "' must be a checkpoint prefix such as dir/ckpt-1, not a directory"));
  }
  if (std::optional<std::string> p = PrefixFromBundleFilename(dst)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DST '", dst, "' is a bundle file name; pass the prefix ", *p));
  }
  const auto normal = [](const std::string& p) {
    return std::filesystem::path(p).lexically_normal().string();
  };
  if (normal(dst) == normal(src)) {
    return absl::InvalidArgumentError(
        absl::StrCat("DST '", dst, "' is the source checkpoint; refusing to ",
                     std::string(verb), " in place"));
  }
  return absl::OkStatus();
}

}  // namespace ckpt::cli
