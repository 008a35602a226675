// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ExternalVariable on its own (lib/graph/external_variable.cc): the
// factories' checks, Bind/Unbind, a value restored while unbound delivered
// to the memory bound later, and which AttributeVisitor method it calls.
// Saves and restores through it are in checkpoint/external_restore_test.cc.

#include "ckpt/external_variable.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

// Records which attribute method the variable called.
struct Visit : AttributeVisitor {
  void Tensor(absl::string_view name, ckpt::Tensor* value,
              absl::string_view full_name) override {
    calls.push_back("Tensor " + std::string(name) + " " +
                    std::string(full_name));
    tensor = value;
  }
  void Custom(absl::string_view, std::function<absl::StatusOr<ckpt::Tensor>()>,
              std::function<absl::Status(const ckpt::Tensor&)>) override {
    calls.push_back("Custom");
  }
  void Partitioned(absl::string_view, const TensorShape&,
                   absl::Span<ckpt::Tensor* const>,
                   absl::Span<const TensorSlice>, absl::string_view) override {
    calls.push_back("Partitioned");
  }
  void External(absl::string_view name, ExternalVariable& variable,
                absl::string_view full_name) override {
    calls.push_back("External " + std::string(name) + " " +
                    std::string(full_name));
    external = &variable;
  }
  std::vector<std::string> calls;
  ckpt::Tensor* tensor = nullptr;
  ExternalVariable* external = nullptr;
};

TEST_CASE("Writable and read-only views describe the caller's memory") {
  std::vector<float> mem = {1, 2, 3, 4, 5, 6};
  ExternalVariable w =
      ExternalVariable::Writable(DataType::kFloat, {2, 3}, mem.data(), 6 * 4)
          .value();
  REQUIRE(w.access() == ExternalVariable::Access::kWritable);
  REQUIRE(w.dtype() == DataType::kFloat);
  REQUIRE(w.shape() == TensorShape({2, 3}));
  REQUIRE(w.value().bytes().data() == reinterpret_cast<char*>(mem.data()));
  REQUIRE(w.writable_bytes().data() == reinterpret_cast<char*>(mem.data()));
  REQUIRE(w.writable_bytes().size() == 24);
  mem[0] = 9;  // a view, not a copy
  REQUIRE(w.value().flat<float>()[0] == 9);

  const std::vector<int32_t> ro = {7, 8};
  ExternalVariable r =
      ExternalVariable::ReadOnly(DataType::kInt32, {2}, ro.data(), 8).value();
  REQUIRE(r.access() == ExternalVariable::Access::kReadOnly);
  REQUIRE(r.writable_bytes().empty());
  REQUIRE(r.value().flat<int32_t>()[1] == 8);
}

TEST_CASE("Factories refuse what caller memory cannot hold") {
  std::vector<float> mem(6);
  CKPT_REQUIRE_ERROR(
      ExternalVariable::Writable(DataType::kFloat, {2, 3}, mem.data(), 20),
      absl::StatusCode::kInvalidArgument, "BindWritable");
  CKPT_REQUIRE_ERROR(
      ExternalVariable::Writable(DataType::kString, {1}, mem.data(), 8),
      absl::StatusCode::kInvalidArgument, "fixed-size dtypes only");
  CKPT_REQUIRE_ERROR(
      ExternalVariable::ReadOnly(DataType::kVariant, {1}, mem.data(), 8),
      absl::StatusCode::kInvalidArgument, "fixed-size dtypes only");
  CKPT_REQUIRE_ERROR(
      ExternalVariable::Writable(DataType::kInvalid, {1}, mem.data(), 4),
      absl::StatusCode::kInvalidArgument, "fixed-size dtypes only");
  CKPT_REQUIRE_ERROR(
      ExternalVariable::Writable(DataType::kFloat, {-1}, mem.data(), 4),
      absl::StatusCode::kInvalidArgument, "ExternalVariable::BindWritable");
  CKPT_REQUIRE_ERROR(
      ExternalVariable::Writable(DataType::kFloat, {2}, nullptr, 8),
      absl::StatusCode::kInvalidArgument, "null data");
  CKPT_REQUIRE_ERROR(ExternalVariable::Copied(
                         DataType::kFloat, {2}, nullptr,
                         [](absl::string_view) { return absl::OkStatus(); }),
                     absl::StatusCode::kInvalidArgument,
                     "both a save and a restore");
  // An empty value needs no memory.
  CKPT_REQUIRE_OK(
      ExternalVariable::Writable(DataType::kFloat, {0, 3}, nullptr, 0));
}

