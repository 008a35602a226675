// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the `ckpt` tool: the subcommand functions are called in-process
// (cli/cli.h) on the TensorFlow-written vectors and on corrupted copies, and a
// few cases run the built executable end to end. JSON output is parsed back
// with a small strict JSON reader defined here.

#include "cli/cli.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::Catch::Matchers::Contains;
using ::Catch::Matchers::StartsWith;
using ::ckpt::testing::CliPath;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::RunCommand;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;
using ::ckpt::testing::WriteFileOrDie;

namespace fs = std::filesystem;

// ---- a small strict JSON reader (RFC 8259) ----

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // number literal, or decoded string (UTF-8)
  std::vector<Json> items;
  // Object members, in order (parallel vectors: Json is incomplete here).
  std::vector<std::string> member_keys;
  std::vector<Json> member_values;

  const Json& operator[](const std::string& key) const {
    for (size_t i = 0; i < member_keys.size(); ++i) {
      if (member_keys[i] == key) return member_values[i];
    }
    throw std::runtime_error("no member " + key);
  }
  uint64_t Uint() const {
    if (kind != Kind::kNumber) throw std::runtime_error("not a number");
    return std::stoull(text);
  }
  const std::vector<std::string>& Keys() const { return member_keys; }
};

class JsonReader {
 public:
  explicit JsonReader(absl::string_view s) : s_(s) {}

  // Parses the whole input as one value; false on any syntax error.
  bool Parse(Json* out) {
    SkipWs();
    if (!Value(out, 0)) return false;
    SkipWs();
    return pos_ == s_.size();
  }

 private:
  bool Value(Json* out, int depth) {
    if (depth > 64 || pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->kind = Json::Kind::kString;
      return String(&out->text);
    }
    if (Literal("true")) {
      out->kind = Json::Kind::kBool;
      out->boolean = true;
      return true;
    }
    if (Literal("false")) {
      out->kind = Json::Kind::kBool;
      return true;
    }
    if (Literal("null")) return true;
    return Number(out);
  }

  bool Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Digits() {
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool Number(Json* out) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (!Digits()) {
      return false;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!Digits()) return false;
    }
    out->kind = Json::Kind::kNumber;
    out->text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(uint32_t* v) {
    if (s_.size() - pos_ < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      *v = *v * 16 + d;
    }
    return true;
  }

