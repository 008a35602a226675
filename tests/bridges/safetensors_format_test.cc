// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// safetensors codec: the dtype table, byte-exact headers against the
// reference implementation's own test vectors (huggingface/safetensors,
// safetensors/src/tensor.rs: test_serialization, test_empty,
// test_serialization_forced_alignement), round trips of every dtype, the
// index file against Python's json.dumps, and one test per malformed header.

#include "bridges/safetensors_format.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt::bridges {
namespace {

using absl::StatusCode;

// u64le(json.size()) + json + data.
std::string File(const std::string& json, const std::string& data = "") {
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((uint64_t{json.size()} >> (8 * i)) & 0xff));
  }
  return out + json + data;
}

std::string Floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

absl::Status Parse(const std::string& json, size_t data_bytes = 0) {
  return ParseSafetensors(File(json, std::string(data_bytes, '\0')), "m.st")
      .status();
}

// A header with one entry: `"t": {<fields>}`.
std::string One(const std::string& fields) {
  return absl::StrCat("{\"t\":{", fields, "}}");
}

TEST_CASE("safetensors dtype names map both ways") {
  const std::vector<std::pair<DataType, std::string>> expected = {
      {DataType::kBool, "BOOL"},
      {DataType::kUInt8, "U8"},
      {DataType::kInt8, "I8"},
      {DataType::kInt16, "I16"},
      {DataType::kUInt16, "U16"},
      {DataType::kHalf, "F16"},
      {DataType::kBFloat16, "BF16"},
      {DataType::kInt32, "I32"},
      {DataType::kUInt32, "U32"},
      {DataType::kFloat, "F32"},
      {DataType::kDouble, "F64"},
      {DataType::kInt64, "I64"},
      {DataType::kUInt64, "U64"},
      {DataType::kFloat8E5M2, "F8_E5M2"},
      {DataType::kFloat8E4M3FN, "F8_E4M3"}};
  for (const auto& [dt, name] : expected) {
    INFO(name);
    REQUIRE(SafetensorsDtypeName(dt).has_value());
    CHECK(*SafetensorsDtypeName(dt) == name);
    CHECK(DataTypeFromSafetensorsName(name) == dt);
  }
  int named = 0;
  for (int raw = 0; raw <= 40; ++raw) {
    if (SafetensorsDtypeName(static_cast<DataType>(raw)).has_value()) ++named;
  }
  CHECK(named == static_cast<int>(expected.size()));
  for (DataType dt :
       {DataType::kString, DataType::kComplex64, DataType::kComplex128,
        DataType::kVariant, DataType::kResource, DataType::kQInt8,
        DataType::kInt4, DataType::kUInt4, DataType::kFloat8E4M3FNUZ,
        DataType::kFloat8E5M2FNUZ, DataType::kInvalid}) {
    CHECK_FALSE(SafetensorsDtypeName(dt).has_value());
  }
  CHECK_FALSE(DataTypeFromSafetensorsName("f32").has_value());
  CHECK_FALSE(DataTypeFromSafetensorsName("C64").has_value());
}

