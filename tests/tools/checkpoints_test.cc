// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt ls DIR --checkpoints [--json] [--verify]` (cli/checkpoints.h): the
// exact text and JSON for a CheckpointManager directory with fixed
// timestamps, metrics and a pin; --verify with a corrupted and a missing
// checkpoint (exit 1, one error line each); TensorFlow's golf directory;
// escaping and odd timestamps from a hand-written state file; usage and
// path errors.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "checkpoint/checkpoint_list_fixtures.h"
#include "ckpt/bundle_format.h"
#include "cli/cli.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::Catch::Matchers::Contains;
using ::Catch::Matchers::StartsWith;
using ::ckpt::testing::CommandResult;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteFileOrDie;
using ::ckpt::testing::checkpoint_list::kT0;
using ::ckpt::testing::checkpoint_list::kWKey;
using ::ckpt::testing::checkpoint_list::ManagedRun;
namespace fs = std::filesystem;

CommandResult Ls(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"ls"};
  full.insert(full.end(), args.begin(), args.end());
  return testing::RunCliFunction(cli::RunCli, full);
}

// Saved by ManagedRun: ckpt-2 is the best (smallest).
constexpr double kMetrics[] = {0.5, 0.123456789, 0.7, 1234567.0, 0.8};

// The bytes of ckpt-1 (all four kept checkpoints have the same size).
int64_t CheckpointBytes(const TempDir& dir) {
  int64_t bytes = -1;
  for (const char* name : {"ckpt-1", "ckpt-2", "ckpt-4", "ckpt-5"}) {
    const std::string prefix = dir.Join(name);
    const auto b =
        static_cast<int64_t>(fs::file_size(IndexFilename(prefix)) +
                             fs::file_size(DataFilename(prefix, 0, 1)));
    if (bytes >= 0) REQUIRE(b == bytes);
    bytes = b;
  }
  return bytes;
}

// The table `ls --checkpoints` prints for ManagedRun; `verified` (with
// --verify) holds the VERIFIED cell per row, `flags` the FLAGS cells.
std::string ExpectedText(int64_t bytes, const std::vector<std::string>& flags,
                         const std::vector<std::string>& verified = {}) {
  const std::string size = absl::StrCat(bytes);
  const int size_w = static_cast<int>(std::max<size_t>(4, size.size()));
  size_t flags_w = 5;
  for (const std::string& f : flags) flags_w = std::max(flags_w, f.size());
  const auto row = [&](const std::string& number, const std::string& stamp,
                       const std::string& sz, const std::string& metric,
                       const std::string& fl, const std::string& ver,
                       const std::string& name) {
    std::string line =
        absl::StrFormat("%6s  %-20s  %*s  %11s  %-*s  ", number, stamp, size_w,
                        sz, metric, static_cast<int>(flags_w), fl);
    if (!verified.empty()) absl::StrAppendFormat(&line, "%-8s  ", ver);
    return absl::StrCat(line, name, "\n");
  };
  const auto v = [&](size_t i) {
    return verified.empty() ? std::string() : verified[i];
  };
  return absl::StrCat(
      row("NUMBER", "TIMESTAMP", "SIZE", "METRIC", "FLAGS", "VERIFIED", "NAME"),
      row("1", "2026-12-07T12:00:00Z", size, "0.5", flags[0], v(0), "ckpt-1"),
      row("2", "2026-12-07T13:00:00Z", size, "0.123457", flags[1], v(1),
          "ckpt-2"),
      row("4", "2026-12-07T15:00:00Z", size, "1.23457e+06", flags[2], v(2),
          "ckpt-4"),
      row("5", "2026-12-07T16:00:00Z", size, "0.8", flags[3], v(3), "ckpt-5"));
}

// ---- a small reader for the flat JSON of --json: an array of objects
// whose values are strings, numbers, true, false or null.

struct JsonValue {
  enum class Kind { kString, kNumber, kBool, kNull } kind = Kind::kNull;
  std::string text;  // string value, or the number's text
  double number = 0;
  bool boolean = false;
};
using JsonObject = std::vector<std::pair<std::string, JsonValue>>;