  // One raw (unescaped) UTF-8 character; rejects ill-formed sequences.
  bool RawUtf8(std::string* out) {
    const auto b = [&](size_t i) { return static_cast<uint8_t>(s_[i]); };
    const uint8_t b0 = b(pos_);
    int len;
    uint32_t cp;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;
    }
    if (s_.size() - pos_ < static_cast<size_t>(len)) return false;
    for (int i = 1; i < len; ++i) {
      if ((b(pos_ + i) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b(pos_ + i) & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    out->append(s_.data() + pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }

  bool String(std::string* out) {
    ++pos_;  // opening quote
    out->clear();
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<uint8_t>(c) < 0x20) return false;
      if (c != '\\') {
        if (!RawUtf8(out)) return false;
        continue;
      }
      if (++pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (!Literal("\\u") || !Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) {
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool Array(Json* out, int depth) {
    out->kind = Json::Kind::kArray;
    ++pos_;
    SkipWs();
    if (Literal("]")) return true;
    while (true) {
      out->items.emplace_back();
      SkipWs();
      if (!Value(&out->items.back(), depth + 1)) return false;
      SkipWs();
      if (Literal("]")) return true;
      if (!Literal(",")) return false;
    }
  }

  bool Object(Json* out, int depth) {
    out->kind = Json::Kind::kObject;
    ++pos_;
    SkipWs();
    if (Literal("}")) return true;
    while (true) {
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != '"') return false;
      std::string key;
      if (!String(&key)) return false;
      SkipWs();
      if (!Literal(":")) return false;
      SkipWs();
      out->member_keys.push_back(std::move(key));
      out->member_values.emplace_back();
      if (!Value(&out->member_values.back(), depth + 1)) return false;
      SkipWs();
      if (Literal("}")) return true;
      if (!Literal(",")) return false;
    }
  }

  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' ||
                                s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

Json ParseJsonOrFail(const std::string& text) {
  Json json;
  JsonReader reader(text);
  INFO(text.substr(0, 2000));
  REQUIRE(reader.Parse(&json));
  return json;
}

// ---- helpers ----

using CliResult = testing::CommandResult;

CliResult Cli(const std::vector<std::string>& args) {
  return testing::RunCliFunction(cli::RunCli, args);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Copies the files of a vector folder whose names start with `name_prefix`
// (all files when empty) into `dest` (created), writable.
void CopyVectorFiles(const std::string& vector_dir, const std::string& dest,
                     const std::string& name_prefix = "") {
  fs::create_directories(dest);
  for (const auto& e : fs::directory_iterator(TfPath(vector_dir))) {
    const std::string name = e.path().filename().string();
    if (!absl::StartsWith(name, name_prefix)) continue;
    fs::copy_file(e.path(), fs::path(dest) / name,
                  fs::copy_options::overwrite_existing);
    fs::permissions(fs::path(dest) / name,
                    fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::add);
  }
}

void FlipByte(const std::string& path, size_t offset) {
  std::string bytes = ReadFileOrDie(path);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5a);
  WriteFileOrDie(path, bytes);
}

// Names of the files in `dir`, sorted.
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Bundle files (prefix.index, prefix.data-*) of `prefix`, as names.
std::vector<std::string> BundleFiles(const std::string& prefix) {
  const std::string base = Basename(prefix) + ".";
  std::vector<std::string> names;
  for (const std::string& n : FilesIn(Dirname(prefix))) {
    if (absl::StartsWith(n, base)) names.push_back(n);
  }
  return names;
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q.push_back(c);
    }
  }
  return q + "'";
}

// One row of `ckpt ls` text for golf (column widths 90, 7, 7, 4).
std::string GolfRow(const std::string& key, const std::string& dtype,
                    const std::string& shape, const std::string& size) {
  auto pad = [](std::string s, size_t w) {
    s.resize(std::max(s.size(), w), ' ');
    return s;
  };
  return pad(key, 90) + "  " + pad(dtype, 7) + "  " + pad(shape, 7) + "  " +
         std::string(4 - size.size(), ' ') + size;
}

constexpr const char* kGolfKernel =
    "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE";

// The TF-written bundles with an uncompressed index.
const std::vector<std::string>& ByteIdentityVectors() {
  static const auto* v =
      new std::vector<std::string>{"golf/ckpt-1",
                                   "golf/ckpt-2",
                                   "fsrcnn/ckpt-1",
                                   "til/cp-0000.ckpt",
                                   "saved_model_half_plus_three/variables",
                                   "saved_model_counter/variables"};
  return *v;
}

// ---- output escaping ----

TEST_CASE("JsonQuote escapes specials and keeps UTF-8", "[cli][json]") {
  CHECK(cli::JsonQuote("abc") == "\"abc\"");
  CHECK(cli::JsonQuote("a\"b\\c/d") == "\"a\\\"b\\\\c/d\"");
  CHECK(cli::JsonQuote(std::string("\n\x01\x1f\x7f\0", 5)) ==
        "\"\\u000a\\u0001\\u001f\\u007f\\u0000\"");
  CHECK(cli::JsonQuote("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") ==
        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  // Bytes outside well-formed UTF-8: one \u00XX each.
  CHECK(cli::JsonQuote("\xff") == "\"\\u00ff\"");
  CHECK(cli::JsonQuote("a\xc3") == "\"a\\u00c3\"");           // truncated
  CHECK(cli::JsonQuote("\xc0\x80") == "\"\\u00c0\\u0080\"");  // overlong
  CHECK(cli::JsonQuote("\xed\xa0\x80") ==                     // surrogate
        "\"\\u00ed\\u00a0\\u0080\"");
  CHECK(cli::JsonQuote("\xf4\x90\x80\x80") ==  // > U+10FFFF
        "\"\\u00f4\\u0090\\u0080\\u0080\"");
  CHECK(cli::JsonQuote("\x80z") == "\"\\u0080z\"");  // lone cont.
}

TEST_CASE("JsonQuote output is valid JSON for any bytes", "[cli][json]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(rng() % 12, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 256);
    if (i < 256) bytes = std::string(1, static_cast<char>(i));
    const std::string quoted = cli::JsonQuote(bytes);
    Json json;
    JsonReader reader(quoted);
    INFO(quoted);
    REQUIRE(reader.Parse(&json));
    REQUIRE(json.kind == Json::Kind::kString);
    // Well-formed UTF-8 input decodes to itself.
    bool valid = true;
    for (size_t k = 0; k < bytes.size();) {
      char32_t cp;
      const size_t n = cli::Utf8SequenceLength(bytes, k, &cp);
      if (n == 0) {
        valid = false;
        break;
      }
      k += n;
    }
    if (valid) REQUIRE(json.text == bytes);
  }
}

TEST_CASE("DisplayText makes keys terminal-safe", "[cli]") {
  CHECK(cli::DisplayText("net/a.b") == "net/a.b");
  CHECK(cli::DisplayText("a\nb") == "a\\x0ab");
  CHECK(cli::DisplayText("back\\slash") == "back\\\\slash");
  CHECK(cli::DisplayText("\x1b[31m") == "\\x1b[31m");
  CHECK(cli::DisplayText("\xc2\x85") == "\\xc2\\x85");  // C1 control NEL
  CHECK(cli::DisplayText("\xff") == "\\xff");
  CHECK(cli::DisplayText("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(cli::DisplayWidth("caf\xc3\xa9") == 4);
}

// ---- ls ----

TEST_CASE("ls prints aligned text rows for golf", "[cli][ls][tf]") {
  if (SkipWithoutTfTestData()) return;
  const CliResult r = Cli({"ls", TfPath("golf/ckpt-1")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const std::vector<std::string> lines = Lines(r.out);
  REQUIRE(lines.size() == 27);  // header + 26 entries
  CHECK(lines[0] == GolfRow("KEY", "DTYPE", "SHAPE", "SIZE"));
  CHECK(lines[1] ==
        GolfRow("_CHECKPOINTABLE_OBJECT_GRAPH", "string", "[]", "3162"));
  CHECK(lines[2] ==
        GolfRow("net/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
                "float32", "[64]", "256"));
  CHECK(lines[3] ==
        GolfRow("net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/optimizer/"
                "m/.ATTRIBUTES/VARIABLE_VALUE",
                "float32", "[64]", "256"));
  CHECK(lines[5] == GolfRow(kGolfKernel, "float32", "[7,64]", "1792"));
  for (const std::string& line : lines) {
    CHECK(line.size() == 90 + 2 + 7 + 2 + 7 + 2 + 4);
  }
  CHECK_THAT(r.out, Contains("int64"));
  CHECK_THAT(r.out, Contains("int32"));
}

TEST_CASE("ls --json on golf parses back with the exact fields",
          "[cli][ls][tf]") {
  if (SkipWithoutTfTestData()) return;
  const CliResult r = Cli({"ls", "--json", TfPath("golf/ckpt-1")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::vector<std::string> lines = Lines(r.out);
  REQUIRE(lines.size() == 28);
  CHECK(lines[0] == "[");
  CHECK(lines[1] ==
        "  {\"key\": \"_CHECKPOINTABLE_OBJECT_GRAPH\", \"dtype\": \"string\", "
        "\"shape\": [], \"size\": 3162, \"shard\": 0, \"offset\": 33912, "
        "\"crc32c\": 3177791311},");
  CHECK(lines[27] == "]");

  const Json json = ParseJsonOrFail(r.out);
  REQUIRE(json.kind == Json::Kind::kArray);
  REQUIRE(json.items.size() == 26);
  uint64_t total = 0;
  std::string previous_key;
  for (const Json& e : json.items) {
    REQUIRE(e.Keys() == std::vector<std::string>{"key", "dtype", "shape",
                                                 "size", "shard", "offset",
                                                 "crc32c"});
    CHECK(e["key"].text > previous_key);  // key order
    previous_key = e["key"].text;
    total += e["size"].Uint();
    CHECK(e["shard"].Uint() == 0);
  }
  CHECK(total == 37074);  // densely packed: the data file's size

  const Json& kernel = json.items[4];
  CHECK(kernel["key"].text == kGolfKernel);
  CHECK(kernel["dtype"].text == "float32");
  REQUIRE(kernel["shape"].items.size() == 2);
  CHECK(kernel["shape"].items[0].Uint() == 7);
  CHECK(kernel["shape"].items[1].Uint() == 64);
  CHECK(kernel["size"].Uint() == 1792);
  CHECK(kernel["offset"].Uint() == 12);
  CHECK(kernel["crc32c"].Uint() == 938702482);
}

TEST_CASE("ls works from the index alone", "[cli][ls][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string prefix = TfPath("keras_new_optimizer_index_only/ckpt-1");
  const CliResult text = Cli({"ls", prefix});
  INFO(text.err);
  REQUIRE(text.code == 0);
  REQUIRE(Lines(text.out).size() == 79);
  CHECK_THAT(Lines(text.out)[1], StartsWith("_CHECKPOINTABLE_OBJECT_GRAPH "));

  const CliResult r = Cli({"ls", prefix, "--json"});
  REQUIRE(r.code == 0);
  const Json json = ParseJsonOrFail(r.out);
  REQUIRE(json.items.size() == 78);
  CHECK(json.items[0]["key"].text == "_CHECKPOINTABLE_OBJECT_GRAPH");
  CHECK(json.items[0]["size"].Uint() == 10595);
  CHECK(json.items[0]["offset"].Uint() == 6978560);
  const Json& bias = json.items[1];
  CHECK(bias["key"].text ==
        "discriminator/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE");
  CHECK(bias["dtype"].text == "float32");
  CHECK(bias["size"].Uint() == 128);
  CHECK(bias["offset"].Uint() == 416);
  CHECK(bias["crc32c"].Uint() == 3509307811u);
}

TEST_CASE("ls --json shows til's second shard", "[cli][ls][tf]") {
  if (SkipWithoutTfTestData()) return;
  const CliResult r = Cli({"ls", "--json", TfPath("til/cp-0000.ckpt")});
  REQUIRE(r.code == 0);
  const Json json = ParseJsonOrFail(r.out);
  REQUIRE(json.items.size() == 5);
  CHECK(json.items[0]["shard"].Uint() == 0);
  CHECK(json.items[2]["key"].text ==
        "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  CHECK(json.items[2]["shard"].Uint() == 1);
  CHECK(json.items[2]["shape"].items.size() == 2);
  CHECK(json.items[2]["shape"].items[0].Uint() == 784);
  CHECK(json.items[2]["size"].Uint() == 1605632);
}

TEST_CASE("ls escapes arbitrary key bytes", "[cli][ls]") {
  TempDir tmp;
  const std::string prefix = tmp.Join("odd");
  const std::vector<std::string> keys = {"a\nb", "quote\"key", "caf\xc3\xa9",
                                         std::string("\xff\x00z", 3)};
  {
    BundleWriterOptions options;
    options.sync = false;
    absl::StatusOr<std::unique_ptr<BundleWriter>> w =
        BundleWriter::Create(Env::Default(), prefix, options);
    CKPT_REQUIRE_OK(w);
    for (const std::string& key : keys) {
      CKPT_REQUIRE_OK((*w)->Add(key, Tensor::Scalar<float>(1.0f)));
    }
    CKPT_REQUIRE_OK((*w)->Finish());
  }
  const CliResult r = Cli({"ls", "--json", prefix});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Json json = ParseJsonOrFail(r.out);
  REQUIRE(json.items.size() == 4);  // byte order: a, c, q, ff
  CHECK(json.items[0]["key"].text == "a\nb");
  CHECK(json.items[1]["key"].text == "caf\xc3\xa9");
  CHECK(json.items[2]["key"].text == "quote\"key");
  // 0xFF is not UTF-8: shown as U+00FF.
  CHECK(json.items[3]["key"].text == std::string("\xc3\xbf\x00z", 4));
  CHECK_THAT(r.out, Contains("\"\\u00ff\\u0000z\""));

  const CliResult text = Cli({"ls", prefix});
  REQUIRE(text.code == 0);
  const std::vector<std::string> lines = Lines(text.out);
  REQUIRE(lines.size() == 5);
  CHECK_THAT(lines[1], StartsWith("a\\x0ab "));
  CHECK_THAT(lines[2], StartsWith("caf\xc3\xa9 "));
  CHECK_THAT(lines[3], StartsWith("quote\"key "));
  CHECK_THAT(lines[4], StartsWith("\\xff\\x00z "));
}

// ---- variant and unreadable dtypes ----

constexpr char kVariantKey[] = "iterator/.ATTRIBUTES/ITERATOR_STATE";

Tensor IteratorState() {
  return Tensor::FromVariantElements(
             TensorShape({1}),
             {testing::VariantElementBytes("tensorflow::Iterator", "pos=3", 2)})
      .value();
}

// float, variant and string entries, plus (with `unreadable`) a resource
// entry and one of unknown dtype 99.
std::string WriteVariantBundle(const TempDir& tmp, bool unreadable) {
  const std::string prefix = tmp.Join("v/ckpt-1");
  testing::WriteBundleOrDie(
      prefix, {{"w", Tensor::FromVector<float>({2}, {1, 2}).value()},
               {kVariantKey, IteratorState()},
               {"res", Tensor::Scalar<int64_t>(5)},
               {"s", Tensor::FromStrings({1}, {"x"}).value()},
               {"zz_new", Tensor::Scalar<int32_t>(6)}});
  if (unreadable) {
    testing::SetEntryDtypesOrDie(prefix, {{"res", 20}, {"zz_new", 99}});
  }
  return prefix;
}

TEST_CASE("ls lists variant, resource and unknown dtypes with the rest",
          "[cli][ls][variant]") {
  TempDir tmp;
  const std::string prefix = WriteVariantBundle(tmp, true);
  const CliResult r = Cli({"ls", prefix});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::vector<std::string> lines = Lines(r.out);
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[1],
             StartsWith(std::string(kVariantKey) + "  variant    [1]"));
  CHECK_THAT(lines[2], StartsWith("res "));
  CHECK_THAT(lines[2], Contains("  resource   []"));
  CHECK_THAT(lines[5], Contains("  dtype(99)  []"));
  const CliResult json = Cli({"ls", "--json", prefix});
  REQUIRE(json.code == 0);
  CHECK(ParseJsonOrFail(json.out).items[4]["dtype"].text == "dtype(99)");
}

TEST_CASE("verify checks every entry and fails only the unreadable ones",
          "[cli][verify][variant]") {
  TempDir tmp;
  const std::string prefix = WriteVariantBundle(tmp, true);
  const CliResult r = Cli({"verify", prefix});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("ckpt verify: " + IndexFilename(prefix) +
                             ": key 'res': dtype resource (20) cannot appear"));
  CHECK_THAT(r.err, Contains("key 'zz_new': unknown dtype 99"));
  CHECK_THAT(r.err, Contains("FAILED: 2 of 5 tensors failed; 3 tensors"));
  CHECK_THAT(r.err, !Contains("is corrupt"));

  const std::string clean = WriteVariantBundle(tmp, false);
  const CliResult ok = Cli({"verify", clean});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, StartsWith("OK: 5 tensors"));

  // A damaged variant element is found and named.
  const std::string data_path = DataFilename(clean, 0, 1);
  std::string data = ReadFileOrDie(data_path);
  const BundleEntry e = BundleReader::Open(Env::Default(), clean)
                            .value()
                            ->GetEntry(kVariantKey)
                            .value();
  const size_t at = static_cast<size_t>(e.offset) + 3;
  data[at] = static_cast<char>(data[at] ^ 0x04);
  WriteFileOrDie(data_path, data);
  const CliResult bad = Cli({"verify", clean});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Contains("key 'iterator/.ATTRIBUTES/ITERATOR_STATE': "
                               "variant tensor: element 0: checksum mismatch"));
  CHECK_THAT(bad.err, Contains("FAILED: 1 of 5 tensors failed"));
}

TEST_CASE("convert copies variant bytes unchanged, unreadable is refused",
          "[cli][convert][variant]") {
  TempDir tmp;
  const std::string src = WriteVariantBundle(tmp, false);
  const std::string dst = tmp.Join("out/ckpt-1");
  const CliResult r = Cli({"convert", src, dst});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(ReadFileOrDie(IndexFilename(dst)) == ReadFileOrDie(IndexFilename(src)));
  CHECK(ReadFileOrDie(DataFilename(dst, 0, 1)) ==
        ReadFileOrDie(DataFilename(src, 0, 1)));
  // Variant entries are never compressed.
  const std::string lz4 = tmp.Join("lz4/ckpt-1");
  REQUIRE(Cli({"convert", src, lz4, "--compression", "lz4"}).code == 0);
  CHECK(BundleReader::Open(Env::Default(), lz4)
            .value()
            ->Read(kVariantKey)
            ->Equals(IteratorState()));

  const std::string mixed = WriteVariantBundle(tmp, true);
  const CliResult refused = Cli({"convert", mixed, tmp.Join("m/ckpt-1")});
  CHECK(refused.code == 4);
  CHECK_THAT(refused.err, Contains("key 'res'"));
}

TEST_CASE("resave keeps a variant value byte for byte",
          "[cli][resave][variant]") {
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  {
    Variable w(DataType::kFloat, {3});
    Variable iterator(IteratorState());
    Checkpoint c;
    CKPT_REQUIRE_OK(c.Track("iterator", iterator));
    CKPT_REQUIRE_OK(c.Track("w", w));
    SaveOptions options;
    options.bundle.sync = false;
    CKPT_REQUIRE_OK(c.Write(src, options));
  }
  const std::string dst = tmp.Join("dst/ckpt-1");
  const CliResult r = Cli({"resave", src, dst});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(ReadFileOrDie(IndexFilename(dst)) == ReadFileOrDie(IndexFilename(src)));
  CHECK(ReadFileOrDie(DataFilename(dst, 0, 1)) ==
        ReadFileOrDie(DataFilename(src, 0, 1)));
  const CliResult tree = Cli({"tree", dst});
  CHECK(tree.code == 0);
  CHECK_THAT(tree.out, Contains("variant [1]"));
}

// ---- verify ----

TEST_CASE("verify passes on every TF vector with data", "[cli][verify][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"golf/ckpt-1", "26 tensors, 37074 bytes in 1 data file(s)"},
      {"golf/ckpt-2", "26 tensors, 37074 bytes in 1 data file(s)"},
      {"fsrcnn/ckpt-1", "57 tensors, 159203 bytes in 1 data file(s)"},
      {"til/cp-0000.ckpt", "5 tensors, 1628745 bytes in 2 data file(s)"},
      {"saved_model_half_plus_two_tf2_cpu/variables", " 1 data file(s)"},
      {"saved_model_half_plus_three/variables",
       "3 tensors, 12 bytes in 1 data file(s)"},
      {"saved_model_counter/variables", "1 tensors, 4 bytes in 1 data file(s)"},
  };
  for (const auto& [vector, counts] : cases) {
    INFO(vector);
    const CliResult r = Cli({"verify", TfPath(vector)});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, StartsWith("OK: "));
    CHECK_THAT(r.out, Contains(counts));
    CHECK_THAT(r.out, Contains(" verified: " + TfPath(vector) + "\n"));
    CHECK(Lines(r.out).size() == 1);
  }
  const CliResult golf = Cli({"verify", TfPath("golf/ckpt-1")});
  CHECK(golf.out == "OK: 26 tensors, 37074 bytes in 1 data file(s) verified: " +
                        TfPath("golf/ckpt-1") + "\n");
}

TEST_CASE("verify fails on the index-only vector naming the data file",
          "[cli][verify][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string prefix = TfPath("keras_new_optimizer_index_only/ckpt-1");
  const CliResult r = Cli({"verify", prefix});
  INFO(r.err);
  CHECK(r.code == cli::kExitFailed);
  CHECK(r.out.empty());
  CHECK_THAT(r.err,
             Contains(prefix + ".data-00000-of-00001: data file missing"));
  CHECK_THAT(r.err, Contains("FAILED: 78 of 78 tensors failed"));
  CHECK(Lines(r.err).size() == 2);  // one missing file, one summary
}

TEST_CASE("verify reports a corrupted tensor and continues",
          "[cli][verify][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  CopyVectorFiles("golf", tmp.path(), "ckpt-1.");
  const std::string prefix = tmp.Join("ckpt-1");
  const std::string data = prefix + ".data-00000-of-00001";
  FlipByte(data, 12 + 100);  // inside the layer-0 kernel [12, 1804)

  const CliResult r = Cli({"verify", prefix});
  INFO(r.err);
  CHECK(r.code == cli::kExitFailed);
  CHECK(r.out.empty());
  const std::vector<std::string> lines = Lines(r.err);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], StartsWith("ckpt verify: " + data + ": key '" +
                                  kGolfKernel + "': "));
  // The key is named once, even when the reader's message names it too.
  CHECK(lines[0].find(kGolfKernel) == lines[0].rfind(kGolfKernel));
  CHECK_THAT(lines[1],
             Contains("FAILED: 1 of 26 tensors failed; 25 tensors (35282 "
                      "bytes) verified in 1 data file(s): " +
                      prefix));

  // A corrupt string tensor (the object graph) too.
  FlipByte(data, 33912 + 1000);
  const CliResult r2 = Cli({"verify", prefix});
  CHECK(r2.code == cli::kExitFailed);
  CHECK_THAT(r2.err, Contains("_CHECKPOINTABLE_OBJECT_GRAPH"));
  CHECK_THAT(r2.err, Contains("FAILED: 2 of 26 tensors failed"));
}

TEST_CASE("verify --json reports the same facts as one object",
          "[cli][verify][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string golf = TfPath("golf/ckpt-1");
  CliResult ok = Cli({"verify", "--json", golf});
  CHECK(ok.code == cli::kExitOk);
  CHECK(ok.err.empty());
  CHECK(ok.out == "{\"prefix\": \"" + golf +
                      "\", \"ok\": true, \"tensors\": 26, \"verified\": 26, "
                      "\"bytes\": 37074, \"data_files\": 1, "
                      "\"missing_data_files\": [], \"failures\": []}\n");

  TempDir tmp;
  CopyVectorFiles("golf", tmp.path(), "ckpt-1.");
  const std::string prefix = tmp.Join("ckpt-1");
  const std::string data = prefix + ".data-00000-of-00001";
  FlipByte(data, 12 + 100);
  CliResult bad = Cli({"verify", "--json", prefix});
  CHECK(bad.code == cli::kExitFailed);
  CHECK(bad.err.empty());
  CHECK_THAT(bad.out, Contains("\"ok\": false, \"tensors\": 26, "
                               "\"verified\": 25, \"bytes\": 35282"));
  CHECK_THAT(bad.out,
             Contains("\"failures\": [{\"file\": \"" + data +
                      "\", \"key\": \"" + kGolfKernel + "\", \"error\": "));

  fs::remove(data);
  CliResult missing = Cli({"verify", "--json", prefix});
  CHECK(missing.code == cli::kExitFailed);
  CHECK_THAT(missing.out, Contains("\"verified\": 0"));
  CHECK_THAT(missing.out,
             Contains("\"missing_data_files\": [\"" + data + "\"]"));

  CopyVectorFiles("golf", tmp.path(), "ckpt-1.");
  FlipByte(prefix + ".index", 200);
  CliResult index = Cli({"verify", "--json", prefix});
  CHECK(index.code == cli::kExitFailed);
  CHECK_THAT(index.out, Contains("\"ok\": false"));
  CHECK_THAT(index.out, Contains("\"index_error\": "));
}

TEST_CASE("verify reports a truncated data file", "[cli][verify][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  CopyVectorFiles("golf", tmp.path(), "ckpt-1.");
  const std::string prefix = tmp.Join("ckpt-1");
  const std::string data = prefix + ".data-00000-of-00001";
  fs::resize_file(data, 30000);
  const CliResult r = Cli({"verify", prefix});
  INFO(r.err);
  CHECK(r.code == cli::kExitFailed);
  CHECK_THAT(r.err, Contains("_CHECKPOINTABLE_OBJECT_GRAPH"));
  CHECK_THAT(r.err, Contains("tensors failed"));
}

TEST_CASE("verify reports a corrupt index", "[cli][verify][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  CopyVectorFiles("golf", tmp.path(), "ckpt-1.");
  const std::string prefix = tmp.Join("ckpt-1");
  FlipByte(prefix + ".index", 200);  // inside the single data block
  const CliResult r = Cli({"verify", prefix});
  INFO(r.err);
  CHECK(r.code == cli::kExitFailed);
  CHECK_THAT(r.err, StartsWith("ckpt verify: "));
  CHECK_THAT(r.err, Contains("FAILED"));
  // ls on the same file is a plain DataLoss error.
  const CliResult ls = Cli({"ls", prefix});
  CHECK(ls.code == cli::kExitDataLoss);
  CHECK_THAT(ls.err, StartsWith("ckpt ls: "));
}

// ---- convert ----

TEST_CASE("convert reproduces TF-written bundles byte for byte",
          "[cli][convert][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const std::string& vector : ByteIdentityVectors()) {
    INFO(vector);
    TempDir tmp;
    const std::string src = TfPath(vector);
    const std::string dst = tmp.Join("out/ckpt");
    const CliResult r = Cli({"convert", src, dst});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, StartsWith("Converted "));
    CHECK_THAT(r.out, Contains(src + " -> " + dst));

    std::vector<std::string> src_files = BundleFiles(src);
    std::vector<std::string> dst_files = FilesIn(tmp.Join("out"));
    REQUIRE(src_files.size() == dst_files.size());  // no temp files left
    for (const std::string& name : src_files) {
      const std::string suffix = name.substr(Basename(src).size());
      INFO(name);
      CHECK(ReadFileOrDie(Dirname(src) + "/" + name) ==
            ReadFileOrDie(dst + suffix));
    }
  }
}

