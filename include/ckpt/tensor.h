// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/tensor.h
// -----------------------------------------------------------------------------
//
// TensorShape and Tensor: the values ckpt reads and writes.
//
// A Tensor has a DataType, a TensorShape and contiguous row-major element
// bytes, either owned (64-byte aligned, allocated by ckpt) or borrowed from
// the caller (read-only; the caller keeps the memory alive). String tensors
// hold a std::vector<std::string> instead of bytes, and so do variant
// tensors: one serialized VariantTensorDataProto per element, carried
// opaquely (ckpt reads, copies and writes them without interpreting them;
// docs/format.md §8 Variant tensors).
//
// Copying a Tensor copies owned data (deep copy) and shares borrowed data
// (and a View()'s owner);
// moving is cheap. Tensors never throw; factories that can fail return
// absl::StatusOr.
//
// Example:
//
//   ckpt::Tensor t = ckpt::Tensor::FromVector<float>({2, 3},
//                                                   {1, 2, 3, 4, 5,
//                                                   6}).value();
//   absl::Span<const float> v = t.flat<float>();   // 6 floats
//   t.mutable_flat<float>()[0] = 7;
//
//   std::vector<float> mine(1024);
//   ckpt::Tensor view = ckpt::Tensor::Borrow(
//       ckpt::DataType::kFloat, ckpt::TensorShape({1024}),
//       mine.data(), mine.size() * sizeof(float)).value();

#ifndef CKPT_TENSOR_H_
#define CKPT_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/dtype.h"

namespace ckpt {

class TensorShape {
 public:
  // Largest rank accepted (TensorFlow's limit).
  static constexpr int kMaxRank = 254;

  // A scalar (rank 0, one element).
  TensorShape() = default;
  // Trusted dimensions from code. Precondition: they would pass Create();
  // use Create() for anything that comes from a file or a user.
  TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit TensorShape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  // Validates: rank <= kMaxRank, every dimension >= 0, and the element count
  // fits in int64. InvalidArgument naming the offending dimension otherwise.
  static absl::StatusOr<TensorShape> Create(absl::Span<const int64_t> dims);

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  // Product of the dimensions (1 for a scalar).
  int64_t num_elements() const;

  // "[5,5,1,56]"; "[]" for a scalar.
  std::string DebugString() const;

  friend bool operator==(const TensorShape& a, const TensorShape& b) {
    return a.dims_ == b.dims_;
  }
  friend bool operator!=(const TensorShape& a, const TensorShape& b) {
    return !(a == b);
  }

 private:
  std::vector<int64_t> dims_;
};

class Tensor {
 public:
  // An empty tensor with dtype kInvalid.
  Tensor() = default;
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;
  ~Tensor() = default;

  // A zero-filled owned tensor (strings: empty strings; variant: empty
  // elements, each an empty VariantTensorDataProto). Fails for dtypes that
  // are not checkpointable (IsCheckpointableDataType) and for byte sizes
  // that overflow.
  static absl::StatusOr<Tensor> Create(DataType dtype, TensorShape shape);

  // As Create(), but a fixed-size tensor's bytes are left uninitialized (and
  // its pages untouched): for callers that overwrite every byte before
  // reading any, such as readers. Zero-filling first would write the memory
  // twice, which on a cold restore costs as much as the read itself
  // (docs/performance.md, "Cold restores").
  static absl::StatusOr<Tensor> CreateUninitialized(DataType dtype,
                                                    TensorShape shape);

  // An owned tensor holding a copy of `bytes`, whose size must be
  // num_elements * DataTypeSize(dtype). Fixed-size dtypes only.
  static absl::StatusOr<Tensor> FromBytes(DataType dtype, TensorShape shape,
                                          absl::string_view bytes);

  // A read-only view of caller memory, which must outlive the tensor and all
  // copies of it. `size` must equal num_elements * DataTypeSize(dtype).
  static absl::StatusOr<Tensor> Borrow(DataType dtype, TensorShape shape,
                                       const void* data, size_t size);

  // As Borrow(), but the memory is kept alive by `owner` (a mapped file, a
  // buffer of the caller's): the tensor and every copy of it hold a
  // reference to `owner`, so `data` stays valid as long as any of them
  // lives. A mapped restore (RestoreOptions::map_values) gives variables
  // such views of the checkpoint's data files.
  static absl::StatusOr<Tensor> View(DataType dtype, TensorShape shape,
                                     const void* data, size_t size,
                                     std::shared_ptr<const void> owner);

