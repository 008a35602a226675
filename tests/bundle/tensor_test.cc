// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for ckpt/tensor.h: TensorShape validation (rank, negative and
// overflowing dimensions) and formatting; Tensor factories and their size
// checks, typed views, owned/borrowed copy semantics, 64-byte alignment,
// zero-element tensors, Equals, Scalar and DebugString.

#include "ckpt/tensor.h"

#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

bool IsAligned64(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % 64 == 0;
}

// Every dtype that IsStorableDataType accepts, except string.
std::vector<DataType> FixedSizeTypes() {
  std::vector<DataType> out;
  for (int32_t raw = 0; raw <= 30; ++raw) {
    const auto dt = static_cast<DataType>(raw);
    if (IsFixedSizeDataType(dt)) out.push_back(dt);
  }
  return out;
}

Tensor FloatTensor(TensorShape shape, const std::vector<float>& values) {
  absl::StatusOr<Tensor> t =
      Tensor::FromVector<float>(std::move(shape), values);
  REQUIRE(t.ok());
  return *std::move(t);
}

// ---- TensorShape ----

TEST_CASE("TensorShape basics", "[tensor][shape]") {
  const TensorShape scalar;
  CHECK(scalar.rank() == 0);
  CHECK(scalar.num_elements() == 1);
  CHECK(scalar.DebugString() == "[]");

  const TensorShape s({5, 5, 1, 56});
  CHECK(s.rank() == 4);
  CHECK(s.dim(3) == 56);
  CHECK(s.num_elements() == 1400);
  CHECK(s.DebugString() == "[5,5,1,56]");
  CHECK(s.dims() == std::vector<int64_t>{5, 5, 1, 56});

  CHECK(TensorShape({2, 0, 3}).num_elements() == 0);
  CHECK(TensorShape({0}).DebugString() == "[0]");
  CHECK(TensorShape({2, 3}) == TensorShape({2, 3}));
  CHECK(TensorShape({2, 3}) != TensorShape({3, 2}));
  CHECK(TensorShape({6}) != TensorShape({6, 1}));
  CHECK(TensorShape() != TensorShape({1}));
}

TEST_CASE("TensorShape::Create accepts valid shapes", "[tensor][shape]") {
  const std::vector<std::vector<int64_t>> valid = {
      {},
      {0},
      {1},
      {5, 5, 1, 56},
      {kInt64Max},
      {kInt64Max, 1},
      {1, kInt64Max},
      {int64_t{1} << 31, (int64_t{1} << 31) - 1, 2},  // 2^63 - 2^32
      {0, int64_t{1} << 40, int64_t{1} << 40},        // product stays 0
      std::vector<int64_t>(TensorShape::kMaxRank, 1),
  };
  for (const auto& dims : valid) {
    absl::StatusOr<TensorShape> s = TensorShape::Create(dims);
    CKPT_REQUIRE_OK(s);
    CHECK(s->dims() == dims);
  }
  CHECK(TensorShape::Create({kInt64Max})->num_elements() == kInt64Max);
}

TEST_CASE("TensorShape::Create rejects rank above 254", "[tensor][shape]") {
  const std::vector<int64_t> dims(255, 1);
  CKPT_REQUIRE_ERROR(TensorShape::Create(dims), StatusCode::kInvalidArgument,
                     "rank 255");
  CKPT_REQUIRE_ERROR(TensorShape::Create(std::vector<int64_t>(1000, 1)),
                     StatusCode::kInvalidArgument, "maximum 254");
}

TEST_CASE("TensorShape::Create rejects negative dimensions",
          "[tensor][shape]") {
  CKPT_REQUIRE_ERROR(TensorShape::Create({2, -3, 4}),
                     StatusCode::kInvalidArgument, "dimension 1");
  CKPT_REQUIRE_ERROR(TensorShape::Create({2, -3, 4}),
                     StatusCode::kInvalidArgument, "-3");
  CKPT_REQUIRE_ERROR(TensorShape::Create({-1}), StatusCode::kInvalidArgument,
                     "dimension 0 has negative size -1");
  CKPT_REQUIRE_ERROR(TensorShape::Create({std::numeric_limits<int64_t>::min()}),
                     StatusCode::kInvalidArgument, "negative");
}