TEST_CASE("convert of the snappy-index vector keeps data and entries",
          "[cli][convert][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  const std::string src = TfPath("saved_model_half_plus_two_tf2_cpu/variables");
  const std::string dst = tmp.Join("variables");
  REQUIRE(Cli({"convert", src, dst}).code == 0);
  CHECK(ReadFileOrDie(src + ".data-00000-of-00001") ==
        ReadFileOrDie(dst + ".data-00000-of-00001"));
  CHECK(Cli({"ls", "--json", src}).out == Cli({"ls", "--json", dst}).out);
}

TEST_CASE("convert to lz4 and back restores identical bytes",
          "[cli][convert][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const std::string vector :
       {"golf/ckpt-1", "fsrcnn/ckpt-1", "til/cp-0000.ckpt"}) {
    INFO(vector);
    TempDir tmp;
    const std::string src = TfPath(vector);
    const std::string lz4 = tmp.Join("lz4/ckpt");
    const std::string back = tmp.Join("back/ckpt");
    const CliResult to = Cli({"convert", src, lz4, "--compression", "lz4"});
    INFO(to.err);
    REQUIRE(to.code == 0);
    CHECK_THAT(to.out, Contains("compression lz4"));
    const CliResult v = Cli({"verify", lz4});
    INFO(v.err);
    CHECK(v.code == 0);
    // Same keys, dtypes and shapes.
    const Json a = ParseJsonOrFail(Cli({"ls", "--json", src}).out);
    const Json b = ParseJsonOrFail(Cli({"ls", "--json", lz4}).out);
    REQUIRE(a.items.size() == b.items.size());
    for (size_t i = 0; i < a.items.size(); ++i) {
      CHECK(a.items[i]["key"].text == b.items[i]["key"].text);
      CHECK(a.items[i]["dtype"].text == b.items[i]["dtype"].text);
      CHECK(a.items[i]["shard"].Uint() == b.items[i]["shard"].Uint());
    }

    const CliResult from = Cli({"convert", "--compression=none", lz4, back});
    INFO(from.err);
    REQUIRE(from.code == 0);
    for (const std::string& name : BundleFiles(src)) {
      INFO(name);
      const std::string suffix = name.substr(Basename(src).size());
      CHECK(ReadFileOrDie(src + suffix) == ReadFileOrDie(back + suffix));
    }
    if (vector == "fsrcnn/ckpt-1") {
      // Some tensors really were compressed, so the round trip decompressed.
      const std::string data = ".data-00000-of-00001";
      CHECK(fs::file_size(lz4 + data) < fs::file_size(src + data));
      CHECK(ReadFileOrDie(lz4 + ".index") != ReadFileOrDie(src + ".index"));
      // And a corrupt compressed tensor is caught by verify.
      FlipByte(lz4 + data, fs::file_size(lz4 + data) / 2);
      const CliResult bad = Cli({"verify", lz4});
      CHECK(bad.code == cli::kExitFailed);
      CHECK_THAT(bad.err, Contains("FAILED: 1 of 57 tensors failed"));
    }
  }
}

