// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/dtype.h
// -----------------------------------------------------------------------------
//
// Element types of tensors, numbered exactly as TensorFlow's DataType enum
// (the numbers are stored on disk), with TensorFlow's lowercase names
// ("float32", "bfloat16", "int64", "string", "bool", ...), element sizes, and
// the C++ types used for typed views.
//
// Example:
//
//   ckpt::DataType dt = ckpt::DataType::kBFloat16;
//   ckpt::DataTypeName(dt);   // "bfloat16"
//   ckpt::DataTypeSize(dt);   // 2
//   ckpt::DataTypeFromName("float32");  // DataType::kFloat

#ifndef CKPT_DTYPE_H_
#define CKPT_DTYPE_H_

#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace ckpt {

enum class DataType : int32_t {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQInt8 = 11,
  kQUInt8 = 12,
  kQInt32 = 13,
  kBFloat16 = 14,
  kQInt16 = 15,
  kQUInt16 = 16,
  kUInt16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUInt32 = 22,
  kUInt64 = 23,
  kFloat8E5M2 = 24,
  kFloat8E4M3FN = 25,
  kFloat8E4M3FNUZ = 26,
  kFloat8E4M3B11FNUZ = 27,
  kFloat8E5M2FNUZ = 28,
  kInt4 = 29,
  kUInt4 = 30,
};

// TensorFlow's name: "float32", "float64", "int32", "uint8", "int16", "int8",
// "string", "complex64", "int64", "bool", "qint8", "quint8", "qint32",
// "bfloat16", "qint16", "quint16", "uint16", "complex128", "float16",
// "resource", "variant", "uint32", "uint64", "float8_e5m2", "float8_e4m3fn",
// "float8_e4m3fnuz", "float8_e4m3b11fnuz", "float8_e5m2fnuz", "int4", "uint4".
// Values outside the enum give "invalid".
absl::string_view DataTypeName(DataType dt);

// Name for display of any raw enum value from a file: the name for known
// values, "dtype(<n>)" otherwise.
std::string DataTypeDisplayName(int32_t raw_value);

// Inverse of DataTypeName; also accepts "float", "double" and "half".
std::optional<DataType> DataTypeFromName(absl::string_view name);

// Bytes per element in a bundle for fixed-size types; 0 for string, variant,
// resource, invalid and values outside the enum.
size_t DataTypeSize(DataType dt);

// True for the types whose values are stored as raw little-endian elements.
bool IsFixedSizeDataType(DataType dt);

// The types whose values ckpt stores and reads as values it understands:
// every fixed-size type plus kString. Variant, resource and invalid are not.
bool IsStorableDataType(DataType dt);

// The allow-list of types a bundle entry may hold and ckpt can read and
// write: the storable types plus kVariant, whose elements ckpt carries as
// opaque serialized VariantTensorDataProto bytes (docs/format.md §8 Variant
// tensors). Resource, invalid and values outside the enum are not.
bool IsCheckpointableDataType(DataType dt);

// True if `raw_value` is one of the enumerators above.
bool IsKnownDataType(int32_t raw_value);

// True for float16, bfloat16, float32, float64, complex and float8 types.
bool IsFloatingDataType(DataType dt);

// 16-bit floats as stored bits; conversions round to nearest even.
struct Half {
  uint16_t bits = 0;
  static Half FromFloat(float f);
  float ToFloat() const;
  friend bool operator==(Half a, Half b) { return a.bits == b.bits; }
};
struct BFloat16 {
  uint16_t bits = 0;
  static BFloat16 FromFloat(float f);
  float ToFloat() const;
  friend bool operator==(BFloat16 a, BFloat16 b) { return a.bits == b.bits; }
};

// DataTypeOf<T>::value: the DataType whose elements are T, for the C++ types
// used in typed tensor views. Quantized, float8 and 4-bit types have no C++
// element type here; view them as their storage integers through bytes().
template <typename T>
struct DataTypeOf;
#define CKPT_DATATYPE_OF_(T, DT)                    \
  template <>                                       \
  struct DataTypeOf<T> {                            \
    static constexpr DataType value = DataType::DT; \
  }
CKPT_DATATYPE_OF_(float, kFloat);
CKPT_DATATYPE_OF_(double, kDouble);
CKPT_DATATYPE_OF_(int8_t, kInt8);
CKPT_DATATYPE_OF_(int16_t, kInt16);
CKPT_DATATYPE_OF_(int32_t, kInt32);
CKPT_DATATYPE_OF_(int64_t, kInt64);
CKPT_DATATYPE_OF_(uint8_t, kUInt8);
CKPT_DATATYPE_OF_(uint16_t, kUInt16);
CKPT_DATATYPE_OF_(uint32_t, kUInt32);
CKPT_DATATYPE_OF_(uint64_t, kUInt64);
CKPT_DATATYPE_OF_(bool, kBool);
CKPT_DATATYPE_OF_(std::complex<float>, kComplex64);
CKPT_DATATYPE_OF_(std::complex<double>, kComplex128);
CKPT_DATATYPE_OF_(Half, kHalf);
CKPT_DATATYPE_OF_(BFloat16, kBFloat16);
#undef CKPT_DATATYPE_OF_

}  // namespace ckpt

#endif  // CKPT_DTYPE_H_
