// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// npy codec: headers byte-identical to numpy 1.24's np.save (fixed bytes
// obtained from /usr/bin/python3 with numpy 1.24.2), parsing of versions
// 1.0, 2.0 and 3.0, round trips of every dtype, the dict grammar's
// variations, and one test per malformed or unsupported header.

#include "bridges/npy_format.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "testing/test_util.h"

namespace ckpt::bridges {
namespace {

using absl::StatusCode;

template <size_t N>
std::string Bin(const char (&s)[N]) {
  return std::string(s, N - 1);
}

struct Fixture {
  DataType dtype;
  std::vector<int64_t> shape;
  size_t width;
  std::string prefix_hex;  // magic, version, header length
  std::string dict;
  int spaces;  // numpy's room to grow plus padding, before the '\n'
  std::string Header() const {
    return testing::FromHex(prefix_hex) + dict + std::string(spaces, ' ') +
           "\n";
  }
};

// The bytes of np.lib.format._write_array_header (what np.save writes for
// a C-order array), numpy 1.24.2.
std::vector<Fixture> NumpyHeaders() {
  return {
      {DataType::kFloat,
       {},
       0,
       "934e554d505901007600",
       "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
       62},
      {DataType::kFloat,
       {3},
       0,
       "934e554d505901007600",
       "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
       60},
      {DataType::kFloat,
       {2, 3},
       0,
       "934e554d505901007600",
       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
       58},
      {DataType::kHalf,
       {4},
       0,
       "934e554d505901007600",
       "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
       60},
      {DataType::kDouble,
       {0},
       0,
       "934e554d505901007600",
       "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }",
       60},
      {DataType::kBool,
       {2, 2},
       0,
       "934e554d505901007600",
       "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }",
       58},
      {DataType::kInt8,
       {5},
       0,
       "934e554d505901007600",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (5,), }",
       60},
      {DataType::kUInt8,
       {7},
       0,
       "934e554d505901007600",
       "{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }",
       60},
      {DataType::kInt16,
       {1},
       0,
       "934e554d505901007600",
       "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }",
       60},
      {DataType::kUInt16,
       {1},
       0,
       "934e554d505901007600",
       "{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }",
       60},
      {DataType::kInt32,
       {1, 2, 3},
       0,
       "934e554d505901007600",
       "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2, 3), }",
       55},
      {DataType::kUInt32,
       {2},
       0,
       "934e554d505901007600",
       "{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }",
       60},
      {DataType::kInt64,
       {1000000000000},
       0,
       "934e554d505901007600",
       "{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000000,), }",
       48},
      {DataType::kUInt64,
       {3},
       0,
       "934e554d505901007600",
       "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }",
       60},
      {DataType::kComplex64,
       {2},
       0,
       "934e554d505901007600",
       "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
       60},
      {DataType::kComplex128,
       {2},
       0,
       "934e554d505901007600",
       "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }",
       59},
      {DataType::kString,
       {3},
       5,
       "934e554d505901007600",
       "{'descr': '|S5', 'fortran_order': False, 'shape': (3,), }",
       60},
      {DataType::kString,
       {},
       1,
       "934e554d505901007600",
       "{'descr': '|S1', 'fortran_order': False, 'shape': (), }",
       62},
      {DataType::kFloat,
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
       0,
       "934e554d50590100b600",
       "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5, 6, "
       "7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), }",
       57},
      {DataType::kUInt8,
       {9223372036854775807},
       0,
       "934e554d505901007600",
       "{'descr': '|u1', 'fortran_order': False, 'shape': "
       "(9223372036854775807,), }",
       42},
      {DataType::kUInt8,
       {0, 0, 0},
       0,
       "934e554d505901007600",
       "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 0, 0), }",
       55},
  };
}

// A version 1.0 file whose dict is `dict`, padded as numpy pads.
std::string Npy(const std::string& dict, const std::string& data = "") {
  std::string text = dict;
  text.append(64 - (10 + text.size() + 1) % 64, ' ');
  text += '\n';
  std::string out = Bin("\x93NUMPY\x01\x00");
  out.push_back(static_cast<char>(text.size() & 0xff));
  out.push_back(static_cast<char>(text.size() >> 8));
  return out + text + data;
}

absl::Status ParseDict(const std::string& dict) {
  return ParseNpyHeader(Npy(dict), "a.npz:x.npy").status();
}

std::string Dict(const std::string& descr, const std::string& shape = "(2,)") {
  return absl::StrCat("{'descr': '", descr,
                      "', 'fortran_order': False, 'shape': ", shape, ", }");
}

TEST_CASE("npy header is byte-identical to numpy 1.24 np.save") {
  for (const Fixture& f : NumpyHeaders()) {
    INFO(DataTypeName(f.dtype) << " rank " << f.shape.size());
    absl::StatusOr<std::string> h =
        SerializeNpyHeader(f.dtype, f.shape, f.width);
    CKPT_REQUIRE_OK(h);
    CHECK(*h == f.Header());
    CHECK(h->size() % 64 == 0);
    absl::StatusOr<NpyHeader> p = ParseNpyHeader(f.Header(), "x.npy");
    CKPT_REQUIRE_OK(p);
    CHECK(p->dtype == f.dtype);
    CHECK(p->shape == f.shape);
    CHECK_FALSE(p->fortran_order);
    CHECK(p->data_offset == f.Header().size());
    CHECK(p->item_size ==
          (f.dtype == DataType::kString ? f.width : DataTypeSize(f.dtype)));
  }
}

TEST_CASE("npy header plus data is np.save's whole file") {
  // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3))
  const std::string file = Bin(
      "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': "
      "(2, 3), }                                                          "
      "\x0a\x00\x00\x00\x00\x00\x00\x80?\x00\x00\x00@\x00\x00@@\x00\x00\x80@"
      "\x00\x00\xa0@");
  absl::StatusOr<std::string> h = SerializeNpyHeader(DataType::kFloat, {2, 3});
  CKPT_REQUIRE_OK(h);
  std::string data;
  for (float v : {0.f, 1.f, 2.f, 3.f, 4.f, 5.f}) {
    data.append(reinterpret_cast<const char*>(&v), 4);
  }
  CHECK(*h + data == file);
  absl::StatusOr<NpyHeader> p = ParseNpyHeader(file, "x.npy");
  CKPT_REQUIRE_OK(p);
  CHECK(p->data_offset == 128);
  CHECK(p->data_bytes == 24);
  CHECK(file.size() == p->data_offset + p->data_bytes);
}

TEST_CASE("npy versions 2.0 and 3.0 and fortran order parse") {
  // np.lib.format.write_array(f, np.array([1, 2, 3], '<i2'), version=...)
  for (const std::string& file :
       {Bin("\x93NUMPY\x02\x00t\x00\x00\x00{'descr': '<i2', 'fortran_order': "
            "False, 'shape': (3,), }                                           "
            "               \x0a\x01\x00\x02\x00\x03\x00"),
        Bin("\x93NUMPY\x03\x00t\x00\x00\x00{'descr': '<i2', 'fortran_order': "
            "False, 'shape': (3,), }                                           "
            "               \x0a\x01\x00\x02\x00\x03\x00")}) {
    absl::StatusOr<NpyHeader> p = ParseNpyHeader(file, "x.npy");
    CKPT_REQUIRE_OK(p);
    CHECK(p->dtype == DataType::kInt16);
    CHECK(p->shape == std::vector<int64_t>{3});
    CHECK(p->data_offset == 128);
    CHECK(p->data_bytes == 6);
  }
  // np.save of np.asfortranarray(np.arange(6, dtype='<f8').reshape(2, 3))
  absl::StatusOr<NpyHeader> p =
      ParseNpyHeader(Bin("\x93NUMPY\x01\x00v\x00{'descr': '<f8', "
                         "'fortran_order': True, 'shape': (2, 3), }            "
                         "                                               \x0a"),
                     "f.npy");
  CKPT_REQUIRE_OK(p);
  CHECK(p->fortran_order);
  CHECK(p->dtype == DataType::kDouble);
  CHECK(p->shape == std::vector<int64_t>{2, 3});
}

TEST_CASE("npy round trip of every dtype numpy has") {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {0}, {1}, {7}, {2, 3}, {4, 0, 2}, {1, 1, 1, 1, 1}};
  int n = 0;
  for (int raw = 0; raw <= 30; ++raw) {
    const DataType dt = static_cast<DataType>(raw);
    if (!NpyDescr(dt).has_value()) continue;
    ++n;
    for (const auto& shape : shapes) {
      for (size_t width : {1, 17}) {
        INFO(DataTypeName(dt)
             << " rank " << shape.size() << " width " << width);
        absl::StatusOr<std::string> h = SerializeNpyHeader(dt, shape, width);
        CKPT_REQUIRE_OK(h);
        absl::StatusOr<NpyHeader> p = ParseNpyHeader(*h + "data", "x.npy");
        CKPT_REQUIRE_OK(p);
        CHECK(p->dtype == dt);
        CHECK(p->shape == shape);
        const size_t item = dt == DataType::kString ? width : DataTypeSize(dt);
        CHECK(p->item_size == item);
        int64_t count = 1;
        for (int64_t d : shape) count *= d;
        CHECK(p->data_bytes == static_cast<uint64_t>(count) * item);
        CHECK(p->data_offset == h->size());
      }
    }
  }
  CHECK(n == 15);
}