TEST_CASE("convert refuses bad destinations and missing data",
          "[cli][convert][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  const std::string golf = TfPath("golf/ckpt-1");
  CliResult r = Cli({"convert", golf, golf});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, Contains("in place"));
  // The same prefix spelled another way is still the source.
  const std::string golf_dir = TfPath("golf");
  r = Cli({"convert", golf, golf_dir + "/./ckpt-1"});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, Contains("refusing to convert in place"));
  r = Cli({"resave", golf, golf_dir + "//ckpt-1"});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, Contains("refusing to resave in place"));
  r = Cli({"convert", golf, tmp.Join("x.index")});
  CHECK(r.code == cli::kExitUsage);
  CHECK_THAT(r.err, Contains("pass the prefix " + tmp.Join("x")));
  r = Cli({"convert", golf, tmp.path() + "/"});
  CHECK(r.code == cli::kExitUsage);
  r = Cli({"convert", tmp.Join("missing"), tmp.Join("out")});
  CHECK(r.code == cli::kExitNotFound);

  // Index-only source: NotFound naming the data file; nothing left behind.
  const std::string index_only =
      TfPath("keras_new_optimizer_index_only/ckpt-1");
  r = Cli({"convert", index_only, tmp.Join("out/ckpt")});
  INFO(r.err);
  CHECK(r.code == cli::kExitNotFound);
  CHECK_THAT(r.err, StartsWith("ckpt convert: "));
  CHECK_THAT(r.err, Contains("ckpt-1.data-00000-of-00001"));
  CHECK(Env::Default()->FileExists(tmp.Join("out/ckpt.index")).code() ==
        absl::StatusCode::kNotFound);
  if (fs::exists(tmp.Join("out"))) CHECK(FilesIn(tmp.Join("out")).empty());
}

