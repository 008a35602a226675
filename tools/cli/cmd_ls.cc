// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt ls PATH [--json]`: lists the entries of a bundle's index (contract
// and output format in cli/cli.h, escaping in cli/output.h). Only the index
// file is read. Everything is collected before anything is printed, so a
// failure never leaves half a table or invalid JSON on stdout.

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
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "ls";

struct Row {
  std::string key;  // DisplayText for text, raw for JSON
  std::string dtype;
  std::string shape;  // "[7,64]"
  std::string size;
};

std::string ShapeText(const TensorShape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape.dims(), ","), "]");
}

std::string DtypeText(DataType dtype) {
  return DataTypeDisplayName(static_cast<int32_t>(dtype));
}

void PrintText(const std::vector<std::pair<std::string, BundleEntry>>& entries,
               std::ostream& out) {
  std::vector<Row> rows;
  rows.reserve(entries.size() + 1);
  rows.push_back({"KEY", "DTYPE", "SHAPE", "SIZE"});
  for (const auto& [key, entry] : entries) {
    rows.push_back({DisplayText(key), DtypeText(entry.dtype),
                    ShapeText(entry.shape), absl::StrCat(entry.size)});
  }
  size_t key_w = 0, dtype_w = 0, shape_w = 0, size_w = 0;
  for (const Row& r : rows) {
    key_w = std::max(key_w, DisplayWidth(r.key));
    dtype_w = std::max(dtype_w, r.dtype.size());
    shape_w = std::max(shape_w, r.shape.size());
    size_w = std::max(size_w, r.size.size());
  }
  std::string line;
  for (const Row& r : rows) {
    line.clear();
    absl::StrAppend(&line, r.key, std::string(key_w - DisplayWidth(r.key), ' '),
                    "  ", r.dtype, std::string(dtype_w - r.dtype.size(), ' '),
                    "  ", r.shape, std::string(shape_w - r.shape.size(), ' '),
                    "  ", std::string(size_w - r.size.size(), ' '), r.size,
                    "\n");
    out << line;
  }
}

void PrintJson(const std::vector<std::pair<std::string, BundleEntry>>& entries,
               std::ostream& out) {
  if (entries.empty()) {
    out << "[]\n";
    return;
  }
  out << "[\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, entry] = entries[i];
    out << absl::StrCat(
        "  {\"key\": ", JsonQuote(key),
        ", \"dtype\": ", JsonQuote(DtypeText(entry.dtype)),
        ", \"shape\": ", ShapeText(entry.shape), ", \"size\": ", entry.size,
        ", \"shard\": ", entry.shard_id, ", \"offset\": ", entry.offset,
        ", \"crc32c\": ", entry.masked_crc32c, "}",
        i + 1 < entries.size() ? "," : "", "\n");
  }
  out << "]\n";
}

}  // namespace

int RunLs(Env* env, absl::Span<const std::string> args, std::ostream& out,
          std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {{"json", false}};
  static constexpr absl::string_view kPositional[] = {"PATH"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const bool json = parsed->flags.contains("json");

  absl::StatusOr<std::string> prefix =
      ResolvePrefix(env, parsed->positional[0]);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, *prefix);
  if (!reader.ok()) return ReportError(err, kCommand, reader.status());
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
      (*reader)->ListEntries();
  if (!entries.ok()) return ReportError(err, kCommand, entries.status());

  if (json) {
    PrintJson(*entries, out);
  } else {
    PrintText(*entries, out);
  }
  return kExitOk;
}

}  // namespace ckpt::cli
