// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for util/checksum_pool.h against crc32c::Value() as the model: every
// range size around the piece size, pools of 0-3 helpers, callers on several
// threads, jobs destroyed without (or halfway through) asking for their
// CRCs and their bytes freed right after (ASan and TSan catch a helper still
// reading them), threads started lazily and joined by Stop().

#include "util/checksum_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ckpt/crc32c.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

constexpr size_t kPiece = ChecksumPool::kPieceBytes;

std::string Bytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

uint32_t Model(const std::string& s) {
  return crc32c::Value(s.data(), s.size());
}

std::vector<absl::string_view> Views(const std::vector<std::string>& v) {
  return std::vector<absl::string_view>(v.begin(), v.end());
}

// Waits (without a time budget that could fail a slow machine) until `pred`
// holds; gives up after a minute so that a bug fails instead of hanging.
template <typename Pred>
bool Eventually(Pred pred) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST_CASE("checksum pool: every range size around the piece size") {
  const std::vector<size_t> sizes = {
      0, 1, 4095, kPiece - 1, kPiece, kPiece + 1, 2 * kPiece, 3 * kPiece + 7};
  std::vector<std::string> data;
  for (size_t i = 0; i < sizes.size(); ++i) {
    data.push_back(Bytes(sizes[i], static_cast<uint32_t>(i)));
  }
  const std::vector<absl::string_view> ranges = Views(data);
  for (int threads : {0, 1, 3}) {
    INFO("helper threads " << threads);
    ChecksumPool pool(threads);
    ChecksumJob job(&pool, ranges);
    REQUIRE(job.num_ranges() == sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      INFO("range " << i << " of " << sizes[i] << " bytes");
      CHECK(job.Crc(i) == Model(data[i]));
    }
  }
  ChecksumJob no_pool(nullptr, ranges);
  for (size_t i = 0; i < sizes.size(); ++i) {
    CHECK(no_pool.Crc(i) == Model(data[i]));
  }
}

TEST_CASE("checksum pool: random jobs and call orders against the model") {
  std::mt19937 gen(20261204);
  ChecksumPool pool(2);
  for (int round = 0; round < 40; ++round) {
    const size_t n = std::uniform_int_distribution<size_t>(1, 12)(gen);
    std::vector<std::string> data;
    for (size_t i = 0; i < n; ++i) {
      const size_t size =
          std::uniform_int_distribution<size_t>(0, 5 * kPiece / 2)(gen);
      data.push_back(Bytes(size, static_cast<uint32_t>(gen())));
    }
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), gen);
    ChecksumJob job(&pool, Views(data));
    for (size_t i : order) {
      INFO("round " << round << " range " << i << " of " << data[i].size());
      CHECK(job.Crc(i) == Model(data[i]));
    }
  }
}

TEST_CASE("checksum pool: callers on several threads share one job") {
  std::vector<std::string> data;
  for (uint32_t i = 0; i < 24; ++i) {
    data.push_back(Bytes((i % 5) * kPiece + i * 4099, i));
  }
  ChecksumPool pool(2);
  ChecksumJob job(&pool, Views(data));
  std::vector<uint32_t> got(data.size());
  std::vector<std::thread> callers;
  for (size_t t = 0; t < 3; ++t) {
    callers.emplace_back([&, t] {
      for (size_t i = t; i < data.size(); i += 3) got[i] = job.Crc(i);
    });
  }
  for (std::thread& c : callers) c.join();
  for (size_t i = 0; i < data.size(); ++i) {
    INFO("range " << i);
    CHECK(got[i] == Model(data[i]));
  }
}

TEST_CASE("checksum pool: helpers do the work when the caller is busy") {
  const std::string data = Bytes(8 * kPiece + 5, 7);
  ChecksumPool pool(1);
  CHECK(pool.num_started() == 0);  // nothing until the first job
  const absl::string_view range = data;
  ChecksumJob job(&pool, absl::MakeConstSpan(&range, 1));
  CHECK(pool.num_started() == 1);
  REQUIRE(Eventually([&] { return job.pieces_by_helpers() == 9; }));
  CHECK(job.Crc(0) == Model(data));
}

TEST_CASE("checksum pool: a job dropped unasked leaves no reader behind") {
  ChecksumPool pool(3);
  for (int round = 0; round < 30; ++round) {
    auto data = std::make_unique<std::vector<std::string>>();
    for (uint32_t i = 0; i < 4; ++i) {
      data->push_back(Bytes(2 * kPiece + i, static_cast<uint32_t>(round)));
    }
    {
      ChecksumJob job(&pool, Views(*data));
      if (round % 2 == 1) CHECK(job.Crc(1) == Model((*data)[1]));
      // Destroyed with helpers in the middle of pieces of ranges 0, 2, 3.
    }
    data.reset();  // a helper still reading would be a use after free
  }
  // The pool still works after jobs were dropped.
  const std::string more = Bytes(3 * kPiece, 99);
  const absl::string_view range = more;
  ChecksumJob job(&pool, absl::MakeConstSpan(&range, 1));
  CHECK(job.Crc(0) == Model(more));
}

TEST_CASE("checksum pool: after Stop the callers compute everything") {
  const std::string data = Bytes(4 * kPiece + 1, 3);
  const absl::string_view range = data;
  ChecksumPool pool(2);
  {
    ChecksumJob job(&pool, absl::MakeConstSpan(&range, 1));
    CHECK(job.Crc(0) == Model(data));
  }
  CHECK(pool.num_started() == 2);
  pool.Stop();
  CHECK(pool.num_started() == 0);
  pool.Stop();  // idempotent
  ChecksumJob job(&pool, absl::MakeConstSpan(&range, 1));
  CHECK(pool.num_started() == 0);  // not restarted
  CHECK(job.Crc(0) == Model(data));
  CHECK(job.pieces_by_helpers() == 0);
}

TEST_CASE("checksum pool: several jobs attached at once") {
  ChecksumPool pool(2);
  const std::string a = Bytes(6 * kPiece, 11);
  const std::string b = Bytes(5 * kPiece + 9, 12);
  const absl::string_view ra = a;
  const absl::string_view rb = b;
  uint32_t crc_b = 0;
  ChecksumJob job_a(&pool, absl::MakeConstSpan(&ra, 1));
  std::thread other([&] {
    ChecksumJob job_b(&pool, absl::MakeConstSpan(&rb, 1));
    crc_b = job_b.Crc(0);
  });
  CHECK(job_a.Crc(0) == Model(a));
  other.join();
  CHECK(crc_b == Model(b));
}

}  // namespace
}  // namespace ckpt