// ---- path resolution ----

TEST_CASE("every path form resolves to the prefix", "[cli][prefix][tf]") {
  if (SkipWithoutTfTestData()) return;
  Env* env = Env::Default();
  const std::string golf = TfPath("golf");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {golf + "/ckpt-1", golf + "/ckpt-1"},
      {golf + "/ckpt-1.index", golf + "/ckpt-1"},
      {golf + "/ckpt-1.data-00000-of-00001", golf + "/ckpt-1"},
      {golf + "/checkpoint", golf + "/ckpt-2"},
      {golf, golf + "/ckpt-2"},
      {golf + "/", golf + "/ckpt-2"},
      {TfPath("til/cp-0000.ckpt.data-00001-of-00002"),
       TfPath("til/cp-0000.ckpt")},
      // No state file, a single index.
      {TfPath("saved_model_counter"), TfPath("saved_model_counter/variables")},
      {TfPath("keras_new_optimizer_index_only"),
       TfPath("keras_new_optimizer_index_only/ckpt-1")},
  };
  for (const auto& [path, prefix] : cases) {
    INFO(path);
    absl::StatusOr<std::string> resolved = cli::ResolvePrefix(env, path);
    CKPT_REQUIRE_OK(resolved);
    CHECK(*resolved == prefix);
  }
  // The same through the command line.
  for (const std::string& form :
       {golf + "/ckpt-2.index", golf + "/ckpt-2.data-00000-of-00001",
        golf + "/checkpoint", golf}) {
    INFO(form);
    const CliResult r = Cli({"verify", form});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Contains("verified: " + golf + "/ckpt-2\n"));
  }
}