TEST_CASE("npy descrs of each dtype") {
  CHECK(NpyDescr(DataType::kFloat) == "<f4");
  CHECK(NpyDescr(DataType::kHalf) == "<f2");
  CHECK(NpyDescr(DataType::kBool) == "|b1");
  CHECK(NpyDescr(DataType::kInt8) == "|i1");
  CHECK(NpyDescr(DataType::kUInt8) == "|u1");
  CHECK(NpyDescr(DataType::kComplex64) == "<c8");
  CHECK(NpyDescr(DataType::kComplex128) == "<c16");
  CHECK(NpyDescr(DataType::kUInt64) == "<u8");
  CHECK(NpyDescr(DataType::kString) == "|S");
  for (DataType dt : {DataType::kBFloat16, DataType::kFloat8E4M3FN,
                      DataType::kFloat8E5M2, DataType::kInt4, DataType::kUInt4,
                      DataType::kVariant, DataType::kResource, DataType::kQInt8,
                      DataType::kQUInt16, DataType::kInvalid}) {
    INFO(DataTypeName(dt));
    CHECK_FALSE(NpyDescr(dt).has_value());
    CKPT_REQUIRE_ERROR(SerializeNpyHeader(dt, {2}),
                       StatusCode::kInvalidArgument, "has no numpy equivalent");
  }
}

