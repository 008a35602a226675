// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The Eigen adapter (include/ckpt/eigen.h): which objects are viewed in
// place and which are converted, the bytes on disk checked against an
// independent row-major indexing (through an owned Variable), round trips
// between layouts for every element type, read-only objects, shape
// mismatches and deferred delivery.

#include "ckpt/eigen.h"

#include <complex>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "ckpt/checkpoint.h"
#include "ckpt/external_variable.h"
#include "testing/test_util.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;
using RowMatrixXf =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Saves `v` as "x" to dir/name; returns the prefix.
std::string SaveOne(const TempDir& dir, const std::string& name,
                    ExternalVariable& v) {
  Checkpoint c;
  REQUIRE(c.Track("x", v).ok());
  const std::string prefix = dir.Join(name);
  const absl::Status s = c.Write(prefix);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return prefix;
}

// The stored value of "x" at `prefix`, read into an owned Variable.
Variable Stored(const std::string& prefix) {
  Variable out;
  Checkpoint c;
  REQUIRE(c.Track("x", out).ok());
  const absl::Status s = c.Read(prefix).status();
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

absl::Status RestoreOne(const std::string& prefix, ExternalVariable& v) {
  Checkpoint c;
  if (absl::Status s = c.Track("x", v); !s.ok()) return s;
  return c.Read(prefix).status();
}

// 0, 1, 2, ... in row-major order of a rows x cols matrix.
template <typename M>
void FillRowMajorCount(M& m) {
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      m(r, c) = static_cast<typename M::Scalar>(r * m.cols() + c);
    }
  }
}

std::vector<float> Floats(const Variable& v) {
  return {v.flat<float>().begin(), v.flat<float>().end()};
}

std::vector<float> Count(int n) {
  std::vector<float> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    out[static_cast<size_t>(i)] = static_cast<float>(i);
  return out;
}

TEST_CASE("Row-major matrices are viewed in place, column-major converted") {
  TempDir dir;
  RowMatrixXf row(3, 4);
  FillRowMajorCount(row);
  Eigen::MatrixXf col(3, 4);
  FillRowMajorCount(col);

  ExternalVariable r = eigen::View(row).value();
  REQUIRE(r.access() == ExternalVariable::Access::kWritable);
  REQUIRE(r.value().bytes().data() == reinterpret_cast<char*>(row.data()));
  ExternalVariable c = eigen::View(col).value();
  REQUIRE(c.access() == ExternalVariable::Access::kCopied);
  REQUIRE(r.shape() == TensorShape({3, 4}));
  REQUIRE(c.shape() == TensorShape({3, 4}));

  // Both store the same row-major bytes, as TensorFlow does.
  const std::string from_row = SaveOne(dir, "row", r);
  const std::string from_col = SaveOne(dir, "col", c);
  REQUIRE(Floats(Stored(from_row)) == Count(12));
  REQUIRE(Floats(Stored(from_col)) == Count(12));

  // And restore across layouts.
  RowMatrixXf row2 = RowMatrixXf::Zero(3, 4);
  Eigen::MatrixXf col2 = Eigen::MatrixXf::Zero(3, 4);
  ExternalVariable r2 = eigen::View(row2).value();
  ExternalVariable c2 = eigen::View(col2).value();
  CKPT_REQUIRE_OK(RestoreOne(from_col, r2));
  CKPT_REQUIRE_OK(RestoreOne(from_row, c2));
  REQUIRE(row2 == row);
  REQUIRE(col2 == col);
}

TEST_CASE("Vectors are rank 1 and viewed whatever their orientation") {
  TempDir dir;
  Eigen::VectorXd v(5);
  v << 1, 2, 3, 4, 5;
  Eigen::RowVector3f rv(7, 8, 9);
  ExternalVariable a = eigen::View(v).value();
  ExternalVariable b = eigen::View(rv).value();
  REQUIRE(a.shape() == TensorShape({5}));
  REQUIRE(b.shape() == TensorShape({3}));
  REQUIRE(a.access() == ExternalVariable::Access::kWritable);
  REQUIRE(b.access() == ExternalVariable::Access::kWritable);
  const std::string p = SaveOne(dir, "v", a);
  Eigen::VectorXd back = Eigen::VectorXd::Zero(5);
  ExternalVariable c = eigen::View(back).value();
  CKPT_REQUIRE_OK(RestoreOne(p, c));
  REQUIRE(back == v);
  // A dynamic matrix with one column at run time keeps rank 2.
  Eigen::MatrixXd column(5, 1);
  REQUIRE(eigen::View(column).value().shape() == TensorShape({5, 1}));
}

