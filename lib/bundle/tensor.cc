// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// TensorShape validation and Tensor storage: 64-byte aligned owned buffers,
// borrowed read-only views, string tensors, deep copies and debug output.
//
// Every factory validates its shape with TensorShape::Create, even when the
// shape was built with the trusted constructor, so that a Tensor's byte size
// is always num_elements * DataTypeSize(dtype) without overflow.

#include "ckpt/tensor.h"

#include <algorithm>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "bundle/variant_codec.h"

namespace ckpt {
namespace {

// Alignment of owned buffers (a cache line; enough for any SIMD load).
constexpr size_t kAlignment = 64;
static_assert((kAlignment & (kAlignment - 1)) == 0 &&
                  kAlignment >= sizeof(void*),
              "MallocAligned rounds up to a power of two and keeps the "
              "block's address in the pointer-sized slot before the buffer");
// Values shown by Tensor::DebugString before "...".
constexpr int64_t kMaxDebugValues = 8;
// Bytes of each string shown by Tensor::DebugString before "...".
constexpr size_t kMaxDebugStringBytes = 32;

// Owned buffers must stay addressable by spans and string_views.
constexpr uint64_t kMaxByteSize =
    static_cast<uint64_t>(std::numeric_limits<ptrdiff_t>::max());

// DataTypeName as an absl::string_view (absl's is not std's in this build).
absl::string_view Name(DataType dtype) {
  const absl::string_view name = DataTypeName(dtype);
  return absl::string_view(name.data(), name.size());
}

// num_elements * element_size, or InvalidArgument if that does not fit.
absl::StatusOr<size_t> ByteSize(DataType dtype, const TensorShape& shape) {
  const auto n = static_cast<uint64_t>(shape.num_elements());
  const uint64_t element_size = DataTypeSize(dtype);
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(n, element_size, &bytes) || bytes > kMaxByteSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor of dtype ", Name(dtype), " and shape ",
                     shape.DebugString(), " has a byte size that overflows"));
  }
  return static_cast<size_t>(bytes);
}

// `size` uninitialized bytes aligned to kAlignment, or null. The buffer is
// aligned by hand inside a plain malloc block, whose address sits in the
// pointer-sized slot right before the buffer (ReleaseAligned frees it):
// glibc's memalign carves an aligned chunk out of a larger one and frees
// both ends, which for 100,000 small tensors cost more than reading them
// (docs/performance.md, "Cold restores").
char* MallocAligned(size_t size) noexcept {
  constexpr size_t kSlack = kAlignment + sizeof(void*);
  if (size > std::numeric_limits<size_t>::max() - kSlack) return nullptr;
  void* raw = std::malloc(size + kSlack);
  if (raw == nullptr) return nullptr;
  const uintptr_t at =
      (reinterpret_cast<uintptr_t>(raw) + sizeof(void*) + kAlignment - 1) &
      ~uintptr_t{kAlignment - 1};
  char* p = reinterpret_cast<char*>(at);
  std::memcpy(p - sizeof(void*), &raw, sizeof(void*));
  return p;
}

void ReleaseAligned(char* p) noexcept {
  if (p == nullptr) return;
  void* raw;
  std::memcpy(&raw, p - sizeof(void*), sizeof(void*));
  std::free(raw);
}

// `size` (> 0) uninitialized bytes aligned to kAlignment, or
// ResourceExhausted. Released by Tensor::AlignedFree.
absl::StatusOr<char*> AllocateAligned(size_t size, DataType dtype,
                                      const TensorShape& shape) {
  char* p = MallocAligned(size);
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", size, " bytes for a ", Name(dtype),
                     " tensor of shape ", shape.DebugString()));
  }
  return p;
}

// Checks that `size` bytes are exactly what a fixed-size tensor of `dtype`
// and `shape` holds; `what` names the caller for the message.
absl::Status CheckSize(absl::string_view what, DataType dtype,
                       const TensorShape& shape, size_t size, size_t expected) {
  if (size == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": a ", Name(dtype), " tensor of shape ", shape.DebugString(),
      " needs ", expected, " bytes, got ", size));
}