TEST_CASE("safetensors header matches the reference serializer byte for byte") {
  const std::string data = Floats({0, 1, 2, 3, 4, 5});
  SECTION("test_serialization: attn.0 F32 [1,2,3], no padding needed") {
    std::vector<SafetensorsTensorInfo> t = {
        {"attn.0", DataType::kFloat, {1, 2, 3}}};
    absl::StatusOr<std::string> head = SerializeSafetensorsHeader(t, {});
    CKPT_REQUIRE_OK(head);
    CHECK(
        *head ==
        std::string("\x40\0\0\0\0\0\0\0", 8) +
            R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})");
    CHECK(t[0].begin == 0);
    CHECK(t[0].end == 24);
    CKPT_REQUIRE_OK(ParseSafetensors(*head + data, "ref"));
  }
  SECTION("test_serialization_forced_alignement: seven spaces of padding") {
    std::vector<SafetensorsTensorInfo> t = {
        {"attn0", DataType::kFloat, {1, 1, 2, 3}}};
    absl::StatusOr<std::string> head = SerializeSafetensorsHeader(t, {});
    CKPT_REQUIRE_OK(head);
    CHECK(
        *head ==
        std::string("\x48\0\0\0\0\0\0\0", 8) +
            R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       )");
    CKPT_REQUIRE_OK(ParseSafetensors(*head + data, "ref"));
  }
  SECTION("test_empty: no tensors, with and without metadata") {
    std::vector<SafetensorsTensorInfo> none;
    absl::StatusOr<std::string> head = SerializeSafetensorsHeader(none, {});
    CKPT_REQUIRE_OK(head);
    CHECK(*head == std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
    const std::vector<std::pair<std::string, std::string>> meta = {
        {"framework", "pt"}};
    head = SerializeSafetensorsHeader(none, meta);
    CKPT_REQUIRE_OK(head);
    CHECK(*head == std::string("\x28\0\0\0\0\0\0\0", 8) +
                       R"({"__metadata__":{"framework":"pt"}}     )");
    absl::StatusOr<SafetensorsHeader> h = ParseSafetensors(*head, "ref");
    CKPT_REQUIRE_OK(h);
    CHECK(h->tensors.empty());
    CHECK(h->metadata == meta);
    CHECK(h->data_start == 48);
  }
}

TEST_CASE("safetensors round trip of every dtype through a file") {
  std::mt19937_64 rng(11);
  std::vector<SafetensorsTensorInfo> tensors;
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {3}, {2, 5}, {0, 4}, {1, 1, 3}};
  int i = 0;
  for (int raw = 0; raw <= 30; ++raw) {
    const DataType dt = static_cast<DataType>(raw);
    if (!SafetensorsDtypeName(dt).has_value()) continue;
    for (const auto& shape : shapes) {
      tensors.push_back(
          {absl::StrCat("layer", i++, ".", DataTypeName(dt)), dt, shape});
    }
  }
  const std::vector<std::pair<std::string, std::string>> meta = {
      {"zeta", "last"}, {"format", "pt"}, {"quote\"\\\n", "\xc3\xa9"}};
  absl::StatusOr<std::string> head = SerializeSafetensorsHeader(tensors, meta);
  CKPT_REQUIRE_OK(head);
  CHECK(head->size() % 8 == 0);
  std::string data(tensors.back().end, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const std::string bytes = *head + data;

  std::unique_ptr<Env> env = NewMemEnv();
  auto w = env->NewWritableFile("/m.safetensors");
  CKPT_REQUIRE_OK(w);
  CKPT_REQUIRE_OK((*w)->Append(bytes));
  CKPT_REQUIRE_OK((*w)->Close());
  auto f = env->NewRandomAccessFile("/m.safetensors");
  CKPT_REQUIRE_OK(f);
  absl::StatusOr<SafetensorsHeader> h =
      ReadSafetensorsHeader(**f, bytes.size(), "m.safetensors");
  CKPT_REQUIRE_OK(h);
  CHECK(h->data_start == head->size());
  REQUIRE(h->tensors.size() == tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) {
    INFO(tensors[k].name);
    CHECK(h->tensors[k].name == tensors[k].name);
    CHECK(h->tensors[k].dtype == tensors[k].dtype);
    CHECK(h->tensors[k].shape == tensors[k].shape);
    CHECK(h->tensors[k].begin == tensors[k].begin);
    CHECK(h->tensors[k].end == tensors[k].end);
  }
  const std::vector<std::pair<std::string, std::string>> sorted = {
      {"format", "pt"}, {"quote\"\\\n", "\xc3\xa9"}, {"zeta", "last"}};
  CHECK(h->metadata == sorted);
  absl::StatusOr<SafetensorsHeader> pure = ParseSafetensors(bytes, "m");
  CKPT_REQUIRE_OK(pure);
  CHECK(pure->tensors.size() == tensors.size());
}

