// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/eigen.h  (optional component ckpt::eigen, header-only)
// -----------------------------------------------------------------------------
//
// Eigen objects as checkpoint variables: Bind() points an ExternalVariable
// (ckpt/external_variable.h) at an Eigen::Matrix or Eigen::Array (either
// storage order), an Eigen::Map, Ref or Block, or an Eigen::Tensor or
// TensorMap (unsupported module), so the object is saved from and restored
// into its own memory. docs/adapters.md shows it at work.
//
// Layout. TensorFlow stores values row-major (C order). Memory that is
// already in that order is viewed directly, zero-copy: row-major matrices
// and arrays with contiguous rows, every vector, row-major tensors, and
// any object of at most one dimension. Everything else (the default
// column-major Eigen::MatrixXf, strided maps, blocks, column-major tensors)
// is bound through ExternalVariable::Copied callbacks that convert to and
// from row-major on each save and restore; the stored bytes are the same
// either way, so a checkpoint moves freely between the two layouts and to
// and from TensorFlow.
//
// Shape. A vector at compile time (Eigen::VectorXf, RowVector3d, one-row or
// one-column Array types) is stored with rank 1, [size], as TensorFlow's
// biases are; other matrices and arrays with rank 2, [rows, cols], even
// when a dynamic one has one row or column at run time; tensors with their
// rank and dimensions.
//
// Read-only objects (a Map of const, a const matrix) are bound read-only:
// they save, and a restore into them is FailedPrecondition.
//
// Lifetime: as for any ExternalVariable, the object must stay alive and
// keep its size and storage from Bind() until the variable is unbound,
// rebound or destroyed. Resizing a dynamic matrix moves its memory: Bind()
// again afterwards.
//
// Element types: float, double, the signed and unsigned 8 to 64-bit
// integers, bool, std::complex<float>, std::complex<double>, Eigen::half
// and Eigen::bfloat16 (a compile error for others).
//
// Example:
//
//   Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
//       kernel(7, 64);                        // viewed in place
//   Eigen::MatrixXf projection(64, 7);        // column-major: converted
//   ckpt::ExternalVariable k, p;
//   CKPT_RETURN_IF_ERROR(ckpt::eigen::Bind(k, kernel));
//   CKPT_RETURN_IF_ERROR(ckpt::eigen::Bind(p, projection));

#ifndef CKPT_EIGEN_H_
#define CKPT_EIGEN_H_

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/dtype.h"
#include "ckpt/external_variable.h"
#include "ckpt/tensor.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace ckpt::eigen {

// The DataType of Eigen scalar T.
template <typename T>
constexpr DataType ScalarType() {
  if constexpr (std::is_same_v<T, Eigen::half>) {
    return DataType::kHalf;
  } else if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
    return DataType::kBFloat16;
  } else {
    return DataTypeOf<T>::value;  // no specialization: not storable
  }
}

namespace internal {

template <typename Derived>
constexpr bool kIsArray = std::is_base_of_v<Eigen::ArrayBase<Derived>, Derived>;

// A row-major dense object of Derived's scalar and kind (matrix or array).
template <typename Derived>
using RowMajorOf =
    std::conditional_t<kIsArray<Derived>,
                       Eigen::Array<typename Derived::Scalar, Eigen::Dynamic,
                                    Eigen::Dynamic, Eigen::RowMajor>,
                       Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic,
                                     Eigen::Dynamic, Eigen::RowMajor>>;

// Whether m's elements lie in memory in row-major order, densely.
template <typename Derived>
bool IsRowMajorDense(const Eigen::DenseBase<Derived>& m) {
  if constexpr (!static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit)) {
    return false;
  } else {
    const Derived& d = m.derived();
    if (d.size() <= 1) return true;
    if (d.rows() == 1) return d.cols() == 1 || d.colStride() == 1;
    if (d.cols() == 1) return d.rowStride() == 1;
    return d.colStride() == 1 && d.rowStride() == d.cols();
  }
}

