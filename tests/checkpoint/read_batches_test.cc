// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ReadBatches: batches come back in submission order with one status per
// request, the bytes read into the callers' buffers; a damaged value fails
// only its own request; the object takes new batches after Finish(); a
// batch never finished is read and joined by the destructor.

#include "checkpoint/read_batches.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "testing/test_util.h"

namespace ckpt::checkpoint {
namespace {

using ::ckpt::testing::TempDir;

constexpr int kValues = 300;

// "k<i>": int32 [3] = {i, i + 1, i + 2}.
std::unique_ptr<BundleReader> WriteAndOpen(const std::string& prefix) {
  BundleWriterOptions options;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix, options);
  CKPT_REQUIRE_OK(w);
  for (int i = 0; i < kValues; ++i) {
    absl::StatusOr<Tensor> t =
        Tensor::FromVector<int32_t>(TensorShape({3}), {i, i + 1, i + 2});
    CKPT_REQUIRE_OK(t);
    CKPT_REQUIRE_OK((*w)->Add(absl::StrCat("k", i), *t));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

struct Values {
  std::vector<std::string> keys;
  std::vector<std::vector<int32_t>> out;
  explicit Values(int n) : out(static_cast<size_t>(n), {0, 0, 0}) {
    for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat("k", i));
  }
  // Requests for values [first, last).
  ReadBatches::Batch Batch(int first, int last) {
    ReadBatches::Batch b;
    for (int i = first; i < last; ++i) {
      std::vector<int32_t>& o = out[static_cast<size_t>(i)];
      b.reads.push_back({keys[static_cast<size_t>(i)],
                         absl::MakeSpan(reinterpret_cast<char*>(o.data()),
                                        o.size() * sizeof(int32_t))});
      b.matched.push_back(static_cast<size_t>(i));
      b.fresh.push_back(nullptr);
    }
    return b;
  }
};

TEST_CASE("Batches come back in order, read, one status per request") {
  TempDir dir;
  std::unique_ptr<BundleReader> reader = WriteAndOpen(dir.Join("p"));
  Values v(kValues);
  ReadBatches batches(*reader);
  for (int round = 0; round < 2; ++round) {  // reused after Finish()
    INFO("round " << round);
    v = Values(kValues);
    batches.Submit(v.Batch(0, 100));
    batches.Submit(v.Batch(100, 250));
    batches.Submit(v.Batch(250, kValues));
    std::vector<ReadBatches::Batch> done = batches.Finish();
    REQUIRE(done.size() == 3);
    REQUIRE(done[0].matched.front() == 0);
    REQUIRE(done[1].matched.front() == 100);
    REQUIRE(done[2].matched.front() == 250);
    for (const ReadBatches::Batch& b : done) {
      REQUIRE(b.statuses.size() == b.reads.size());
      for (const absl::Status& s : b.statuses) CKPT_REQUIRE_OK(s);
    }
    for (int i = 0; i < kValues; ++i) {
      REQUIRE(v.out[static_cast<size_t>(i)] ==
              std::vector<int32_t>{i, i + 1, i + 2});
    }
  }
  REQUIRE(batches.Finish().empty());
}

TEST_CASE("A damaged value fails its own request only") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  WriteAndOpen(prefix).reset();
  testing::CorruptStoredByte(prefix, "k42", 0, 0x01);
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(reader);
  Values v(kValues);
  ReadBatches batches(**reader);
  batches.Submit(v.Batch(0, kValues));
  std::vector<ReadBatches::Batch> done = batches.Finish();
  REQUIRE(done.size() == 1);
  for (int i = 0; i < kValues; ++i) {
    INFO("value " << i);
    if (i == 42) {
      CKPT_REQUIRE_ERROR(done[0].statuses[42], absl::StatusCode::kDataLoss,
                         "'k42'");
    } else {
      CKPT_REQUIRE_OK(done[0].statuses[static_cast<size_t>(i)]);
    }
  }
}

TEST_CASE("A batch never finished is read and joined by the destructor") {
  TempDir dir;
  std::unique_ptr<BundleReader> reader = WriteAndOpen(dir.Join("p"));
  Values v(kValues);
  {
    ReadBatches batches(*reader);
    batches.Submit(v.Batch(0, kValues));
  }
  REQUIRE(v.out[299] == std::vector<int32_t>{299, 300, 301});
}

}  // namespace
}  // namespace ckpt::checkpoint