  // A string tensor; values.size() must equal shape.num_elements().
  static absl::StatusOr<Tensor> FromStrings(TensorShape shape,
                                            std::vector<std::string> values);

  // A variant tensor whose element i is the serialized
  // VariantTensorDataProto `elements[i]` (as Read() returns them);
  // elements.size() must equal shape.num_elements(). The bytes are not
  // checked here; BundleWriter::Add refuses an element that is not a
  // well-formed VariantTensorDataProto.
  static absl::StatusOr<Tensor> FromVariantElements(
      TensorShape shape, std::vector<std::string> elements);

  // An owned tensor of C++ elements; values.size() must equal
  // shape.num_elements().
  template <typename T>
  static absl::StatusOr<Tensor> FromVector(TensorShape shape,
                                           const std::vector<T>& values);
  template <typename T>
  static Tensor Scalar(T value);

  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  int64_t num_elements() const { return shape_.num_elements(); }
  bool is_string() const { return dtype_ == DataType::kString; }
  bool is_variant() const { return dtype_ == DataType::kVariant; }
  // True for string and variant tensors: their elements are the
  // std::strings of strings(), and bytes() is empty.
  bool holds_strings() const { return is_string() || is_variant(); }
  bool is_borrowed() const { return borrowed_ != nullptr; }
  // What keeps a View()'s memory alive; null for other tensors.
  const std::shared_ptr<const void>& view_owner() const { return owner_; }

  // Element bytes of a fixed-size tensor (empty for string and variant).
  absl::string_view bytes() const;
  // Writable bytes; empty for borrowed, string and variant tensors.
  absl::Span<char> mutable_bytes();

  // Typed views. Precondition: DataTypeOf<T>::value == dtype(); otherwise the
  // span is empty.
  template <typename T>
  absl::Span<const T> flat() const;
  template <typename T>
  absl::Span<T> mutable_flat();

  // String elements, or for a variant tensor each element's serialized
  // VariantTensorDataProto (empty for other dtypes).
  const std::vector<std::string>& strings() const { return strings_; }
  std::vector<std::string>* mutable_strings() { return &strings_; }

  // Same dtype, shape and bytes (or strings, or variant element bytes).
  bool Equals(const Tensor& other) const;

  // One-line summary: dtype, shape and up to a few values (for variant: each
  // element's type_name and size, e.g. `variant [1] {tensorflow::Iterator
  // (120 bytes)}`).
  std::string DebugString() const;

 private:
  struct AlignedFree {
    void operator()(char* p) const;
  };
  DataType dtype_ = DataType::kInvalid;
  TensorShape shape_;
  size_t byte_size_ = 0;
  std::unique_ptr<char, AlignedFree> owned_;
  const char* borrowed_ = nullptr;
  std::shared_ptr<const void> owner_;  // of borrowed_, for View()
  std::vector<std::string> strings_;

  const char* data() const { return borrowed_ ? borrowed_ : owned_.get(); }
};

// ---- template implementation ----

template <typename T>
absl::StatusOr<Tensor> Tensor::FromVector(TensorShape shape,
                                          const std::vector<T>& values) {
  static_assert(!std::is_same_v<T, bool>,
                "use Tensor::Create(kBool) and mutable_flat<bool>()");
  return FromBytes(
      DataTypeOf<T>::value, std::move(shape),
      absl::string_view(reinterpret_cast<const char*>(values.data()),
                        values.size() * sizeof(T)));
}

template <typename T>
Tensor Tensor::Scalar(T value) {
  Tensor t = Create(DataTypeOf<T>::value, TensorShape()).value();
  t.mutable_flat<T>()[0] = value;
  return t;
}

template <typename T>
absl::Span<const T> Tensor::flat() const {
  if (DataTypeOf<T>::value != dtype_ || data() == nullptr) return {};
  return absl::Span<const T>(reinterpret_cast<const T*>(data()),
                             byte_size_ / sizeof(T));
}

template <typename T>
absl::Span<T> Tensor::mutable_flat() {
  if (DataTypeOf<T>::value != dtype_ || !owned_) return {};
  return absl::Span<T>(reinterpret_cast<T*>(owned_.get()),
                       byte_size_ / sizeof(T));
}

}  // namespace ckpt

#endif  // CKPT_TENSOR_H_