// The object a callback reaches: a pointer to a matrix or array (which must
// outlive the binding), or a copy of a cheap expression (Map, Ref, Block).
template <typename Derived>
auto Handle(Derived& d) {
  using Plain = std::remove_const_t<Derived>;
  if constexpr (std::is_base_of_v<Eigen::PlainObjectBase<Plain>, Plain>) {
    return &d;
  } else {
    return std::make_shared<Derived>(d);
  }
}

inline absl::Status ReadOnlyRestore() {
  return absl::FailedPreconditionError(
      "the Eigen object is read-only (a Map of const or a const object); "
      "bind a writable one to restore into it");
}

template <typename T>
constexpr bool kIsTensorMap = false;
template <typename Plain, int kOptions, template <class> class MakePointer>
constexpr bool kIsTensorMap<Eigen::TensorMap<Plain, kOptions, MakePointer>> =
    true;

}  // namespace internal

// The shape ckpt stores for `m` (see the file comment).
template <typename Derived>
TensorShape ShapeOf(const Eigen::DenseBase<Derived>& m) {
  if constexpr (Derived::IsVectorAtCompileTime) {
    return TensorShape({static_cast<int64_t>(m.size())});
  } else {
    return TensorShape(
        {static_cast<int64_t>(m.rows()), static_cast<int64_t>(m.cols())});
  }
}

namespace internal {

// Bind() of a dense object, `writable` unless it is const or not an lvalue.
template <bool kWritable, typename Derived>
absl::Status BindDense(ExternalVariable& v, Derived& d) {
  using Scalar = typename std::remove_const_t<Derived>::Scalar;
  using Plain = std::remove_const_t<Derived>;
  constexpr DataType dtype = ScalarType<Scalar>();
  const TensorShape shape = ShapeOf(d);
  const size_t bytes = static_cast<size_t>(d.size()) * sizeof(Scalar);
  if constexpr (static_cast<bool>(Plain::Flags & Eigen::DirectAccessBit)) {
    if (IsRowMajorDense(d)) {
      if constexpr (kWritable) {
        return v.BindWritable(dtype, shape, d.data(), bytes);
      } else {
        return v.BindReadOnly(dtype, shape, d.data(), bytes);
      }
    }
  }
  using RowMajor = RowMajorOf<Plain>;
  auto handle = Handle(d);
  const Eigen::Index rows = d.rows(), cols = d.cols();
  auto save = [handle, rows, cols](absl::Span<char> out) {
    Eigen::Map<RowMajor>(reinterpret_cast<Scalar*>(out.data()), rows, cols) =
        *handle;
    return absl::OkStatus();
  };
  ExternalVariable::RestoreFn restore = [](absl::string_view) {
    return ReadOnlyRestore();
  };
  if constexpr (kWritable) {
    restore = [handle, rows, cols](absl::string_view in) {
      *handle = Eigen::Map<const RowMajor>(
          reinterpret_cast<const Scalar*>(in.data()), rows, cols);
      return absl::OkStatus();
    };
  }
  return v.BindCopied(dtype, shape, std::move(save), std::move(restore));
}

}  // namespace internal

// Binds `v` to a dense Eigen object: a view of its memory when that is
// row-major and dense, otherwise converting callbacks (see the file
// comment). A Map of const, or any object passed as const, is bound
// read-only. Errors are ExternalVariable::Bind*'s (a value restored into
// `v` while it was unbound must have the object's dtype and shape).
template <typename Derived>
absl::Status Bind(ExternalVariable& v, Eigen::DenseBase<Derived>& m) {
  constexpr bool writable =
      static_cast<bool>(Derived::Flags & Eigen::LvalueBit);
  return internal::BindDense<writable>(v, m.derived());
}
template <typename Derived>
absl::Status Bind(ExternalVariable& v, const Eigen::DenseBase<Derived>& m) {
  return internal::BindDense<false>(v, m.derived());
}

