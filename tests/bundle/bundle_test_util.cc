// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The helpers of bundle_test_util.h, moved from the former bundle_test.cc.
#include "bundle/bundle_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bundle/entry_codec.h"
#include "ckpt/status.h"
#include "table/table_builder.h"
#include "testing/test_util.h"

namespace ckpt::testing {
namespace {

TensorShape RandomShape(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return TensorShape();  // scalar
    case 1: {                // zero-size
      std::vector<int64_t> dims = {static_cast<int64_t>(rng() % 4), 0,
                                   static_cast<int64_t>(1 + rng() % 3)};
      return TensorShape(dims);
    }
    default: {
      const int rank = 1 + static_cast<int>(rng() % 3);
      std::vector<int64_t> dims;
      for (int i = 0; i < rank; ++i) {
        dims.push_back(1 +
                       static_cast<int64_t>(rng() % (rank == 1 ? 300 : 12)));
      }
      return TensorShape(dims);
    }
  }
}

void FillFixed(std::mt19937_64& rng, DataType dtype, absl::Span<char> bytes) {
  const size_t elem = DataTypeSize(dtype);
  const int kind = static_cast<int>(rng() % 4);
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char b = 0;
    switch (kind) {
      case 0:  // incompressible
        b = static_cast<unsigned char>(rng());
        break;
      case 1:  // zeros
        b = 0;
        break;
      case 2:  // few distinct elements
        b = static_cast<unsigned char>((i / elem) % 3 * 17 + i % elem);
        break;
      default:  // smooth values, filled below for float32
        b = static_cast<unsigned char>(i / 64);
        break;
    }
    bytes[i] = static_cast<char>(b);
  }
  if (kind == 3 && dtype == DataType::kFloat) {
    for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
      const float f = std::sin(static_cast<float>(i) * 0.01f);
      std::memcpy(bytes.data() + i, &f, 4);
    }
  }
  // Keep the value domains of the narrow types realistic.
  for (char& c : bytes) {
    if (dtype == DataType::kBool) c = static_cast<char>(c & 1);
    if (dtype == DataType::kInt4) c = static_cast<char>((c & 0xf) - 8);
    if (dtype == DataType::kUInt4) c = static_cast<char>(c & 0xf);
  }
}

std::string RandomKey(std::mt19937_64& rng, int i) {
  switch (rng() % 4) {
    case 0: {  // binary bytes, including 0x00 and 0xff
      std::string k(1 + rng() % 6, '\0');
      for (char& c : k) c = static_cast<char>(rng());
      return k;
    }
    case 1:
      return std::string(1 + rng() % 3, '\xff') + std::to_string(i);
    default:
      return absl::StrCat("model/layer_with_weights-", rng() % 50, "/kernel_",
                          i, "/.ATTRIBUTES/VARIABLE_VALUE");
  }
}

}  // namespace

BundleWriterOptions TestOptions() {
  BundleWriterOptions o;
  o.sync = false;
  return o;
}

std::unique_ptr<BundleWriter> MustCreate(Env* env, const std::string& prefix,
                                         BundleWriterOptions o) {
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(env, prefix, o);
  CKPT_REQUIRE_OK(w);
  return *std::move(w);
}

std::unique_ptr<BundleReader> MustOpen(Env* env, const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(env, prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

std::vector<std::string> Children(Env* env, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> c = env->GetChildren(dir);
  CKPT_REQUIRE_OK(c);
  std::vector<std::string> out = *c;
  std::sort(out.begin(), out.end());
  return out;
}

bool AnyTempFile(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return absl::StrContains(n, ".tempstate");
  });
}

std::string RandomString(std::mt19937_64& rng) {
  size_t len = 0;
  switch (rng() % 4) {
    case 0:
      len = 0;
      break;
    case 1:
      len = rng() % 10;
      break;
    case 2:
      len = 100 + rng() % 300;  // two-byte varint
      break;
    default:
      len = rng() % 40;
      break;
  }
  std::string s(len, '\0');
  for (char& c : s) c = static_cast<char>(rng());  // binary, NULs included
  return s;
}

