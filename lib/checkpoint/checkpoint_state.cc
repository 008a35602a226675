// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Reading and writing the `checkpoint` state file; see
// checkpoint/checkpoint_state.h for the contract. Parsing goes through
// protobuf's TextFormat (the reference parser for this format); serializing is
// done by hand because protobuf's C++ printer formats doubles differently from
// the Python printer TensorFlow uses.

#include "checkpoint/checkpoint_state.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ckpt/proto/checkpoint_state.pb.h"
#include "ckpt/status.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace ckpt::checkpoint {
namespace {

// Keeps the first parse error (protobuf would otherwise log it to stderr).
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!has_error_) {
      has_error_ = true;
      // Protobuf counts lines and columns from 0.
      error_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ",
                            message);
    }
  }
  void AddWarning(int /*line*/, int /*column*/,
                  const std::string& /*message*/) override {}

  bool has_error() const { return has_error_; }
  const std::string& error() const { return error_; }

 private:
  bool has_error_ = false;
  std::string error_;
};

// Python's text_encoding.CEscape(value, as_utf8=False).
void AppendCEscaped(absl::string_view s, std::string* out) {
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '"':
        *out += "\\\"";
        break;
      case '\'':
        *out += "\\'";
        break;
      case '\\':
        *out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          absl::StrAppendFormat(out, "\\%03o", c);
        } else {
          out->push_back(ch);
        }
    }
  }
}

void AppendStringField(absl::string_view name, absl::string_view value,
                       std::string* out) {
  absl::StrAppend(out, name, ": \"");
  AppendCEscaped(value, out);
  *out += "\"\n";
}

void AppendDoubleField(absl::string_view name, double value, std::string* out) {
  absl::StrAppend(out, name, ": ", PythonDoubleRepr(value), "\n");
}

bool IsAbsolute(absl::string_view path) {
  return !path.empty() && path.front() == '/';
}

// `dir` without trailing slashes ("/" stays "/").
absl::string_view StripTrailingSlashes(absl::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return dir;
}

// The inverse of JoinPath(dir, relative) for paths under `dir`; other paths
// unchanged.
std::string RelativeTo(absl::string_view dir, const std::string& path) {
  dir = StripTrailingSlashes(dir);
  if (dir.empty()) return path;
  const std::string prefix = dir == "/" ? "/" : absl::StrCat(dir, "/");
  if (absl::StartsWith(path, prefix) && path.size() > prefix.size()) {
    return path.substr(prefix.size());
  }
  return path;
}

std::string Resolve(absl::string_view dir, const std::string& path) {
  if (IsAbsolute(path)) return path;
  return JoinPath(StripTrailingSlashes(dir), path);
}

}  // namespace

std::string PythonDoubleRepr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";

  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), value,
                                               std::chars_format::scientific);
  if (r.ec != std::errc())
    return absl::StrFormat("%.17g", value);  // unreachable
  const absl::string_view sci(buf, static_cast<size_t>(r.ptr - buf));

  std::string out;
  absl::string_view rest = sci;
  if (!rest.empty() && rest.front() == '-') {
    out.push_back('-');
    rest.remove_prefix(1);
  }
  const size_t e_pos = rest.find('e');
  std::string digits;
  for (const char c : rest.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  const int exponent = std::atoi(std::string(rest.substr(e_pos + 1)).c_str());
  // Python (repr, 'r' mode): decpt = exponent + 1; scientific when
  // decpt <= -4 or decpt > 16.
  const int decpt = exponent + 1;
  const int ndigits = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (ndigits > 1) absl::StrAppend(&out, ".", digits.substr(1));
    absl::StrAppendFormat(&out, "e%c%02d", exponent < 0 ? '-' : '+',
                          std::abs(exponent));
  } else if (decpt <= 0) {
    absl::StrAppend(&out, "0.", std::string(static_cast<size_t>(-decpt), '0'),
                    digits);
  } else if (decpt >= ndigits) {
    absl::StrAppend(&out, digits,
                    std::string(static_cast<size_t>(decpt - ndigits), '0'),
                    ".0");
  } else {
    absl::StrAppend(&out, digits.substr(0, static_cast<size_t>(decpt)), ".",
                    digits.substr(static_cast<size_t>(decpt)));
  }
  return out;
}