// Binds `v` to an Eigen::Tensor or TensorMap: a view of its memory when it
// is row-major (or of rank <= 1), otherwise converting callbacks.
template <typename TensorType>
absl::Status BindTensor(ExternalVariable& v, TensorType& t) {
  using Scalar = typename TensorType::Scalar;
  using Index = typename TensorType::Index;
  constexpr int kRank = TensorType::NumIndices;
  constexpr DataType dtype = ScalarType<std::remove_const_t<Scalar>>();
  constexpr bool writable =
      !std::is_const_v<std::remove_pointer_t<decltype(t.data())>>;
  std::vector<int64_t> dims(static_cast<size_t>(kRank));
  for (int i = 0; i < kRank; ++i)
    dims[i] = static_cast<int64_t>(t.dimension(i));
  const TensorShape shape(dims);
  const size_t bytes = static_cast<size_t>(t.size()) * sizeof(Scalar);
  if constexpr (kRank <= 1 ||
                static_cast<int>(TensorType::Layout) == Eigen::RowMajor) {
    if constexpr (writable) {
      return v.BindWritable(dtype, shape, t.data(), bytes);
    } else {
      return v.BindReadOnly(dtype, shape, t.data(), bytes);
    }
  } else {
    // Column-major: the same memory read as row-major has the dimensions
    // reversed (swap_layout); shuffling them back gives C order.
    using Plain = std::remove_const_t<Scalar>;
    using RowMajorMap =
        Eigen::TensorMap<Eigen::Tensor<Plain, kRank, Eigen::RowMajor, Index>>;
    using ConstRowMajorMap = Eigen::TensorMap<
        const Eigen::Tensor<Plain, kRank, Eigen::RowMajor, Index>>;
    std::array<Index, kRank> extent, reverse;
    for (int i = 0; i < kRank; ++i) {
      extent[i] = t.dimension(i);
      reverse[i] = kRank - 1 - i;
    }
    // An owning Tensor is reached through its address (it must outlive the
    // binding); a TensorMap is copied (a map made for the call may go).
    auto target = [&t] {
      if constexpr (!internal::kIsTensorMap<TensorType>) {
        return &t;
      } else {
        return std::make_shared<TensorType>(t);
      }
    }();
    auto save = [target, extent, reverse](absl::Span<char> out) {
      RowMajorMap(reinterpret_cast<Plain*>(out.data()), extent) =
          target->swap_layout().shuffle(reverse);
      return absl::OkStatus();
    };
    ExternalVariable::RestoreFn restore = [](absl::string_view) {
      return internal::ReadOnlyRestore();
    };
    if constexpr (writable) {
      restore = [target, extent, reverse](absl::string_view in) {
        *target =
            ConstRowMajorMap(reinterpret_cast<const Plain*>(in.data()), extent)
                .swap_layout()
                .shuffle(reverse);
        return absl::OkStatus();
      };
    }
    return v.BindCopied(dtype, shape, std::move(save), std::move(restore));
  }
}

template <typename Scalar, int kRank, int kOptions, typename Index>
absl::Status Bind(ExternalVariable& v,
                  Eigen::Tensor<Scalar, kRank, kOptions, Index>& t) {
  return BindTensor(v, t);
}

template <typename Plain, int kOptions, template <class> class MakePointer>
absl::Status Bind(ExternalVariable& v,
                  Eigen::TensorMap<Plain, kOptions, MakePointer>& t) {
  return BindTensor(v, t);
}

// An ExternalVariable bound to `object` (any type Bind() accepts).
template <typename T>
absl::StatusOr<ExternalVariable> View(T& object) {
  ExternalVariable v;
  absl::Status s = Bind(v, object);
  if (!s.ok()) return s;
  return v;
}

}  // namespace ckpt::eigen

#endif  // CKPT_EIGEN_H_