TEST_CASE("TensorShape::Create rejects element counts overflowing int64",
          "[tensor][shape]") {
  const int64_t big = int64_t{1} << 40;
  CKPT_REQUIRE_ERROR(TensorShape::Create({big, big}),
                     StatusCode::kInvalidArgument, "dimension 1");
  CKPT_REQUIRE_ERROR(TensorShape::Create({big, big}),
                     StatusCode::kInvalidArgument, "1099511627776");
  CKPT_REQUIRE_ERROR(TensorShape::Create({big, big}),
                     StatusCode::kInvalidArgument, "overflow");
  CKPT_REQUIRE_ERROR(TensorShape::Create({2, int64_t{1} << 62}),
                     StatusCode::kInvalidArgument, "dimension 1");
  CKPT_REQUIRE_ERROR(TensorShape::Create({kInt64Max, 2}),
                     StatusCode::kInvalidArgument, "overflow");
  // TensorFlow's rule: an overflow before a zero dimension is still invalid.
  CKPT_REQUIRE_ERROR(TensorShape::Create({big, big, 0}),
                     StatusCode::kInvalidArgument, "dimension 1");
  // 2^21 cubed = 2^63: just past int64.
  const int64_t c = int64_t{1} << 21;
  CKPT_REQUIRE_ERROR(TensorShape::Create({c, c, c}),
                     StatusCode::kInvalidArgument, "dimension 2");
}

// ---- Tensor::Create ----

TEST_CASE("Create: zero-filled and aligned for every fixed-size dtype",
          "[tensor]") {
  for (DataType dt : FixedSizeTypes()) {
    INFO(DataTypeName(dt));
    absl::StatusOr<Tensor> t = Tensor::Create(dt, TensorShape({3, 5}));
    CKPT_REQUIRE_OK(t);
    CHECK(t->dtype() == dt);
    CHECK(t->shape() == TensorShape({3, 5}));
    CHECK(t->num_elements() == 15);
    CHECK_FALSE(t->is_string());
    CHECK_FALSE(t->is_borrowed());
    REQUIRE(t->bytes().size() == 15 * DataTypeSize(dt));
    CHECK(IsAligned64(t->bytes().data()));
    CHECK(t->bytes() == std::string(15 * DataTypeSize(dt), '\0'));
    CHECK(t->mutable_bytes().size() == t->bytes().size());
    CHECK(t->mutable_bytes().data() == t->bytes().data());
  }
}

TEST_CASE("Create: quantized, float8 and 4-bit types use one storage unit",
          "[tensor]") {
  CHECK(Tensor::Create(DataType::kQInt8, TensorShape({7}))->bytes().size() ==
        7);
  CHECK(Tensor::Create(DataType::kQInt32, TensorShape({7}))->bytes().size() ==
        28);
  CHECK(Tensor::Create(DataType::kFloat8E4M3FN, TensorShape({7}))
            ->bytes()
            .size() == 7);
  CHECK(Tensor::Create(DataType::kInt4, TensorShape({7}))->bytes().size() == 7);
  CHECK(Tensor::Create(DataType::kUInt4, TensorShape({7}))->bytes().size() ==
        7);
  CHECK(Tensor::Create(DataType::kBool, TensorShape({7}))->bytes().size() == 7);
}

TEST_CASE("Create: string tensors hold empty strings", "[tensor]") {
  absl::StatusOr<Tensor> t = Tensor::Create(DataType::kString, {2, 2});
  CKPT_REQUIRE_OK(t);
  CHECK(t->is_string());
  CHECK(t->strings() == std::vector<std::string>(4));
  CHECK(t->bytes().empty());
  CHECK(t->mutable_bytes().empty());
  (*t->mutable_strings())[3] = "x";
  CHECK(t->strings()[3] == "x");
}