class FlatJsonReader {
 public:
  explicit FlatJsonReader(const std::string& s) : s_(s) {}

  bool Parse(std::vector<JsonObject>* out) {
    Ws();
    if (!Eat('[')) return false;
    Ws();
    if (Eat(']')) return End();
    while (true) {
      Ws();
      JsonObject obj;
      if (!Object(&obj)) return false;
      out->push_back(std::move(obj));
      Ws();
      if (Eat(']')) return End();
      if (!Eat(',')) return false;
    }
  }

 private:
  bool End() {
    Ws();
    return pos_ == s_.size();
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Word(const std::string& w) {
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  void Ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n')) ++pos_;
  }
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      if (e == '"' || e == '\\' || e == '/') {
        out->push_back(e);
      } else if (e == 'u' && pos_ + 4 <= s_.size()) {
        int cp = 0;
        if (!absl::SimpleHexAtoi(s_.substr(pos_, 4), &cp) || cp > 0x7f) {
          return false;  // only ASCII escapes occur here
        }
        out->push_back(static_cast<char>(cp));
        pos_ += 4;
      } else {
        return false;
      }
    }
    return false;
  }
  bool Value(JsonValue* v) {
    if (pos_ < s_.size() && s_[pos_] == '"') {
      v->kind = JsonValue::Kind::kString;
      return String(&v->text);
    }
    if (Word("true") || Word("false")) {
      v->kind = JsonValue::Kind::kBool;
      v->boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return true;
    }
    if (Word("null")) return true;
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           std::string("+-.0123456789eE").find(s_[pos_]) != std::string::npos) {
      ++pos_;
    }
    v->kind = JsonValue::Kind::kNumber;
    v->text = s_.substr(start, pos_ - start);
    return !v->text.empty() && absl::SimpleAtod(v->text, &v->number);
  }
  bool Object(JsonObject* out) {
    if (!Eat('{')) return false;
    while (true) {
      Ws();
      std::string key;
      if (!String(&key)) return false;
      Ws();
      if (!Eat(':')) return false;
      Ws();
      JsonValue v;
      if (!Value(&v)) return false;
      out->emplace_back(std::move(key), std::move(v));
      Ws();
      if (Eat('}')) return true;
      if (!Eat(',')) return false;
    }
  }

  std::string s_;
  size_t pos_ = 0;
};

std::vector<JsonObject> ParseOrFail(const std::string& text) {
  std::vector<JsonObject> out;
  FlatJsonReader reader(text);
  INFO(text);
  REQUIRE(reader.Parse(&out));
  return out;
}

const JsonValue& Member(const JsonObject& obj, const std::string& key) {
  for (const auto& [k, v] : obj) {
    if (k == key) return v;
  }
  FAIL("no member " << key);
  static const JsonValue kNone;
  return kNone;
}

std::vector<std::string> Keys(const JsonObject& obj) {
  std::vector<std::string> keys;
  for (const auto& kv : obj) keys.push_back(kv.first);
  return keys;
}

TEST_CASE("ls --checkpoints prints a managed directory's checkpoints",
          "[checkpoints]") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  const int64_t bytes = CheckpointBytes(dir);
  const std::string want = ExpectedText(bytes, {"pinned", "-", "-", "latest"});
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{dir.path(), "--checkpoints"},
        std::vector<std::string>{"--checkpoints", dir.Join("checkpoint")},
        std::vector<std::string>{"--checkpoints", dir.path() + "/"}}) {
    const CommandResult r = Ls(args);
    INFO(r.err);
    CHECK(r.code == cli::kExitOk);
    CHECK(r.err.empty());
    CHECK(r.out == want);
  }
}

