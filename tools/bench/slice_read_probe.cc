// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// slice_read_probe: the cost of reading a partitioned tensor whole, against
// the same tensor stored plain (docs/performance.md "Partitioned reads").
//
//   build/release/tools/slice_read_probe [DIR] [ROWS] [COLS]
//
// Writes a float32 [ROWS, COLS] tensor (default 8192 x 8192, 256 MiB) to DIR
// three times: plain, as 8 row slices (each one contiguous run of the
// result: read in place) and as 8 column slices (each read into scratch and
// scattered). Then BundleReader::ReadInto of each into one pre-touched
// buffer, interleaved (plain, rows, cols) 6 times; the first round is
// untimed. Prints the median of 5 and its ratio to plain, and checks every
// result byte for byte. Page cache warm: this measures the read path from
// memory, not the device.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/tensor_slice.h"

namespace {

int Fail(const char* what, const absl::Status& s) {
  std::fprintf(stderr, "slice_read_probe: %s: %s\n", what,
               s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using ckpt::TensorShape;
  using ckpt::TensorSlice;
  const std::string dir = argc > 1 ? argv[1] : "/tmp/slice_read_probe";
  const int64_t rows = argc > 2 ? std::atoll(argv[2]) : 8192;
  const int64_t cols = argc > 3 ? std::atoll(argv[3]) : 8192;
  constexpr int kParts = 8;
  if (rows < kParts || cols < kParts) {
    std::fprintf(stderr, "slice_read_probe: ROWS and COLS must be >= 8\n");
    return 2;
  }
  const TensorShape shape({rows, cols});
  ckpt::Tensor full =
      ckpt::Tensor::Create(ckpt::DataType::kFloat, shape).value();
  absl::Span<float> f = full.mutable_flat<float>();
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(i % 1000);
  ckpt::BundleWriterOptions options;
  options.sync = false;
  {
    auto w = ckpt::BundleWriter::Create(ckpt::Env::Default(), dir + "/plain",
                                        options);
    if (!w.ok()) return Fail("create", w.status());
    absl::Status s = (*w)->Add("t", full);
    if (s.ok()) s = (*w)->Finish();
    if (!s.ok()) return Fail("plain", s);
  }
  for (int axis = 0; axis < 2; ++axis) {
    auto w = ckpt::BundleWriter::Create(
        ckpt::Env::Default(), dir + (axis == 0 ? "/rows" : "/cols"), options);
    if (!w.ok()) return Fail("create", w.status());
    const int64_t n = axis == 0 ? rows : cols;
    for (int p = 0; p < kParts; ++p) {
      std::vector<int64_t> start = {0, 0}, length = {rows, cols};
      start[static_cast<size_t>(axis)] = n * p / kParts;
      length[static_cast<size_t>(axis)] = n * (p + 1) / kParts - n * p / kParts;
      const TensorSlice slice =
          TensorSlice::FromStartLength(start, length).value();
      ckpt::Tensor part = ckpt::Tensor::Create(ckpt::DataType::kFloat,
                                               slice.SliceShape(shape).value())
                              .value();
      absl::Span<float> pf = part.mutable_flat<float>();
      for (int64_t r = 0; r < length[0]; ++r) {
        for (int64_t c = 0; c < length[1]; ++c) {
          pf[static_cast<size_t>(r * length[1] + c)] =
              f[static_cast<size_t>((start[0] + r) * cols + start[1] + c)];
        }
      }
      absl::Status s = (*w)->AddSlice("t", shape, slice, part);
      if (!s.ok()) return Fail("AddSlice", s);
    }
    absl::Status s = (*w)->Finish();
    if (!s.ok()) return Fail("Finish", s);
  }
  const char* names[] = {"plain", "rows", "cols"};
  std::vector<double> seconds[3];
  std::string out(full.bytes().size(), '\0');  // pre-touched below
  for (int run = 0; run < 6; ++run) {
    for (int k = 0; k < 3; ++k) {
      auto r =
          ckpt::BundleReader::Open(ckpt::Env::Default(), dir + "/" + names[k]);
      if (!r.ok()) return Fail("open", r.status());
      const auto start = std::chrono::steady_clock::now();
      absl::Status s = (*r)->ReadInto("t", absl::MakeSpan(out));
      const auto end = std::chrono::steady_clock::now();
      if (!s.ok()) return Fail(names[k], s);
      if (out != full.bytes()) {
        std::fprintf(stderr, "slice_read_probe: %s read wrong bytes\n",
                     names[k]);
        return 1;
      }
      if (run > 0) {
        seconds[k].push_back(
            std::chrono::duration<double>(end - start).count());
      }
    }
  }
  for (std::vector<double>& v : seconds) std::sort(v.begin(), v.end());
  for (int k = 0; k < 3; ++k) {
    std::printf("%-5s ReadInto median %.3f s  %.2fx plain\n", names[k],
                seconds[k][2], seconds[0][2] / seconds[k][2]);
  }
  return 0;
}