TEST_CASE("safetensors entries in any header order come back in file order") {
  const std::string json =
      R"({"b":{"dtype":"I8","shape":[2],"data_offsets":[3,5]},)"
      R"("z":{"data_offsets":[5,5],"shape":[0],"dtype":"F64"},)"
      R"( "a" : { "shape" : [ 3 ] , "dtype" : "U8", "data_offsets" : [0, 3] } })";
  absl::StatusOr<SafetensorsHeader> h =
      ParseSafetensors(File(json + "   ", "abcde"), "m");
  CKPT_REQUIRE_OK(h);
  REQUIRE(h->tensors.size() == 3);
  CHECK(h->tensors[0].name == "a");
  CHECK(h->tensors[1].name == "b");
  CHECK(h->tensors[2].name == "z");
  CHECK(h->tensors[2].shape == std::vector<int64_t>{0});
}

TEST_CASE("safetensors zero tensors and an empty data region are valid") {
  CKPT_REQUIRE_OK(ParseSafetensors(File("{}"), "m"));
  CKPT_REQUIRE_OK(ParseSafetensors(File("{}  \n\t "), "m"));
  CKPT_REQUIRE_ERROR(ParseSafetensors(File("{}", "x"), "m"),
                     StatusCode::kDataLoss, "bytes [0, 1)");
}

// ---- malformed files: one test per case ----

TEST_CASE("safetensors file shorter than 8 bytes") {
  CKPT_REQUIRE_ERROR(ParseSafetensors("1234567", "short.st"),
                     StatusCode::kDataLoss, "short.st: file of 7 bytes");
  CKPT_REQUIRE_ERROR(ParseSafetensors("", "e"), StatusCode::kDataLoss,
                     "too short");
}

TEST_CASE("safetensors header length above the limit") {
  std::string bytes = File("{}");
  const uint64_t n = kMaxSafetensorsHeaderBytes + 1;
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  CKPT_REQUIRE_ERROR(ParseSafetensors(bytes, "big"), StatusCode::kDataLoss,
                     "header length 100000001 exceeds the limit");
  bytes.replace(0, 8, std::string(8, '\xff'));
  CKPT_REQUIRE_ERROR(ParseSafetensors(bytes, "big"), StatusCode::kDataLoss,
                     "header length 18446744073709551615 exceeds");
}

TEST_CASE("safetensors header length past the end of the file") {
  std::string bytes = File("{}");
  bytes[0] = 3;
  CKPT_REQUIRE_ERROR(ParseSafetensors(bytes, "cut"), StatusCode::kDataLoss,
                     "cut: header length 3 beyond the file of 10 bytes");
}

TEST_CASE("safetensors header that is not valid UTF-8") {
  CKPT_REQUIRE_ERROR(
      Parse(R"({"t\xff":{"dtype":"U8","shape":[],"data_offsets":[0,1]}})", 1),
      StatusCode::kDataLoss, "not valid JSON");
  CKPT_REQUIRE_ERROR(Parse("{\"\xc0\x80\":1}"), StatusCode::kDataLoss,
                     "not valid JSON");
}

TEST_CASE("safetensors header that is not JSON") {
  CKPT_REQUIRE_ERROR(Parse("{\"t\":"), StatusCode::kDataLoss, "not valid JSON");
  CKPT_REQUIRE_ERROR(Parse("{} x"), StatusCode::kDataLoss, "not valid JSON");
  CKPT_REQUIRE_ERROR(Parse(""), StatusCode::kDataLoss,
                     "header does not start with '{'");
  CKPT_REQUIRE_ERROR(Parse("{'t':1}"), StatusCode::kDataLoss, "not valid JSON");
}