TEST_CASE("til's state file names a missing checkpoint: hint",
          "[cli][prefix][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string til = TfPath("til");
  for (const std::string& path : {til, til + "/checkpoint"}) {
    INFO(path);
    const absl::StatusOr<std::string> r =
        cli::ResolvePrefix(Env::Default(), path);
    CKPT_REQUIRE_ERROR(r, absl::StatusCode::kNotFound,
                       til + "/cp-0050.ckpt.index");
    CKPT_REQUIRE_ERROR(r, absl::StatusCode::kNotFound,
                       "did you mean " + til + "/cp-0000.ckpt?");
  }
  const CliResult r = Cli({"ls", til});
  CHECK(r.code == cli::kExitNotFound);
  CHECK_THAT(r.err, StartsWith("ckpt ls: " + til + "/checkpoint names"));
  CHECK(r.out.empty());
}

TEST_CASE("path resolution errors", "[cli][prefix][tf]") {
  if (SkipWithoutTfTestData()) return;
  Env* env = Env::Default();
  TempDir tmp;
  // Nonexistent prefix next to existing ones: NotFound with a hint.
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, TfPath("golf/ckpt-3")),
                     absl::StatusCode::kNotFound, "did you mean one of: ");
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, TfPath("golf/ckpt-3")),
                     absl::StatusCode::kNotFound, TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, tmp.Join("nowhere/x")),
                     absl::StatusCode::kNotFound, "pass a checkpoint prefix");
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, tmp.Join("x.index")),
                     absl::StatusCode::kNotFound, tmp.Join("x.index"));
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, ""),
                     absl::StatusCode::kInvalidArgument, "empty");
  // An empty directory.
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, tmp.path()),
                     absl::StatusCode::kNotFound, "neither");
  // Several checkpoints and no state file: ambiguous.
  CopyVectorFiles("golf", tmp.path(), "ckpt-");
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, tmp.path()),
                     absl::StatusCode::kInvalidArgument, "2 checkpoints");
  // A state file with an absolute path.
  WriteFileOrDie(tmp.Join("checkpoint"),
                 "model_checkpoint_path: \"" + tmp.Join("ckpt-1") + "\"\n");
  absl::StatusOr<std::string> abs = cli::ResolvePrefix(env, tmp.path());
  CKPT_REQUIRE_OK(abs);
  CHECK(*abs == tmp.Join("ckpt-1"));
  // An unparsable state file: DataLoss naming it.
  WriteFileOrDie(tmp.Join("checkpoint"), "this is not { a state file");
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, tmp.path()),
                     absl::StatusCode::kDataLoss, tmp.Join("checkpoint"));
  const CliResult r = Cli({"ls", tmp.path()});
  CHECK(r.code == cli::kExitDataLoss);
  // Another kind of file.
  WriteFileOrDie(tmp.Join("notes.txt"), "hello");
  CKPT_REQUIRE_ERROR(cli::ResolvePrefix(env, tmp.Join("notes.txt")),
                     absl::StatusCode::kInvalidArgument, "not a checkpoint");
}

TEST_CASE("PrefixFromBundleFilename", "[cli][prefix]") {
  CHECK(cli::PrefixFromBundleFilename("a/b.index") == "a/b");
  CHECK(cli::PrefixFromBundleFilename("a/b.data-00000-of-00001") == "a/b");
  CHECK(cli::PrefixFromBundleFilename("cp.ckpt.data-00001-of-00002") ==
        "cp.ckpt");
  CHECK(cli::PrefixFromBundleFilename("b.data-123456-of-200000") == "b");
  CHECK_FALSE(cli::PrefixFromBundleFilename("b.data-0-of-1").has_value());
  CHECK_FALSE(cli::PrefixFromBundleFilename("b.data-0000a-of-00001"));
  CHECK_FALSE(cli::PrefixFromBundleFilename(".index").has_value());
  CHECK_FALSE(cli::PrefixFromBundleFilename("b").has_value());
}

// ---- usage ----

TEST_CASE("usage errors exit 2 with usage on stderr", "[cli][usage]") {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"--bogus"},
      {"ls"},
      {"ls", "a", "b"},
      {"ls", "--bogus", "a"},
      {"ls", "--json=yes", "a"},
      {"ls", "-x", "a"},
      {"verify"},
      {"verify", "--json=yes", "a"},
      {"verify", "--all", "a"},
      {"convert", "a"},
      {"convert", "a", "b", "c"},
      {"convert", "a", "b", "--compression"},
      {"convert", "a", "b", "--compression", "zstd"},
      {"convert", "a", "b", "--compression=lz4", "--compression=lz4"},
      {"help", "frobnicate"},
  };
  for (const auto& args : bad) {
    INFO(absl::StrJoin(args, " "));
    const CliResult r = Cli(args);
    CHECK(r.code == cli::kExitUsage);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("ckpt"));
    CHECK_THAT(r.err, Contains("usage: ckpt"));
  }
  CHECK_THAT(Cli({"frobnicate"}).err,
             StartsWith("ckpt: unknown command 'frobnicate'\n"));
  CHECK_THAT(Cli({"ls", "--bogus", "a"}).err,
             StartsWith("ckpt ls: unknown option '--bogus'\n"));
  CHECK_THAT(Cli({"convert", "a", "b", "--compression", "zstd"}).err,
             Contains("usage: ckpt convert"));
  // Positional arguments are checked by name, in one place (ParseArgs).
  CHECK_THAT(Cli({"ls"}).err, StartsWith("ckpt ls: missing PATH\n"));
  CHECK_THAT(Cli({"convert", "a"}).err,
             StartsWith("ckpt convert: missing DST\n"));
  CHECK_THAT(Cli({"verify", "a", "b"}).err,
             StartsWith("ckpt verify: unexpected argument 'b'\n"));
}

TEST_CASE("--help prints usage on stdout and exits 0", "[cli][usage]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"},
                                             {"-h"},
                                             {"help"},
                                             {"help", "ls"},
                                             {"ls", "--help"},
                                             {"verify", "-h"},
                                             {"convert", "--help"}}) {
    INFO(absl::StrJoin(args, " "));
    const CliResult r = Cli(args);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, StartsWith("usage: ckpt"));
  }
  CHECK_THAT(Cli({"ls", "--help"}).out, StartsWith("usage: ckpt ls PATH"));
}