TEST_CASE("Unbound variables take a restored value and deliver it on Bind") {
  ExternalVariable v;
  v.set_name("dense/kernel");
  Visit visit;
  v.VisitAttributes(visit);
  REQUIRE(visit.calls ==
          std::vector<std::string>{"Tensor VARIABLE_VALUE dense/kernel"});
  REQUIRE(v.dtype() == DataType::kInvalid);
  REQUIRE_FALSE(v.has_pending_value());
  // What a restore does to an unbound variable: an owned value.
  *visit.tensor = Tensor::FromVector<float>({2}, {1.5f, 2.5f}).value();
  REQUIRE(v.has_pending_value());

  SECTION("a mismatched binding names both sides and changes nothing") {
    std::vector<float> mem(3);
    CKPT_REQUIRE_ERROR(v.BindWritable(DataType::kFloat, {3}, mem.data(), 12),
                       absl::StatusCode::kInvalidArgument,
                       "'dense/kernel': the value restored while it was "
                       "unbound is float32 [2], the memory is float32 [3]");
    REQUIRE(v.has_pending_value());
  }
  SECTION("read-only memory cannot receive it") {
    const std::vector<float> mem(2);
    CKPT_REQUIRE_ERROR(v.BindReadOnly(DataType::kFloat, {2}, mem.data(), 8),
                       absl::StatusCode::kFailedPrecondition,
                       "bind it writable");
    REQUIRE(v.has_pending_value());
  }
  SECTION("writable memory receives it") {
    std::vector<float> mem(2, 0.0f);
    CKPT_REQUIRE_OK(v.BindWritable(DataType::kFloat, {2}, mem.data(), 8));
    REQUIRE(mem == std::vector<float>{1.5f, 2.5f});
    REQUIRE_FALSE(v.has_pending_value());
    REQUIRE(v.access() == ExternalVariable::Access::kWritable);
    Visit after;
    v.VisitAttributes(after);
    REQUIRE(after.calls ==
            std::vector<std::string>{"External VARIABLE_VALUE dense/kernel"});
    REQUIRE(after.external == &v);
  }
  SECTION("callbacks receive it; their error is the Bind's") {
    std::vector<float> got;
    auto save = [](absl::Span<char>) { return absl::OkStatus(); };
    CKPT_REQUIRE_ERROR(
        v.BindCopied(DataType::kFloat, {2}, save,
                     [](absl::string_view) {
                       return absl::UnavailableError("device busy");
                     }),
        absl::StatusCode::kUnavailable, "device busy");
    REQUIRE(v.has_pending_value());
    CKPT_REQUIRE_OK(v.BindCopied(
        DataType::kFloat, {2}, save, [&got](absl::string_view bytes) {
          got.resize(bytes.size() / 4);
          std::memcpy(got.data(), bytes.data(), bytes.size());
          return absl::OkStatus();
        }));
    REQUIRE(got == std::vector<float>{1.5f, 2.5f});
    REQUIRE(v.access() == ExternalVariable::Access::kCopied);
    REQUIRE(v.dtype() == DataType::kFloat);
    REQUIRE(v.shape() == TensorShape({2}));
    REQUIRE(v.value().dtype() == DataType::kInvalid);
  }
}

TEST_CASE("Moves leave the source unbound, and copies do not exist") {
  static_assert(!std::is_copy_constructible_v<ExternalVariable>);
  static_assert(!std::is_copy_assignable_v<ExternalVariable>);
  std::vector<float> mem = {1, 2};
  ExternalVariable a =
      ExternalVariable::Writable(DataType::kFloat, {2}, mem.data(), 8).value();
  a.set_name("w");
  ExternalVariable b(std::move(a));
  REQUIRE(b.access() == ExternalVariable::Access::kWritable);
  REQUIRE(b.shape() == TensorShape({2}));
  REQUIRE(b.writable_bytes().data() == reinterpret_cast<char*>(mem.data()));
  REQUIRE(b.name() == "w");
  REQUIRE(a.access() == ExternalVariable::Access::kUnbound);  // NOLINT
  REQUIRE(a.dtype() == DataType::kInvalid);
  REQUIRE(a.writable_bytes().empty());
  ExternalVariable c;
  c = std::move(b);
  REQUIRE(c.shape() == TensorShape({2}));
  REQUIRE(b.access() == ExternalVariable::Access::kUnbound);  // NOLINT
}

TEST_CASE("Rebinding and Unbind forget the old memory") {
  std::vector<double> a = {1, 2}, b = {3, 4, 5};
  ExternalVariable v =
      ExternalVariable::Writable(DataType::kDouble, {2}, a.data(), 16).value();
  CKPT_REQUIRE_OK(v.BindWritable(DataType::kDouble, {3}, b.data(), 24));
  REQUIRE(v.shape() == TensorShape({3}));
  REQUIRE(v.value().flat<double>()[2] == 5);
  REQUIRE(a == std::vector<double>{1, 2});  // a bound variable delivers nothing
  v.Unbind();
  REQUIRE(v.access() == ExternalVariable::Access::kUnbound);
  REQUIRE(v.dtype() == DataType::kInvalid);
  REQUIRE_FALSE(v.has_pending_value());
  REQUIRE(v.writable_bytes().empty());
}

}  // namespace
}  // namespace ckpt