TEST_CASE("Create: rejects dtypes that cannot be checkpointed", "[tensor]") {
  CKPT_REQUIRE_ERROR(Tensor::Create(DataType::kResource, {2}),
                     StatusCode::kInvalidArgument, "resource");
  CKPT_REQUIRE_ERROR(Tensor::Create(DataType::kInvalid, {2}),
                     StatusCode::kInvalidArgument, "invalid");
  CKPT_REQUIRE_ERROR(Tensor::Create(static_cast<DataType>(99), {2}),
                     StatusCode::kInvalidArgument, "dtype(99)");
}

TEST_CASE("Create: rejects invalid shapes and overflowing byte sizes",
          "[tensor]") {
  // The trusted constructor does not validate; the factories do.
  CKPT_REQUIRE_ERROR(Tensor::Create(DataType::kFloat, TensorShape({2, -1})),
                     StatusCode::kInvalidArgument, "dimension 1");
  CKPT_REQUIRE_ERROR(
      Tensor::Create(DataType::kFloat,
                     TensorShape({int64_t{1} << 40, int64_t{1} << 40})),
      StatusCode::kInvalidArgument, "overflow");
  // Element count fits int64 but the byte size does not fit 64 bits.
  CKPT_REQUIRE_ERROR(
      Tensor::Create(DataType::kComplex128, TensorShape({int64_t{1} << 60})),
      StatusCode::kInvalidArgument, "byte size");
  CKPT_REQUIRE_ERROR(Tensor::Create(DataType::kInt64, TensorShape({kInt64Max})),
                     StatusCode::kInvalidArgument, "byte size");
  CKPT_REQUIRE_ERROR(
      Tensor::Create(DataType::kFloat, TensorShape({int64_t{1} << 62})),
      StatusCode::kInvalidArgument, "overflows");
}

// ---- variant ----

TEST_CASE("Create: variant tensors hold empty elements", "[tensor][variant]") {
  absl::StatusOr<Tensor> t = Tensor::Create(DataType::kVariant, {3});
  CKPT_REQUIRE_OK(t);
  CHECK(t->is_variant());
  CHECK_FALSE(t->is_string());
  CHECK(t->holds_strings());
  CHECK(t->strings() == std::vector<std::string>(3));
  CHECK(t->bytes().empty());
  CHECK(t->mutable_bytes().empty());
}

TEST_CASE("FromVariantElements keeps the element bytes opaque",
          "[tensor][variant]") {
  // VariantTensorDataProto{type_name: "int"} and one that is empty.
  const std::string a("\x0a\x03int", 5);
  absl::StatusOr<Tensor> t =
      Tensor::FromVariantElements(TensorShape({2}), {a, ""});
  CKPT_REQUIRE_OK(t);
  CHECK(t->dtype() == DataType::kVariant);
  CHECK(t->strings() == std::vector<std::string>{a, ""});
  CHECK(t->DebugString() ==
        "variant [2] {int (5 bytes), <no type_name> (0 bytes)}");
  absl::StatusOr<Tensor> bad =
      Tensor::FromVariantElements(TensorShape({1}), {std::string("\x0b", 1)});
  CKPT_REQUIRE_OK(bad);  // not checked here; BundleWriter::Add refuses it
  CHECK(bad->DebugString() == "variant [1] {<malformed> (1 bytes)}");
  CKPT_REQUIRE_ERROR(Tensor::FromVariantElements(TensorShape({3}), {a}),
                     StatusCode::kInvalidArgument, "has 3 elements, got 1");
  CKPT_REQUIRE_ERROR(Tensor::FromVariantElements(TensorShape({-1}), {}),
                     StatusCode::kInvalidArgument, "negative");
}

TEST_CASE("variant Equals compares dtype, shape and element bytes",
          "[tensor][variant]") {
  const Tensor a = Tensor::FromVariantElements(TensorShape({1}), {"x"}).value();
  const Tensor b = Tensor::FromVariantElements(TensorShape({1}), {"x"}).value();
  const Tensor c = Tensor::FromVariantElements(TensorShape({1}), {"y"}).value();
  const Tensor s = Tensor::FromStrings(TensorShape({1}), {"x"}).value();
  CHECK(a.Equals(b));
  CHECK_FALSE(a.Equals(c));
  CHECK_FALSE(a.Equals(s));  // same bytes, another dtype
  const Tensor copy = a;     // deep copy keeps the dtype
  CHECK(copy.is_variant());
  CHECK(copy.Equals(a));
}

