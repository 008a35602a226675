// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ExternalVariable: binding caller-owned memory, and the value restored
// while unbound (ckpt/external_variable.h). What saves and restores do with
// the memory is in the checkpoint layer (AttributeVisitor::External).

#include "ckpt/external_variable.h"

#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ckpt {
namespace {

std::string Describe(DataType dtype, const TensorShape& shape) {
  return absl::StrCat(DataTypeName(dtype), " ", shape.DebugString());
}

}  // namespace

absl::StatusOr<TensorShape> ExternalVariable::CheckDescriptor(
    const char* what, DataType dtype, TensorShape shape) {
  if (!IsCheckpointableDataType(dtype) || !IsFixedSizeDataType(dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExternalVariable::", what, ": dtype ",
                     DataTypeDisplayName(static_cast<int32_t>(dtype)),
                     " cannot live in caller memory (fixed-size dtypes only)"));
  }
  absl::StatusOr<TensorShape> valid = TensorShape::Create(shape.dims());
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExternalVariable::", what, ": ", valid.status().message()));
  }
  const uint64_t n = static_cast<uint64_t>(valid->num_elements());
  if (n > std::numeric_limits<size_t>::max() / DataTypeSize(dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExternalVariable::", what, ": ", Describe(dtype, *valid),
                     " is too large"));
  }
  return valid;
}

ExternalVariable::ExternalVariable(ExternalVariable&& other) noexcept
    : Trackable(),
      access_(other.access_),
      value_(std::move(other.value_)),
      writable_(other.writable_),
      copied_dtype_(other.copied_dtype_),
      copied_shape_(std::move(other.copied_shape_)),
      save_(std::move(other.save_)),
      restore_(std::move(other.restore_)),
      name_(std::move(other.name_)) {
  other.Unbind();
}

ExternalVariable& ExternalVariable::operator=(
    ExternalVariable&& other) noexcept {
  if (this != &other) {
    access_ = other.access_;
    value_ = std::move(other.value_);
    writable_ = other.writable_;
    copied_dtype_ = other.copied_dtype_;
    copied_shape_ = std::move(other.copied_shape_);
    save_ = std::move(other.save_);
    restore_ = std::move(other.restore_);
    name_ = std::move(other.name_);
    other.Unbind();
  }
  return *this;
}

absl::StatusOr<ExternalVariable> ExternalVariable::Writable(DataType dtype,
                                                            TensorShape shape,
                                                            void* data,
                                                            size_t size) {
  ExternalVariable v;
  absl::Status s = v.BindWritable(dtype, std::move(shape), data, size);
  if (!s.ok()) return s;
  return v;
}

absl::StatusOr<ExternalVariable> ExternalVariable::ReadOnly(DataType dtype,
                                                            TensorShape shape,
                                                            const void* data,
                                                            size_t size) {
  ExternalVariable v;
  absl::Status s = v.BindReadOnly(dtype, std::move(shape), data, size);
  if (!s.ok()) return s;
  return v;
}

absl::StatusOr<ExternalVariable> ExternalVariable::Copied(DataType dtype,
                                                          TensorShape shape,
                                                          SaveFn save,
                                                          RestoreFn restore) {
  ExternalVariable v;
  absl::Status s = v.BindCopied(dtype, std::move(shape), std::move(save),
                                std::move(restore));
  if (!s.ok()) return s;
  return v;
}

absl::StatusOr<ckpt::Tensor> ExternalVariable::MemoryView(const char* what,
                                                          DataType dtype,
                                                          TensorShape shape,
                                                          const void* data,
                                                          size_t size) {
  absl::StatusOr<TensorShape> valid =
      CheckDescriptor(what, dtype, std::move(shape));
  if (!valid.ok()) return valid.status();
  absl::StatusOr<ckpt::Tensor> view =
      ckpt::Tensor::Borrow(dtype, *std::move(valid), data, size);
  if (!view.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExternalVariable::", what, ": ", view.status().message()));
  }
  return view;
}

