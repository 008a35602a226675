// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Models whose every value derives from one number n, so a restored
// checkpoint is checked bit for bit and a mix of two is detected:
// NumberedModel, and CrashModel, the model of the crash tests (256 KiB).
// The checkpoint-list tests use a small one (checkpoint_list_fixtures.h).
// Catch2-free: crash_writer.cc uses it too.

#ifndef CKPT_TESTS_CHECKPOINT_CRASH_MODEL_H_
#define CKPT_TESTS_CHECKPOINT_CRASH_MODEL_H_

#include <cstddef>
#include <cstdint>

#include "ckpt/trackable.h"

namespace ckpt::testing {

// "w": `values` floats, w[i] = n * `scale` + i % 1000; "n": n (int64).
class NumberedModel : public Trackable {
 public:
  NumberedModel(int64_t values, int64_t scale)
      : w(DataType::kFloat, {values}), scale_(scale) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("w", w);
    visit("n", n);
  }
  void Set(int64_t value) {
    n.mutable_flat<int64_t>()[0] = value;
    auto v = w.mutable_flat<float>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = Expected(value, i);
  }
  // n if every value agrees with it, else -1.
  int64_t Consistent() const {
    const int64_t value = n.flat<int64_t>()[0];
    auto v = w.flat<float>();
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != Expected(value, i)) return -1;
    }
    return value;
  }
  Variable w;
  Variable n{DataType::kInt64, {}};

 private:
  float Expected(int64_t value, size_t i) const {
    return static_cast<float>(value * scale_ + static_cast<int64_t>(i) % 1000);
  }
  int64_t scale_;
};

struct CrashModel : NumberedModel {
  static constexpr int64_t kValues = 64 * 1024;  // 256 KiB of floats
  CrashModel() : NumberedModel(kValues, 7) {}
};

}  // namespace ckpt::testing

#endif  // CKPT_TESTS_CHECKPOINT_CRASH_MODEL_H_
