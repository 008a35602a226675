// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// IndexScan: the entries of a scan, on a helper thread or inline, equal
// BundleReader::ListEntries (keys, order, every field, across its chunks),
// started() says whether a helper ran it, and the entries stay in place
// when the keys are released; a damaged index is the
// scan's DataLoss; Wait() may be called again, and a started scan that is never
// waited for is joined by the destructor.

#include "checkpoint/index_scan.h"

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

// A bundle of `n` float tensors "k<i>" of i % 7 elements.
std::unique_ptr<BundleReader> WriteAndOpen(const std::string& prefix, int n) {
  BundleWriterOptions options;
  options.sync = false;
  options.index_block_size = 512;  // many index blocks
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix, options);
  CKPT_REQUIRE_OK(w);
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<Tensor> t =
        Tensor::Create(DataType::kFloat, TensorShape({i % 7}));
    CKPT_REQUIRE_OK(t);
    CKPT_REQUIRE_OK((*w)->Add(absl::StrCat("k", i), *t));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

bool SameEntry(const BundleEntry& a, const BundleEntry& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.shard_id == b.shard_id &&
         a.offset == b.offset && a.size == b.size &&
         a.masked_crc32c == b.masked_crc32c && a.num_slices == b.num_slices &&
         a.compression == b.compression;
}

TEST_CASE("A scan lists every entry in key order, with or without a helper") {
  // 10,000 entries: more than two chunks of the scan's storage.
  constexpr int kEntries = 10000;
  TempDir dir;
  std::unique_ptr<BundleReader> reader = WriteAndOpen(dir.Join("p"), kEntries);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> want =
      reader->ListEntries();
  CKPT_REQUIRE_OK(want);
  REQUIRE(want->size() == kEntries);
  for (int threads : {0, 1, 2, 8}) {
    INFO("threads " << threads);
    IndexScan scan(*reader, threads);
    scan.Start();
    CKPT_REQUIRE_OK(scan.Wait());
    CKPT_REQUIRE_OK(scan.Wait());  // again: the same result
    REQUIRE(scan.size() == want->size());
    for (size_t i = 0; i < scan.size(); ++i) {
      INFO("entry " << i);
      REQUIRE(scan.key(i) == (*want)[i].first);
      REQUIRE(SameEntry(scan.entry(i), (*want)[i].second));
    }
    REQUIRE(scan.started() == (threads >= 2));
    const BundleEntry* last = &scan.entry(kEntries - 1);
    scan.ReleaseKeys();  // the entries stay, in place
    REQUIRE(scan.size() == want->size());
    REQUIRE(&scan.entry(kEntries - 1) == last);
    REQUIRE(SameEntry(scan.entry(kEntries - 1), want->back().second));
  }
  // Never started: Wait() scans inline.
  IndexScan inline_scan(*reader, 2);
  CKPT_REQUIRE_OK(inline_scan.Wait());
  REQUIRE(inline_scan.size() == kEntries);
  REQUIRE(!inline_scan.started());
}

TEST_CASE("A damaged index is the scan's DataLoss, with no entries") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  WriteAndOpen(prefix, 3000).reset();
  // Flip a byte in the middle of the index's data blocks: Open() reads only
  // the footer, the meta and the header, so it still succeeds.
  const std::string index = IndexFilename(prefix);
  std::string bytes = testing::ReadFileOrDie(index);
  bytes[bytes.size() / 3] ^= 0x20;
  testing::WriteFileOrDie(index, bytes);
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(reader);
  for (int threads : {1, 2}) {
    IndexScan scan(**reader, threads);
    scan.Start();
    CKPT_REQUIRE_ERROR(scan.Wait(), absl::StatusCode::kDataLoss,
                       IndexFilename(prefix));
    REQUIRE(scan.size() == 0);
  }
}

TEST_CASE("A started scan that is never waited for is joined") {
  TempDir dir;
  std::unique_ptr<BundleReader> reader = WriteAndOpen(dir.Join("p"), 2000);
  {
    IndexScan scan(*reader, 2);
    scan.Start();
    scan.Start();  // a second Start() does nothing
  }
  SUCCEED("the destructor joined the helper");
}

}  // namespace
}  // namespace ckpt::checkpoint
