// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// DataType names, sizes and classification (one table indexed by the enum
// value, which is TensorFlow's on-disk number), and the bit-exact float16 /
// bfloat16 conversions (round to nearest, ties to even).

#include "ckpt/dtype.h"

#include <array>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ckpt {
namespace {

struct DataTypeInfo {
  absl::string_view name;
  size_t size;    // bytes per element; 0 = not fixed-size
  bool floating;  // IsFloatingDataType
};

// Indexed by the enum value; entry i describes DataType(i).
constexpr std::array<DataTypeInfo, 31> kInfo = {{
    {"invalid", 0, false},            // 0  kInvalid
    {"float32", 4, true},             // 1  kFloat
    {"float64", 8, true},             // 2  kDouble
    {"int32", 4, false},              // 3  kInt32
    {"uint8", 1, false},              // 4  kUInt8
    {"int16", 2, false},              // 5  kInt16
    {"int8", 1, false},               // 6  kInt8
    {"string", 0, false},             // 7  kString
    {"complex64", 8, true},           // 8  kComplex64
    {"int64", 8, false},              // 9  kInt64
    {"bool", 1, false},               // 10 kBool
    {"qint8", 1, false},              // 11 kQInt8
    {"quint8", 1, false},             // 12 kQUInt8
    {"qint32", 4, false},             // 13 kQInt32
    {"bfloat16", 2, true},            // 14 kBFloat16
    {"qint16", 2, false},             // 15 kQInt16
    {"quint16", 2, false},            // 16 kQUInt16
    {"uint16", 2, false},             // 17 kUInt16
    {"complex128", 16, true},         // 18 kComplex128
    {"float16", 2, true},             // 19 kHalf
    {"resource", 0, false},           // 20 kResource
    {"variant", 0, false},            // 21 kVariant
    {"uint32", 4, false},             // 22 kUInt32
    {"uint64", 8, false},             // 23 kUInt64
    {"float8_e5m2", 1, true},         // 24 kFloat8E5M2
    {"float8_e4m3fn", 1, true},       // 25 kFloat8E4M3FN
    {"float8_e4m3fnuz", 1, true},     // 26 kFloat8E4M3FNUZ
    {"float8_e4m3b11fnuz", 1, true},  // 27 kFloat8E4M3B11FNUZ
    {"float8_e5m2fnuz", 1, true},     // 28 kFloat8E5M2FNUZ
    {"int4", 1, false},               // 29 kInt4 (one element per byte)
    {"uint4", 1, false},              // 30 kUInt4 (one element per byte)
}};
static_assert(kInfo.size() == static_cast<size_t>(DataType::kUInt4) + 1,
              "kInfo must have one entry per DataType enumerator");

// The table entry for `raw`, or nullptr outside the enum.
const DataTypeInfo* Find(int32_t raw) {
  if (raw < 0 || static_cast<size_t>(raw) >= kInfo.size()) return nullptr;
  return &kInfo[static_cast<size_t>(raw)];
}
const DataTypeInfo* Find(DataType dt) { return Find(static_cast<int32_t>(dt)); }

uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}
float BitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Rounds `value >> shift` to nearest, ties to even. 1 <= shift <= 31.
uint32_t ShiftRoundEven(uint32_t value, int shift) {
  const uint32_t result = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (result & 1u))) return result + 1;
  return result;
}

// |f| (bits without sign) to binary16 bits without sign, for finite f.
uint16_t FiniteMagnitudeToHalf(uint32_t abs) {
  // 65520 (0x477FF000) is halfway between 65504, the largest half, and
  // 65536; ties to even round it up, so it and everything above overflow.
  if (abs >= 0x477FF000u) return 0x7C00u;
  if (abs >= 0x38800000u) {  // >= 2^-14: a normal half
    // Rebias the exponent (127 -> 15) and round 23 mantissa bits to 10; a
    // carry out of the mantissa correctly bumps the exponent.
    const uint32_t rebased = abs - ((127u - 15u) << 23);
    return static_cast<uint16_t>(ShiftRoundEven(rebased, 13));
  }
  // A half subnormal (units of 2^-24) or zero. Float subnormals are far
  // below 2^-25 and round to zero.
  const uint32_t exponent = abs >> 23;
  if (exponent < 102) return 0;  // < 2^-25: rounds to 0 (2^-25 ties to 0)
  const uint32_t mantissa = (abs & 0x7FFFFFu) | 0x800000u;
  // value = mantissa * 2^(exponent - 150); in units of 2^-24 that is
  // mantissa >> (126 - exponent), with 14 <= 126 - exponent <= 24.
  return static_cast<uint16_t>(
      ShiftRoundEven(mantissa, static_cast<int>(126 - exponent)));
}

}  // namespace