TEST_CASE("safetensors header whose top level is not an object") {
  // The reference requires '{' first: arrays, scalars, a byte-order mark
  // and leading whitespace are all refused before parsing.
  for (const char* text :
       {"[]", "5", "\"x\"", "\xEF\xBB\xBF{}", " {}", "\n{}"}) {
    INFO(text);
    CKPT_REQUIRE_ERROR(Parse(text), StatusCode::kDataLoss,
                       "header does not start with '{'");
  }
}

TEST_CASE("safetensors numbers written with a minus sign are refused") {
  CKPT_REQUIRE_ERROR(
      Parse(R"({"t":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}})"),
      StatusCode::kDataLoss, "-0");
  CKPT_REQUIRE_ERROR(
      Parse(R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[-0,1]}})"),
      StatusCode::kDataLoss, "-0");
}

TEST_CASE("safetensors nesting bomb is refused at depth 4 at no cost") {
  const std::string deep = absl::StrCat(R"({"t":{"dtype":"F32","shape":)",
                                        std::string(1 << 20, '['));
  const std::string bytes = File(deep);
  testing::AllocationScope scope;
  CKPT_REQUIRE_ERROR(ParseSafetensors(bytes, "bomb"), StatusCode::kDataLoss,
                     "tensor 't': nested deeper than 3 levels");
  CHECK(scope.peak_bytes() < (64 << 10));
  CKPT_REQUIRE_ERROR(Parse(R"({"t":{"shape":[{"a":1}]}})"),
                     StatusCode::kDataLoss, "nested deeper than 3 levels");
  CKPT_REQUIRE_ERROR(Parse(std::string(100000, '[')), StatusCode::kDataLoss,
                     "does not start with '{'");
}

TEST_CASE("safetensors duplicate tensor name") {
  CKPT_REQUIRE_ERROR(
      Parse(R"({"t":{"dtype":"U8","shape":[],"data_offsets":[0,1]},)"
            R"("t":{"dtype":"U8","shape":[],"data_offsets":[1,2]}})",
            2),
      StatusCode::kDataLoss, "m.st: duplicate tensor 't'");
}

TEST_CASE("safetensors duplicate keys inside an entry or the metadata") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","dtype":"I8","shape":[],"data_offsets":[0,1])"),
            1),
      StatusCode::kDataLoss, "tensor 't': duplicate field 'dtype'");
  CKPT_REQUIRE_ERROR(Parse(R"({"__metadata__":{"a":"1","a":"2"}})"),
                     StatusCode::kDataLoss, "__metadata__: duplicate key 'a'");
  CKPT_REQUIRE_ERROR(Parse(R"({"__metadata__":{},"__metadata__":{}})"),
                     StatusCode::kDataLoss, "duplicate key '__metadata__'");
}

TEST_CASE("safetensors empty tensor name") {
  CKPT_REQUIRE_ERROR(
      Parse(R"({"":{"dtype":"U8","shape":[],"data_offsets":[0,1]}})", 1),
      StatusCode::kDataLoss, "m.st: empty tensor name");
}

TEST_CASE("safetensors unknown dtype") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"F33","shape":[],"data_offsets":[0,4])"), 4),
      StatusCode::kDataLoss, "tensor 't': unknown dtype 'F33'");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"F8_E8M0","shape":[],"data_offsets":[0,1])"), 1),
      StatusCode::kDataLoss,
      "tensor 't': dtype 'F8_E8M0' has no TensorFlow equivalent");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":7,"shape":[],"data_offsets":[0,1])"), 1),
      StatusCode::kDataLoss,
      "tensor 't': dtype is not a string (found number 7)");
}

TEST_CASE("safetensors entry missing a field") {
  CKPT_REQUIRE_ERROR(Parse(One(R"("shape":[],"data_offsets":[0,1])"), 1),
                     StatusCode::kDataLoss, "tensor 't': missing 'dtype'");
  CKPT_REQUIRE_ERROR(Parse(One(R"("dtype":"U8","data_offsets":[0,1])"), 1),
                     StatusCode::kDataLoss, "tensor 't': missing 'shape'");
  CKPT_REQUIRE_ERROR(Parse(One(R"("dtype":"U8","shape":[])"), 1),
                     StatusCode::kDataLoss,
                     "tensor 't': missing 'data_offsets'");
}