TEST_CASE("Arrays, maps, strided maps and blocks") {
  TempDir dir;
  Eigen::ArrayXXf array(2, 3);
  FillRowMajorCount(array);
  ExternalVariable a = eigen::View(array).value();
  REQUIRE(a.access() == ExternalVariable::Access::kCopied);
  REQUIRE(Floats(Stored(SaveOne(dir, "array", a))) == Count(6));

  std::vector<float> buffer = Count(6);
  Eigen::Map<RowMatrixXf> map(buffer.data(), 2, 3);
  ExternalVariable m = eigen::View(map).value();
  REQUIRE(m.access() == ExternalVariable::Access::kWritable);
  REQUIRE(m.value().bytes().data() == reinterpret_cast<char*>(buffer.data()));
  const std::string p = SaveOne(dir, "map", m);

  // Every other element of a 12-float buffer, as a 2x3 row-major matrix.
  std::vector<float> strided(12, -1.0f);
  Eigen::Map<RowMatrixXf, 0, Eigen::Stride<6, 2>> smap(strided.data(), 2, 3);
  ExternalVariable s = eigen::View(smap).value();
  REQUIRE(s.access() == ExternalVariable::Access::kCopied);
  CKPT_REQUIRE_OK(RestoreOne(p, s));
  REQUIRE(strided ==
          std::vector<float>{0, -1, 1, -1, 2, -1, 3, -1, 4, -1, 5, -1});

  // A block restores into its region only.
  Eigen::MatrixXf big = Eigen::MatrixXf::Constant(4, 5, -2.0f);
  auto block = big.block(1, 1, 2, 3);
  ExternalVariable b = eigen::View(block).value();
  CKPT_REQUIRE_OK(RestoreOne(p, b));
  REQUIRE(big(1, 1) == 0);
  REQUIRE(big(2, 3) == 5);
  REQUIRE(big(0, 0) == -2);
  REQUIRE(big.sum() == -2.0f * 14 + 15);
}

TEST_CASE("Read-only objects save and refuse restores") {
  TempDir dir;
  const std::vector<float> buffer = Count(6);
  Eigen::Map<const RowMatrixXf> cmap(buffer.data(), 2, 3);
  ExternalVariable v = eigen::View(cmap).value();
  REQUIRE(v.access() == ExternalVariable::Access::kReadOnly);
  const std::string p = SaveOne(dir, "ro", v);
  REQUIRE(Floats(Stored(p)) == Count(6));
  CKPT_REQUIRE_ERROR(RestoreOne(p, v), absl::StatusCode::kFailedPrecondition,
                     "restoring 'x': the object is a read-only view");

  const Eigen::MatrixXf col = Eigen::MatrixXf::Ones(2, 3);  // converted
  ExternalVariable c = eigen::View(col).value();
  REQUIRE(c.access() == ExternalVariable::Access::kCopied);
  CKPT_REQUIRE_ERROR(RestoreOne(p, c), absl::StatusCode::kFailedPrecondition,
                     "the Eigen object is read-only");
  REQUIRE(col == Eigen::MatrixXf::Ones(2, 3));
}

TEST_CASE("Column-major tensors are converted, row-major ones viewed") {
  TempDir dir;
  Eigen::Tensor<float, 3> col(2, 3, 4);  // ColMajor by default
  Eigen::Tensor<float, 3, Eigen::RowMajor> row(2, 3, 4);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) {
        col(i, j, k) = row(i, j, k) = static_cast<float>((i * 3 + j) * 4 + k);
      }
    }
  }
  ExternalVariable c = eigen::View(col).value();
  ExternalVariable r = eigen::View(row).value();
  REQUIRE(c.access() == ExternalVariable::Access::kCopied);
  REQUIRE(r.access() == ExternalVariable::Access::kWritable);
  REQUIRE(c.shape() == TensorShape({2, 3, 4}));
  const std::string pc = SaveOne(dir, "col", c);
  const std::string pr = SaveOne(dir, "row", r);
  REQUIRE(Floats(Stored(pc)) == Count(24));
  REQUIRE(Floats(Stored(pr)) == Count(24));

  Eigen::Tensor<float, 3> col2(2, 3, 4);
  col2.setZero();
  ExternalVariable c2 = eigen::View(col2).value();
  CKPT_REQUIRE_OK(RestoreOne(pr, c2));
  for (int i = 0; i < 24; ++i) REQUIRE(col2.data()[i] == col.data()[i]);

  std::vector<float> buffer(24, 0.0f);
  Eigen::TensorMap<Eigen::Tensor<float, 3, Eigen::RowMajor>> map(buffer.data(),
                                                                 2, 3, 4);
  ExternalVariable m = eigen::View(map).value();
  REQUIRE(m.access() == ExternalVariable::Access::kWritable);
  CKPT_REQUIRE_OK(RestoreOne(pc, m));
  REQUIRE(buffer == Count(24));

  // A column-major map made for the call: the binding keeps its own copy.
  std::vector<float> col_buffer(24, 0.0f);
  ExternalVariable from_map;
  {
    Eigen::TensorMap<Eigen::Tensor<float, 3>> temporary(col_buffer.data(), 2, 3,
                                                        4);
    CKPT_REQUIRE_OK(eigen::Bind(from_map, temporary));
  }
  REQUIRE(from_map.access() == ExternalVariable::Access::kCopied);
  CKPT_REQUIRE_OK(RestoreOne(pr, from_map));
  for (int i = 0; i < 24; ++i) REQUIRE(col_buffer[i] == col.data()[i]);

  Eigen::Tensor<double, 0> scalar;
  scalar() = 2.5;
  ExternalVariable s = eigen::View(scalar).value();
  REQUIRE(s.shape() == TensorShape({}));
}