// Rejects dtypes that have no raw little-endian element bytes.
absl::Status CheckFixedSize(absl::string_view what, DataType dtype) {
  if (IsFixedSizeDataType(dtype)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": dtype ", DataTypeDisplayName(static_cast<int32_t>(dtype)),
      " is not a fixed-size type",
      dtype == DataType::kString    ? " (use FromStrings)"
      : dtype == DataType::kVariant ? " (use FromVariantElements)"
                                    : ""));
}

// Reads element `i` of type T from possibly unaligned bytes.
template <typename T>
T Load(const char* data, int64_t i) {
  T value;
  std::memcpy(&value, data + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  return value;
}

template <typename T>
std::string FormatComplex(const char* data, int64_t i) {
  const std::complex<T> c = Load<std::complex<T>>(data, i);
  return absl::StrCat("(", c.real(), ",", c.imag(), ")");
}

// Element `i` of a fixed-size tensor as text. Quantized and 4-bit types are
// shown as their storage integers, float8 as hex bits.
std::string FormatElement(DataType dtype, const char* data, int64_t i) {
  switch (dtype) {
    case DataType::kFloat:
      return absl::StrCat(Load<float>(data, i));
    case DataType::kDouble:
      return absl::StrCat(Load<double>(data, i));
    case DataType::kHalf:
      return absl::StrCat(Load<Half>(data, i).ToFloat());
    case DataType::kBFloat16:
      return absl::StrCat(Load<BFloat16>(data, i).ToFloat());
    case DataType::kComplex64:
      return FormatComplex<float>(data, i);
    case DataType::kComplex128:
      return FormatComplex<double>(data, i);
    case DataType::kBool:  // raw byte: a stored value may be neither 0 nor 1
      return Load<uint8_t>(data, i) != 0 ? "true" : "false";
    case DataType::kInt8:
    case DataType::kQInt8:
    case DataType::kInt4:
      return absl::StrCat(Load<int8_t>(data, i));
    case DataType::kUInt8:
    case DataType::kQUInt8:
    case DataType::kUInt4:
      return absl::StrCat(Load<uint8_t>(data, i));
    case DataType::kInt16:
    case DataType::kQInt16:
      return absl::StrCat(Load<int16_t>(data, i));
    case DataType::kUInt16:
    case DataType::kQUInt16:
      return absl::StrCat(Load<uint16_t>(data, i));
    case DataType::kInt32:
    case DataType::kQInt32:
      return absl::StrCat(Load<int32_t>(data, i));
    case DataType::kUInt32:
      return absl::StrCat(Load<uint32_t>(data, i));
    case DataType::kInt64:
      return absl::StrCat(Load<int64_t>(data, i));
    case DataType::kUInt64:
      return absl::StrCat(Load<uint64_t>(data, i));
    default:  // float8 types
      return absl::StrCat("0x",
                          absl::Hex(Load<uint8_t>(data, i), absl::kZeroPad2));
  }
}

// A variant element as its type_name and size: `tensorflow::Iterator (120
// bytes)`, or `<malformed> (7 bytes)`.
std::string FormatVariant(const std::string& s) {
  absl::StatusOr<bundle::VariantElementInfo> info =
      bundle::ParseVariantElement(s);
  std::string name = "<malformed>";
  if (info.ok()) {
    name = info->type_name.empty()
               ? "<no type_name>"
               : absl::CHexEscape(absl::string_view(info->type_name)
                                      .substr(0, kMaxDebugStringBytes));
  }
  return absl::StrCat(name, " (", s.size(), " bytes)");
}

std::string FormatString(const std::string& s) {
  const bool cut = s.size() > kMaxDebugStringBytes;
  return absl::StrCat(
      "\"",
      absl::CHexEscape(absl::string_view(s).substr(0, kMaxDebugStringBytes)),
      cut ? "...\"" : "\"");
}

}  // namespace

// ---- TensorShape ----

absl::StatusOr<TensorShape> TensorShape::Create(
    absl::Span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shape has rank ", dims.size(), ", more than the maximum ", kMaxRank));
  }
  int64_t count = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape dimension ", i, " has negative size ", dims[i]));
    }
    // Same rule as TensorFlow: the running product must fit in int64 (a
    // later 0 does not excuse an earlier overflow).
    if (__builtin_mul_overflow(count, dims[i], &count)) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape dimension ", i, " of size ", dims[i],
                       " makes the number of elements overflow int64"));
    }
  }
  return TensorShape(std::vector<int64_t>(dims.begin(), dims.end()));
}

