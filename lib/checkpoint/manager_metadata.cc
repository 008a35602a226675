// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The CheckpointManager metadata file codec (contract in the header).
#include "checkpoint/manager_metadata.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace ckpt::checkpoint {
namespace {

constexpr absl::string_view kHeader = "ckpt-manager-metadata 1";

absl::Status Corrupt(absl::string_view filename, size_t line,
                     absl::string_view what) {
  return absl::DataLossError(absl::StrCat(filename, ":", line, ": ", what));
}

}  // namespace

std::string SerializeManagerMetadata(
    const std::vector<ManagerMetadataEntry>& entries) {
  std::string out = absl::StrCat(kHeader, "\n");
  for (const ManagerMetadataEntry& e : entries) {
    absl::StrAppend(&out, e.metric ? absl::StrFormat("%.17g", *e.metric) : "-",
                    "\t", e.pinned ? "1" : "0", "\t", absl::CEscape(e.name),
                    "\n");
  }
  return out;
}

absl::StatusOr<std::vector<ManagerMetadataEntry>> ParseManagerMetadata(
    absl::string_view text, absl::string_view filename) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || lines[0] != kHeader) {
    return Corrupt(filename, 1,
                   absl::StrCat("expected the header \"", kHeader, "\""));
  }
  std::vector<ManagerMetadataEntry> entries;
  std::set<std::string> seen;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t line = i + 1;
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], '\t');
    if (fields.size() != 3) {
      return Corrupt(filename, line,
                     absl::StrCat("expected 3 tab-separated fields, found ",
                                  fields.size()));
    }
    ManagerMetadataEntry e;
    if (fields[0] != "-") {
      double metric;
      // Exactly what Serialize writes: finite, 17 significant digits.
      if (!absl::SimpleAtod(fields[0], &metric) || !std::isfinite(metric) ||
          absl::StrFormat("%.17g", metric) != fields[0]) {
        return Corrupt(
            filename, line,
            absl::StrCat("bad metric \"", absl::CHexEscape(fields[0]), "\""));
      }
      e.metric = metric;
    }
    if (fields[1] != "0" && fields[1] != "1") {
      return Corrupt(filename, line,
                     absl::StrCat("pinned must be 0 or 1, found \"",
                                  absl::CHexEscape(fields[1]), "\""));
    }
    e.pinned = fields[1] == "1";
    std::string error;
    if (!absl::CUnescape(fields[2], &e.name, &error) || e.name.empty() ||
        absl::CEscape(e.name) != fields[2]) {
      return Corrupt(
          filename, line,
          absl::StrCat("bad checkpoint name \"", absl::CHexEscape(fields[2]),
                       "\"", error.empty() ? "" : ": ", error));
    }
    if (!seen.insert(e.name).second) {
      return Corrupt(filename, line,
                     absl::StrCat("checkpoint \"", absl::CHexEscape(e.name),
                                  "\" listed twice"));
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace ckpt::checkpoint