TEST_CASE("ls --checkpoints --json prints one object per checkpoint",
          "[checkpoints]") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  const int64_t bytes = CheckpointBytes(dir);
  const CommandResult r = Ls({dir.path(), "--checkpoints", "--json"});
  INFO(r.err);
  REQUIRE(r.code == cli::kExitOk);
  CHECK(r.err.empty());
  // The exact first object, one object per line.
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  REQUIRE(lines.size() == 7);  // [, 4 objects, ], ""
  CHECK(lines[0] == "[");
  CHECK(lines[1] ==
        absl::StrCat("  {\"prefix\": \"", dir.Join("ckpt-1"),
                     "\", \"name\": \"ckpt-1\", \"number\": 1, \"timestamp\": "
                     "1796644800.0, \"bytes\": ",
                     bytes,
                     ", \"metric\": 0.5, \"pinned\": true, \"preserved\": "
                     "false, \"latest\": false, \"files_present\": true},"));
  CHECK(lines[5] == "]");
  CHECK(lines[6].empty());

  const std::vector<JsonObject> list = ParseOrFail(r.out);
  REQUIRE(list.size() == 4);
  const int64_t numbers[] = {1, 2, 4, 5};
  for (size_t i = 0; i < list.size(); ++i) {
    const JsonObject& c = list[i];
    const int64_t n = numbers[i];
    INFO(n);
    CHECK(Keys(c) == std::vector<std::string>{"prefix", "name", "number",
                                              "timestamp", "bytes", "metric",
                                              "pinned", "preserved", "latest",
                                              "files_present"});
    const std::string name = absl::StrCat("ckpt-", n);
    CHECK(Member(c, "prefix").text == dir.Join(name));
    CHECK(Member(c, "name").text == name);
    CHECK(Member(c, "number").number == static_cast<double>(n));
    CHECK(Member(c, "timestamp").number ==
          kT0 + 3600.0 * static_cast<double>(n));
    CHECK(Member(c, "bytes").number == static_cast<double>(bytes));
    CHECK(Member(c, "metric").number == kMetrics[n - 1]);  // round-trips
    CHECK(Member(c, "pinned").boolean == (n == 1));
    CHECK(Member(c, "pinned").kind == JsonValue::Kind::kBool);
    CHECK_FALSE(Member(c, "preserved").boolean);
    CHECK(Member(c, "latest").boolean == (n == 5));
    CHECK(Member(c, "files_present").boolean);
  }
}