template <typename T>
void RoundTrip(const TempDir& dir, DataType expected) {
  INFO("dtype " << DataTypeName(expected));
  using Col = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  Col m(2, 3);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) m(r, c) = static_cast<T>(r * 3 + c + 1);
  }
  ExternalVariable v = eigen::View(m).value();
  REQUIRE(v.dtype() == expected);
  const std::string p = SaveOne(dir, std::string(DataTypeName(expected)), v);
  const Variable stored = Stored(p);
  REQUIRE(stored.dtype() == expected);
  // Row-major on disk: element (r, c) at r * 3 + c.
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) {
      T got;
      std::memcpy(&got, stored.value().bytes().data() + (r * 3 + c) * sizeof(T),
                  sizeof(T));
      REQUIRE(got == m(r, c));
    }
  }
  Col back = Col::Zero(2, 3);
  ExternalVariable b = eigen::View(back).value();
  CKPT_REQUIRE_OK(RestoreOne(p, b));
  REQUIRE(back == m);
}

TEST_CASE("Every Eigen element type ckpt stores round-trips") {
  TempDir dir;
  RoundTrip<float>(dir, DataType::kFloat);
  RoundTrip<double>(dir, DataType::kDouble);
  RoundTrip<int8_t>(dir, DataType::kInt8);
  RoundTrip<int16_t>(dir, DataType::kInt16);
  RoundTrip<int32_t>(dir, DataType::kInt32);
  RoundTrip<int64_t>(dir, DataType::kInt64);
  RoundTrip<uint8_t>(dir, DataType::kUInt8);
  RoundTrip<uint16_t>(dir, DataType::kUInt16);
  RoundTrip<uint32_t>(dir, DataType::kUInt32);
  RoundTrip<uint64_t>(dir, DataType::kUInt64);
  RoundTrip<std::complex<float>>(dir, DataType::kComplex64);
  RoundTrip<std::complex<double>>(dir, DataType::kComplex128);
  RoundTrip<Eigen::half>(dir, DataType::kHalf);
  RoundTrip<Eigen::bfloat16>(dir, DataType::kBFloat16);
  // bool: 0 and 1 only.
  Eigen::Matrix<bool, 2, 2> flags;
  flags << true, false, false, true;
  ExternalVariable f = eigen::View(flags).value();
  REQUIRE(f.dtype() == DataType::kBool);
  const std::string p = SaveOne(dir, "bool", f);
  Eigen::Matrix<bool, 2, 2> back;
  back.setConstant(false);
  ExternalVariable b = eigen::View(back).value();
  CKPT_REQUIRE_OK(RestoreOne(p, b));
  REQUIRE(back == flags);
}

TEST_CASE("A matrix of another size is a mismatch naming both shapes") {
  TempDir dir;
  RowMatrixXf m = RowMatrixXf::Ones(2, 3);
  ExternalVariable v = eigen::View(m).value();
  const std::string p = SaveOne(dir, "p", v);
  Eigen::MatrixXf other = Eigen::MatrixXf::Zero(3, 2);
  ExternalVariable o = eigen::View(other).value();
  CKPT_REQUIRE_ERROR(RestoreOne(p, o), absl::StatusCode::kInvalidArgument,
                     "checkpoint float32 [2,3] vs object float32 [3,2]");
  REQUIRE(other == Eigen::MatrixXf::Zero(3, 2));
}

TEST_CASE("A value restored before the matrix exists is delivered on Bind") {
  TempDir dir;
  RowMatrixXf m(2, 3);
  FillRowMajorCount(m);
  ExternalVariable v = eigen::View(m).value();
  const std::string p = SaveOne(dir, "p", v);

  ExternalVariable later;  // unbound: the matrix is not allocated yet
  CKPT_REQUIRE_OK(RestoreOne(p, later));
  REQUIRE(later.has_pending_value());
  Eigen::MatrixXf wrong(3, 3);
  CKPT_REQUIRE_ERROR(eigen::Bind(later, wrong),
                     absl::StatusCode::kInvalidArgument,
                     "float32 [2,3], the memory is float32 [3,3]");
  Eigen::MatrixXf col(2, 3);  // column-major: delivered through conversion
  CKPT_REQUIRE_OK(eigen::Bind(later, col));
  REQUIRE(col == m);
}

}  // namespace
}  // namespace ckpt