absl::string_view DataTypeName(DataType dt) {
  const DataTypeInfo* info = Find(dt);
  return info ? info->name : kInfo[0].name;
}

std::string DataTypeDisplayName(int32_t raw_value) {
  const DataTypeInfo* info = Find(raw_value);
  if (info == nullptr) return absl::StrCat("dtype(", raw_value, ")");
  return std::string(info->name);
}

// "invalid" is deliberately not accepted: no caller wants kInvalid back.
std::optional<DataType> DataTypeFromName(absl::string_view name) {
  if (name == "float") return DataType::kFloat;
  if (name == "double") return DataType::kDouble;
  if (name == "half") return DataType::kHalf;
  for (size_t i = 1; i < kInfo.size(); ++i) {
    if (kInfo[i].name == name) return static_cast<DataType>(i);
  }
  return std::nullopt;
}

size_t DataTypeSize(DataType dt) {
  const DataTypeInfo* info = Find(dt);
  return info ? info->size : 0;
}

bool IsFixedSizeDataType(DataType dt) { return DataTypeSize(dt) != 0; }

bool IsStorableDataType(DataType dt) {
  return dt == DataType::kString || IsFixedSizeDataType(dt);
}

bool IsCheckpointableDataType(DataType dt) {
  return dt == DataType::kVariant || IsStorableDataType(dt);
}

bool IsKnownDataType(int32_t raw_value) { return Find(raw_value) != nullptr; }

bool IsFloatingDataType(DataType dt) {
  const DataTypeInfo* info = Find(dt);
  return info != nullptr && info->floating;
}

// ---- Half (IEEE-754 binary16) ----

Half Half::FromFloat(float f) {
  const uint32_t bits = FloatBits(f);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7FFFFFFFu;
  Half h;
  if (abs > 0x7F800000u) {
    // NaN: keep the top payload bits and force the quiet bit, so the result
    // is a NaN even when only low payload bits were set.
    h.bits = static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
  } else if (abs == 0x7F800000u) {
    h.bits = static_cast<uint16_t>(sign | 0x7C00u);
  } else {
    h.bits = static_cast<uint16_t>(sign | FiniteMagnitudeToHalf(abs));
  }
  return h;
}

float Half::ToFloat() const {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1Fu;
  uint32_t mantissa = bits & 0x3FFu;
  if (exponent == 0x1F) {  // Inf or NaN (payload kept)
    return BitsToFloat(sign | 0x7F800000u | (mantissa << 13));
  }
  if (exponent != 0) {  // normal
    return BitsToFloat(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  }
  if (mantissa == 0) return BitsToFloat(sign);  // +-0
  // Subnormal: normalize; the result is a normal float.
  uint32_t float_exponent = 113;  // exponent of 2^-14 in binary32
  while ((mantissa & 0x400u) == 0) {
    mantissa <<= 1;
    --float_exponent;
  }
  return BitsToFloat(sign | (float_exponent << 23) |
                     ((mantissa & 0x3FFu) << 13));
}

// ---- BFloat16 (upper half of binary32) ----

BFloat16 BFloat16::FromFloat(float f) {
  const uint32_t bits = FloatBits(f);
  BFloat16 b;
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
    b.bits = static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
    return b;
  }
  // Ties to even: add 0x7FFF plus the lowest kept bit, then truncate. Finite
  // values near the maximum correctly carry into Inf.
  const uint32_t lsb = (bits >> 16) & 1u;
  b.bits = static_cast<uint16_t>((bits + 0x7FFFu + lsb) >> 16);
  return b;
}

float BFloat16::ToFloat() const {
  return BitsToFloat(static_cast<uint32_t>(bits) << 16);
}

}  // namespace ckpt