TEST_CASE("npy serializer refuses a zero string width and invalid shapes") {
  CKPT_REQUIRE_ERROR(SerializeNpyHeader(DataType::kString, {2}, 0),
                     StatusCode::kInvalidArgument, "string width 0");
  CKPT_REQUIRE_ERROR(SerializeNpyHeader(DataType::kFloat, {2, -1}),
                     StatusCode::kInvalidArgument, "invalid shape [2,-1]");
  CKPT_REQUIRE_ERROR(
      SerializeNpyHeader(DataType::kFloat, {int64_t{1} << 62, 4}),
      StatusCode::kInvalidArgument, "invalid shape");
  CKPT_REQUIRE_ERROR(SerializeNpyHeader(DataType::kDouble, {int64_t{1} << 62}),
                     StatusCode::kInvalidArgument, "invalid shape");
  CKPT_REQUIRE_ERROR(
      SerializeNpyHeader(DataType::kFloat, std::vector<int64_t>(255, 1)),
      StatusCode::kInvalidArgument, "invalid shape");
}

TEST_CASE("npy dict grammar: the variations Python allows") {
  const auto ok = [](const std::string& dict) {
    INFO(dict);
    absl::StatusOr<NpyHeader> p = ParseNpyHeader(Npy(dict), "x.npy");
    CKPT_REQUIRE_OK(p);
    return *p;
  };
  NpyHeader h =
      ok(R"({"shape": (3, 4), "fortran_order": True, "descr": "<u2"})");
  CHECK(h.dtype == DataType::kUInt16);
  CHECK(h.fortran_order);
  CHECK(h.shape == std::vector<int64_t>{3, 4});
  h = ok("{ 'descr' :'=i4' ,'fortran_order':False,'shape':( 5 , ) , }");
  CHECK(h.dtype == DataType::kInt32);
  CHECK(h.shape == std::vector<int64_t>{5});
  h = ok("{'descr': 'S9', 'fortran_order': False, 'shape': ()}");
  CHECK(h.dtype == DataType::kString);
  CHECK(h.item_size == 9);
  CHECK(h.data_bytes == 9);
  h = ok("{'descr':'|S1','fortran_order':False,'shape':(1,2,)}");
  CHECK(h.shape == std::vector<int64_t>{1, 2});
  for (const char* descr : {"|i1", "<i1", "i1", ">i1", "=u1", "<b1", "|b1"}) {
    CHECK(ok(Dict(descr)).item_size == 1);
  }
  CHECK(ok(Dict("<f8", "(0,)")).data_bytes == 0);
  CHECK(ok("{'descr': '<c16', 'fortran_order': False, 'shape': (2,),}\t\r")
            .dtype == DataType::kComplex128);
}