Tensor RandomTensor(std::mt19937_64& rng, DataType dtype) {
  TensorShape shape = RandomShape(rng);
  if (dtype == DataType::kString) {
    std::vector<std::string> values(static_cast<size_t>(shape.num_elements()));
    for (std::string& v : values) v = RandomString(rng);
    absl::StatusOr<Tensor> t = Tensor::FromStrings(shape, std::move(values));
    CKPT_REQUIRE_OK(t);
    return *std::move(t);
  }
  absl::StatusOr<Tensor> t = Tensor::Create(dtype, shape);
  CKPT_REQUIRE_OK(t);
  FillFixed(rng, dtype, t->mutable_bytes());
  return *std::move(t);
}

// Writes a random bundle with `options`, returns what it holds.
std::map<std::string, Expected> WriteRandomBundle(
    Env* env, const std::string& prefix, const BundleWriterOptions& options,
    uint64_t seed, int num_tensors) {
  std::mt19937_64 rng(seed);
  const std::vector<DataType> dtypes = StorableDataTypes();
  std::map<std::string, Expected> expected;
  std::unique_ptr<BundleWriter> w = MustCreate(env, prefix, options);
  for (int i = 0; i < num_tensors; ++i) {
    // Every dtype at least once, then random ones.
    const DataType dtype = i < static_cast<int>(dtypes.size())
                               ? dtypes[static_cast<size_t>(i)]
                               : dtypes[rng() % dtypes.size()];
    std::string key = RandomKey(rng, i);
    if (expected.count(key) != 0) key += "#dup";
    REQUIRE(expected.count(key) == 0);
    Expected e{
        RandomTensor(rng, dtype),
        static_cast<int>(rng() % static_cast<uint64_t>(options.num_shards))};
    CKPT_REQUIRE_OK(w->Add(key, e.tensor, e.shard));
    expected.emplace(key, std::move(e));
  }
  CHECK(w->num_entries() == num_tensors);
  CKPT_REQUIRE_OK(w->Finish());
  CKPT_REQUIRE_OK(w->status());
  return expected;
}

Tensor SomeTensor() {
  return Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}).value();
}

// Writes an index holding `entries` (already serialized) under a header of
// `num_shards`, plus empty data files.
void WriteRawIndex(
    Env* env, const std::string& prefix, int num_shards,
    const std::vector<std::pair<std::string, std::string>>& entries) {
  std::unique_ptr<WritableFile> f =
      env->NewWritableFile(IndexFilename(prefix)).value();
  table::TableBuilder b(table::TableOptions(), f.get());
  BundleHeader h;
  h.num_shards = num_shards;
  h.producer_version = 1;
  CKPT_REQUIRE_OK(b.Add("", bundle::EncodeHeader(h)));
  for (const auto& [k, v] : entries) CKPT_REQUIRE_OK(b.Add(k, v));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK(f->Close());
  for (int s = 0; s < num_shards; ++s) {
    CKPT_REQUIRE_OK(
        WriteStringToFileAtomic(env, DataFilename(prefix, s, num_shards), ""));
  }
}

// Fills `bytes` quickly: random bytes, or (compressible) runs of 64 equal
// bytes from a five-letter alphabet, which LZ4 shrinks well.
void FillBatchBytes(std::mt19937_64& rng, bool compressible,
                    absl::Span<char> bytes) {
  if (compressible) {
    const uint64_t salt = rng() % 251;
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>(((i >> 6) * 7 + salt) % 5);
    }
    return;
  }
  for (size_t i = 0; i < bytes.size(); i += 8) {
    const uint64_t v = rng();
    std::memcpy(bytes.data() + i, &v, std::min<size_t>(8, bytes.size() - i));
  }
}

// A uint8 vector tensor of `bytes` bytes.
Tensor BytesTensor(std::mt19937_64& rng, size_t bytes, bool compressible) {
  Tensor t = Tensor::Create(DataType::kUInt8,
                            TensorShape({static_cast<int64_t>(bytes)}))
                 .value();
  FillBatchBytes(rng, compressible, t.mutable_bytes());
  return t;
}

}  // namespace ckpt::testing
