// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleWriter + BundleReader with DT_VARIANT entries and entries of dtypes
// that cannot be read (resource, unknown values):
//   * a variant tensor is written as docs/format.md §8 says (bytes checked
//     against an encoding computed here), read back element for element,
//     verified, and its stored bytes re-verified; damaged bytes fail that
//     entry only;
//   * the writer refuses malformed elements; ReadInto refuses variant;
//   * an unreadable entry is listed with its stored dtype, and reading or
//     verifying it fails naming the key while every other entry reads.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/mapped_bundle.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::SetEntryDtypesOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::VariantElementBytes;
using ::ckpt::testing::WriteBundleOrDie;
using ::ckpt::testing::WriteFileOrDie;

constexpr char kVariantKey[] = "iterator/.ATTRIBUTES/ITERATOR_STATE";
constexpr char kFloatKey[] = "w/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kStringKey[] = "s/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kResourceKey[] = "r/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kUnknownKey[] = "u/.ATTRIBUTES/VARIABLE_VALUE";

std::vector<std::string> Elements() {
  return {VariantElementBytes("tensorflow::Iterator", "state", 2), "",
          VariantElementBytes("int", std::string(300, 'm'), 0)};
}

Tensor VariantTensor() {
  return Tensor::FromVariantElements(TensorShape({3}), Elements()).value();
}

// The docs/format.md §8 payload of `elements`, computed from the formula.
std::pair<std::string, uint32_t> SpecPayload(
    const std::vector<std::string>& elements) {
  std::string payload, covered;
  for (const std::string& e : elements) {
    uint64_t n = e.size();
    do {
      payload.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      n >>= 7;
    } while (n != 0);
    char le[8];
    const uint64_t len = e.size();
    std::memcpy(le, &len, 8);
    covered.append(le, 8);
    covered += e;
    payload += e;
    const uint32_t masked =
        crc32c::Mask(crc32c::Value(covered.data(), covered.size()));
    char stored[4];
    std::memcpy(stored, &masked, 4);
    payload.append(stored, 4);
    covered.append(stored, 4);
  }
  return {payload, crc32c::Mask(crc32c::Value(covered.data(), covered.size()))};
}

std::unique_ptr<BundleReader> MustOpen(const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

// float, string, variant, plus two float tensors turned into a resource
// entry and an entry of unknown dtype 99.
void WriteMixed(const std::string& prefix) {
  WriteBundleOrDie(
      prefix, {{kFloatKey, Tensor::FromVector<float>({2}, {1.5f, -2}).value()},
               {kVariantKey, VariantTensor()},
               {kResourceKey, Tensor::FromVector<float>({2}, {3, 4}).value()},
               {kStringKey, Tensor::FromStrings({1}, {"abc"}).value()},
               {kUnknownKey, Tensor::Scalar<int64_t>(7)}});
  SetEntryDtypesOrDie(prefix, {{kResourceKey, 20}, {kUnknownKey, 99}});
}

TEST_CASE("a variant tensor is written as spec 3.6 and reads back") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  WriteBundleOrDie(prefix, {{kVariantKey, VariantTensor()}});
  const auto [payload, crc] = SpecPayload(Elements());
  CHECK(ReadFileOrDie(DataFilename(prefix, 0, 1)) == payload);

  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  absl::StatusOr<BundleEntry> e = r->GetEntry(kVariantKey);
  CKPT_REQUIRE_OK(e);
  CHECK(e->dtype == DataType::kVariant);
  CHECK(e->shape == TensorShape({3}));
  CHECK(e->size == static_cast<int64_t>(payload.size()));
  CHECK(e->masked_crc32c == crc);

  absl::StatusOr<Tensor> t = r->Read(kVariantKey);
  CKPT_REQUIRE_OK(t);
  CHECK(t->is_variant());
  CHECK(t->Equals(VariantTensor()));
  CKPT_REQUIRE_OK(r->Verify(kVariantKey, *e));
  absl::StatusOr<std::string> stored = r->ReadStoredBytes(kVariantKey);
  CKPT_REQUIRE_OK(stored);
  CHECK(*stored == payload);
}

TEST_CASE("variant scalars, zero elements and empty elements round trip") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  const Tensor scalar =
      Tensor::FromVariantElements(TensorShape(), {Elements()[0]}).value();
  const Tensor empty =
      Tensor::FromVariantElements(TensorShape({0, 2}), {}).value();
  const Tensor created = Tensor::Create(DataType::kVariant, {2, 2}).value();
  WriteBundleOrDie(prefix, {{"a", scalar}, {"b", empty}, {"c", created}});
  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  for (const auto& [key, want] :
       std::vector<std::pair<std::string, const Tensor*>>{
           {"a", &scalar}, {"b", &empty}, {"c", &created}}) {
    INFO(key);
    absl::StatusOr<Tensor> t = r->Read(key);
    CKPT_REQUIRE_OK(t);
    CHECK(t->Equals(*want));
  }
  absl::StatusOr<BundleEntry> b = r->GetEntry("b");
  CKPT_REQUIRE_OK(b);
  CHECK(b->size == 0);
  CHECK(b->masked_crc32c == crc32c::Mask(0));
}

