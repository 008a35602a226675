// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt convert SRC DST [--compression none|lz4] [--merge-slices]
// [--partition KEY=N]...`: rewrites a bundle through BundleReader and
// BundleWriter (contract in cli/cli.h).
//
// Byte identity with TensorFlow-written input follows from BundleWriter's
// contract (same tensors, same shards, same per-shard add order give the same
// files): tensors are added per shard in ascending source offset, ties (zero
// byte tensors share the offset of the next tensor) broken by size, then key.
// Slices of partitioned tensors are re-added with AddSlice in that order too
// (the plan, with --merge-slices and --partition, is cli/convert_slices.h).
// One tensor (or slice) is held in memory at a time.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/status.h"
#include "cli/cli.h"
#include "cli/convert_slices.h"
#include "cli/prefix.h"
#include "cli/progress.h"
#include "util/errors.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "convert";

struct Totals {
  int64_t tensors = 0;      // output keys that are not slice keys
  int64_t partitioned = 0;  // of them, partitioned tensors
  int64_t slices = 0;       // output slice keys
  int64_t src_bytes = 0;
  int64_t dst_bytes = 0;
  int num_shards = 0;
};

// Fills the output counts of `totals` from the bundle written at `prefix`.
absl::Status CountOutput(Env* env, const std::string& prefix, Totals* totals) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(env, prefix));
  return reader->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) {
        totals->dst_bytes += entry.size;
        if (IsSliceKey(key)) {
          ++totals->slices;
        } else {
          ++totals->tensors;
          if (entry.num_slices > 0) ++totals->partitioned;
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<Totals> Convert(Env* env, const std::string& src,
                               const std::string& dst,
                               const BundleWriterOptions& base_options,
                               const ConvertSliceOptions& slice_options,
                               std::ostream& err) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(env, src));
  CKPT_ASSIGN_OR_RETURN(auto entries, reader->ListEntries());
  const int num_shards = std::max(reader->num_shards(), 1);
  CKPT_ASSIGN_OR_RETURN(std::vector<ConvertStep> steps,
                        PlanConvert(*reader, entries, num_shards, slice_options,
                                    IndexFilename(src)));
  Totals totals;
  totals.num_shards = num_shards;
  for (const auto& item : entries) totals.src_bytes += item.second.size;

  BundleWriterOptions options = base_options;
  options.num_shards = num_shards;
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleWriter> writer,
                        BundleWriter::Create(env, dst, options));
  Progress progress(
      err, "ckpt convert",
      static_cast<uint64_t>(std::max<int64_t>(totals.src_bytes, 0)));
  for (const ConvertStep& step : steps) {
    progress.Add(static_cast<uint64_t>(std::max<int64_t>(step.src_bytes, 0)));
    absl::StatusOr<Tensor> tensor =
        step.region.has_value() ? reader->ReadSlice(step.src_key, *step.region)
                                : reader->Read(step.src_key);
    if (!tensor.ok()) return tensor.status();  // writer abandons on exit
    if (step.slice.has_value()) {
      CKPT_RETURN_IF_ERROR(writer->AddSlice(step.dst_key, step.full_shape,
                                            *step.slice, *tensor, step.shard));
    } else {
      CKPT_RETURN_IF_ERROR(writer->Add(step.dst_key, *tensor, step.shard));
    }
  }
  CKPT_RETURN_IF_ERROR(writer->Finish());
  progress.Done();
  CKPT_RETURN_IF_ERROR(CountOutput(env, dst, &totals));
  return totals;
}

}  // namespace

int RunConvert(Env* env, absl::Span<const std::string> args, std::ostream& out,
               std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {{"compression", true},
                                        {"merge-slices", false}};
  static constexpr absl::string_view kPositional[] = {"SRC", "DST"};
  // --partition may be repeated, which ParseArgs refuses: taken out first.
  std::vector<std::string> rest(args.begin(), args.end());
  absl::StatusOr<std::vector<std::string>> partition_flags =
      TakeRepeatedFlag(&rest, "partition");
  if (!partition_flags.ok()) {
    return UsageError(err, kCommand, partition_flags.status().message());
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  ConvertSliceOptions slice_options;
  slice_options.merge_slices = parsed->flags.contains("merge-slices");
  for (const std::string& value : *partition_flags) {
    absl::StatusOr<std::pair<std::string, int64_t>> p =
        ParsePartitionFlag(value);
    if (!p.ok()) return UsageError(err, kCommand, p.status().message());
    slice_options.partitions.push_back(*std::move(p));
  }
  BundleWriterOptions options;
  std::string compression_name = "none";
  if (auto it = parsed->flags.find("compression"); it != parsed->flags.end()) {
    compression_name = it->second;
    if (compression_name == "none") {
      options.compression = Compression::kNone;
    } else if (compression_name == "lz4") {
      options.compression = Compression::kLz4;
    } else {
      return UsageError(
          err, kCommand,
          absl::StrCat("unknown --compression '", compression_name,
                       "'; expected none or lz4"));
    }
  }

  absl::StatusOr<std::string> src = ResolvePrefix(env, parsed->positional[0]);
  if (!src.ok()) return ReportError(err, kCommand, src.status());
  const std::string& dst = parsed->positional[1];
  if (absl::Status s = CheckDestinationPrefix(dst, *src, "convert"); !s.ok()) {
    return ReportError(err, kCommand, s);
  }

  absl::StatusOr<Totals> totals =
      Convert(env, *src, dst, options, slice_options, err);
  if (!totals.ok()) return ReportError(err, kCommand, totals.status());
  out << "Converted " << totals->tensors << " tensors (";
  if (totals->slices > 0) {
    out << totals->partitioned << " partitioned, " << totals->slices
        << " slices; ";
  }
  out << totals->src_bytes << " -> " << totals->dst_bytes
      << " bytes stored, compression " << compression_name << ") in "
      << totals->num_shards << " data file(s): " << *src << " -> " << dst
      << "\n";
  return kExitOk;
}

}  // namespace ckpt::cli