TEST_CASE("exit codes map status codes", "[cli][usage]") {
  CHECK(cli::ExitCodeForStatus(absl::OkStatus()) == 0);
  CHECK(cli::ExitCodeForStatus(absl::InvalidArgumentError("")) == 2);
  CHECK(cli::ExitCodeForStatus(absl::NotFoundError("")) == 3);
  CHECK(cli::ExitCodeForStatus(absl::DataLossError("")) == 4);
  CHECK(cli::ExitCodeForStatus(absl::FailedPreconditionError("")) == 5);
  CHECK(cli::ExitCodeForStatus(absl::UnimplementedError("")) == 5);
  CHECK(cli::ExitCodeForStatus(absl::PermissionDeniedError("")) == 6);
  CHECK(cli::ExitCodeForStatus(absl::ResourceExhaustedError("")) == 6);
  CHECK(cli::ExitCodeForStatus(absl::UnknownError("")) == 6);
}

// ---- the executable, end to end ----

TEST_CASE("the ckpt binary runs end to end", "[cli][e2e][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string ckpt = ShellQuote(CliPath());
  std::string out;
  std::string err;

  const std::string golf1 = TfPath("golf/ckpt-1");
  CHECK(RunCommand(ckpt + " ls --json " + ShellQuote(golf1), &out, &err) == 0);
  CHECK(out == Cli({"ls", "--json", golf1}).out);
  ParseJsonOrFail(out);

  CHECK(RunCommand(ckpt + " verify " + ShellQuote(TfPath("golf")), &out,
                   &err) == 0);
  CHECK(out == "OK: 26 tensors, 37074 bytes in 1 data file(s) verified: " +
                   TfPath("golf") + "/ckpt-2\n");
  CHECK(err.empty());

  CHECK(RunCommand(ckpt + " verify " +
                       ShellQuote(TfPath("keras_new_optimizer_index_only")),
                   &out, &err) == 1);
  CHECK_THAT(err, Contains("data file missing"));

  CHECK(RunCommand(ckpt + " ls " + ShellQuote(TfPath("til")), &out, &err) == 3);
  CHECK_THAT(err, StartsWith("ckpt ls: "));
  CHECK_THAT(err, Contains("did you mean"));

  CHECK(RunCommand(ckpt + " frobnicate", &out, &err) == 2);
  CHECK_THAT(err, Contains("usage: ckpt"));
  CHECK(RunCommand(ckpt, &out, &err) == 2);
  CHECK(RunCommand(ckpt + " --help", &out, &err) == 0);
  CHECK_THAT(out, StartsWith("usage: ckpt"));

  TempDir tmp;
  const std::string dst = tmp.Join("c/ckpt-1");
  CHECK(
      RunCommand(ckpt + " convert " + ShellQuote(golf1) + " " + ShellQuote(dst),
                 &out, &err) == 0);
  CHECK(ReadFileOrDie(dst + ".index") == ReadFileOrDie(golf1 + ".index"));
}

// ---- tree ----

TEST_CASE("tree prints golf's object graph as text", "[cli][tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  const CliResult r = Cli({"tree", TfPath("golf/ckpt-1")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const std::vector<std::string> lines = Lines(r.out);
  const std::string k0 = "net/layer_with_weights-0/kernel";
  const std::vector<std::string> want = {
      "(root) (node 0)",
      "  net (node 1)",
      "    layer-0 (node 4)",
      "    layer_with_weights-0 (node 5)",
      "      kernel (node 9)",
      "        .ATTRIBUTES/VARIABLE_VALUE  float32 [7,64]  " + k0 +
          "/.ATTRIBUTES/VARIABLE_VALUE",
      "        slot m -> node 20 (net/optimizer)",
      "          .ATTRIBUTES/VARIABLE_VALUE  float32 [7,64]  " + k0 +
          "/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
      "        slot v -> node 26 (net/optimizer)",
      "          .ATTRIBUTES/VARIABLE_VALUE  float32 [7,64]  " + k0 +
          "/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
      "      bias (node 10)",
  };
  REQUIRE(lines.size() > want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("line " << i);
    CHECK(lines[i] == want[i]);
  }
  // Shared layers are shown once; later edges are references.
  CHECK(std::count(lines.begin(), lines.end(),
                   "    layer-1 -> node 5 (see net/layer_with_weights-0)") ==
        1);
  CHECK(std::count(lines.begin(), lines.end(), "      iter (node 15)") == 1);
  CHECK(std::count(lines.begin(), lines.end(),
                   "    .ATTRIBUTES/VARIABLE_VALUE  int32 []  "
                   "step/.ATTRIBUTES/VARIABLE_VALUE") == 1);
  CHECK(lines.back() ==
        "    .ATTRIBUTES/VARIABLE_VALUE  int64 []  "
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE");
  // Every node appears exactly once as "(node N)".
  for (int id = 0; id < 32; ++id) {
    const std::string tag = absl::StrCat(" (node ", id, ")");
    const std::string slot_tag =
        absl::StrCat("-> node ", id, " (net/optimizer)");
    size_t n = 0;
    for (const std::string& line : lines) {
      if (absl::EndsWith(line, tag) || absl::EndsWith(line, slot_tag)) ++n;
    }
    INFO("node " << id);
    CHECK(n == 1);
  }
  // Any PATH form works.
  CHECK(Cli({"tree", TfPath("golf/ckpt-1.index")}).out == r.out);
}

TEST_CASE("tree --json on golf parses back with the exact fields",
          "[cli][tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  const CliResult r = Cli({"tree", "--json", TfPath("golf/ckpt-1")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Json json = ParseJsonOrFail(r.out);
  REQUIRE(json.kind == Json::Kind::kArray);
  REQUIRE(json.items.size() == 32);
  for (size_t i = 0; i < json.items.size(); ++i) {
    const Json& node = json.items[i];
    CHECK(node.Keys() == std::vector<std::string>{"id", "path", "children",
                                                  "attributes", "slots"});
    CHECK(node["id"].Uint() == i);
  }
  const Json& root = json.items[0];
  CHECK(root["path"].text == "");
  REQUIRE(root["children"].items.size() == 3);
  CHECK(root["children"].items[0].Keys() ==
        std::vector<std::string>{"name", "id"});
  CHECK(root["children"].items[0]["name"].text == "net");
  CHECK(root["children"].items[0]["id"].Uint() == 1);
  CHECK(root["attributes"].items.empty());

  const Json& kernel = json.items[9];
  CHECK(kernel["path"].text == "net/layer_with_weights-0/kernel");
  REQUIRE(kernel["attributes"].items.size() == 1);
  const Json& attr = kernel["attributes"].items[0];
  CHECK(attr.Keys() ==
        std::vector<std::string>{"name", "key", "dtype", "shape"});
  CHECK(attr["name"].text == "VARIABLE_VALUE");
  CHECK(attr["key"].text == kGolfKernel);
  CHECK(attr["dtype"].text == "float32");
  REQUIRE(attr["shape"].items.size() == 2);
  CHECK(attr["shape"].items[0].Uint() == 7);
  CHECK(attr["shape"].items[1].Uint() == 64);

  const Json& opt = json.items[8];
  CHECK(opt["path"].text == "net/optimizer");
  REQUIRE(opt["slots"].items.size() == 12);
  const Json& slot = opt["slots"].items[0];
  CHECK(slot.Keys() ==
        std::vector<std::string>{"slot_name", "original_id", "slot_id"});
  CHECK(slot["slot_name"].text == "m");
  CHECK(slot["original_id"].Uint() == 9);
  CHECK(slot["slot_id"].Uint() == 20);
  CHECK(json.items[20]["path"].text ==
        "net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/net/optimizer/m");
}

TEST_CASE("tree works on every TF2 vector with data", "[cli][tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector : {"golf/ckpt-2", "fsrcnn/ckpt-1", "til/cp-0000.ckpt",
                             "saved_model_half_plus_two_tf2_cpu/variables"}) {
    INFO(vector);
    const CliResult text = Cli({"tree", TfPath(vector)});
    INFO(text.err);
    CHECK(text.code == 0);
    CHECK_THAT(text.out, StartsWith("(root) (node 0)\n"));
    CHECK_FALSE(absl::StrContains(text.out, "(no entry)"));
    const CliResult json = Cli({"tree", "--json", TfPath(vector)});
    CHECK(json.code == 0);
    ParseJsonOrFail(json.out);
  }
}

