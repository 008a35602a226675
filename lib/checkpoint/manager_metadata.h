// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/manager_metadata.h
// -----------------------------------------------------------------------------
//
// The CheckpointManager's own file beside TensorFlow's state file,
// `<dir>/checkpoint.manager`: what the `checkpoint` file has no field for (a
// metric per checkpoint for keep_best, pins). Pure codec; docs/manager.md
// has the format:
//
//   ckpt-manager-metadata 1\n
//   <metric>\t<pinned>\t<name>\n       one line per checkpoint that has either
//
// <metric> is "-" (none) or a finite double printed with 17 significant
// digits (round-trips); <pinned> is 0 or 1; <name> is the checkpoint's prefix
// relative to the directory, C-escaped (absl::CEscape), so it holds no tab
// or newline. Lines are in the manager's order (oldest first).
//
// Contract: Parse accepts exactly what Serialize writes (plus a missing
// trailing newline) and refuses anything else with DataLoss naming the file
// and line: another header or version, a wrong field count, a bad metric,
// a pinned value other than 0/1, a name that does not unescape or is empty,
// a name listed twice.

#ifndef CKPT_LIB_CHECKPOINT_MANAGER_METADATA_H_
#define CKPT_LIB_CHECKPOINT_MANAGER_METADATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ckpt::checkpoint {

inline constexpr absl::string_view kManagerMetadataFilename =
    "checkpoint.manager";
// The most bytes of it anyone reads (a larger file is ResourceExhausted).
inline constexpr uint64_t kMaxManagerMetadataBytes = uint64_t{1} << 20;

struct ManagerMetadataEntry {
  std::string name;  // relative to the directory: "ckpt-7"
  std::optional<double> metric;
  bool pinned = false;

  friend bool operator==(const ManagerMetadataEntry&,
                         const ManagerMetadataEntry&) = default;
};

std::string SerializeManagerMetadata(
    const std::vector<ManagerMetadataEntry>& entries);

absl::StatusOr<std::vector<ManagerMetadataEntry>> ParseManagerMetadata(
    absl::string_view text, absl::string_view filename);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_MANAGER_METADATA_H_