// ---- malformed headers: one test per case ----

TEST_CASE("npy wrong magic") {
  CKPT_REQUIRE_ERROR(ParseNpyHeader("PK\x03\x04 not npy", "m.npz:x.npy"),
                     StatusCode::kDataLoss,
                     "m.npz:x.npy: npy header: not an npy file (magic 'PK");
  CKPT_REQUIRE_ERROR(ParseNpyHeader("\x93NUMPZ\x01\x00", "x"),
                     StatusCode::kDataLoss, "not an npy file");
}

TEST_CASE("npy unknown format version") {
  std::string f = Npy(Dict("<f4"));
  f[6] = 4;
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f, "x.npy"), StatusCode::kDataLoss,
                     "unknown format version 4.0");
  f[6] = 1;
  f[7] = 1;
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f, "x.npy"), StatusCode::kDataLoss,
                     "unknown format version 1.1");
}

TEST_CASE("npy truncated header") {
  const std::string f = Npy(Dict("<f4"));
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f.substr(0, 3), "x.npy"),
                     StatusCode::kDataLoss, "truncated: 3 bytes");
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f.substr(0, 9), "x.npy"),
                     StatusCode::kDataLoss,
                     "truncated: 9 bytes, the header needs 10");
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f.substr(0, 100), "x.npy"),
                     StatusCode::kDataLoss,
                     "truncated: 100 bytes, the header needs 128");
}

TEST_CASE("npy header length above the limit") {
  std::string f = Bin("\x93NUMPY\x02\x00\x01\x00\x01\x00");  // 65537
  f += std::string(65537, ' ');
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f, "x.npy"), StatusCode::kDataLoss,
                     "header length 65537 exceeds the limit of 65536");
  f = Bin("\x93NUMPY\x03\x00\xff\xff\xff\xff");
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f, "x.npy"), StatusCode::kDataLoss,
                     "header length 4294967295 exceeds");
}

TEST_CASE("npy header not ending in a newline") {
  std::string f = Npy(Dict("<f4"));
  f.back() = ' ';
  CKPT_REQUIRE_ERROR(ParseNpyHeader(f, "x.npy"), StatusCode::kDataLoss,
                     "header does not end in a newline");
  CKPT_REQUIRE_ERROR(ParseNpyHeader(Bin("\x93NUMPY\x01\x00\x00\x00"), "x.npy"),
                     StatusCode::kDataLoss, "header does not end in a newline");
}

TEST_CASE("npy dict that is not a dict") {
  CKPT_REQUIRE_ERROR(ParseDict("('descr', '<f4')"), StatusCode::kDataLoss,
                     "expected '{' at byte 0: '(\\x27descr");
  CKPT_REQUIRE_ERROR(ParseDict("{descr: '<f4'}"), StatusCode::kDataLoss,
                     "expected a quoted string at byte 1");
  CKPT_REQUIRE_ERROR(ParseDict("{'descr' '<f4'}"), StatusCode::kDataLoss,
                     "expected ':'");
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': '<f4' 'fortran_order': False, 'shape': ()}"),
      StatusCode::kDataLoss, "expected ',' or '}'");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4") + " x"), StatusCode::kDataLoss,
                     "unexpected text after the dict");
  CKPT_REQUIRE_ERROR(ParseDict("{'descr': '<f4"), StatusCode::kDataLoss,
                     "unsupported or unterminated string");
  CKPT_REQUIRE_ERROR(ParseDict("{'de\\x73cr': '<f4'}"), StatusCode::kDataLoss,
                     "unsupported or unterminated string");
}

