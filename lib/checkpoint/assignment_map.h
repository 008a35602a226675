// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/assignment_map.h
// -----------------------------------------------------------------------------
//
// AssignmentMap: TensorFlow 1's init_from_checkpoint assignment map
// (RestoreOptions::assignment_map, docs/guide.md "Assignment maps"), as a
// pure function from a live variable's name to the checkpoint name it is
// restored from. The name-based restore (checkpoint/restore_session.h)
// applies it.
//
// Entries are (checkpoint name, live name) pairs:
//   * a live name ending in '/' (or "/" alone: every variable) is a scope:
//     it covers each live variable whose name starts with it, and the
//     checkpoint name, which must end in '/' too ("/": the checkpoint's
//     root), replaces that scope: {"old/", "new/"} restores "new/a/b" from
//     "old/a/b", {"/", "new/"} from "a/b", {"old/", "/"} "a" from "old/a".
//     A trailing '/' of the result is dropped, as TensorFlow drops it.
//   * any other live name names one variable exactly; the checkpoint name
//     is the tensor it is restored from.
// Where TensorFlow differs: it decides between a scope and a variable by
// looking the name up among the graph's variables (a name that is neither
// becomes a scope up to its last '/'); here a scope must end in '/'. Two
// entries covering one variable are an error here (TensorFlow's later entry
// silently wins).

#ifndef CKPT_LIB_CHECKPOINT_ASSIGNMENT_MAP_H_
#define CKPT_LIB_CHECKPOINT_ASSIGNMENT_MAP_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ckpt::checkpoint {

class AssignmentMap {
 public:
  using Entry = std::pair<std::string, std::string>;  // (checkpoint, live)

  // InvalidArgument naming the entry for an empty name, a scope mapped from
  // a checkpoint name that is no scope (TensorFlow's rule: "Should be
  // 'scope/': 'other_scope/'"), or an entry listed twice.
  static absl::StatusOr<AssignmentMap> Create(std::vector<Entry> entries);

  struct Hit {
    std::string checkpoint_name;
    int entry = -1;
  };
  // The checkpoint name `live_name` is restored from; nullopt when no entry
  // covers it. InvalidArgument naming both entries when two cover it.
  absl::StatusOr<std::optional<Hit>> Lookup(absl::string_view live_name) const;

  // "'old/' -> 'new/'": entry `i` for reports and messages.
  std::string Describe(int i) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_ASSIGNMENT_MAP_H_