TEST_CASE("writer: a malformed variant element is InvalidArgument") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), dir.Join("ckpt"));
  CKPT_REQUIRE_OK(w);
  const Tensor bad = Tensor::FromVariantElements(
                         TensorShape({2}), {"", std::string("\x0a\x09x", 3)})
                         .value();
  CKPT_REQUIRE_ERROR((*w)->Add("k", bad), StatusCode::kInvalidArgument,
                     "key 'k': variant element 1: not a valid "
                     "VariantTensorDataProto");
}

TEST_CASE("reader: ReadInto and ReadManyInto refuse variant") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  WriteBundleOrDie(prefix, {{kVariantKey, VariantTensor()}});
  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  char buf[8];
  CKPT_REQUIRE_ERROR(r->ReadInto(kVariantKey, absl::MakeSpan(buf, 0)),
                     StatusCode::kInvalidArgument,
                     "needs a fixed-size tensor, this one is variant");
  BundleReader::ReadRequest req{kVariantKey, absl::MakeSpan(buf, 8)};
  absl::Status st;
  r->ReadManyInto(absl::MakeConstSpan(&req, 1), 1, absl::MakeSpan(&st, 1));
  CKPT_REQUIRE_ERROR(st, StatusCode::kInvalidArgument, "variant; use Read()");
}

TEST_CASE("a damaged variant byte fails that entry only") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  WriteBundleOrDie(
      prefix, {{kVariantKey, VariantTensor()},
               {kFloatKey, Tensor::FromVector<float>({2}, {1, 2}).value()}});
  const std::string data_path = DataFilename(prefix, 0, 1);
  std::string data = ReadFileOrDie(data_path);
  data[5] = static_cast<char>(data[5] ^ 0x10);  // inside element 0
  WriteFileOrDie(data_path, data);
  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  CKPT_REQUIRE_ERROR(r->Read(kVariantKey), StatusCode::kDataLoss,
                     "key 'iterator/.ATTRIBUTES/ITERATOR_STATE': variant "
                     "tensor: element 0: checksum mismatch");
  const BundleEntry e = r->GetEntry(kVariantKey).value();
  CKPT_REQUIRE_ERROR(r->Verify(kVariantKey, e), StatusCode::kDataLoss,
                     "element 0: checksum mismatch");
  CKPT_REQUIRE_ERROR(r->ReadStoredBytes(kVariantKey), StatusCode::kDataLoss,
                     "element 0");
  CKPT_REQUIRE_OK(r->Read(kFloatKey));
}

TEST_CASE("unreadable dtypes are listed, reading them fails for that key") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  WriteMixed(prefix);
  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
      r->ListEntries();
  CKPT_REQUIRE_OK(entries);
  REQUIRE(entries->size() == 5);
  int checked = 0;
  for (const auto& [key, entry] : *entries) {
    INFO(key);
    const absl::Status verified = r->Verify(key, entry);
    if (key == kResourceKey) {
      CHECK(entry.dtype == DataType::kResource);
      CKPT_REQUIRE_ERROR(r->Read(key), StatusCode::kDataLoss,
                         "ckpt.index: key 'r/.ATTRIBUTES/VARIABLE_VALUE': "
                         "dtype resource (20) cannot appear in a checkpoint");
      CKPT_REQUIRE_ERROR(verified, StatusCode::kDataLoss, "resource");
      CKPT_REQUIRE_ERROR(r->ReadStoredBytes(key), StatusCode::kDataLoss,
                         "resource");
    } else if (key == kUnknownKey) {
      CHECK(static_cast<int32_t>(entry.dtype) == 99);
      CKPT_REQUIRE_ERROR(
          r->Read(key), StatusCode::kUnimplemented,
          "key 'u/.ATTRIBUTES/VARIABLE_VALUE': unknown dtype 99");
      CKPT_REQUIRE_ERROR(verified, StatusCode::kUnimplemented, "dtype 99");
      char buf[8];
      CKPT_REQUIRE_ERROR(r->ReadInto(key, absl::MakeSpan(buf, 8)),
                         StatusCode::kUnimplemented, "dtype 99");
    } else {
      CKPT_REQUIRE_OK(verified);
      CKPT_REQUIRE_OK(r->Read(key));
      ++checked;
    }
  }
  CHECK(checked == 3);
  CHECK(r->Read(kVariantKey)->Equals(VariantTensor()));
}

TEST_CASE("MappedBundleReader serves variant and refuses unreadable dtypes") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  WriteMixed(prefix);
  absl::StatusOr<std::unique_ptr<MappedBundleReader>> m =
      MappedBundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(m);
  absl::StatusOr<Tensor> t = (*m)->Get(kVariantKey);
  CKPT_REQUIRE_OK(t);
  CHECK(t->Equals(VariantTensor()));
  CKPT_REQUIRE_ERROR((*m)->GetBytes(kVariantKey), StatusCode::kInvalidArgument,
                     "this one is variant");
  CKPT_REQUIRE_ERROR((*m)->Get(kResourceKey), StatusCode::kDataLoss,
                     "resource");
  CKPT_REQUIRE_ERROR((*m)->GetBytes(kUnknownKey), StatusCode::kUnimplemented,
                     "dtype 99");
  CKPT_REQUIRE_OK((*m)->Get(kFloatKey));
}

}  // namespace
}  // namespace ckpt