int64_t TensorShape::num_elements() const {
  // Unsigned arithmetic: a shape that breaks the constructor's precondition
  // gives a meaningless count, never undefined behavior.
  uint64_t count = 1;
  for (int64_t d : dims_) count *= static_cast<uint64_t>(d);
  return static_cast<int64_t>(count);
}

std::string TensorShape::DebugString() const {
  return absl::StrCat("[", absl::StrJoin(dims_, ","), "]");
}

// ---- Tensor ----

void Tensor::AlignedFree::operator()(char* p) const { ReleaseAligned(p); }

Tensor::Tensor(const Tensor& other)
    : dtype_(other.dtype_),
      shape_(other.shape_),
      byte_size_(other.byte_size_),
      borrowed_(other.borrowed_),
      owner_(other.owner_),
      strings_(other.strings_) {
  if (other.owned_ != nullptr) {
    // Like std::vector's copy, an allocation failure here is fatal.
    char* p = MallocAligned(byte_size_);
    if (p == nullptr) throw std::bad_alloc();
    owned_.reset(p);
    std::memcpy(owned_.get(), other.owned_.get(), byte_size_);
  }
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

absl::StatusOr<Tensor> Tensor::Create(DataType dtype, TensorShape shape) {
  absl::StatusOr<Tensor> t = CreateUninitialized(dtype, std::move(shape));
  if (t.ok() && t->owned_ != nullptr) {
    std::memset(t->owned_.get(), 0, t->byte_size_);
  }
  return t;
}

absl::StatusOr<Tensor> Tensor::CreateUninitialized(DataType dtype,
                                                   TensorShape shape) {
  if (!IsCheckpointableDataType(dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create a tensor of dtype ",
                     DataTypeDisplayName(static_cast<int32_t>(dtype)),
                     ": not a storable type"));
  }
  absl::StatusOr<TensorShape> valid = TensorShape::Create(shape.dims());
  if (!valid.ok()) return valid.status();

  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = *std::move(valid);
  const int64_t n = t.shape_.num_elements();
  if (dtype == DataType::kString || dtype == DataType::kVariant) {
    if (static_cast<uint64_t>(n) > t.strings_.max_size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Name(dtype), " tensor of shape ", t.shape_.DebugString(),
                       " is too large"));
    }
    t.strings_.resize(static_cast<size_t>(n));
    return t;
  }
  absl::StatusOr<size_t> bytes = ByteSize(dtype, t.shape_);
  if (!bytes.ok()) return bytes.status();
  t.byte_size_ = *bytes;
  if (t.byte_size_ == 0) return t;  // zero elements: no buffer
  absl::StatusOr<char*> p = AllocateAligned(t.byte_size_, dtype, t.shape_);
  if (!p.ok()) return p.status();
  t.owned_.reset(*p);
  return t;
}

