// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ReadBatches: batches come back in submission order with one status per
// request, the bytes read into the callers' buffers; a damaged value fails
// only its own request; the object takes new batches after Finish(); the
// batches the helper has not started are read by Finish()'s thread; a
// batch never finished is read and joined by the destructor.

#include "checkpoint/read_batches.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "testing/test_util.h"
#include "util/mutex.h"

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

// Reads of data files (not the index) through this Env record the reading
// thread. A read
// on any thread but `caller` waits (at most 20 s, so a broken ReadBatches
// fails the test instead of hanging it) until `caller` has read something.
class GatedReadEnv : public EnvWrapper {
 public:
  explicit GatedReadEnv(std::thread::id caller)
      : EnvWrapper(Env::Default()), caller_(caller) {}

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    absl::StatusOr<std::unique_ptr<RandomAccessFile>> f =
        EnvWrapper::NewRandomAccessFile(path);
    if (!f.ok() || !absl::StrContains(path, ".data-")) return f;
    return std::unique_ptr<RandomAccessFile>(new File(std::move(*f), this));
  }

  // Waits (at most 20 s) until another thread has started a read.
  void WaitForOtherReader() {
    MutexLock lock(&mu_);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!other_entered_ && cv_.WaitUntil(&mu_, deadline)) {
    }
  }

  std::set<std::thread::id> readers() {
    MutexLock lock(&mu_);
    return readers_;
  }

 private:
  class File : public RandomAccessFile {
   public:
    File(std::unique_ptr<RandomAccessFile> base, GatedReadEnv* env)
        : base_(std::move(base)), env_(env) {}
    absl::Status Read(uint64_t offset, size_t n, char* scratch) const override {
      env_->Enter();
      return base_->Read(offset, n, scratch);
    }
    absl::Status ReadV(
        uint64_t offset,
        absl::Span<const absl::Span<char>> pieces) const override {
      env_->Enter();
      return base_->ReadV(offset, pieces);
    }
    uint64_t size() const override { return base_->size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    std::unique_ptr<RandomAccessFile> base_;
    GatedReadEnv* env_;
  };

  void Enter() {
    const std::thread::id self = std::this_thread::get_id();
    MutexLock lock(&mu_);
    readers_.insert(self);
    if (self == caller_) {
      caller_read_ = true;
      cv_.SignalAll();
      return;
    }
    other_entered_ = true;
    cv_.SignalAll();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!caller_read_ && cv_.WaitUntil(&mu_, deadline)) {
    }
  }

  const std::thread::id caller_;
  Mutex mu_;
  CondVar cv_;
  std::set<std::thread::id> readers_ ABSL_GUARDED_BY(mu_);
  bool caller_read_ ABSL_GUARDED_BY(mu_) = false;
  bool other_entered_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_CASE("Finish reads the batches the helper has not started") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  WriteAndOpen(prefix).reset();
  GatedReadEnv env(std::this_thread::get_id());
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(&env, prefix);
  CKPT_REQUIRE_OK(reader);
  Values v(kValues);
  ReadBatches batches(**reader);
  // The helper's first read waits until this thread has read: once it
  // waits, the other batches can only be read here, inside Finish().
  batches.Submit(v.Batch(0, 50));
  env.WaitForOtherReader();
  for (int first = 50; first < kValues; first += 50) {
    batches.Submit(v.Batch(first, first + 50));
  }
  std::vector<ReadBatches::Batch> done = batches.Finish();
  REQUIRE(done.size() == kValues / 50);
  for (size_t b = 0; b < done.size(); ++b) {
    REQUIRE(done[b].matched.front() == b * 50);
    for (const absl::Status& s : done[b].statuses) CKPT_REQUIRE_OK(s);
  }
  for (int i = 0; i < kValues; ++i) {
    REQUIRE(v.out[static_cast<size_t>(i)] ==
            std::vector<int32_t>{i, i + 1, i + 2});
  }
  const std::set<std::thread::id> readers = env.readers();
  CHECK(readers.count(std::this_thread::get_id()) == 1);
  CHECK(readers.size() == 2);  // and the helper
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
