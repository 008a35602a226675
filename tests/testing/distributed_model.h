// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The model the multi-process tests save and restore (in-process ranks in
// tests/checkpoint/collective_save_test.cc, MPI ranks in
// tests/mpi/mpi_checkpoint_probe.cc): replicated weights and a step, and an
// embedding table partitioned over the ranks whose every element is a
// function of its position, so that any rank count can check any other's.

#ifndef CKPT_TESTS_TESTING_DISTRIBUTED_MODEL_H_
#define CKPT_TESTS_TESTING_DISTRIBUTED_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"

namespace ckpt::testing {

inline constexpr int64_t kRows = 12;
inline constexpr int64_t kCols = 4;

// Element (row, col) of the embedding, whoever holds it.
inline float EmbValue(int64_t row, int64_t col) {
  return static_cast<float>(row * 10 + col) + 0.25f;
}

// Replicated dense weights and a step, and this rank's rows of an
// embedding table.
struct DistModel : Trackable {
  Variable dense{DataType::kFloat, TensorShape{64}};
  Variable step{DataType::kInt64, TensorShape{}};
  ShardedVariable emb;
  void VisitChildren(ChildVisitor& visit) override {
    visit("dense", dense);
    visit("step", step);
    visit("emb", emb);
  }
};

// Fills `m` with the values of version `n` (every element offset by n, step
// 1234 + n), so that checkpoints of successive saves can be told apart.
inline void SetValues(DistModel& m, int64_t n = 0) {
  const float offset = static_cast<float>(n);  // exact for these sizes
  for (int64_t i = 0; i < 64; ++i) {
    m.dense.mutable_flat<float>()[i] = static_cast<float>(i) * 0.5f + offset;
  }
  m.step.mutable_flat<int64_t>()[0] = 1234 + n;
  for (int p = 0; p < m.emb.num_parts(); ++p) {
    const int64_t row0 = m.emb.row_offset(p);
    Tensor& part = m.emb.mutable_part(p);
    for (int64_t r = 0; r < part.shape().dim(0); ++r) {
      for (int64_t c = 0; c < kCols; ++c) {
        part.mutable_flat<float>()[r * kCols + c] =
            EmbValue(row0 + r, c) + offset;
      }
    }
  }
}

// A model holding `num_parts` parts of the embedding split over `size`
// ranks, with the values of version 0 or zero.
inline std::unique_ptr<DistModel> MakeDistModel(int rank, int size,
                                                int num_parts,
                                                bool with_values) {
  auto m = std::make_unique<DistModel>();
  absl::StatusOr<ShardedVariable> emb = ShardedVariable::CreateLocal(
      DataType::kFloat, TensorShape{kRows, kCols}, num_parts, rank, size);
  if (!emb.ok()) return nullptr;
  m->emb = *std::move(emb);
  if (with_values) SetValues(*m);
  return m;
}

// "" if `m` holds the values of version `n`, else the first difference.
inline std::string Mismatch(const DistModel& m, int64_t n = 0) {
  const float offset = static_cast<float>(n);
  for (int64_t i = 0; i < 64; ++i) {
    if (m.dense.flat<float>()[i] != static_cast<float>(i) * 0.5f + offset) {
      return absl::StrCat("dense[", i, "] = ", m.dense.flat<float>()[i]);
    }
  }
  if (m.step.flat<int64_t>()[0] != 1234 + n) {
    return absl::StrCat("step = ", m.step.flat<int64_t>()[0]);
  }
  for (int p = 0; p < m.emb.num_parts(); ++p) {
    const Tensor& part = m.emb.part(p);
    for (int64_t r = 0; r < part.shape().dim(0); ++r) {
      for (int64_t c = 0; c < kCols; ++c) {
        const float v = part.flat<float>()[r * kCols + c];
        if (v != EmbValue(m.emb.row_offset(p) + r, c) + offset) {
          return absl::StrCat("emb[", m.emb.row_offset(p) + r, ",", c,
                              "] = ", v);
        }
      }
    }
  }
  return "";
}

// Runs fn(comm) on one thread per rank of a new in-process job (a 60 s
// timeout); the results by rank. Catch2 assertions belong on the calling
// thread: fn returns what it saw.
template <typename T>
std::vector<T> RunRanks(int n, const std::function<T(Communicator&)>& fn) {
  absl::StatusOr<std::vector<std::unique_ptr<Communicator>>> comms =
      NewLocalCommunicators(n, absl::Seconds(60));
  std::vector<T> out(static_cast<size_t>(n));
  if (!comms.ok()) return out;
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] { out[r] = fn(*(*comms)[r]); });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

// An Env whose new files fail when their path contains `part` (one rank's
// part of a collective save): `code`, "<path>: <what>".
class FailPartEnv : public EnvWrapper {
 public:
  FailPartEnv(Env* target, std::string part,
              absl::StatusCode code = absl::StatusCode::kResourceExhausted,
              std::string what = "disk full")
      : EnvWrapper(target),
        part_(std::move(part)),
        code_(code),
        what_(std::move(what)) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    if (absl::StrContains(path, part_)) {
      return absl::Status(code_, absl::StrCat(path, ": ", what_));
    }
    return EnvWrapper::NewWritableFile(path);
  }

 private:
  std::string part_;
  absl::StatusCode code_;
  std::string what_;
};

}  // namespace ckpt::testing

#endif  // CKPT_TESTS_TESTING_DISTRIBUTED_MODEL_H_