TEST_CASE("npy dict with an unknown, duplicate or missing key") {
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': '<f4', 'fortran_order': False, 'shape': (), "
                "'extra': 1}"),
      StatusCode::kDataLoss, "unexpected key 'extra'");
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                "'shape': ()}"),
      StatusCode::kDataLoss, "duplicate key 'descr'");
  CKPT_REQUIRE_ERROR(ParseDict("{'descr': '<f4', 'fortran_order': False}"),
                     StatusCode::kDataLoss,
                     "x.npy: npy header: missing key 'shape'");
  CKPT_REQUIRE_ERROR(ParseDict("{}"), StatusCode::kDataLoss,
                     "missing key 'descr'");
}

TEST_CASE("npy fortran_order that is not True or False") {
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': '<f4', 'fortran_order': true, 'shape': ()}"),
      StatusCode::kDataLoss, "expected True or False at byte");
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': '<f4', 'fortran_order': Falsey, 'shape': ()}"),
      StatusCode::kDataLoss, "expected True or False");
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}"),
      StatusCode::kDataLoss, "expected True or False");
}

TEST_CASE("npy shape that is not a tuple of non-negative integers") {
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(3)")), StatusCode::kDataLoss,
                     "expected ',' in the shape tuple");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "[3]")), StatusCode::kDataLoss,
                     "expected a tuple");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(-1,)")), StatusCode::kDataLoss,
                     "expected a non-negative integer at byte");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(1.5,)")), StatusCode::kDataLoss,
                     "expected ',' in the shape tuple");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(2, 3L)")), StatusCode::kDataLoss,
                     "expected ',' in the shape tuple");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(,)")), StatusCode::kDataLoss,
                     "expected a non-negative integer");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(9223372036854775808,)")),
                     StatusCode::kDataLoss, "dimension out of range");
}

TEST_CASE("npy shape of rank above 254") {
  std::string dims;
  for (int i = 0; i < 255; ++i) dims += "1,";
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(" + dims + ")")),
                     StatusCode::kDataLoss, "shape of rank above 254");
}

TEST_CASE("npy shape whose element count or byte size overflows") {
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(4294967296, 4294967296)")),
                     StatusCode::kDataLoss,
                     "shape (4294967296, 4294967296) has too many elements");
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f8", "(9223372036854775807,)")),
                     StatusCode::kDataLoss,
                     "shape (9223372036854775807,) of 8-byte items overflows");
}

TEST_CASE("npy unknown descr") {
  for (const char* descr :
       {"<f3", "xyz", "", "<", "|S0", "<S5", "S-1", "<i16"}) {
    INFO(descr);
    CKPT_REQUIRE_ERROR(ParseDict(Dict(descr)), StatusCode::kDataLoss,
                       "unknown descr");
  }
  CKPT_REQUIRE_ERROR(ParseDict(Dict("|f4")), StatusCode::kDataLoss,
                     "x.npy: npy header: unknown descr '|f4'");
}

TEST_CASE("npy descrs numpy has but ckpt cannot map are Unimplemented") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {">f4", "big-endian"},
      {">c8", "big-endian"},
      {"<U5", "unicode"},
      {"|O", "object"},
      {"|V8", "void"},
      {"<M8[s]", "datetime"},
      {"<m8", "datetime"},
      {"<f16", "extended precision"},
      {"<c32", "extended precision"}};
  for (const auto& [descr, what] : cases) {
    INFO(descr);
    CKPT_REQUIRE_ERROR(
        ParseDict(Dict(descr)), StatusCode::kUnimplemented,
        absl::StrCat("a.npz:x.npy: npy descr '", descr, "': ", what));
  }
  CKPT_REQUIRE_ERROR(
      ParseDict("{'descr': [('a', '<f4'), ('b', '<i8')], 'fortran_order': "
                "False, 'shape': (2,), }"),
      StatusCode::kUnimplemented, "structured dtypes are not supported");
}

TEST_CASE("npy messages cut the offending text") {
  const std::string junk(500, 'z');
  absl::Status s = ParseDict("{" + junk + "}");
  CKPT_REQUIRE_ERROR(s, StatusCode::kDataLoss, "zzz'...");
  CHECK(s.message().size() < 200);
}

TEST_CASE("npy dimensions with leading zeros are refused") {
  CKPT_REQUIRE_ERROR(ParseDict(Dict("<f4", "(03,)")), StatusCode::kDataLoss,
                     "leading zero");
  CKPT_REQUIRE_OK(ParseDict(Dict("<f4", "(0,)")));
}

}  // namespace
}  // namespace ckpt::bridges