TEST_CASE("safetensors entry with an unknown field") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[],"data_offsets":[0,1],"offsets":1)"),
            1),
      StatusCode::kDataLoss, "tensor 't': unknown field 'offsets'");
}

TEST_CASE("safetensors entry that is not an object") {
  CKPT_REQUIRE_ERROR(Parse(R"({"t":[1,2]})"), StatusCode::kDataLoss,
                     "tensor 't': entry is not an object (found an array)");
  CKPT_REQUIRE_ERROR(Parse(R"({"t":null})"), StatusCode::kDataLoss,
                     "tensor 't': entry is not an object (found null)");
}

TEST_CASE("safetensors shape that is not an array of non-negative integers") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":3,"data_offsets":[0,3])"), 3),
      StatusCode::kDataLoss, "tensor 't': shape is not an array");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[-3],"data_offsets":[0,3])"), 3),
      StatusCode::kDataLoss, "tensor 't': negative dimension in shape");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[1.5],"data_offsets":[0,3])"), 3),
      StatusCode::kDataLoss, "non-negative integers (found number '1.5')");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":["3"],"data_offsets":[0,3])"), 3),
      StatusCode::kDataLoss, "(found string '3')");
  CKPT_REQUIRE_ERROR(
      Parse(One(
          R"("dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,3])")),
      StatusCode::kDataLoss, "non-negative integers (found number");
  CKPT_REQUIRE_ERROR(
      Parse(One(
          R"("dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,3])")),
      StatusCode::kDataLoss, "dimension 9223372036854775808 out of range");
}

TEST_CASE("safetensors shape of rank above 254") {
  std::string dims = "1";
  for (int i = 1; i < 255; ++i) dims += ",1";
  CKPT_REQUIRE_ERROR(Parse(One(absl::StrCat(R"("dtype":"U8","shape":[)", dims,
                                            R"(],"data_offsets":[0,1])")),
                           1),
                     StatusCode::kDataLoss,
                     "tensor 't': shape of rank above 254");
  dims = "1";
  for (int i = 1; i < 254; ++i) dims += ",1";
  CKPT_REQUIRE_OK(Parse(One(absl::StrCat(R"("dtype":"U8","shape":[)", dims,
                                         R"(],"data_offsets":[0,1])")),
                        1));
}

TEST_CASE("safetensors shape whose element count or byte size overflows") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[4294967296,4294967296],)"
                R"("data_offsets":[0,0])")),
      StatusCode::kDataLoss,
      "tensor 't': shape [4294967296,4294967296] overflows");
  CKPT_REQUIRE_ERROR(Parse(One(R"("dtype":"F64","shape":[9223372036854775807],)"
                               R"("data_offsets":[0,0])")),
                     StatusCode::kDataLoss,
                     "shape [9223372036854775807] overflows");
}

TEST_CASE("safetensors data_offsets that are not two unsigned integers") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[1],"data_offsets":[0])"), 1),
      StatusCode::kDataLoss, "tensor 't': data_offsets has 1 values, not 2");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[1],"data_offsets":[0,1,2])"), 1),
      StatusCode::kDataLoss, "data_offsets has more than 2 values");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[1],"data_offsets":[-1,0])"), 1),
      StatusCode::kDataLoss,
      "data_offsets is not two unsigned integers (found number -1)");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[1],"data_offsets":{"a":0})"), 1),
      StatusCode::kDataLoss, "data_offsets is not an array (found an object)");
}

TEST_CASE("safetensors data_offsets with begin after end") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[0],"data_offsets":[2,1])"), 2),
      StatusCode::kDataLoss, "tensor 't': data_offsets [2, 1) begin after end");
}

