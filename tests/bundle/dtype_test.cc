// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for ckpt/dtype.h: the name, size and classification of every
// enumerator (checked against TensorFlow's table in the format doc), name
// parsing, unknown raw values, and bit-exact float16 / bfloat16 conversions.

#include "ckpt/dtype.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "testing/test_util.h"

namespace ckpt {
namespace {

struct Expected {
  DataType dt;
  int32_t value;
  const char* name;
  size_t size;
  bool floating;
};

// TensorFlow's numbering, names and bundle element sizes (docs/format.md §9).
const std::vector<Expected>& AllTypes() {
  static const auto* all = new std::vector<Expected>{
      {DataType::kInvalid, 0, "invalid", 0, false},
      {DataType::kFloat, 1, "float32", 4, true},
      {DataType::kDouble, 2, "float64", 8, true},
      {DataType::kInt32, 3, "int32", 4, false},
      {DataType::kUInt8, 4, "uint8", 1, false},
      {DataType::kInt16, 5, "int16", 2, false},
      {DataType::kInt8, 6, "int8", 1, false},
      {DataType::kString, 7, "string", 0, false},
      {DataType::kComplex64, 8, "complex64", 8, true},
      {DataType::kInt64, 9, "int64", 8, false},
      {DataType::kBool, 10, "bool", 1, false},
      {DataType::kQInt8, 11, "qint8", 1, false},
      {DataType::kQUInt8, 12, "quint8", 1, false},
      {DataType::kQInt32, 13, "qint32", 4, false},
      {DataType::kBFloat16, 14, "bfloat16", 2, true},
      {DataType::kQInt16, 15, "qint16", 2, false},
      {DataType::kQUInt16, 16, "quint16", 2, false},
      {DataType::kUInt16, 17, "uint16", 2, false},
      {DataType::kComplex128, 18, "complex128", 16, true},
      {DataType::kHalf, 19, "float16", 2, true},
      {DataType::kResource, 20, "resource", 0, false},
      {DataType::kVariant, 21, "variant", 0, false},
      {DataType::kUInt32, 22, "uint32", 4, false},
      {DataType::kUInt64, 23, "uint64", 8, false},
      {DataType::kFloat8E5M2, 24, "float8_e5m2", 1, true},
      {DataType::kFloat8E4M3FN, 25, "float8_e4m3fn", 1, true},
      {DataType::kFloat8E4M3FNUZ, 26, "float8_e4m3fnuz", 1, true},
      {DataType::kFloat8E4M3B11FNUZ, 27, "float8_e4m3b11fnuz", 1, true},
      {DataType::kFloat8E5M2FNUZ, 28, "float8_e5m2fnuz", 1, true},
      {DataType::kInt4, 29, "int4", 1, false},
      {DataType::kUInt4, 30, "uint4", 1, false},
  };
  return *all;
}

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}
float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}
uint16_t HalfBits(float f) { return Half::FromFloat(f).bits; }
uint16_t BfBits(float f) { return BFloat16::FromFloat(f).bits; }
float HalfValue(uint16_t bits) { return Half{bits}.ToFloat(); }
float BfValue(uint16_t bits) { return BFloat16{bits}.ToFloat(); }

TEST_CASE("Every enumerator has TensorFlow's number, name and size",
          "[dtype]") {
  for (const Expected& e : AllTypes()) {
    INFO("dtype " << e.value);
    CHECK(static_cast<int32_t>(e.dt) == e.value);
    CHECK(DataTypeName(e.dt) == e.name);
    CHECK(DataTypeDisplayName(e.value) == e.name);
    CHECK(DataTypeSize(e.dt) == e.size);
    CHECK(IsFixedSizeDataType(e.dt) == (e.size != 0));
    CHECK(IsKnownDataType(e.value));
    CHECK(IsFloatingDataType(e.dt) == e.floating);
  }
}

TEST_CASE("Storable types are the fixed-size ones plus string", "[dtype]") {
  for (const Expected& e : AllTypes()) {
    INFO(e.name);
    const bool storable = e.size != 0 || e.dt == DataType::kString;
    CHECK(IsStorableDataType(e.dt) == storable);
  }
  CHECK_FALSE(IsStorableDataType(DataType::kInvalid));
  CHECK_FALSE(IsStorableDataType(DataType::kVariant));
  CHECK_FALSE(IsStorableDataType(DataType::kResource));
  CHECK(IsStorableDataType(DataType::kQInt8));
  CHECK(IsStorableDataType(DataType::kFloat8E4M3FN));
  CHECK(IsStorableDataType(DataType::kInt4));
  CHECK(IsStorableDataType(DataType::kBool));
}

