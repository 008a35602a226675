// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Trackable, Variable and the Anchor that connects live objects to waiting
// restore sessions.
#include "ckpt/trackable.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/anchor.h"

namespace ckpt {
namespace internal {

std::string IndexName(size_t i) { return absl::StrCat(i); }

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

}  // namespace internal

Trackable::Trackable() = default;
Trackable::Trackable(const Trackable&) {}
Trackable& Trackable::operator=(const Trackable&) { return *this; }
Trackable::~Trackable() = default;

absl::Status Trackable::ChildrenChanged() {
  if (!anchor_ || anchor_->empty()) return absl::OkStatus();
  // Keep the anchor alive even if a waiter drops the last reference.
  std::shared_ptr<internal::Anchor> anchor = anchor_;
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

}  // namespace ckpt