TEST_CASE("safetensors data_offsets disagreeing with dtype and shape") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,20])"), 20),
      StatusCode::kDataLoss,
      "tensor 't': data_offsets [0, 20) hold 20 bytes, but F32 [2,3] needs 24");
}

TEST_CASE("safetensors hole between tensors") {
  CKPT_REQUIRE_ERROR(
      Parse(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
            R"("b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})",
            5),
      StatusCode::kDataLoss,
      "bytes [2, 3) of the data region belong to no tensor (between 'a' [0, "
      "2) and 'b' [3, 5))");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[2],"data_offsets":[1,3])"), 3),
      StatusCode::kDataLoss,
      "bytes [0, 1) of the data region belong to no "
      "tensor (before 't' [1, 3))");
}

TEST_CASE("safetensors overlapping tensors") {
  CKPT_REQUIRE_ERROR(
      Parse(R"({"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},)"
            R"("b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
            4),
      StatusCode::kDataLoss, "tensors 'a' [0, 3) and 'b' [2, 4) overlap");
}

TEST_CASE("safetensors bytes after the last tensor or a tensor past the end") {
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[2],"data_offsets":[0,2])"), 5),
      StatusCode::kDataLoss,
      "bytes [2, 5) of the data region belong to no tensor (after 't' [0, 2))");
  CKPT_REQUIRE_ERROR(
      Parse(One(R"("dtype":"U8","shape":[8],"data_offsets":[0,8])"), 5),
      StatusCode::kDataLoss,
      "tensor 't' [0, 8) extends past the end of the data region (5 bytes)");
}

TEST_CASE("safetensors __metadata__ that is not an object of strings") {
  CKPT_REQUIRE_ERROR(Parse(R"({"__metadata__":"x"})"), StatusCode::kDataLoss,
                     "__metadata__ is not an object (found string 'x')");
  CKPT_REQUIRE_ERROR(Parse(R"({"__metadata__":{"a":1}})"),
                     StatusCode::kDataLoss,
                     "__metadata__: value of 'a' is not a string (found "
                     "number 1)");
  CKPT_REQUIRE_ERROR(Parse(R"({"__metadata__":{"a":["x"]}})"),
                     StatusCode::kDataLoss,
                     "value of 'a' is not a string (found an array)");
}

