// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Trackable, Variable and the Anchor that connects live objects to waiting
// restore sessions.
#include "ckpt/trackable.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bundle/slice_layout.h"
#include "ckpt/status.h"
#include "graph/anchor.h"

namespace ckpt {
namespace internal {

std::string IndexName(size_t i) { return absl::StrCat(i); }

}  // namespace internal

namespace graph {

Anchor& Anchor::Of(Trackable& t) {
  if (!t.anchor_) t.anchor_ = std::make_shared<Anchor>();
  return *t.anchor_;
}

void Anchor::AddWaiter(std::shared_ptr<Waiter> waiter) {
  for (const auto& w : waiters_) {
    if (w == waiter) return;
  }
  waiters_.push_back(std::move(waiter));
}

void Anchor::RemoveWaiter(const Waiter* waiter) {
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                [waiter](const std::shared_ptr<Waiter>& w) {
                                  return w.get() == waiter;
                                }),
                 waiters_.end());
}

absl::Status Anchor::Notify(Trackable& owner) {
  // A waiter may add or remove waiters while it runs: iterate over a copy.
  const std::vector<std::shared_ptr<Waiter>> waiters = waiters_;
  absl::Status first;
  for (const auto& w : waiters) {
    absl::Status s = w->OnChildrenChanged(owner);
    if (first.ok() && !s.ok()) first = std::move(s);
  }
  return first;
}

}  // namespace graph

Trackable::Trackable() = default;
Trackable::Trackable(const Trackable&) {}
Trackable& Trackable::operator=(const Trackable&) { return *this; }
Trackable::~Trackable() = default;

absl::Status Trackable::ChildrenChanged() {
  if (!anchor_ || anchor_->empty()) return absl::OkStatus();
  // Keep the anchor alive even if a waiter drops the last reference.
  std::shared_ptr<graph::Anchor> anchor = anchor_;
  return anchor->Notify(*this);
}

Variable::Variable(DataType dtype, TensorShape shape)
    : value_(ckpt::Tensor::Create(dtype, std::move(shape)).value()) {}

Variable::Variable(ckpt::Tensor value) : value_(std::move(value)) {}

absl::Status Variable::Assign(const ckpt::Tensor& value) {
  if (value_.dtype() != DataType::kInvalid &&
      (value.dtype() != value_.dtype() || value.shape() != value_.shape())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot assign ", std::string(DataTypeName(value.dtype())), " ",
        value.shape().DebugString(), " to variable",
        name_.empty() ? "" : absl::StrCat(" '", name_, "'"), " of ",
        std::string(DataTypeName(value_.dtype())), " ",
        value_.shape().DebugString()));
  }
  value_ = value;
  return absl::OkStatus();
}

void Variable::VisitAttributes(AttributeVisitor& visit) {
  visit.Tensor("VARIABLE_VALUE", &value_, name_);
}

namespace {

absl::Status BadParts(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("ShardedVariable: ", why));
}

// The number of axis-0 parts TensorFlow's fixed_size_partitioner makes of
// `shape` for `num_parts`: min(num_parts, rows), one for zero rows.
absl::StatusOr<int64_t> NumParts(const TensorShape& shape, int num_parts) {
  if (shape.rank() < 1) {
    return BadParts(
        "a sharded variable needs rank >= 1 (it is split along "
        "axis 0)");
  }
  if (num_parts < 1) {
    return BadParts(absl::StrCat("num_parts ", num_parts, " must be >= 1"));
  }
  return std::max<int64_t>(1, std::min<int64_t>(num_parts, shape.dim(0)));
}

// Part i of n: the first rows % n parts are one row longer.
absl::StatusOr<TensorSlice> PartSlice(const TensorShape& shape, int64_t n,
                                      int64_t i) {
  const int64_t rows = shape.dim(0);
  std::vector<int64_t> start(static_cast<size_t>(shape.rank()), 0);
  std::vector<int64_t> length = shape.dims();
  start[0] = i * (rows / n) + std::min(i, rows % n);
  length[0] = rows / n + (i < rows % n ? 1 : 0);
  return TensorSlice::FromStartLength(start, length);
}

}  // namespace

absl::StatusOr<ShardedVariable> ShardedVariable::Create(DataType dtype,
                                                        TensorShape shape,
                                                        int num_parts) {
  CKPT_ASSIGN_OR_RETURN(const int64_t n, NumParts(shape, num_parts));
  std::vector<ckpt::Tensor> parts;
  parts.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    CKPT_ASSIGN_OR_RETURN(TensorSlice slice, PartSlice(shape, n, i));
    CKPT_ASSIGN_OR_RETURN(TensorShape part_shape, slice.SliceShape(shape));
    CKPT_ASSIGN_OR_RETURN(ckpt::Tensor part,
                          ckpt::Tensor::Create(dtype, std::move(part_shape)));
    parts.push_back(std::move(part));
  }
  return FromParts(std::move(parts));
}

