// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The file rules of a managed directory (contract in manager_files.h).

#include "checkpoint/manager_files.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/checkpoint_state.h"
#include "checkpoint/manager_metadata.h"
#include "ckpt/status.h"

namespace ckpt::checkpoint {
namespace {

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

std::string NormalizePath(const std::string& path) {
  if (path.empty()) return path;
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

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

}  // namespace ckpt::checkpoint