absl::StatusOr<Tensor> Tensor::FromBytes(DataType dtype, TensorShape shape,
                                         absl::string_view bytes) {
  if (absl::Status s = CheckFixedSize("FromBytes", dtype); !s.ok()) return s;
  absl::StatusOr<TensorShape> valid = TensorShape::Create(shape.dims());
  if (!valid.ok()) return valid.status();
  absl::StatusOr<size_t> expected = ByteSize(dtype, *valid);
  if (!expected.ok()) return expected.status();
  if (absl::Status s =
          CheckSize("FromBytes", dtype, *valid, bytes.size(), *expected);
      !s.ok()) {
    return s;
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = *std::move(valid);
  t.byte_size_ = bytes.size();
  if (bytes.empty()) return t;  // zero elements: no buffer
  absl::StatusOr<char*> p = AllocateAligned(bytes.size(), dtype, t.shape_);
  if (!p.ok()) return p.status();
  t.owned_.reset(*p);
  std::memcpy(*p, bytes.data(), bytes.size());
  return t;
}

// `data` may have any alignment (e.g. a tensor inside a mapped file); typed
// views of such a tensor need `data` aligned for the element type.
absl::StatusOr<Tensor> Tensor::Borrow(DataType dtype, TensorShape shape,
                                      const void* data, size_t size) {
  if (absl::Status s = CheckFixedSize("Borrow", dtype); !s.ok()) return s;
  absl::StatusOr<TensorShape> valid = TensorShape::Create(shape.dims());
  if (!valid.ok()) return valid.status();
  absl::StatusOr<size_t> expected = ByteSize(dtype, *valid);
  if (!expected.ok()) return expected.status();
  if (absl::Status s = CheckSize("Borrow", dtype, *valid, size, *expected);
      !s.ok()) {
    return s;
  }
  if (data == nullptr && size != 0) {
    return absl::InvalidArgumentError(
        "Borrow: null data for a non-empty tensor");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = *std::move(valid);
  t.byte_size_ = size;
  t.borrowed_ = static_cast<const char*>(data);
  return t;
}

absl::StatusOr<Tensor> Tensor::View(DataType dtype, TensorShape shape,
                                    const void* data, size_t size,
                                    std::shared_ptr<const void> owner) {
  absl::StatusOr<Tensor> t = Borrow(dtype, std::move(shape), data, size);
  if (!t.ok()) return t.status();
  if (owner == nullptr) {
    return absl::InvalidArgumentError("View: null owner");
  }
  if (t->borrowed_ != nullptr) t->owner_ = std::move(owner);
  return t;
}

absl::StatusOr<Tensor> Tensor::FromStrings(TensorShape shape,
                                           std::vector<std::string> values) {
  absl::StatusOr<TensorShape> valid = TensorShape::Create(shape.dims());
  if (!valid.ok()) return valid.status();
  const auto n = static_cast<uint64_t>(valid->num_elements());
  if (values.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("FromStrings: shape ", valid->DebugString(), " has ", n,
                     " elements, got ", values.size(), " strings"));
  }
  Tensor t;
  t.dtype_ = DataType::kString;
  t.shape_ = *std::move(valid);
  t.strings_ = std::move(values);
  return t;
}

absl::StatusOr<Tensor> Tensor::FromVariantElements(
    TensorShape shape, std::vector<std::string> elements) {
  absl::StatusOr<TensorShape> valid = TensorShape::Create(shape.dims());
  if (!valid.ok()) return valid.status();
  const auto n = static_cast<uint64_t>(valid->num_elements());
  if (elements.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("FromVariantElements: shape ", valid->DebugString(),
                     " has ", n, " elements, got ", elements.size()));
  }
  Tensor t;
  t.dtype_ = DataType::kVariant;
  t.shape_ = *std::move(valid);
  t.strings_ = std::move(elements);
  return t;
}

absl::string_view Tensor::bytes() const {
  if (holds_strings() || data() == nullptr) return {};
  return absl::string_view(data(), byte_size_);
}

absl::Span<char> Tensor::mutable_bytes() {
  if (holds_strings() || owned_ == nullptr) return {};
  return absl::Span<char>(owned_.get(), byte_size_);
}

bool Tensor::Equals(const Tensor& other) const {
  if (dtype_ != other.dtype_ || shape_ != other.shape_) return false;
  if (holds_strings()) return strings_ == other.strings_;
  return bytes() == other.bytes();
}

// "float32 [2,3] {1, 2, 3, 4, 5, 6}"; at most kMaxDebugValues values, then
// "...". A moved-from or default tensor shows no values.
std::string Tensor::DebugString() const {
  std::string out = absl::StrCat(Name(dtype_), " ", shape_.DebugString(), " {");
  int64_t available = 0;
  if (holds_strings()) {
    available = static_cast<int64_t>(strings_.size());
  } else if (data() != nullptr && DataTypeSize(dtype_) != 0) {
    available = static_cast<int64_t>(byte_size_ / DataTypeSize(dtype_));
  }
  const int64_t shown = std::min(available, kMaxDebugValues);
  for (int64_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    if (is_variant()) {
      out += FormatVariant(strings_[static_cast<size_t>(i)]);
    } else {
      out += is_string() ? FormatString(strings_[static_cast<size_t>(i)])
                         : FormatElement(dtype_, data(), i);
    }
  }
  if (available > shown) out += ", ...";
  out += "}";
  return out;
}

}  // namespace ckpt
