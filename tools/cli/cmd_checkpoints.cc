// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt ls DIR --checkpoints [--json] [--verify]`: the checkpoints of a
// directory's `checkpoint` state file, from ckpt::ListCheckpoints (contract
// and output format in cli/cli.h, RunLs). Everything is collected before
// anything is printed.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "checkpoint/checkpoint_state.h"
#include "ckpt/bundle_format.h"
#include "ckpt/checkpoint_manager.h"
#include "cli/checkpoints.h"
#include "cli/cli.h"
#include "cli/output.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "ls";

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr double kMinTimestamp = -62135596800.0;
constexpr double kMaxTimestamp = 253402300799.0;

// UTC ISO-8601 to the second ("2026-12-07T11:00:00Z"), "-" when unknown;
// a value outside years 1-9999 is printed as a number.
std::string TimestampText(const std::optional<double>& t) {
  if (!t) return "-";
  if (!std::isfinite(*t) || *t < kMinTimestamp || *t >= kMaxTimestamp + 1) {
    return checkpoint::PythonDoubleRepr(*t);
  }
  const absl::Time time =
      absl::FromUnixSeconds(static_cast<int64_t>(std::floor(*t)));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string FlagsText(const CheckpointInfo& c) {
  std::vector<absl::string_view> flags;
  if (c.latest) flags.push_back("latest");
  if (c.pinned) flags.push_back("pinned");
  if (c.preserved) flags.push_back("preserved");
  if (!c.files_present) flags.push_back("missing");
  return flags.empty() ? "-" : absl::StrJoin(flags, ",");
}

bool Failed(const CheckpointInfo& c) {
  return c.verified.has_value() && !c.verified->ok();
}

// A JSON number for a double (shortest round trip), null when not finite.
std::string JsonDouble(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return "null";
  return checkpoint::PythonDoubleRepr(*v);
}

void PrintText(const std::vector<CheckpointInfo>& list, bool verify,
               std::ostream& out) {
  // Columns before NAME; right-aligned ones hold numbers.
  std::vector<std::string> header = {"NUMBER", "TIMESTAMP", "SIZE", "METRIC",
                                     "FLAGS"};
  std::vector<bool> right = {true, false, true, true, false};
  if (verify) {
    header.push_back("VERIFIED");
    right.push_back(false);
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(list.size() + 1);
  header.push_back("NAME");
  rows.push_back(header);
  for (const CheckpointInfo& c : list) {
    std::vector<std::string> row = {
        c.number ? absl::StrCat(*c.number) : "-", TimestampText(c.timestamp),
        absl::StrCat(c.bytes),
        c.metric ? absl::StrFormat("%.6g", *c.metric) : "-", FlagsText(c)};
    if (verify) row.push_back(Failed(c) ? "FAILED" : "OK");
    row.push_back(DisplayText(c.name));
    rows.push_back(std::move(row));
  }
  right.push_back(false);  // NAME, the last: not padded
  out << FormatTable(rows, right);
}

void PrintJson(const std::vector<CheckpointInfo>& list, bool verify,
               std::ostream& out) {
  if (list.empty()) {
    out << "[]\n";
    return;
  }
  out << "[\n";
  for (size_t i = 0; i < list.size(); ++i) {
    const CheckpointInfo& c = list[i];
    std::string verified;
    if (verify) {
      verified = absl::StrCat(
          ", \"verified\": ", Failed(c) ? "false" : "true", ", \"error\": ",
          Failed(c) ? JsonQuote(c.verified->message()) : "null");
    }
    out << absl::StrCat(
        "  {\"prefix\": ", JsonQuote(c.prefix),
        ", \"name\": ", JsonQuote(c.name),
        ", \"number\": ", c.number ? absl::StrCat(*c.number) : "null",
        ", \"timestamp\": ", JsonDouble(c.timestamp), ", \"bytes\": ", c.bytes,
        ", \"metric\": ", JsonDouble(c.metric),
        ", \"pinned\": ", c.pinned ? "true" : "false",
        ", \"preserved\": ", c.preserved ? "true" : "false",
        ", \"latest\": ", c.latest ? "true" : "false",
        ", \"files_present\": ", c.files_present ? "true" : "false", verified,
        "}", i + 1 < list.size() ? "," : "", "\n");
  }
  out << "]\n";
}

// The directory of `path` (a directory or its state file); InvalidArgument
// for another existing file. A missing path is passed on as a directory
// (ListCheckpoints reports it).
absl::StatusOr<std::string> DirectoryOf(Env* env, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty path");
  absl::StatusOr<bool> is_dir = env->IsDirectory(path);
  if (!is_dir.ok()) {
    if (!absl::IsNotFound(is_dir.status())) return is_dir.status();
    if (env->FileExists(IndexFilename(path)).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          " is a checkpoint prefix; --checkpoints takes the directory "
          "holding the `checkpoint` state file (or that file); drop "
          "--checkpoints to list its tensors"));
    }
    return path;
  }
  if (*is_dir) return path;
  if (Basename(path) == checkpoint::kCheckpointStateFilename) {
    return Dirname(path);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path,
      ": --checkpoints takes a directory or its `checkpoint` state file; "
      "drop --checkpoints to list the tensors of a checkpoint"));
}

}  // namespace

int RunLsCheckpoints(Env* env, const std::string& path, bool json, bool verify,
                     std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::string> dir = DirectoryOf(env, path);
  if (!dir.ok()) return ReportError(err, kCommand, dir.status());
  absl::StatusOr<std::vector<CheckpointInfo>> list =
      ListCheckpoints(env, *dir, verify);
  if (!list.ok()) return ReportError(err, kCommand, list.status());
  bool any_failed = false;
  for (const CheckpointInfo& c : *list) any_failed |= Failed(c);
  if (json) {
    PrintJson(*list, verify, out);
  } else {
    PrintText(*list, verify, out);
    for (const CheckpointInfo& c : *list) {
      if (Failed(c)) {
        // Both come from the state file: escaped, never raw bytes.
        err << "ckpt " << kCommand << ": " << DisplayText(c.prefix) << ": "
            << DisplayText(c.verified->message()) << "\n";
      }
    }
  }
  return any_failed ? kExitFailed : kExitOk;
}

}  // namespace ckpt::cli
