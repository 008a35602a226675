// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The file rules of a managed directory (docs/manager.md), shared by the
// manager's saves and its start-up recovery: how a checkpoint is spelled,
// which names are temporary files of an interrupted save, which files belong
// to a checkpoint.

#ifndef CKPT_LIB_CHECKPOINT_MANAGER_FILES_H_
#define CKPT_LIB_CHECKPOINT_MANAGER_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/env.h"

namespace ckpt::checkpoint {

// Lexically normal form ("a/./b//c/" -> "a/b/c"), so that one checkpoint
// spelled two ways is one entry. Symlinks are not resolved.
std::string NormalizePath(const std::string& path);

// Temporary files of an interrupted save: "<file>.tempstate<digits>"
// (BundleWriter) and "checkpoint.tmp<digits>" /
// "checkpoint.manager.tmp<digits>" (WriteStringToFileAtomic).
bool IsStaleTempName(absl::string_view name);

// "<prefix>.data-" files of `prefix` found in its directory (temporary files
// excluded).
absl::StatusOr<std::vector<std::string>> DataFiles(Env* env,
                                                   const std::string& prefix);

// The checkpoint number of "<checkpoint_name>-<digits>", or -1.
int64_t NumberOf(absl::string_view name, absl::string_view checkpoint_name);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_MANAGER_FILES_H_