// ---- FromBytes / FromVector ----

TEST_CASE("FromBytes copies the bytes into an aligned buffer", "[tensor]") {
  std::vector<int32_t> src = {1, -2, 3, -4, 5, -6};
  const absl::string_view bytes(reinterpret_cast<const char*>(src.data()),
                                src.size() * sizeof(int32_t));
  absl::StatusOr<Tensor> t =
      Tensor::FromBytes(DataType::kInt32, TensorShape({2, 3}), bytes);
  CKPT_REQUIRE_OK(t);
  CHECK_FALSE(t->is_borrowed());
  CHECK(IsAligned64(t->bytes().data()));
  CHECK(t->bytes() == bytes);
  CHECK(t->bytes().data() != bytes.data());
  src[0] = 100;  // the tensor owns its copy
  CHECK(t->flat<int32_t>()[0] == 1);
  CHECK(std::vector<int32_t>(t->flat<int32_t>().begin(),
                             t->flat<int32_t>().end()) ==
        std::vector<int32_t>{1, -2, 3, -4, 5, -6});
}

TEST_CASE("FromBytes: size mismatch and bad dtypes", "[tensor]") {
  const std::string twenty(20, 'x');
  CKPT_REQUIRE_ERROR(
      Tensor::FromBytes(DataType::kFloat, TensorShape({2, 3}), twenty),
      StatusCode::kInvalidArgument, "needs 24 bytes, got 20");
  CKPT_REQUIRE_ERROR(Tensor::FromBytes(DataType::kFloat, TensorShape({2, 3}),
                                       std::string(28, 'x')),
                     StatusCode::kInvalidArgument, "got 28");
  CKPT_REQUIRE_ERROR(Tensor::FromBytes(DataType::kFloat, TensorShape(), ""),
                     StatusCode::kInvalidArgument, "needs 4 bytes, got 0");
  CKPT_REQUIRE_ERROR(Tensor::FromBytes(DataType::kString, TensorShape({1}), ""),
                     StatusCode::kInvalidArgument, "FromStrings");
  CKPT_REQUIRE_ERROR(
      Tensor::FromBytes(DataType::kVariant, TensorShape({1}), "x"),
      StatusCode::kInvalidArgument, "FromVariantElements");
  CKPT_REQUIRE_ERROR(Tensor::FromBytes(DataType::kFloat, TensorShape({-2}), ""),
                     StatusCode::kInvalidArgument, "negative");
}

TEST_CASE("FromVector builds typed tensors", "[tensor]") {
  const Tensor t = FloatTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(t.dtype() == DataType::kFloat);
  REQUIRE(t.flat<float>().size() == 6);
  CHECK(t.flat<float>()[5] == 6.0f);

  absl::StatusOr<Tensor> c =
      Tensor::FromVector<std::complex<double>>({2}, {{1.0, -1.0}, {0.5, 2.0}});
  CKPT_REQUIRE_OK(c);
  CHECK(c->dtype() == DataType::kComplex128);
  CHECK(c->flat<std::complex<double>>()[1] == std::complex<double>(0.5, 2.0));

  absl::StatusOr<Tensor> h = Tensor::FromVector<Half>(
      {2}, {Half::FromFloat(1.5f), Half::FromFloat(-2.0f)});
  CKPT_REQUIRE_OK(h);
  CHECK(h->bytes().size() == 4);
  CHECK(h->flat<Half>()[1].ToFloat() == -2.0f);

  CKPT_REQUIRE_ERROR(Tensor::FromVector<int64_t>({3}, {1, 2}),
                     StatusCode::kInvalidArgument, "needs 24 bytes, got 16");
}

// ---- Borrow ----