TEST_CASE("tree on the index-only vector names the missing data file",
          "[cli][tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  // The object graph is itself a tensor in the data file, so it cannot be
  // shown from the index alone; the error says so and names the file.
  const CliResult r = Cli({"tree", TfPath("keras_new_optimizer_index_only")});
  CHECK(r.code == 3);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("ckpt tree: "));
  CHECK_THAT(r.err, Contains("ckpt-1.data-00000-of-00001"));
  CHECK_THAT(r.err, Contains("ckpt ls"));
}

TEST_CASE("tree refuses a TF1 checkpoint with exit 5", "[cli][tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector :
       {"saved_model_half_plus_three/variables", "saved_model_counter"}) {
    INFO(vector);
    const CliResult r = Cli({"tree", TfPath(vector)});
    CHECK(r.code == 5);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("ckpt tree: "));
    CHECK_THAT(r.err, Contains("no object graph"));
    CHECK_THAT(r.err, Contains("ckpt ls"));
  }
}

TEST_CASE("tree and resave --help and usage errors", "[cli][tree][usage]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"tree", "--help"},
                                             {"help", "tree"},
                                             {"resave", "-h"},
                                             {"help", "resave"}}) {
    INFO(absl::StrJoin(args, " "));
    const CliResult r = Cli(args);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, StartsWith("usage: ckpt "));
  }
  CHECK_THAT(Cli({"tree", "--help"}).out, StartsWith("usage: ckpt tree PATH"));
  CHECK_THAT(Cli({"resave", "--help"}).out,
             StartsWith("usage: ckpt resave SRC DST"));
  CHECK_THAT(Cli({"--help"}).out, Contains("  tree PATH [--json]"));
  CHECK(Cli({"tree"}).code == 2);
  CHECK(Cli({"tree", "a", "b"}).code == 2);
  CHECK(Cli({"tree", "--bogus", "a"}).code == 2);
  CHECK(Cli({"resave", "a"}).code == 2);
  const CliResult missing = Cli({"resave", "a"});
  CHECK_THAT(missing.err, Contains("missing DST"));
  CHECK_THAT(missing.err, Contains("usage: ckpt resave"));
}

// ---- resave ----

TEST_CASE("resave reproduces TF's single-shard files byte for byte",
          "[cli][resave][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector : {"golf/ckpt-1", "golf/ckpt-2", "fsrcnn/ckpt-1"}) {
    INFO(vector);
    TempDir tmp;
    const std::string src = TfPath(vector);
    const std::string dst = tmp.Join("out/ckpt-1");
    const CliResult r = Cli({"resave", src, dst});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, StartsWith("Resaved "));
    CHECK_THAT(r.out, Contains(" -> " + dst + "\n"));
    CHECK(Lines(r.out).size() == 1);
    CHECK(
        BundleFiles(dst) ==
        std::vector<std::string>{"ckpt-1.data-00000-of-00001", "ckpt-1.index"});
    CHECK(ReadFileOrDie(dst + ".index") == ReadFileOrDie(src + ".index"));
    CHECK(ReadFileOrDie(dst + ".data-00000-of-00001") ==
          ReadFileOrDie(src + ".data-00000-of-00001"));
  }
  // The summary for golf: 32 objects, 25 values (the graph is not a value).
  TempDir tmp;
  const std::string dst = tmp.Join("g/ckpt-1");
  CHECK(Cli({"resave", TfPath("golf/ckpt-1"), dst}).out ==
        "Resaved 32 objects, 25 values: " + TfPath("golf/ckpt-1") + " -> " +
            dst + "\n");
}

TEST_CASE("resave merges til's two shards into one", "[cli][resave][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  const std::string dst = tmp.Join("til/cp-0000.ckpt");
  const CliResult r = Cli({"resave", TfPath("til/cp-0000.ckpt"), dst});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(BundleFiles(dst) ==
        std::vector<std::string>{"cp-0000.ckpt.data-00000-of-00001",
                                 "cp-0000.ckpt.index"});
  const CliResult want = Cli({"tree", "--json", TfPath("til/cp-0000.ckpt")});
  const CliResult got = Cli({"tree", "--json", dst});
  CHECK(got.code == 0);
  CHECK(got.out == want.out);
  CHECK(Cli({"verify", dst}).code == 0);
}

TEST_CASE("resave refuses TF1 checkpoints and bad destinations",
          "[cli][resave][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  const CliResult tf1 =
      Cli({"resave", TfPath("saved_model_half_plus_three/variables"),
           tmp.Join("x/variables")});
  CHECK(tf1.code == 5);
  CHECK_THAT(tf1.err, StartsWith("ckpt resave: "));
  CHECK_THAT(tf1.err, Contains("no object graph"));
  CHECK(FilesIn(tmp.path()).empty());

  const std::string golf = TfPath("golf/ckpt-1");
  CHECK(Cli({"resave", golf, golf}).code == 2);
  CHECK(Cli({"resave", golf, tmp.path() + "/"}).code == 2);
  CHECK(Cli({"resave", golf, tmp.Join("c.index")}).code == 2);
  CHECK(Cli({"resave", tmp.Join("nothing"), tmp.Join("y")}).code == 3);
}

TEST_CASE("the ckpt binary runs tree and resave", "[cli][e2e][tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string ckpt = ShellQuote(CliPath());
  std::string out;
  std::string err;
  const std::string fsrcnn = TfPath("fsrcnn/ckpt-1");
  CHECK(RunCommand(ckpt + " tree " + ShellQuote(fsrcnn), &out, &err) == 0);
  CHECK(out == Cli({"tree", fsrcnn}).out);
  CHECK(RunCommand(ckpt + " tree --json " + ShellQuote(fsrcnn), &out, &err) ==
        0);
  CHECK(ParseJsonOrFail(out).items.size() == 75);
  TempDir tmp;
  const std::string dst = tmp.Join("f/ckpt-1");
  CHECK(
      RunCommand(ckpt + " resave " + ShellQuote(fsrcnn) + " " + ShellQuote(dst),
                 &out, &err) == 0);
  CHECK(ReadFileOrDie(dst + ".index") == ReadFileOrDie(fsrcnn + ".index"));
  CHECK(ReadFileOrDie(dst + ".data-00000-of-00001") ==
        ReadFileOrDie(fsrcnn + ".data-00000-of-00001"));
  CHECK(RunCommand(
            ckpt + " tree " + ShellQuote(TfPath("saved_model_half_plus_three")),
            &out, &err) == 5);
}

}  // namespace
}  // namespace ckpt
