// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt verify PATH`: reads and decodes every tensor of a bundle so that every
// index block checksum and every tensor checksum is checked, continuing past
// per-tensor failures (contract and output format in cli/cli.h).
//
// Partitioned tensors: BundleReader::Verify checks the full-tensor entry's
// slice layout (overlaps, holes, listed slices without an entry or with the
// wrong dtype or shape) and each slice entry's bytes and its place in the
// tensor (orphans), so every entry is verified, slice keys included. The
// counts keep tensors (every key that is not a slice key) and slices (slice
// keys) apart.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor_slice.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "cli/progress.h"
#include "util/errors.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "verify";

// Errors that mean the bundle's own bytes are bad (as opposed to the
// environment failing), reported as verification failures (exit 1).
bool IsCorruption(const absl::Status& status) {
  return absl::IsDataLoss(status) || absl::IsInvalidArgument(status);
}

// Entries checked, by kind: tensors (keys that are not slice keys,
// partitioned tensors' full entries included) and slices (slice keys).
struct Counts {
  int64_t tensors = 0;
  int64_t slices = 0;
};

void PrintFailureSummary(std::ostream& err, Counts failed, Counts total,
                         int missing_files, int num_shards, Counts verified,
                         int64_t bytes, const std::string& prefix) {
  err << "ckpt verify: FAILED: " << failed.tensors << " of " << total.tensors
      << " tensors";
  if (total.slices > 0) {
    err << " and " << failed.slices << " of " << total.slices << " slices";
  }
  err << " failed";
  if (missing_files > 0) {
    err << ", " << missing_files << " of " << num_shards
        << " data file(s) missing";
  }
  err << "; " << verified.tensors << " tensors ";
  if (total.slices > 0) err << "and " << verified.slices << " slices ";
  err << "(" << bytes << " bytes) verified in " << num_shards
      << " data file(s): " << prefix << "\n";
}

// For a slice key, "slice 0,2:- of tensor 'v'" (escaped); "" otherwise or
// when the key does not decode.
std::string SliceName(const std::string& key) {
  if (!IsSliceKey(key)) return "";
  absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
      DecodeTensorNameSlice(key);
  if (!decoded.ok()) return "";
  return absl::StrCat("slice ", decoded->second.DebugString(), " of tensor ",
                      QuoteForMessage(decoded->first));
}

// For a slice key, `, "tensor": "v", "slice": "0,2:-"`; "" otherwise.
std::string SliceJson(const std::string& key) {
  if (!IsSliceKey(key)) return "";
  absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
      DecodeTensorNameSlice(key);
  if (!decoded.ok()) return "";
  return absl::StrCat(
      ", \"tensor\": ", JsonQuote(decoded->first),
      ", \"slice\": ", JsonQuote(decoded->second.DebugString()));
}

// "<file>: key '<key>': <reason>", without repeating the file or key when the
// reader's message already names them. A slice key (unreadable bytes) is
// also named by its tensor and region unless the message does that.
std::string FailureText(const std::string& file, const std::string& key,
                        const absl::Status& status) {
  const absl::string_view message = status.message();
  const std::string quoted = QuoteForMessage(key);
  std::string text;
  if (!absl::StrContains(message, file)) absl::StrAppend(&text, file, ": ");
  if (!absl::StrContains(message, quoted)) {
    absl::StrAppend(&text, "key ", quoted, ": ");
  }
  const std::string slice = SliceName(key);
  if (!slice.empty() && !absl::StrContains(message, slice)) {
    absl::StrAppend(&text, slice, ": ");
  }
  absl::StrAppend(&text, message);
  return text;
}

// Opening or listing the index failed: a verification failure when the
// index is corrupt, otherwise an ordinary error.
int IndexFailure(std::ostream& err, const std::string& prefix,
                 const absl::Status& status) {
  const int code = ReportError(err, kCommand, status);
  if (!IsCorruption(status)) return code;
  err << "ckpt verify: FAILED: index " << IndexFilename(prefix)
      << " is corrupt; no tensor verified: " << prefix << "\n";
  return kExitFailed;
}

}  // namespace