TEST_CASE("Checkpointable types are the storable ones plus variant",
          "[dtype]") {
  for (const Expected& e : AllTypes()) {
    INFO(e.name);
    CHECK(IsCheckpointableDataType(e.dt) ==
          (IsStorableDataType(e.dt) || e.dt == DataType::kVariant));
  }
  CHECK(IsCheckpointableDataType(DataType::kVariant));
  CHECK_FALSE(IsCheckpointableDataType(DataType::kResource));
  CHECK_FALSE(IsCheckpointableDataType(DataType::kInvalid));
  CHECK_FALSE(IsCheckpointableDataType(static_cast<DataType>(31)));
  CHECK_FALSE(IsCheckpointableDataType(static_cast<DataType>(-1)));
}

TEST_CASE("DataTypeOf maps C++ types to element sizes", "[dtype]") {
  STATIC_REQUIRE(DataTypeOf<float>::value == DataType::kFloat);
  STATIC_REQUIRE(DataTypeOf<Half>::value == DataType::kHalf);
  STATIC_REQUIRE(DataTypeOf<BFloat16>::value == DataType::kBFloat16);
  STATIC_REQUIRE(DataTypeOf<std::complex<double>>::value ==
                 DataType::kComplex128);
  CHECK(DataTypeSize(DataTypeOf<Half>::value) == sizeof(Half));
  CHECK(DataTypeSize(DataTypeOf<BFloat16>::value) == sizeof(BFloat16));
  CHECK(DataTypeSize(DataTypeOf<std::complex<float>>::value) ==
        sizeof(std::complex<float>));
  CHECK(DataTypeSize(DataTypeOf<bool>::value) == sizeof(bool));
  CHECK(DataTypeSize(DataTypeOf<int64_t>::value) == sizeof(int64_t));
  CHECK(DataTypeSize(DataTypeOf<uint16_t>::value) == sizeof(uint16_t));
}

TEST_CASE("DataTypeFromName inverts DataTypeName", "[dtype]") {
  for (const Expected& e : AllTypes()) {
    if (e.dt == DataType::kInvalid) continue;
    INFO(e.name);
    const std::optional<DataType> parsed = DataTypeFromName(e.name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == e.dt);
  }
}

TEST_CASE("DataTypeFromName accepts aliases and rejects the rest", "[dtype]") {
  CHECK(DataTypeFromName("float") == DataType::kFloat);
  CHECK(DataTypeFromName("double") == DataType::kDouble);
  CHECK(DataTypeFromName("half") == DataType::kHalf);
  for (const char* bad :
       {"", "invalid", "Float32", "FLOAT", "DT_FLOAT", "float32 ", " int8",
        "int", "float8", "complex", "str", "dtype(99)"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(DataTypeFromName(bad).has_value());
  }
  // Embedded NUL: not a prefix match.
  CHECK_FALSE(DataTypeFromName(absl::string_view("int8\0x", 6)).has_value());
}

TEST_CASE("Unknown raw values", "[dtype]") {
  for (int32_t raw :
       {-1, 31, 32, 99, 101, 119, 1000, std::numeric_limits<int32_t>::min(),
        std::numeric_limits<int32_t>::max()}) {
    INFO(raw);
    CHECK_FALSE(IsKnownDataType(raw));
    CHECK(DataTypeDisplayName(raw) == "dtype(" + std::to_string(raw) + ")");
    const auto dt = static_cast<DataType>(raw);
    CHECK(DataTypeName(dt) == "invalid");
    CHECK(DataTypeSize(dt) == 0);
    CHECK_FALSE(IsFixedSizeDataType(dt));
    CHECK_FALSE(IsStorableDataType(dt));
    CHECK_FALSE(IsFloatingDataType(dt));
  }
  CHECK(DataTypeDisplayName(99) == "dtype(99)");
}

// ---- Half ----

TEST_CASE("Half: exact values", "[dtype][half]") {
  CHECK(HalfBits(0.0f) == 0x0000);
  CHECK(HalfBits(-0.0f) == 0x8000);
  CHECK(HalfBits(1.0f) == 0x3C00);
  CHECK(HalfBits(-2.0f) == 0xC000);
  CHECK(HalfBits(0.5f) == 0x3800);
  CHECK(HalfBits(65504.0f) == 0x7BFF);                  // max finite
  CHECK(HalfBits(std::ldexp(1.0f, -14)) == 0x0400);     // min normal
  CHECK(HalfBits(std::ldexp(1.0f, -24)) == 0x0001);     // min subnormal
  CHECK(HalfBits(std::ldexp(1023.0f, -24)) == 0x03FF);  // max subnormal
  CHECK(HalfBits(-std::ldexp(3.0f, -24)) == 0x8003);
}

TEST_CASE("Half: infinities, overflow and NaN", "[dtype][half]") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(HalfBits(inf) == 0x7C00);
  CHECK(HalfBits(-inf) == 0xFC00);
  CHECK(HalfBits(65519.99f) == 0x7BFF);  // below the midpoint
  CHECK(HalfBits(65520.0f) == 0x7C00);   // midpoint, ties to even -> Inf
  CHECK(HalfBits(1e6f) == 0x7C00);
  CHECK(HalfBits(-1e30f) == 0xFC00);
  CHECK(HalfBits(std::numeric_limits<float>::max()) == 0x7C00);
  CHECK(std::isinf(HalfValue(0x7C00)));
  CHECK(HalfValue(0xFC00) == -inf);

  const float qnan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(Half::FromFloat(qnan).ToFloat()));
  CHECK(std::isnan(Half::FromFloat(-qnan).ToFloat()));
  // A NaN whose payload lives only in the low 13 bits must stay a NaN.
  const float low_payload_nan = FromBits(0x7F800001u);
  REQUIRE(std::isnan(low_payload_nan));
  const uint16_t h = HalfBits(low_payload_nan);
  CHECK((h & 0x7C00) == 0x7C00);
  CHECK((h & 0x03FF) != 0);
  CHECK(std::isnan(HalfValue(h)));
  CHECK((HalfBits(FromBits(0xFFC00000u)) & 0x8000) == 0x8000);  // sign kept
  for (uint16_t bits : {0x7C01, 0x7E00, 0x7FFF, 0xFC01, 0xFFFF}) {
    INFO(bits);
    CHECK(std::isnan(HalfValue(bits)));
  }
}

