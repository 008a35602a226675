// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt ls PATH [--slices] [--json]`: lists the entries of a bundle's index
// (contract and output format in cli/cli.h, escaping in cli/output.h). Only
// the index file is read. `--checkpoints` lists a directory's checkpoints
// instead (cli/checkpoints.h). Everything is collected before anything is
// printed, so a failure never leaves half a table or invalid JSON on stdout.
// Partitioned tensors are listed once (cli/slices.h).

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "cli/checkpoints.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "cli/slices.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "ls";

std::string ShapeText(const TensorShape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape.dims(), ","), "]");
}

std::string DtypeText(DataType dtype) {
  return DataTypeDisplayName(static_cast<int32_t>(dtype));
}

// The note of a listed tensor: "3 slices", an orphan's reason, or "".
std::string NoteText(const ListedTensor& t) {
  if (t.kind == ListedTensor::Kind::kOrphanSlice) return t.orphan_note;
  if (!t.partitioned()) return "";
  std::string note = SliceCountText(t.entry.num_slices);
  if (!t.layout.ok()) absl::StrAppend(&note, " (invalid layout; see verify)");
  return note;
}

void PrintText(const std::vector<ListedTensor>& tensors, bool show_slices,
               std::ostream& out) {
  // KEY, DTYPE, SHAPE, SIZE, and a note after SIZE when there is one.
  std::vector<std::vector<std::string>> rows;
  rows.reserve(tensors.size() + 1);
  rows.push_back({"KEY", "DTYPE", "SHAPE", "SIZE", ""});
  for (const ListedTensor& t : tensors) {
    rows.push_back({DisplayText(t.key), DtypeText(t.entry.dtype),
                    ShapeText(t.entry.shape), absl::StrCat(t.stored_size),
                    NoteText(t)});
    if (!show_slices) continue;
    for (const SlicePart& part : t.parts) {
      const std::string name =
          absl::StrCat("  slice ", part.slice.DebugString());
      if (!part.entry.has_value()) {
        rows.push_back({name, "-", "-", "-", "(no entry)"});
        continue;
      }
      rows.push_back({name, DtypeText(part.entry->dtype),
                      ShapeText(part.entry->shape),
                      absl::StrCat(part.entry->size),
                      absl::StrCat("shard ", part.entry->shard_id)});
    }
  }
  out << FormatTable(rows, {false, false, false, true, false});
}

// The "slices" member of a partitioned tensor's JSON object (see cli.h).
std::string JsonSlices(const ListedTensor& t) {
  if (!t.layout.ok()) {
    return absl::StrCat(", \"slices\": null, \"layout_error\": ",
                        JsonQuote(t.layout.message()));
  }
  std::vector<std::string> items;
  items.reserve(t.parts.size());
  for (const SlicePart& part : t.parts) {
    std::string stored =
        "\"shard\": null, \"offset\": null, \"size\": null, "
        "\"crc32c\": null";
    if (part.entry.has_value()) {
      stored = absl::StrCat("\"shard\": ", part.entry->shard_id,
                            ", \"offset\": ", part.entry->offset,
                            ", \"size\": ", part.entry->size,
                            ", \"crc32c\": ", part.entry->masked_crc32c);
    }
    items.push_back(absl::StrCat(
        "{\"slice\": ", JsonQuote(part.slice.DebugString()), ", \"start\": [",
        absl::StrJoin(SliceStarts(part.slice), ","), "], \"length\": [",
        absl::StrJoin(SliceLengths(part.slice, t.entry.shape), ","),
        "], \"key\": ", JsonQuote(part.key), ", ", stored, "}"));
  }
  return absl::StrCat(", \"slices\": [", absl::StrJoin(items, ", "), "]");
}

void PrintJson(const std::vector<ListedTensor>& tensors, std::ostream& out) {
  if (tensors.empty()) {
    out << "[]\n";
    return;
  }
  out << "[\n";
  for (size_t i = 0; i < tensors.size(); ++i) {
    const ListedTensor& t = tensors[i];
    const BundleEntry& entry = t.entry;
    std::string extra;
    if (t.partitioned()) extra = JsonSlices(t);
    if (t.kind == ListedTensor::Kind::kOrphanSlice) {
      extra = absl::StrCat(", \"orphan\": ", JsonQuote(t.orphan_note));
    }
    out << absl::StrCat(
        "  {\"key\": ", JsonQuote(t.key),
        ", \"dtype\": ", JsonQuote(DtypeText(entry.dtype)),
        ", \"shape\": ", ShapeText(entry.shape), ", \"size\": ", t.stored_size,
        ", \"shard\": ", entry.shard_id, ", \"offset\": ", entry.offset,
        ", \"crc32c\": ", entry.masked_crc32c, extra, "}",
        i + 1 < tensors.size() ? "," : "", "\n");
  }
  out << "]\n";
}

}  // namespace

int RunLs(Env* env, absl::Span<const std::string> args, std::ostream& out,
          std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {{"json", false},
                                        {"slices", false},
                                        {"checkpoints", false},
                                        {"verify", false}};
  static constexpr absl::string_view kPositional[] = {"PATH"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const bool json = parsed->flags.contains("json");
  const bool show_slices = parsed->flags.contains("slices");
  const bool checkpoints = parsed->flags.contains("checkpoints");
  const bool verify = parsed->flags.contains("verify");
  if (verify && !checkpoints) {
    return UsageError(err, kCommand, "--verify needs --checkpoints");
  }
  if (checkpoints && show_slices) {
    return UsageError(err, kCommand, "--slices does not go with --checkpoints");
  }
  if (checkpoints) {
    return RunLsCheckpoints(env, parsed->positional[0], json, verify, out, err);
  }

  absl::StatusOr<std::string> prefix =
      ResolvePrefix(env, parsed->positional[0]);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, *prefix);
  if (!reader.ok()) return ReportError(err, kCommand, reader.status());
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
      (*reader)->ListEntries();
  if (!entries.ok()) return ReportError(err, kCommand, entries.status());

  const std::vector<ListedTensor> tensors = ListTensors(**reader, *entries);
  if (json) {
    PrintJson(tensors, out);
  } else {
    PrintText(tensors, show_slices, out);
  }
  return kExitOk;
}

}  // namespace ckpt::cli