int RunVerify(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {{"json", false}};
  static constexpr absl::string_view kPositional[] = {"PATH"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  absl::StatusOr<std::string> resolved =
      ResolvePrefix(env, parsed->positional[0]);
  if (!resolved.ok()) return ReportError(err, kCommand, resolved.status());
  const std::string& prefix = *resolved;
  const bool json = parsed->flags.contains("json");
  // --json: problems go into one JSON object on `out` instead of `err`.
  std::vector<std::string> json_missing, json_failures;
  const auto json_report = [&](bool ok, Counts total, Counts verified,
                               int64_t bytes, int data_files,
                               const std::string& index_error) {
    out << "{\"prefix\": " << JsonQuote(prefix)
        << ", \"ok\": " << (ok ? "true" : "false")
        << ", \"tensors\": " << total.tensors
        << ", \"verified\": " << verified.tensors;
    if (total.slices > 0) {
      out << ", \"slices\": " << total.slices
          << ", \"slices_verified\": " << verified.slices;
    }
    out << ", \"bytes\": " << bytes << ", \"data_files\": " << data_files
        << ", \"missing_data_files\": [" << absl::StrJoin(json_missing, ", ")
        << "], \"failures\": [" << absl::StrJoin(json_failures, ", ") << "]";
    if (!index_error.empty()) {
      out << ", \"index_error\": " << JsonQuote(index_error);
    }
    out << "}\n";
  };
  const auto index_failure = [&](const absl::Status& status) {
    if (json && IsCorruption(status)) {
      json_report(false, Counts{}, Counts{}, 0, 0,
                  std::string(status.message()));
      return static_cast<int>(kExitFailed);
    }
    return IndexFailure(err, prefix, status);
  };

  absl::StatusOr<std::unique_ptr<BundleReader>> opened =
      BundleReader::Open(env, prefix);
  if (!opened.ok()) return index_failure(opened.status());
  const BundleReader& reader = **opened;
  const int num_shards = reader.num_shards();

  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
      reader.ListEntries();
  if (!entries.ok()) return index_failure(entries.status());

  // Missing data files are reported once each instead of once per tensor.
  std::vector<bool> shard_missing(static_cast<size_t>(std::max(num_shards, 0)));
  std::vector<int64_t> missing_count(shard_missing.size());
  for (int s = 0; s < num_shards; ++s) {
    shard_missing[static_cast<size_t>(s)] =
        absl::IsNotFound(env->FileExists(DataFilename(prefix, s, num_shards)));
  }

  Counts total;
  for (const auto& [key, entry] : *entries) {
    ++(IsSliceKey(key) ? total.slices : total.tensors);
  }
  // True for an entry whose bytes live in a missing data file.
  const auto in_missing_shard = [&](const BundleEntry& entry) {
    return entry.shard_id >= 0 && entry.shard_id < num_shards &&
           shard_missing[static_cast<size_t>(entry.shard_id)] &&
           entry.num_slices == 0;
  };
  for (const auto& [key, entry] : *entries) {
    if (in_missing_shard(entry)) {
      ++missing_count[static_cast<size_t>(entry.shard_id)];
    }
  }
  int missing_files = 0;
  for (int s = 0; s < num_shards; ++s) {
    if (!shard_missing[static_cast<size_t>(s)]) continue;
    ++missing_files;
    if (json) {
      json_missing.push_back(JsonQuote(DataFilename(prefix, s, num_shards)));
      continue;
    }
    err << "ckpt verify: " << DataFilename(prefix, s, num_shards)
        << ": data file missing; " << missing_count[static_cast<size_t>(s)]
        << " tensor(s) stored in it not verified\n";
  }

  Counts failed;
  Counts verified;
  int64_t bytes = 0;
  uint64_t total_bytes = 0;
  for (const auto& [key, entry] : *entries) total_bytes += entry.size;
  Progress progress(err, "ckpt verify", total_bytes);
  for (const auto& [key, entry] : *entries) {
    progress.Add(entry.size);
    const bool is_slice = IsSliceKey(key);
    if (in_missing_shard(entry)) {
      ++(is_slice ? failed.slices : failed.tensors);  // reported above
      continue;
    }
    const absl::Status status = reader.Verify(key, entry);
    if (!status.ok()) {
      ++(is_slice ? failed.slices : failed.tensors);
      // An unreadable dtype is a fault of the index entry, not of the data.
      const bool in_range = entry.shard_id >= 0 &&
                            entry.shard_id < num_shards &&
                            IsCheckpointableDataType(entry.dtype);
      const std::string file =
          in_range ? DataFilename(prefix, entry.shard_id, num_shards)
                   : IndexFilename(prefix);
      if (json) {
        json_failures.push_back(absl::StrCat(
            "{\"file\": ", JsonQuote(file), ", \"key\": ", JsonQuote(key),
            ", \"error\": ", JsonQuote(status.message()), SliceJson(key), "}"));
      } else {
        err << "ckpt verify: " << FailureText(file, key, status) << "\n";
      }
      continue;
    }
    ++(is_slice ? verified.slices : verified.tensors);
    bytes += entry.size;
  }

  progress.Done();
  const bool ok =
      failed.tensors == 0 && failed.slices == 0 && missing_files == 0;
  if (json) {
    json_report(ok, total, verified, bytes, num_shards, "");
    return ok ? kExitOk : kExitFailed;
  }
  if (!ok) {
    PrintFailureSummary(err, failed, total, missing_files, num_shards, verified,
                        bytes, prefix);
    return kExitFailed;
  }
  out << "OK: " << verified.tensors << " tensors";
  if (verified.slices > 0) out << " (" << verified.slices << " slices)";
  out << ", " << bytes << " bytes in " << num_shards
      << " data file(s) verified: " << prefix << "\n";
  return kExitOk;
}

}  // namespace ckpt::cli