TEST_CASE("Half: round to nearest even", "[dtype][half]") {
  // Near 1.0 the half spacing is 2^-10; the float has 13 extra bits.
  const float ulp = std::ldexp(1.0f, -10);
  CHECK(HalfBits(1.0f + ulp / 2) == 0x3C00);               // tie -> even (down)
  CHECK(HalfBits(1.0f + 3 * ulp / 2) == 0x3C02);           // tie -> even (up)
  CHECK(HalfBits(1.0f + ulp / 2 + ulp / 1024) == 0x3C01);  // above tie
  CHECK(HalfBits(1.0f + ulp / 2 - ulp / 1024) == 0x3C00);  // below tie
  CHECK(HalfBits(-(1.0f + 3 * ulp / 2)) == 0xBC02);
  // Mantissa carry into the exponent: 2 - 2^-11 ties to 2.0.
  CHECK(HalfBits(2.0f - std::ldexp(1.0f, -11)) == 0x4000);
  // 2048 + 1 is a tie at spacing 2 -> 2048; 2048 + 3 -> 2052.
  CHECK(HalfBits(2049.0f) == 0x6800);
  CHECK(HalfBits(2051.0f) == 0x6802);
}

TEST_CASE("Half: subnormal rounding and underflow", "[dtype][half]") {
  const float unit = std::ldexp(1.0f, -24);       // smallest subnormal
  CHECK(HalfBits(unit / 2) == 0x0000);            // tie -> even (0)
  CHECK(HalfBits(-unit / 2) == 0x8000);           // keeps the sign
  CHECK(HalfBits(unit / 2 * 1.0001f) == 0x0001);  // above the tie
  CHECK(HalfBits(unit * 1.5f) == 0x0002);         // tie -> even (2)
  CHECK(HalfBits(unit * 2.5f) == 0x0002);         // tie -> even (2)
  CHECK(HalfBits(unit * 2.5001f) == 0x0003);
  CHECK(HalfBits(unit / 4) == 0x0000);
  CHECK(HalfBits(std::numeric_limits<float>::denorm_min()) == 0x0000);
  CHECK(HalfBits(-std::numeric_limits<float>::min()) == 0x8000);
  // Largest subnormal + half a unit ties to even: 0x3FF is odd, so up to the
  // smallest normal.
  CHECK(HalfBits(std::ldexp(1023.5f, -24)) == 0x0400);
  CHECK(HalfValue(0x0001) == unit);
  CHECK(HalfValue(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(HalfValue(0x8001) == -unit);
}

TEST_CASE("Half: every half value round-trips through float", "[dtype][half]") {
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    const auto bits = static_cast<uint16_t>(i);
    const float f = HalfValue(bits);
    const bool is_nan = (bits & 0x7C00) == 0x7C00 && (bits & 0x03FF) != 0;
    if (is_nan) {
      REQUIRE(std::isnan(f));
      REQUIRE(std::isnan(HalfValue(HalfBits(f))));
    } else {
      INFO("bits " << i);
      REQUIRE(HalfBits(f) == bits);
    }
  }
}

// The rounding of every float of a sample, against double arithmetic.
TEST_CASE("Half: FromFloat is the nearest half (sampled)", "[dtype][half]") {
  for (uint32_t bits = 0; bits < 0x7F800000u; bits += 0x1FFFu) {
    const float f = FromBits(bits);
    const uint16_t h = HalfBits(f);
    if (h == 0x7C00) {
      CHECK(f >= 65520.0f);
      continue;
    }
    // No other half is strictly closer; on a tie the chosen one is even.
    const double err = std::fabs(static_cast<double>(HalfValue(h)) - f);
    for (int delta : {-1, 1}) {
      const int other = h + delta;
      if (other < 0 || other > 0x7BFF) continue;
      const double other_err = std::fabs(
          static_cast<double>(HalfValue(static_cast<uint16_t>(other))) - f);
      INFO("float bits " << bits << " half " << h);
      REQUIRE(err <= other_err);
      if (err == other_err) REQUIRE((h & 1) == 0);
    }
  }
}

// ---- BFloat16 ----

TEST_CASE("BFloat16: exact values and truncation layout", "[dtype][bf16]") {
  CHECK(BfBits(0.0f) == 0x0000);
  CHECK(BfBits(-0.0f) == 0x8000);
  CHECK(BfBits(1.0f) == 0x3F80);
  CHECK(BfBits(-2.0f) == 0xC000);
  CHECK(BfValue(0x3F80) == 1.0f);
  CHECK(Bits(BfValue(0x8000)) == 0x80000000u);  // -0 kept
  // Max finite bfloat16 and its neighbourhood.
  CHECK(BfValue(0x7F7F) == FromBits(0x7F7F0000u));
  CHECK(BfBits(FromBits(0x7F7F0000u)) == 0x7F7F);
  CHECK(BfBits(FromBits(0x7F7F7FFFu)) == 0x7F7F);  // below tie
  CHECK(BfBits(FromBits(0x7F7F8000u)) == 0x7F80);  // tie, odd -> Inf
  CHECK(BfBits(std::numeric_limits<float>::max()) == 0x7F80);
  // Subnormals are kept, not flushed.
  CHECK(BfBits(FromBits(0x00010000u)) == 0x0001);
  CHECK(BfBits(std::numeric_limits<float>::denorm_min()) == 0x0000);
}

TEST_CASE("BFloat16: round to nearest even", "[dtype][bf16]") {
  CHECK(BfBits(FromBits(0x3F808000u)) == 0x3F80);  // tie, even: down
  CHECK(BfBits(FromBits(0x3F818000u)) == 0x3F82);  // tie, odd: up
  CHECK(BfBits(FromBits(0x3F808001u)) == 0x3F81);  // above tie
  CHECK(BfBits(FromBits(0x3F807FFFu)) == 0x3F80);  // below tie
  CHECK(BfBits(FromBits(0xBF818000u)) == 0xBF82);  // negative
  CHECK(BfBits(FromBits(0x3FFF8000u)) == 0x4000);  // carry into exponent
}

TEST_CASE("BFloat16: infinities and NaN", "[dtype][bf16]") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(BfBits(inf) == 0x7F80);
  CHECK(BfBits(-inf) == 0xFF80);
  CHECK(BfValue(0x7F80) == inf);
  CHECK(BfValue(0xFF80) == -inf);
  // NaNs whose payload is only in the low 16 bits must not become Inf.
  for (uint32_t nan_bits :
       {0x7FC00000u, 0x7F800001u, 0x7F80FFFFu, 0xFF800001u, 0x7FFFFFFFu}) {
    INFO(nan_bits);
    const uint16_t b = BfBits(FromBits(nan_bits));
    CHECK(std::isnan(BfValue(b)));
    CHECK((b & 0x8000) == ((nan_bits >> 16) & 0x8000));
  }
  CHECK(std::isnan(BFloat16::FromFloat(std::nanf("")).ToFloat()));
}

TEST_CASE("BFloat16: every value round-trips through float", "[dtype][bf16]") {
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    const auto bits = static_cast<uint16_t>(i);
    const float f = BfValue(bits);
    REQUIRE(Bits(f) == static_cast<uint32_t>(bits) << 16);
    if (std::isnan(f)) {
      REQUIRE(std::isnan(BfValue(BfBits(f))));
    } else {
      REQUIRE(BfBits(f) == bits);
    }
  }
}

TEST_CASE("Half and BFloat16 compare by bits", "[dtype]") {
  CHECK(Half{0x3C00} == Half::FromFloat(1.0f));
  CHECK_FALSE(Half{0x0000} == Half{0x8000});  // +0 and -0 differ as bits
  CHECK(BFloat16{0x3F80} == BFloat16::FromFloat(1.0f));
  CHECK_FALSE(BFloat16{0x3F80} == BFloat16{0x3F81});
}

}  // namespace
}  // namespace ckpt