TEST_CASE(
    "ls --checkpoints --verify: OK, then a corrupted and a missing "
    "checkpoint fail with exit 1",
    "[checkpoints]") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  const int64_t bytes = CheckpointBytes(dir);
  const CommandResult ok = Ls({dir.path(), "--checkpoints", "--verify"});
  INFO(ok.err);
  CHECK(ok.code == cli::kExitOk);
  CHECK(ok.err.empty());
  CHECK(ok.out == ExpectedText(bytes, {"pinned", "-", "-", "latest"},
                               {"OK", "OK", "OK", "OK"}));

  testing::CorruptStoredByte(dir.Join("ckpt-2"), kWKey, 5, 0x01);
  const std::string data4 = DataFilename(dir.Join("ckpt-4"), 0, 1);
  const auto data4_size = static_cast<int64_t>(fs::file_size(data4));
  REQUIRE(fs::remove(data4));
  const CommandResult r = Ls({"--verify", dir.path(), "--checkpoints"});
  CHECK(r.code == cli::kExitFailed);
  // ckpt-4 is smaller now: only its index counts.
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  REQUIRE(lines.size() == 6);
  const int size_w =
      static_cast<int>(std::max<size_t>(4, absl::StrCat(bytes).size()));
  const auto row = [&](const std::string& number, const std::string& stamp,
                       int64_t size, const std::string& metric,
                       const std::string& flags, const std::string& verified,
                       const std::string& name) {
    return absl::StrFormat("%6s  %-20s  %*d  %11s  %-7s  %-8s  %s", number,
                           stamp, size_w, size, metric, flags, verified, name);
  };
  CHECK(lines[0] == absl::StrFormat("NUMBER  %-20s  %*s  %11s  %-7s  "
                                    "VERIFIED  NAME",
                                    "TIMESTAMP", size_w, "SIZE", "METRIC",
                                    "FLAGS"));
  CHECK(lines[1] == row("1", "2026-12-07T12:00:00Z", bytes, "0.5", "pinned",
                        "OK", "ckpt-1"));
  CHECK(lines[2] == row("2", "2026-12-07T13:00:00Z", bytes, "0.123457", "-",
                        "FAILED", "ckpt-2"));
  CHECK(lines[3] == row("4", "2026-12-07T15:00:00Z", bytes - data4_size,
                        "1.23457e+06", "missing", "FAILED", "ckpt-4"));
  CHECK(lines[4] == row("5", "2026-12-07T16:00:00Z", bytes, "0.8", "latest",
                        "OK", "ckpt-5"));
  CHECK(lines[5].empty());
  const std::vector<std::string> errors = absl::StrSplit(r.err, '\n');
  REQUIRE(errors.size() == 3);
  CHECK_THAT(errors[0],
             StartsWith(absl::StrCat("ckpt ls: ", dir.Join("ckpt-2"), ": ")));
  CHECK_THAT(errors[0], Contains(kWKey));
  CHECK_THAT(errors[1],
             StartsWith(absl::StrCat("ckpt ls: ", dir.Join("ckpt-4"), ": ")));
  CHECK_THAT(errors[1], Contains("ckpt-4.data-00000-of-00001"));
  CHECK(errors[2].empty());

  // --json: the failures are in the objects, nothing on stderr.
  const CommandResult j =
      Ls({dir.path(), "--checkpoints", "--verify", "--json"});
  CHECK(j.code == cli::kExitFailed);
  CHECK(j.err.empty());
  const std::vector<JsonObject> list = ParseOrFail(j.out);
  REQUIRE(list.size() == 4);
  for (size_t i = 0; i < list.size(); ++i) {
    const JsonObject& c = list[i];
    const bool failed = i == 1 || i == 2;
    INFO(Member(c, "name").text);
    CHECK(Keys(c).size() == 12);
    CHECK(Keys(c)[10] == "verified");
    CHECK(Keys(c)[11] == "error");
    CHECK(Member(c, "verified").boolean == !failed);
    CHECK(Member(c, "verified").kind == JsonValue::Kind::kBool);
    CHECK(Member(c, "error").kind ==
          (failed ? JsonValue::Kind::kString : JsonValue::Kind::kNull));
    CHECK(Member(c, "files_present").boolean == (i != 2));
  }
  CHECK_THAT(Member(list[1], "error").text, Contains(kWKey));
  CHECK_THAT(Member(list[2], "error").text,
             Contains("ckpt-4.data-00000-of-00001"));
}

TEST_CASE("ls --checkpoints on TensorFlow's golf directory", "[checkpoints]") {
  if (testing::SkipWithoutTfTestData()) return;
  const std::string dir = testing::TfPath("golf");
  const CommandResult r = Ls({dir, "--checkpoints", "--verify"});
  INFO(r.err);
  CHECK(r.code == cli::kExitOk);
  CHECK(r.out ==
        "NUMBER  TIMESTAMP              SIZE  METRIC  FLAGS   VERIFIED  NAME\n"
        "     1  2020-12-02T00:08:18Z  38814       -  -       OK        "
        "ckpt-1\n"
        "     2  2020-12-02T00:09:51Z  38814       -  latest  OK        "
        "ckpt-2\n");
}