TEST_CASE("Borrow views caller memory without copying", "[tensor]") {
  std::vector<float> mine = {1, 2, 3, 4};
  absl::StatusOr<Tensor> t =
      Tensor::Borrow(DataType::kFloat, TensorShape({4}), mine.data(),
                     mine.size() * sizeof(float));
  CKPT_REQUIRE_OK(t);
  CHECK(t->is_borrowed());
  CHECK(t->bytes().data() == reinterpret_cast<const char*>(mine.data()));
  CHECK(t->flat<float>().data() == mine.data());
  mine[2] = 30;  // visible through the view
  CHECK(t->flat<float>()[2] == 30.0f);
  // Read-only: no mutable access.
  CHECK(t->mutable_bytes().empty());
  CHECK(t->mutable_flat<float>().empty());
}

TEST_CASE("Borrow: size mismatch and bad arguments", "[tensor]") {
  std::vector<double> mine(6);
  CKPT_REQUIRE_ERROR(
      Tensor::Borrow(DataType::kDouble, TensorShape({2, 3}), mine.data(), 40),
      StatusCode::kInvalidArgument, "needs 48 bytes, got 40");
  CKPT_REQUIRE_ERROR(
      Tensor::Borrow(DataType::kFloat, TensorShape({2, 3}), mine.data(), 48),
      StatusCode::kInvalidArgument, "needs 24 bytes, got 48");
  CKPT_REQUIRE_ERROR(
      Tensor::Borrow(DataType::kDouble, TensorShape({6}), nullptr, 48),
      StatusCode::kInvalidArgument, "null");
  CKPT_REQUIRE_ERROR(
      Tensor::Borrow(DataType::kString, TensorShape({1}), mine.data(), 0),
      StatusCode::kInvalidArgument, "string");
  CKPT_REQUIRE_ERROR(
      Tensor::Borrow(DataType::kFloat, TensorShape({-1}), mine.data(), 0),
      StatusCode::kInvalidArgument, "negative");
}

TEST_CASE("View keeps its owner alive through every copy", "[tensor]") {
  auto buffer =
      std::make_shared<std::vector<int32_t>>(std::vector<int32_t>{7, 8, 9});
  std::weak_ptr<std::vector<int32_t>> watch = buffer;
  absl::StatusOr<Tensor> t =
      Tensor::View(DataType::kInt32, TensorShape({3}), buffer->data(),
                   3 * sizeof(int32_t), buffer);
  CKPT_REQUIRE_OK(t);
  CHECK(t->is_borrowed());
  CHECK(t->view_owner().get() == buffer.get());
  CHECK(t->mutable_bytes().empty());
  buffer.reset();
  Tensor copy = *t;
  t = Tensor();  // the first tensor is gone; the copy holds the owner
  REQUIRE_FALSE(watch.expired());
  CHECK(copy.flat<int32_t>()[2] == 9);
  Tensor moved = std::move(copy);
  CHECK(moved.flat<int32_t>()[0] == 7);
  moved = Tensor();
  CHECK(watch.expired());
  // Other tensors have no owner.
  CHECK(Tensor::Scalar<float>(1).view_owner() == nullptr);
}

TEST_CASE("View: the checks of Borrow, and a null owner", "[tensor]") {
  auto buffer = std::make_shared<std::vector<double>>(6);
  CKPT_REQUIRE_ERROR(Tensor::View(DataType::kDouble, TensorShape({2, 3}),
                                  buffer->data(), 40, buffer),
                     StatusCode::kInvalidArgument, "needs 48 bytes, got 40");
  CKPT_REQUIRE_ERROR(Tensor::View(DataType::kDouble, TensorShape({2, 3}),
                                  buffer->data(), 48, nullptr),
                     StatusCode::kInvalidArgument, "View: null owner");
}

TEST_CASE("CreateUninitialized: sizes and alignment of Create, any bytes",
          "[tensor]") {
  for (DataType dt : FixedSizeTypes()) {
    INFO(DataTypeName(dt));
    absl::StatusOr<Tensor> t =
        Tensor::CreateUninitialized(dt, TensorShape({3, 5}));
    CKPT_REQUIRE_OK(t);
    CHECK(t->dtype() == dt);
    CHECK(t->shape() == TensorShape({3, 5}));
    REQUIRE(t->bytes().size() == 15 * DataTypeSize(dt));
    CHECK(IsAligned64(t->bytes().data()));
    CHECK(t->mutable_bytes().size() == t->bytes().size());
  }
  absl::StatusOr<Tensor> s =
      Tensor::CreateUninitialized(DataType::kString, TensorShape({2}));
  CKPT_REQUIRE_OK(s);
  CHECK(s->strings() == std::vector<std::string>{"", ""});
  CKPT_REQUIRE_ERROR(
      Tensor::CreateUninitialized(DataType::kFloat, TensorShape({-1})),
      StatusCode::kInvalidArgument, "negative");
  CKPT_REQUIRE_ERROR(
      Tensor::CreateUninitialized(DataType::kResource, TensorShape({1})),
      StatusCode::kInvalidArgument, "not a storable type");
}