TEST_CASE("safetensors names from the file are quoted in messages") {
  CKPT_REQUIRE_ERROR(
      Parse(
          R"({"bad\u0001'name":{"dtype":"Q","shape":[],"data_offsets":[0,0]}})"),
      StatusCode::kDataLoss, "tensor 'bad\\x01\\x27name': unknown dtype 'Q'");
}

TEST_CASE("safetensors ReadSafetensorsHeader checks the file") {
  std::unique_ptr<Env> env = NewMemEnv();
  const auto open = [&](const std::string& bytes) {
    auto w = env->NewWritableFile("/f");
    REQUIRE(w.ok());
    REQUIRE((*w)->Append(bytes).ok());
    REQUIRE((*w)->Close().ok());
    auto f = env->NewRandomAccessFile("/f");
    REQUIRE(f.ok());
    return std::move(*f);
  };
  std::unique_ptr<RandomAccessFile> f = open("abc");
  CKPT_REQUIRE_ERROR(ReadSafetensorsHeader(*f, 3, "f.st"),
                     StatusCode::kDataLoss, "f.st: file of 3 bytes");
  std::string bytes = File("{}");
  bytes[0] = 100;
  f = open(bytes);
  CKPT_REQUIRE_ERROR(ReadSafetensorsHeader(*f, bytes.size(), "f.st"),
                     StatusCode::kDataLoss,
                     "header length 100 beyond the file");
  f = open(File(One(R"("dtype":"U8","shape":[2],"data_offsets":[0,2])"), "xy"));
  absl::StatusOr<SafetensorsHeader> h =
      ReadSafetensorsHeader(*f, f->size(), "f.st");
  CKPT_REQUIRE_OK(h);
  REQUIRE(h->tensors.size() == 1);
  CHECK(h->tensors[0].shape == std::vector<int64_t>{2});
}

// ---- the writer's argument checks ----

TEST_CASE("safetensors serializer refuses a dtype safetensors lacks") {
  for (DataType dt : {DataType::kString, DataType::kComplex64,
                      DataType::kVariant, DataType::kFloat8E4M3FNUZ}) {
    std::vector<SafetensorsTensorInfo> t = {{"x", dt, {1}}};
    CKPT_REQUIRE_ERROR(SerializeSafetensorsHeader(t, {}),
                       StatusCode::kInvalidArgument,
                       "has no safetensors equivalent");
  }
}

TEST_CASE("safetensors serializer refuses bad names and shapes") {
  const auto check = [](std::vector<SafetensorsTensorInfo> t,
                        const std::string& substr) {
    CKPT_REQUIRE_ERROR(SerializeSafetensorsHeader(t, {}),
                       StatusCode::kInvalidArgument, substr);
  };
  check({{"", DataType::kFloat, {}}}, "empty tensor name");
  check({{"a", DataType::kFloat, {}}, {"a", DataType::kInt8, {}}},
        "duplicate tensor name");
  check({{"__metadata__", DataType::kFloat, {}}}, "reserved");
  check({{"a\xff", DataType::kFloat, {}}}, "not valid UTF-8");
  check({{"a", DataType::kFloat, {-1}}}, "invalid shape [-1]");
  check({{"a", DataType::kFloat, {int64_t{1} << 62, 8}}}, "invalid shape");
  std::vector<SafetensorsTensorInfo> t = {{"a", DataType::kFloat, {}}};
  const std::vector<std::pair<std::string, std::string>> dup = {{"k", "1"},
                                                                {"k", "2"}};
  CKPT_REQUIRE_ERROR(SerializeSafetensorsHeader(t, dup),
                     StatusCode::kInvalidArgument, "duplicate key 'k'");
}

TEST_CASE("safetensors serializer escapes names as serde_json does") {
  std::vector<SafetensorsTensorInfo> t = {
      {"a\"b\\c\nd\x01\xc3\xa9\x7f", DataType::kUInt8, {1}}};
  absl::StatusOr<std::string> head = SerializeSafetensorsHeader(t, {});
  CKPT_REQUIRE_OK(head);
  CHECK_THAT(*head, Catch::Contains(R"("a\"b\\c\nd\u0001)"
                                    "\xc3\xa9\x7f\":"));
  absl::StatusOr<SafetensorsHeader> h = ParseSafetensors(*head + "z", "m");
  CKPT_REQUIRE_OK(h);
  CHECK(h->tensors[0].name == t[0].name);
}

// ---- model.safetensors.index.json ----

TEST_CASE(
    "safetensors index matches Python's json.dumps(indent=2, sort_keys)") {
  // /usr/bin/python3: json.dumps(idx, indent=2, sort_keys=True) + "\n".
  const std::string expected =
      "{\n  \"metadata\": {\n    \"format\": \"pt\",\n    \"total_size\": "
      "123456789012,\n    \"zeta\": \"\\u00e9\"\n  },\n  \"weight_map\": {\n   "
      " \"a.bias\": \"model-00001-of-00002.safetensors\",\n    \"b.weight\": "
      "\"model-00002-of-00002.safetensors\",\n    "
      "\"q\\\"\\\\\\n\\u007f\\ud83d\\ude00\": "
      "\"model-00001-of-00002.safetensors\"\n  }\n}\n";
  const std::string got = SerializeSafetensorsIndex(
      123456789012,
      {{"zeta", "\xc3\xa9"}, {"format", "pt"}, {"total_size", "ignored"}},
      {{"b.weight", "model-00002-of-00002.safetensors"},
       {"q\"\\\n\x7f\xf0\x9f\x98\x80", "model-00001-of-00002.safetensors"},
       {"a.bias", "model-00001-of-00002.safetensors"}});
  CHECK(got == expected);
  CHECK(SerializeSafetensorsIndex(0, {}, {}) ==
        "{\n  \"metadata\": {\n    \"total_size\": 0\n  },\n  \"weight_map\": "
        "{}\n}\n");

  absl::StatusOr<SafetensorsIndex> index = ParseSafetensorsIndex(got, "i.json");
  CKPT_REQUIRE_OK(index);
  CHECK(index->total_size == 123456789012);
  const std::vector<std::pair<std::string, std::string>> map = {
      {"a.bias", "model-00001-of-00002.safetensors"},
      {"b.weight", "model-00002-of-00002.safetensors"},
      {"q\"\\\n\x7f\xf0\x9f\x98\x80", "model-00001-of-00002.safetensors"}};
  CHECK(index->weight_map == map);
}

TEST_CASE("safetensors index: total_size is optional and other keys ignored") {
  absl::StatusOr<SafetensorsIndex> index = ParseSafetensorsIndex(
      R"({"weight_map":{"b":"2.st","a":"1.st"},"extra":[1,{"x":null}],)"
      R"("metadata":{"note":{"deep":[true]}}})",
      "i");
  CKPT_REQUIRE_OK(index);
  CHECK(index->total_size == 0);
  REQUIRE(index->weight_map.size() == 2);
  CHECK(index->weight_map[0].first == "a");
  index = ParseSafetensorsIndex(
      R"({"metadata":{"total_size":1234.0},"weight_map":{}})", "i");
  CKPT_REQUIRE_OK(index);
  CHECK(index->total_size == 1234);
}

TEST_CASE("safetensors index with a file name that is not plain") {
  for (const char* name : {"", ".", "..", "../x.st", "a/b.st", "/abs.st",
                           "a\\\\b.st", "nul\\u0000.st"}) {
    INFO(name);
    CKPT_REQUIRE_ERROR(
        ParseSafetensorsIndex(
            absl::StrCat(R"({"weight_map":{"w":")", name, "\"}}"), "i.json"),
        StatusCode::kDataLoss, "i.json: weight_map: tensor 'w': ");
  }
}