TEST_CASE("ls --checkpoints escapes names and prints odd timestamps",
          "[checkpoints]") {
  TempDir dir;
  WriteFileOrDie(dir.Join("checkpoint"),
                 "model_checkpoint_path: \"b\\001d-7\"\n"
                 "all_model_checkpoint_paths: \"old\"\n"
                 "all_model_checkpoint_paths: \"b\\001d-7\"\n"
                 "all_model_checkpoint_timestamps: -0.5\n"
                 "all_model_checkpoint_timestamps: 1e+300\n"
                 "last_preserved_timestamp: 0.0\n");
  const CommandResult r = Ls({dir.path(), "--checkpoints"});
  INFO(r.err);
  CHECK(r.code == cli::kExitOk);
  CHECK(r.out ==
        "NUMBER  TIMESTAMP             SIZE  METRIC  FLAGS              NAME\n"
        "     -  1969-12-31T23:59:59Z     0       -  preserved,missing  old\n"
        "     7  1e+300                   0       -  latest,missing     "
        "b\\x01d-7\n");
  const CommandResult j = Ls({dir.path(), "--checkpoints", "--json"});
  CHECK(j.code == cli::kExitOk);
  const std::vector<JsonObject> list = ParseOrFail(j.out);
  REQUIRE(list.size() == 2);
  CHECK(Member(list[0], "number").kind == JsonValue::Kind::kNull);
  CHECK(Member(list[0], "timestamp").number == -0.5);
  CHECK(Member(list[0], "metric").kind == JsonValue::Kind::kNull);
  CHECK(Member(list[1], "name").text ==
        "b\x01"
        "d-7");
  CHECK(Member(list[1], "timestamp").number == 1e300);
  CHECK_THAT(j.out, Contains("\"name\": \"b\\u0001d-7\""));
}

TEST_CASE("ls --checkpoints: usage and path errors", "[checkpoints]") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);

  CommandResult r = Ls({dir.path(), "--verify"});
  CHECK(r.code == cli::kExitUsage);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("ckpt ls: --verify needs --checkpoints\n"));
  CHECK_THAT(r.err, Contains("usage: ckpt ls PATH"));

  r = Ls({dir.path(), "--checkpoints", "--slices"});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, StartsWith("ckpt ls: --slices does not go with"));

  r = Ls({"--checkpoints"});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, StartsWith("ckpt ls: missing PATH"));

  r = Ls({dir.Join("ckpt-5"), "--checkpoints"});
  CHECK(r.code == cli::kExitUsage);
  CHECK(r.out.empty());
  CHECK(r.err == absl::StrCat("ckpt ls: ", dir.Join("ckpt-5"),
                              " is a checkpoint prefix; --checkpoints takes "
                              "the directory holding the `checkpoint` state "
                              "file (or that file); drop --checkpoints to "
                              "list its tensors\n"));

  r = Ls({IndexFilename(dir.Join("ckpt-5")), "--checkpoints"});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, Contains("--checkpoints takes a directory or its "
                             "`checkpoint` state file"));

  TempDir empty;
  r = Ls({empty.path(), "--checkpoints"});
  CHECK(r.code == cli::kExitNotFound);
  CHECK(r.out.empty());
  CHECK(r.err == absl::StrCat("ckpt ls: ", empty.path(),
                              ": no `checkpoint` state file (",
                              empty.Join("checkpoint"),
                              ") lists checkpoints in this directory; to list "
                              "the tensors of a single checkpoint, use `ckpt "
                              "ls PREFIX`\n"));

  r = Ls({empty.Join("nothing"), "--checkpoints"});
  CHECK(r.code == cli::kExitNotFound);
  CHECK_THAT(r.err, StartsWith(absl::StrCat("ckpt ls: ", empty.Join("nothing"),
                                            ": no such directory")));

  WriteFileOrDie(empty.Join("checkpoint"), "garbage {\n");
  r = Ls({empty.path(), "--checkpoints"});
  CHECK(r.code == cli::kExitDataLoss);
  CHECK(r.out.empty());
  CHECK_THAT(r.err,
             StartsWith(absl::StrCat("ckpt ls: ", empty.Join("checkpoint"))));

  WriteFileOrDie(dir.Join("checkpoint.manager"), "not metadata\n");
  r = Ls({dir.path(), "--checkpoints", "--json"});
  CHECK(r.code == cli::kExitDataLoss);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith(absl::StrCat(
                        "ckpt ls: ", dir.Join("checkpoint.manager"), ":1: ")));
}

}  // namespace
}  // namespace ckpt
