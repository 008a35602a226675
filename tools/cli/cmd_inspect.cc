// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt --file_name=PATH [--tensor_name=KEY] [--all_tensors]
// [--all_tensor_names]`: TensorFlow's inspect_checkpoint
// (tensorflow/python/tools/inspect_checkpoint.py) reimplemented, same flags
// and same output (contract in cli/cli.h):
//
//   * no --tensor_name and no --all_*: BundleReader::DebugString() printed by
//     print(), one `<key> (DT_FLOAT) [7,64]` line per entry in key order
//     (partitioned tensors' full entries skipped and their slice keys
//     listed, escaped, as TensorFlow's BundleReader::DebugString does),
//     then an empty line;
//   * --all_tensors / --all_tensor_names: for every key of
//     get_variable_to_shape_map() in sorted order (the slice keys that
//     partitioned tensors list excluded, as CheckpointReader does; orphaned
//     slice keys kept) `tensor_name:  <key>`, and with --all_tensors the
//     value as print(reader.get_tensor(key)) shows it (a partitioned tensor
//     assembled from its slices);
//   * otherwise --tensor_name: `tensor_name:  <key>` and its value.
// Values are numpy's str() of the array (cli/numpy_format.h NumpyStr), a
// numpy scalar's str() for 0-d tensors (`b'...'` for a string).
//
// Differences from TensorFlow, which prints exceptions to stdout and exits
// 0: errors go to `err` as `ckpt inspect: <message>` with the exit codes of
// cli.h (a missing key is NotFound, exit 3). Keys are escaped as by DisplayText
// (identical for printable ASCII). Boolean flags take `--flag`,
// `--flag=true|false` or
// `--flag true|false`; --printoptions is not supported.

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"
#include "cli/cli.h"
#include "cli/numpy_format.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "cli/slices.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "inspect";

struct InspectFlags {
  std::string file_name;
  std::string tensor_name;
  bool all_tensors = false;
  bool all_tensor_names = false;
  bool help = false;
};

std::optional<bool> ParseBool(absl::string_view v) {
  if (absl::EqualsIgnoreCase(v, "true")) return true;
  if (absl::EqualsIgnoreCase(v, "false")) return false;
  return std::nullopt;
}

absl::StatusOr<InspectFlags> ParseInspectArgs(
    absl::Span<const std::string> args) {
  InspectFlags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      f.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "'"));
    }
    absl::string_view body = absl::string_view(arg).substr(2);
    std::optional<std::string> value;
    absl::string_view name = body;
    if (const size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = std::string(body.substr(eq + 1));
    }
    if (name == "file_name" || name == "tensor_name") {
      if (!value) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("option '--", std::string(name), "' needs a value"));
        }
        value = args[++i];
      }
      (name == "file_name" ? f.file_name : f.tensor_name) = *value;
    } else if (name == "all_tensors" || name == "all_tensor_names") {
      bool on = true;
      if (value) {
        std::optional<bool> b = ParseBool(*value);
        if (!b) {
          return absl::InvalidArgumentError(
              absl::StrCat("option '--", std::string(name),
                           "' takes true or false, not '", *value, "'"));
        }
        on = *b;
      } else if (i + 1 < args.size() && ParseBool(args[i + 1])) {
        on = *ParseBool(args[++i]);
      }
      (name == "all_tensors" ? f.all_tensors : f.all_tensor_names) = on;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '--", std::string(name), "'"));
    }
  }
  if (!f.help && f.file_name.empty()) {
    return absl::InvalidArgumentError("missing --file_name");
  }
  return f;
}

// TensorFlow's DataType_Name: "DT_FLOAT", "DT_BFLOAT16", ...
std::string TfDataTypeName(DataType dt) {
  switch (dt) {
    case DataType::kFloat:
      return "DT_FLOAT";
    case DataType::kDouble:
      return "DT_DOUBLE";
    case DataType::kHalf:
      return "DT_HALF";
    default:
      break;
  }
  if (!IsKnownDataType(static_cast<int32_t>(dt))) {
    return DataTypeDisplayName(static_cast<int32_t>(dt));
  }
  return absl::StrCat("DT_",
                      absl::AsciiStrToUpper(std::string(DataTypeName(dt))));
}

// Prints `tensor_name:  <key>` and, with `value`, the tensor.
int PrintTensor(const BundleReader& reader, const std::string& key, bool value,
                std::ostream& out, std::ostream& err) {
  out << "tensor_name:  " << DisplayText(key) << "\n";
  if (!value) return kExitOk;
  absl::StatusOr<Tensor> t = reader.Read(key);
  if (!t.ok()) return ReportError(err, kCommand, t.status());
  absl::StatusOr<std::string> text = NumpyStr(*t);
  if (!text.ok()) return ReportError(err, kCommand, text.status());
  out << *text << "\n";
  return kExitOk;
}

}  // namespace

int RunInspectCompat(Env* env, absl::Span<const std::string> args,
                     std::ostream& out, std::ostream& err) {
  absl::StatusOr<InspectFlags> flags = ParseInspectArgs(args);
  if (!flags.ok()) return UsageError(err, kCommand, flags.status().message());
  if (flags->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  absl::StatusOr<std::string> prefix = ResolvePrefix(env, flags->file_name);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, *prefix);
  if (!reader.ok()) return ReportError(err, kCommand, reader.status());

  if (flags->all_tensors || flags->all_tensor_names) {
    absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
        (*reader)->ListEntries();
    if (!entries.ok()) return ReportError(err, kCommand, entries.status());
    for (const ListedTensor& t : ListTensors(**reader, *entries)) {
      const int code =
          PrintTensor(**reader, t.key, flags->all_tensors, out, err);
      if (code != kExitOk) return code;
    }
    return kExitOk;
  }
  if (flags->tensor_name.empty()) {
    absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
        (*reader)->ListEntries();
    if (!entries.ok()) return ReportError(err, kCommand, entries.status());
    std::string text;
    for (const auto& [key, entry] : *entries) {
      if (entry.num_slices > 0) continue;
      absl::StrAppend(&text, DisplayText(key), " (",
                      TfDataTypeName(entry.dtype), ") ",
                      entry.shape.DebugString(), "\n");
    }
    out << text << "\n";
    return kExitOk;
  }
  // Check the key before printing its name, so a missing key prints nothing
  // on `out`.
  absl::StatusOr<BundleEntry> entry = (*reader)->GetEntry(flags->tensor_name);
  if (!entry.ok()) return ReportError(err, kCommand, entry.status());
  return PrintTensor(**reader, flags->tensor_name, true, out, err);
}

}  // namespace ckpt::cli