// ---- FromStrings ----

TEST_CASE("FromStrings", "[tensor]") {
  absl::StatusOr<Tensor> t =
      Tensor::FromStrings({2}, {"ab", std::string("c\0d", 3)});
  CKPT_REQUIRE_OK(t);
  CHECK(t->dtype() == DataType::kString);
  CHECK(t->is_string());
  CHECK(t->strings()[1] == std::string("c\0d", 3));
  CHECK(t->bytes().empty());
  CHECK(t->flat<float>().empty());

  CKPT_REQUIRE_ERROR(Tensor::FromStrings({2, 3}, {"a", "b", "c", "d", "e"}),
                     StatusCode::kInvalidArgument, "has 6 elements, got 5");
  CKPT_REQUIRE_ERROR(Tensor::FromStrings({}, {}), StatusCode::kInvalidArgument,
                     "has 1 elements, got 0");
  CKPT_REQUIRE_ERROR(Tensor::FromStrings(TensorShape({-4}), {}),
                     StatusCode::kInvalidArgument, "negative");
}

// ---- typed views ----

TEST_CASE("Typed views require the matching dtype", "[tensor]") {
  Tensor t = Tensor::Create(DataType::kInt32, {4}).value();
  CHECK(t.flat<int32_t>().size() == 4);
  CHECK(t.flat<float>().empty());
  CHECK(t.flat<uint32_t>().empty());
  CHECK(t.mutable_flat<float>().empty());
  absl::Span<int32_t> m = t.mutable_flat<int32_t>();
  REQUIRE(m.size() == 4);
  m[0] = 7;
  m[3] = -1;
  CHECK(t.flat<int32_t>()[0] == 7);
  CHECK(t.bytes().substr(12, 4) == std::string(4, '\xff'));

  Tensor b = Tensor::Create(DataType::kBFloat16, {2}).value();
  b.mutable_flat<BFloat16>()[1] = BFloat16::FromFloat(3.0f);
  CHECK(b.flat<BFloat16>()[1].ToFloat() == 3.0f);

  Tensor flags = Tensor::Create(DataType::kBool, {3}).value();
  flags.mutable_flat<bool>()[1] = true;
  CHECK(flags.bytes() == std::string("\x00\x01\x00", 3));
}

// ---- copy and move ----

TEST_CASE("Copying an owned tensor copies its data", "[tensor]") {
  Tensor a = FloatTensor({3}, {1, 2, 3});
  Tensor b = a;
  CHECK(b.Equals(a));
  CHECK(b.bytes().data() != a.bytes().data());
  CHECK(IsAligned64(b.bytes().data()));
  CHECK_FALSE(b.is_borrowed());
  b.mutable_flat<float>()[0] = 10;
  CHECK(a.flat<float>()[0] == 1.0f);
  CHECK_FALSE(b.Equals(a));

  Tensor c = Tensor::Create(DataType::kInt8, {100}).value();
  c = a;  // copy assignment replaces dtype, shape and data
  CHECK(c.Equals(a));
  CHECK(c.bytes().data() != a.bytes().data());

  const Tensor& same = c;
  c = same;  // self-assignment
  CHECK(c.Equals(a));
}

TEST_CASE("Copying a borrowed tensor shares the pointer", "[tensor]") {
  const std::vector<int16_t> mine = {1, 2, 3};
  const Tensor a =
      Tensor::Borrow(DataType::kInt16, {3}, mine.data(), 6).value();
  const Tensor b = a;
  CHECK(b.is_borrowed());
  CHECK(b.bytes().data() == a.bytes().data());
  Tensor c;
  c = a;
  CHECK(c.is_borrowed());
  CHECK(c.bytes().data() == reinterpret_cast<const char*>(mine.data()));
  CHECK(c.Equals(a));
}