TEST_CASE("safetensors index that is malformed") {
  const auto bad = [](const std::string& json, const std::string& substr) {
    CKPT_REQUIRE_ERROR(ParseSafetensorsIndex(json, "i.json"),
                       StatusCode::kDataLoss, substr);
  };
  bad("", "not valid JSON");
  bad("[]", "not a JSON object");
  bad(R"({"metadata":{}})", "no 'weight_map' object");
  bad(R"({"weight_map":[]})", "weight_map is not an object");
  bad(R"({"weight_map":{"a":1}})", "file is not a string (found number 1)");
  bad(R"({"weight_map":{"a":"x","a":"y"}})", "weight_map: duplicate key 'a'");
  bad(R"({"weight_map":{},"weight_map":{}})", "duplicate key 'weight_map'");
  bad(R"({"weight_map":{"":"x"}})", "empty tensor name");
  bad(R"({"metadata":{"total_size":-1},"weight_map":{}})",
      "total_size is not a non-negative integer");
  bad(R"({"metadata":{"total_size":"12"},"weight_map":{}})",
      "total_size is not a non-negative integer");
  bad(R"({"metadata":5,"weight_map":{}})", "metadata is not an object");
  bad(absl::StrCat(R"({"x":)", std::string(1 << 16, '[')),
      "nested deeper than 16 levels");
  CKPT_REQUIRE_ERROR(
      ParseSafetensorsIndex(std::string(kMaxSafetensorsIndexBytes + 1, ' '),
                            "i.json"),
      StatusCode::kDataLoss, "exceeds the limit");
}

}  // namespace
}  // namespace ckpt::bridges