absl::Status ExternalVariable::DeliverPending(DataType dtype,
                                              const TensorShape& shape,
                                              void* data,
                                              const RestoreFn& restore) {
  if (!has_pending_value()) return absl::OkStatus();
  if (value_.dtype() != dtype || value_.shape() != shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot bind ExternalVariable",
                     name_.empty() ? "" : absl::StrCat(" '", name_, "'"),
                     ": the value restored while it was unbound is ",
                     Describe(value_.dtype(), value_.shape()),
                     ", the memory is ", Describe(dtype, shape)));
  }
  const absl::string_view bytes = value_.bytes();
  if (restore) return restore(bytes);
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return absl::OkStatus();
}

absl::Status ExternalVariable::BindWritable(DataType dtype, TensorShape shape,
                                            void* data, size_t size) {
  absl::StatusOr<ckpt::Tensor> view =
      MemoryView("BindWritable", dtype, std::move(shape), data, size);
  if (!view.ok()) return view.status();
  if (absl::Status s = DeliverPending(dtype, view->shape(), data, nullptr);
      !s.ok()) {
    return s;
  }
  access_ = Access::kWritable;
  value_ = *std::move(view);
  writable_ = static_cast<char*>(data);
  save_ = nullptr;
  restore_ = nullptr;
  return absl::OkStatus();
}

absl::Status ExternalVariable::BindReadOnly(DataType dtype, TensorShape shape,
                                            const void* data, size_t size) {
  absl::StatusOr<ckpt::Tensor> view =
      MemoryView("BindReadOnly", dtype, std::move(shape), data, size);
  if (!view.ok()) return view.status();
  if (has_pending_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot bind ExternalVariable",
        name_.empty() ? "" : absl::StrCat(" '", name_, "'"),
        " read-only: it holds a value restored while it was unbound (",
        Describe(value_.dtype(), value_.shape()),
        ") that read-only memory cannot receive; bind it writable"));
  }
  access_ = Access::kReadOnly;
  value_ = *std::move(view);
  writable_ = nullptr;
  save_ = nullptr;
  restore_ = nullptr;
  return absl::OkStatus();
}

absl::Status ExternalVariable::BindCopied(DataType dtype, TensorShape shape,
                                          SaveFn save, RestoreFn restore) {
  absl::StatusOr<TensorShape> valid =
      CheckDescriptor("BindCopied", dtype, std::move(shape));
  if (!valid.ok()) return valid.status();
  if (!save || !restore) {
    return absl::InvalidArgumentError(
        "ExternalVariable::BindCopied: both a save and a restore function "
        "are required");
  }
  if (absl::Status s = DeliverPending(dtype, *valid, nullptr, restore);
      !s.ok()) {
    return s;
  }
  access_ = Access::kCopied;
  value_ = ckpt::Tensor();
  writable_ = nullptr;
  copied_dtype_ = dtype;
  copied_shape_ = *std::move(valid);
  save_ = std::move(save);
  restore_ = std::move(restore);
  return absl::OkStatus();
}

void ExternalVariable::Unbind() {
  access_ = Access::kUnbound;
  value_ = ckpt::Tensor();
  writable_ = nullptr;
  copied_dtype_ = DataType::kInvalid;
  copied_shape_ = TensorShape();
  save_ = nullptr;
  restore_ = nullptr;
}

DataType ExternalVariable::dtype() const {
  return access_ == Access::kCopied ? copied_dtype_ : value_.dtype();
}

const TensorShape& ExternalVariable::shape() const {
  return access_ == Access::kCopied ? copied_shape_ : value_.shape();
}

void ExternalVariable::VisitAttributes(AttributeVisitor& visit) {
  if (access_ == Access::kUnbound) {
    visit.Tensor("VARIABLE_VALUE", &value_, name_);
  } else {
    visit.External("VARIABLE_VALUE", *this, name_);
  }
}

}  // namespace ckpt