TEST_CASE("Copying a string tensor copies the strings", "[tensor]") {
  Tensor a = Tensor::FromStrings({2}, {"x", "y"}).value();
  Tensor b = a;
  (*b.mutable_strings())[0] = "changed";
  CHECK(a.strings()[0] == "x");
  CHECK_FALSE(a.Equals(b));
}

TEST_CASE("Moving transfers the buffer", "[tensor]") {
  Tensor a = FloatTensor({2}, {1, 2});
  const char* p = a.bytes().data();
  Tensor b = std::move(a);
  CHECK(b.bytes().data() == p);
  CHECK(b.flat<float>()[1] == 2.0f);
  Tensor c;
  c = std::move(b);
  CHECK(c.bytes().data() == p);
}

TEST_CASE("Owned buffers are 64-byte aligned at every size", "[tensor]") {
  for (int64_t n = 1; n <= 200; ++n) {
    INFO(n);
    const Tensor t = Tensor::Create(DataType::kUInt8, {n}).value();
    CHECK(IsAligned64(t.bytes().data()));
    const Tensor f = Tensor::FromBytes(DataType::kInt8, {n},
                                       std::string(static_cast<size_t>(n), 'a'))
                         .value();
    CHECK(IsAligned64(f.bytes().data()));
    const Tensor copy = f;
    CHECK(IsAligned64(copy.bytes().data()));
  }
}

// ---- zero-element tensors ----

TEST_CASE("Zero-element tensors", "[tensor]") {
  for (DataType dt : FixedSizeTypes()) {
    INFO(DataTypeName(dt));
    absl::StatusOr<Tensor> t = Tensor::Create(dt, {2, 0, 3});
    CKPT_REQUIRE_OK(t);
    CHECK(t->num_elements() == 0);
    CHECK(t->bytes().empty());
    CHECK(t->mutable_bytes().empty());
    const Tensor copy = *t;
    CHECK(copy.Equals(*t));
  }
  const Tensor f = Tensor::Create(DataType::kFloat, {0}).value();
  CHECK(f.flat<float>().empty());
  CKPT_REQUIRE_OK(Tensor::FromBytes(DataType::kFloat, {0, 5}, ""));
  CKPT_REQUIRE_OK(Tensor::FromVector<double>({0}, {}));
  CKPT_REQUIRE_ERROR(Tensor::FromBytes(DataType::kFloat, {0}, "abcd"),
                     StatusCode::kInvalidArgument, "needs 0 bytes, got 4");

  absl::StatusOr<Tensor> borrowed =
      Tensor::Borrow(DataType::kInt32, {0}, nullptr, 0);
  CKPT_REQUIRE_OK(borrowed);
  CHECK(borrowed->bytes().empty());
  CHECK(borrowed->Equals(Tensor::Create(DataType::kInt32, {0}).value()));

  const Tensor s = Tensor::FromStrings({0, 2}, {}).value();
  CHECK(s.strings().empty());
  CHECK(s.Equals(Tensor::Create(DataType::kString, {0, 2}).value()));
  CHECK(s.DebugString() == "string [0,2] {}");
}

// ---- Equals ----

TEST_CASE("Equals compares dtype, shape and contents", "[tensor]") {
  const Tensor a = FloatTensor({2, 2}, {1, 2, 3, 4});
  CHECK(a.Equals(a));
  CHECK(a.Equals(FloatTensor({2, 2}, {1, 2, 3, 4})));
  CHECK_FALSE(a.Equals(FloatTensor({4}, {1, 2, 3, 4})));
  CHECK_FALSE(a.Equals(FloatTensor({2, 2}, {1, 2, 3, 5})));
  // Same bytes, different dtype.
  const Tensor as_int =
      Tensor::FromBytes(DataType::kInt32, {2, 2}, a.bytes()).value();
  CHECK_FALSE(a.Equals(as_int));
  // Owned and borrowed with the same contents are equal.
  const Tensor view =
      Tensor::Borrow(DataType::kFloat, {2, 2}, a.bytes().data(), 16).value();
  CHECK(a.Equals(view));
  CHECK(view.Equals(a));
  // Strings.
  const Tensor s1 = Tensor::FromStrings({2}, {"a", "b"}).value();
  CHECK(s1.Equals(Tensor::FromStrings({2}, {"a", "b"}).value()));
  CHECK_FALSE(s1.Equals(Tensor::FromStrings({2}, {"a", "c"}).value()));
  CHECK_FALSE(s1.Equals(Tensor::FromStrings({2, 1}, {"a", "b"}).value()));
  // Default tensors.
  CHECK(Tensor().Equals(Tensor()));
  CHECK_FALSE(Tensor().Equals(a));
}