absl::StatusOr<ShardedVariable> ShardedVariable::CreateLocal(
    DataType dtype, TensorShape shape, int num_parts, int rank, int num_ranks) {
  CKPT_ASSIGN_OR_RETURN(const int64_t n, NumParts(shape, num_parts));
  if (num_ranks < 1 || rank < 0 || rank >= num_ranks) {
    return BadParts(
        absl::StrCat("rank ", rank, " is not one of ", num_ranks, " ranks"));
  }
  if (n < num_ranks) {
    return BadParts(absl::StrCat(n, " parts of ", shape.DebugString(),
                                 " cannot give each of ", num_ranks,
                                 " ranks a part"));
  }
  if (n > static_cast<int64_t>(bundle::kMaxSlicesPerTensor)) {
    return BadParts(absl::StrCat(n, " parts, more than the ",
                                 bundle::kMaxSlicesPerTensor,
                                 " slices a checkpoint may list for a tensor"));
  }
  ShardedVariable v;
  v.dtype_ = dtype;
  v.shape_ = shape;
  v.local_ = true;
  for (int64_t i = rank * n / num_ranks; i < (rank + 1) * n / num_ranks; ++i) {
    CKPT_ASSIGN_OR_RETURN(TensorSlice slice, PartSlice(shape, n, i));
    CKPT_ASSIGN_OR_RETURN(TensorShape part_shape, slice.SliceShape(shape));
    CKPT_ASSIGN_OR_RETURN(ckpt::Tensor part,
                          ckpt::Tensor::Create(dtype, std::move(part_shape)));
    v.parts_.push_back(std::move(part));
    v.slices_.push_back(std::move(slice));
  }
  return v;
}

absl::StatusOr<ShardedVariable> ShardedVariable::FromParts(
    std::vector<ckpt::Tensor> parts) {
  if (parts.empty()) return BadParts("no parts");
  if (parts.size() > bundle::kMaxSlicesPerTensor) {
    return BadParts(absl::StrCat(parts.size(), " parts, more than the ",
                                 bundle::kMaxSlicesPerTensor,
                                 " slices a checkpoint may list for a tensor"));
  }
  const ckpt::Tensor& first = parts.front();
  if (first.shape().rank() < 1) {
    return BadParts("parts need rank >= 1 (they are stacked along axis 0)");
  }
  ShardedVariable v;
  v.dtype_ = first.dtype();
  std::vector<int64_t> dims = first.shape().dims();
  int64_t rows = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const ckpt::Tensor& p = parts[i];
    if (p.dtype() != first.dtype() ||
        p.shape().rank() != first.shape().rank()) {
      return BadParts(absl::StrCat("part ", i, " is ",
                                   std::string(DataTypeName(p.dtype())), " ",
                                   p.shape().DebugString(), " but part 0 is ",
                                   std::string(DataTypeName(first.dtype())),
                                   " ", first.shape().DebugString()));
    }
    for (int d = 1; d < p.shape().rank(); ++d) {
      if (p.shape().dim(d) != first.shape().dim(d)) {
        return BadParts(absl::StrCat(
            "part ", i, " has shape ", p.shape().DebugString(), ", part 0 ",
            first.shape().DebugString(), ": they differ beyond axis 0"));
      }
    }
    std::vector<int64_t> start(dims.size(), 0);
    start[0] = rows;
    CKPT_ASSIGN_OR_RETURN(TensorSlice slice, TensorSlice::FromStartLength(
                                                 start, p.shape().dims()));
    v.slices_.push_back(std::move(slice));
    rows += p.shape().dim(0);
  }
  dims[0] = rows;
  CKPT_ASSIGN_OR_RETURN(v.shape_, TensorShape::Create(dims));
  v.parts_ = std::move(parts);
  return v;
}

absl::StatusOr<ckpt::Tensor> ShardedVariable::Concat() const {
  if (parts_.empty()) return BadParts("no parts to concatenate");
  if (local_) {
    return absl::FailedPreconditionError(
        "ShardedVariable: a local share (CreateLocal) holds only some parts; "
        "there is no whole value to concatenate");
  }
  if (!IsFixedSizeDataType(dtype_)) {
    std::vector<std::string> values;
    for (const ckpt::Tensor& p : parts_) {
      values.insert(values.end(), p.strings().begin(), p.strings().end());
    }
    if (dtype_ == DataType::kVariant) {
      return ckpt::Tensor::FromVariantElements(shape_, std::move(values));
    }
    return ckpt::Tensor::FromStrings(shape_, std::move(values));
  }
  std::string bytes;
  for (const ckpt::Tensor& p : parts_) {
    bytes.append(p.bytes().data(), p.bytes().size());
  }
  return ckpt::Tensor::FromBytes(dtype_, shape_, bytes);
}

void ShardedVariable::VisitAttributes(AttributeVisitor& visit) {
  std::vector<ckpt::Tensor*> parts;
  parts.reserve(parts_.size());
  for (ckpt::Tensor& p : parts_) parts.push_back(&p);
  visit.Partitioned("VARIABLE_VALUE", shape_, parts, slices_, name_);
}

}  // namespace ckpt
