// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: cli/cmd_export.cc
// -----------------------------------------------------------------------------
//
// `ckpt export SRC DST [--format safetensors|npz] [--map REGEX=REPL]...
// [--drop-optimizer] [--shard-size BYTES]` and `ckpt import SRC DST
// [--map REGEX=REPL]...`: the command lines of ckpt::bridges
// (ckpt/bridges.h; output formats in cli/cli.h). Without the bridges
// component (CKPT_BRIDGES) both fail with Unimplemented naming the packages
// it needs.

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli.h"
#include "cli/convert_slices.h"
#include "cli/prefix.h"
#if CKPT_HAVE_BRIDGES
#include "ckpt/bridges.h"
#endif

namespace ckpt::cli {
namespace {

#if CKPT_HAVE_BRIDGES

// The --map values of `rest`, parsed (taken out of `rest`, as ParseArgs
// refuses repeated flags).
absl::StatusOr<std::vector<bridges::KeyRule>> TakeKeyRules(
    std::vector<std::string>* rest) {
  absl::StatusOr<std::vector<std::string>> values =
      TakeRepeatedFlag(rest, "map");
  if (!values.ok()) return values.status();
  return bridges::ParseKeyRules(*values);
}

// "10G", "512M", "64k", "1000": bytes (powers of 1024).
absl::StatusOr<uint64_t> ParseSize(absl::string_view text) {
  uint64_t unit = 1;
  absl::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        unit = uint64_t{1} << 10;
        break;
      case 'm':
      case 'M':
        unit = uint64_t{1} << 20;
        break;
      case 'g':
      case 'G':
        unit = uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (!absl::SimpleAtoi(digits, &n) || n == 0 || n > UINT64_MAX / unit) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard-size '", text,
                     "': expected a positive size such as 5G, "
                     "500M or 1000000"));
  }
  return n * unit;
}

#else  // !CKPT_HAVE_BRIDGES

// --help prints the usage; anything else fails with Unimplemented.
int NotBuilt(absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err, absl::string_view command) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      out << UsageText(command);
      return kExitOk;
    }
  }
  return ReportError(err, command,
                     absl::UnimplementedError(
                         "this ckpt was built without the bridges component "
                         "(CKPT_BRIDGES needs nlohmann-json and zlib; Debian: "
                         "nlohmann-json3-dev zlib1g-dev)"));
}

#endif  // CKPT_HAVE_BRIDGES

}  // namespace

int RunExport(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err) {
  static constexpr absl::string_view kCommand = "export";
#if CKPT_HAVE_BRIDGES
  static constexpr FlagSpec kFlags[] = {
      {"format", true}, {"drop-optimizer", false}, {"shard-size", true}};
  static constexpr absl::string_view kPositional[] = {"SRC", "DST"};
  std::vector<std::string> rest(args.begin(), args.end());
  absl::StatusOr<std::vector<bridges::KeyRule>> rules = TakeKeyRules(&rest);
  if (!rules.ok()) return UsageError(err, kCommand, rules.status().message());
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const std::string& dst = parsed->positional[1];
  bridges::ExportOptions options;
  options.key_rules = *std::move(rules);
  options.drop_optimizer = parsed->flags.contains("drop-optimizer");
  std::string format;
  if (auto it = parsed->flags.find("format"); it != parsed->flags.end()) {
    format = it->second;
  } else if (absl::EndsWith(dst, ".npz")) {
    format = "npz";
  } else if (absl::EndsWith(dst, ".safetensors")) {
    format = "safetensors";
  } else {
    return UsageError(err, kCommand,
                      "cannot tell the format from DST's name; pass "
                      "--format safetensors or --format npz");
  }
  if (format == "npz") {
    options.format = bridges::ExportFormat::kNpz;
  } else if (format == "safetensors") {
    options.format = bridges::ExportFormat::kSafetensors;
  } else {
    return UsageError(err, kCommand,
                      absl::StrCat("unknown --format '", format,
                                   "'; expected safetensors or npz"));
  }
  if (auto it = parsed->flags.find("shard-size"); it != parsed->flags.end()) {
    if (options.format != bridges::ExportFormat::kSafetensors) {
      return UsageError(err, kCommand,
                        "--shard-size applies to safetensors only");
    }
    absl::StatusOr<uint64_t> size = ParseSize(it->second);
    if (!size.ok()) return UsageError(err, kCommand, size.status().message());
    options.max_shard_bytes = *size;
  }
  absl::StatusOr<std::string> src = ResolvePrefix(env, parsed->positional[0]);
  if (!src.ok()) return ReportError(err, kCommand, src.status());
  absl::StatusOr<bridges::ExportResult> result =
      bridges::ExportCheckpoint(env, *src, dst, options);
  if (!result.ok()) return ReportError(err, kCommand, result.status());
  out << "Exported " << result->tensors << " tensors (" << result->bytes
      << " bytes";
  if (result->dropped > 0) out << ", " << result->dropped << " dropped";
  out << (result->object_graph ? ", object graph kept" : "") << ") as "
      << format << ": " << *src << " -> " << absl::StrJoin(result->files, ", ")
      << "\n";
  return kExitOk;
#else
  (void)env;
  return NotBuilt(args, out, err, kCommand);
#endif
}

int RunImport(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err) {
  static constexpr absl::string_view kCommand = "import";
#if CKPT_HAVE_BRIDGES
  static constexpr absl::string_view kPositional[] = {"SRC", "DST"};
  std::vector<std::string> rest(args.begin(), args.end());
  absl::StatusOr<std::vector<bridges::KeyRule>> rules = TakeKeyRules(&rest);
  if (!rules.ok()) return UsageError(err, kCommand, rules.status().message());
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, {}, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const std::string& src = parsed->positional[0];
  const std::string& dst = parsed->positional[1];
  if (absl::Status s = CheckDestinationPrefix(dst, "", "import"); !s.ok()) {
    return ReportError(err, kCommand, s);
  }
  bridges::ImportOptions options;
  options.key_rules = *std::move(rules);
  absl::StatusOr<bridges::ImportResult> result =
      bridges::ImportCheckpoint(env, src, dst, options);
  if (!result.ok()) return ReportError(err, kCommand, result.status());
  out << "Imported " << result->tensors << " tensors (" << result->bytes
      << " bytes" << (result->object_graph ? ", object graph restored" : "")
      << "): " << src << " -> " << dst << "\n";
  return kExitOk;
#else
  (void)env;
  return NotBuilt(args, out, err, kCommand);
#endif
}

}  // namespace ckpt::cli
