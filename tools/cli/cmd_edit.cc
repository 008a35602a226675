// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt extract`, `ckpt rename`, `ckpt strip` and `ckpt merge`: checkpoint
// surgery (ckpt/surgery.h) from the command line (contract in cli/cli.h).
// Each parses its flags, resolves the sources, checks DST and prints the
// EditReport as text or JSON.

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ckpt/path_map.h"
#include "ckpt/surgery.h"
#include "cli/cli.h"
#include "cli/convert_slices.h"
#include "cli/prefix.h"

namespace ckpt::cli {
namespace {

// The flags every edit takes.
constexpr FlagSpec kCommonFlags[] = {{"dry-run", false}, {"json", false}};

std::vector<FlagSpec> WithCommon(std::vector<FlagSpec> flags) {
  flags.insert(flags.end(), std::begin(kCommonFlags), std::end(kCommonFlags));
  return flags;
}

EditOptions OptionsFor(Env* env, const ParsedArgs& parsed) {
  EditOptions options;
  options.env = env;
  options.dry_run = parsed.flags.contains("dry-run");
  return options;
}

// Prints `report` (or the error) and returns the exit code.
int Report(absl::string_view command, const ParsedArgs& parsed,
           const absl::StatusOr<EditReport>& report, std::ostream& out,
           std::ostream& err) {
  if (!report.ok()) return ReportError(err, command, report.status());
  out << (parsed.flags.contains("json") ? report->ToJson() : report->ToText());
  return kExitOk;
}

// Resolves SRC (any PATH form) and checks DST against it.
absl::StatusOr<std::string> SourceFor(Env* env, const std::string& path,
                                      const std::string& dst,
                                      absl::string_view verb) {
  absl::StatusOr<std::string> src = ResolvePrefix(env, path);
  if (!src.ok()) return src.status();
  absl::Status checked = CheckDestinationPrefix(dst, *src, verb);
  if (!checked.ok()) return checked;
  return src;
}

// A --map value OLD=NEW, split at the last '='.
absl::StatusOr<PathRule> ParseMapFlag(absl::string_view value, bool regex) {
  const size_t eq = value.rfind('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad --map '", std::string(value),
        "': want OLD=NEW (object path prefixes, or with --regex a pattern "
        "and its replacement)"));
  }
  std::string from(value.substr(0, eq));
  std::string to(value.substr(eq + 1));
  if (regex) return PathRule::Regex(std::move(from), std::move(to));
  return PathRule::Prefix(std::move(from), std::move(to));
}

}  // namespace

int RunExtract(Env* env, absl::Span<const std::string> args, std::ostream& out,
               std::ostream& err) {
  constexpr absl::string_view kCommand = "extract";
  static const std::vector<FlagSpec> kFlags =
      WithCommon({{"subtree", true}, {"as", true}, {"keep-slots", false}});
  static constexpr absl::string_view kPositional[] = {"SRC", "DST"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const auto subtree = parsed->flags.find("subtree");
  if (subtree == parsed->flags.end()) {
    return UsageError(err, kCommand, "missing --subtree PATH");
  }
  const auto as = parsed->flags.find("as");
  const std::string& dst = parsed->positional[1];
  absl::StatusOr<std::string> src =
      SourceFor(env, parsed->positional[0], dst, kCommand);
  if (!src.ok()) return ReportError(err, kCommand, src.status());
  return Report(kCommand, *parsed,
                ExtractSubtree(*src, dst, subtree->second,
                               as == parsed->flags.end() ? "" : as->second,
                               parsed->flags.contains("keep-slots"),
                               OptionsFor(env, *parsed)),
                out, err);
}

int RunRename(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err) {
  constexpr absl::string_view kCommand = "rename";
  static const std::vector<FlagSpec> kFlags = WithCommon({{"regex", false}});
  static constexpr absl::string_view kPositional[] = {"SRC", "DST"};
  std::vector<std::string> rest(args.begin(), args.end());
  absl::StatusOr<std::vector<std::string>> maps =
      TakeRepeatedFlag(&rest, "map");
  if (!maps.ok()) return UsageError(err, kCommand, maps.status().message());
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  if (maps->empty()) return UsageError(err, kCommand, "missing --map OLD=NEW");
  std::vector<PathRule> rules;
  for (const std::string& value : *maps) {
    absl::StatusOr<PathRule> rule =
        ParseMapFlag(value, parsed->flags.contains("regex"));
    if (!rule.ok()) return UsageError(err, kCommand, rule.status().message());
    rules.push_back(*std::move(rule));
  }
  absl::StatusOr<PathMap> map = PathMap::Create(std::move(rules));
  if (!map.ok()) return ReportError(err, kCommand, map.status());
  const std::string& dst = parsed->positional[1];
  absl::StatusOr<std::string> src =
      SourceFor(env, parsed->positional[0], dst, kCommand);
  if (!src.ok()) return ReportError(err, kCommand, src.status());
  return Report(kCommand, *parsed,
                RenameObjects(*src, dst, *map, OptionsFor(env, *parsed)), out,
                err);
}

int RunStrip(Env* env, absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err) {
  constexpr absl::string_view kCommand = "strip";
  static const std::vector<FlagSpec> kFlags =
      WithCommon({{"drop-optimizer", false}});
  static constexpr absl::string_view kPositional[] = {"SRC", "DST"};
  std::vector<std::string> rest(args.begin(), args.end());
  StripOptions strip;
  for (const auto& [name, paths] :
       {std::pair<absl::string_view, std::vector<std::string>*>{"keep",
                                                                &strip.keep},
        {"drop", &strip.drop}}) {
    absl::StatusOr<std::vector<std::string>> values =
        TakeRepeatedFlag(&rest, name);
    if (!values.ok())
      return UsageError(err, kCommand, values.status().message());
    *paths = *std::move(values);
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  strip.drop_optimizer = parsed->flags.contains("drop-optimizer");
  if (!strip.drop_optimizer && strip.keep.empty() && strip.drop.empty()) {
    return UsageError(err, kCommand,
                      "nothing to strip: give --drop-optimizer, --keep PATH "
                      "or --drop PATH");
  }
  const std::string& dst = parsed->positional[1];
  absl::StatusOr<std::string> src =
      SourceFor(env, parsed->positional[0], dst, kCommand);
  if (!src.ok()) return ReportError(err, kCommand, src.status());
  return Report(kCommand, *parsed,
                StripObjects(*src, dst, strip, OptionsFor(env, *parsed)), out,
                err);
}

int RunMerge(Env* env, absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err) {
  constexpr absl::string_view kCommand = "merge";
  static const std::vector<FlagSpec> kFlags =
      WithCommon({{"prefix-a", true}, {"prefix-b", true}});
  static constexpr absl::string_view kPositional[] = {"A", "B", "DST"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const std::string& dst = parsed->positional[2];
  absl::StatusOr<std::string> a =
      SourceFor(env, parsed->positional[0], dst, kCommand);
  if (!a.ok()) return ReportError(err, kCommand, a.status());
  absl::StatusOr<std::string> b =
      SourceFor(env, parsed->positional[1], dst, kCommand);
  if (!b.ok()) return ReportError(err, kCommand, b.status());
  const auto flag = [&](const std::string& name) {
    const auto it = parsed->flags.find(name);
    return it == parsed->flags.end() ? std::string() : it->second;
  };
  return Report(kCommand, *parsed,
                MergeCheckpoints(*a, *b, dst, flag("prefix-a"),
                                 flag("prefix-b"), OptionsFor(env, *parsed)),
                out, err);
}

}  // namespace ckpt::cli