std::string CheckpointStatePath(absl::string_view dir) {
  return JoinPath(dir, kCheckpointStateFilename);
}

absl::StatusOr<CheckpointState> ParseCheckpointState(
    absl::string_view text, absl::string_view filename) {
  proto::CheckpointState proto;
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  // ParseFromString takes a ConstStringParam (std::string in 3.21).
  if (!parser.ParseFromString(std::string(text), &proto)) {
    return absl::DataLossError(absl::StrCat(
        filename,
        ": not a valid checkpoint state file (protobuf text format): ",
        errors.has_error() ? errors.error() : "parse error"));
  }
  if (proto.model_checkpoint_path().empty()) {
    return absl::DataLossError(absl::StrCat(
        filename,
        ": invalid checkpoint state: model_checkpoint_path is empty"));
  }
  CheckpointState state;
  state.model_checkpoint_path = proto.model_checkpoint_path();
  state.all_model_checkpoint_paths.assign(
      proto.all_model_checkpoint_paths().begin(),
      proto.all_model_checkpoint_paths().end());
  state.all_model_checkpoint_timestamps.assign(
      proto.all_model_checkpoint_timestamps().begin(),
      proto.all_model_checkpoint_timestamps().end());
  state.last_preserved_timestamp = proto.last_preserved_timestamp();
  return state;
}

absl::StatusOr<CheckpointState> ReadCheckpointState(Env* env,
                                                    absl::string_view dir) {
  const std::string path = CheckpointStatePath(dir);
  // ReadFileToString checks the size against the limit before reading.
  absl::StatusOr<std::string> text =
      ReadFileToString(env, path, kMaxCheckpointStateBytes);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(
          absl::StrCat(path, ": checkpoint state file not found"));
    }
    return text.status();
  }
  CKPT_ASSIGN_OR_RETURN(CheckpointState state,
                        ParseCheckpointState(*text, path));
  state.model_checkpoint_path = Resolve(dir, state.model_checkpoint_path);
  for (std::string& p : state.all_model_checkpoint_paths) {
    p = Resolve(dir, p);
  }
  return state;
}

std::string SerializeCheckpointState(const CheckpointState& state) {
  std::string out;
  if (!state.model_checkpoint_path.empty()) {
    AppendStringField("model_checkpoint_path", state.model_checkpoint_path,
                      &out);
  }
  for (const std::string& p : state.all_model_checkpoint_paths) {
    AppendStringField("all_model_checkpoint_paths", p, &out);
  }
  for (const double t : state.all_model_checkpoint_timestamps) {
    AppendDoubleField("all_model_checkpoint_timestamps", t, &out);
  }
  // proto3 implicit presence as Python sees it: 0.0 and -0.0 are absent.
  if (state.last_preserved_timestamp != 0) {  // NaN != 0 is printed too
    AppendDoubleField("last_preserved_timestamp",
                      state.last_preserved_timestamp, &out);
  }
  return out;
}

absl::Status WriteCheckpointState(Env* env, absl::string_view dir,
                                  const CheckpointState& state) {
  const std::string path = CheckpointStatePath(dir);
  if (state.model_checkpoint_path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": refusing to write a checkpoint state with an empty "
                     "model_checkpoint_path"));
  }
  CheckpointState relative = state;
  relative.model_checkpoint_path = RelativeTo(dir, state.model_checkpoint_path);
  for (std::string& p : relative.all_model_checkpoint_paths) {
    p = RelativeTo(dir, p);
  }
  return WriteStringToFileAtomic(env, path, SerializeCheckpointState(relative));
}

}  // namespace ckpt::checkpoint