// ---- Scalar ----

TEST_CASE("Scalar", "[tensor]") {
  const Tensor f = Tensor::Scalar(2.5f);
  CHECK(f.dtype() == DataType::kFloat);
  CHECK(f.shape().rank() == 0);
  CHECK(f.num_elements() == 1);
  CHECK(f.flat<float>()[0] == 2.5f);
  CHECK(IsAligned64(f.bytes().data()));

  CHECK(Tensor::Scalar<int64_t>(-7).flat<int64_t>()[0] == -7);
  CHECK(Tensor::Scalar<uint8_t>(200).bytes() == "\xc8");
  CHECK(Tensor::Scalar(true).bytes() == std::string("\x01", 1));
  CHECK(Tensor::Scalar(Half::FromFloat(1.0f)).bytes() ==
        std::string("\x00\x3c", 2));
  CHECK(Tensor::Scalar(std::complex<float>(1, 2))
            .flat<std::complex<float>>()[0] == std::complex<float>(1, 2));
}

// ---- DebugString ----

TEST_CASE("DebugString", "[tensor]") {
  CHECK(FloatTensor({2, 3}, {1, 2, 3, 4, 5.5f, 6}).DebugString() ==
        "float32 [2,3] {1, 2, 3, 4, 5.5, 6}");
  std::vector<float> many(20, 0.0f);
  CHECK(FloatTensor({20}, many).DebugString() ==
        "float32 [20] {0, 0, 0, 0, 0, 0, 0, 0, ...}");
  CHECK(Tensor::Scalar<int64_t>(-3).DebugString() == "int64 [] {-3}");
  CHECK(Tensor::Scalar<int8_t>(-3).DebugString() == "int8 [] {-3}");
  CHECK(Tensor::Scalar<uint8_t>(65).DebugString() == "uint8 [] {65}");
  CHECK(Tensor::Scalar(true).DebugString() == "bool [] {true}");
  CHECK(Tensor::Scalar(Half::FromFloat(0.5f)).DebugString() ==
        "float16 [] {0.5}");
  CHECK(Tensor::Scalar(BFloat16::FromFloat(-2.0f)).DebugString() ==
        "bfloat16 [] {-2}");
  CHECK(Tensor::Scalar(std::complex<double>(1, -2)).DebugString() ==
        "complex128 [] {(1,-2)}");
  CHECK(Tensor::FromBytes(DataType::kFloat8E5M2, {2}, "\x3c\x01")
            .value()
            .DebugString() == "float8_e5m2 [2] {0x3c, 0x01}");
  CHECK(
      Tensor::FromBytes(DataType::kQInt8, {1}, "\xff").value().DebugString() ==
      "qint8 [1] {-1}");
  CHECK(Tensor::FromStrings({2}, {"ab", "\n"}).value().DebugString() ==
        "string [2] {\"ab\", \"\\n\"}");
  CHECK(
      Tensor::FromStrings({1}, {std::string(40, 'z')}).value().DebugString() ==
      "string [1] {\"" + std::string(32, 'z') + "...\"}");
  CHECK(Tensor().DebugString() == "invalid [] {}");
  std::vector<int32_t> mine = {4, 5};
  CHECK(Tensor::Borrow(DataType::kInt32, {2}, mine.data(), 8)
            .value()
            .DebugString() == "int32 [2] {4, 5}");
}

}  // namespace
}  // namespace ckpt
