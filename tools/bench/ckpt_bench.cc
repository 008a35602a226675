// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt_bench: throughput of the byte layer measured against the machine's
// own limit in the same process state. Not a unit test; run by hand:
//
//   build/gcc/tools/ckpt_bench [--mib N] [--tensor-kib K] [--dir DIR]
//
// Measures, on buffers that are pre-touched so first-touch page faults are
// not counted:
//   * CRC-32C: hardware path, portable path, and memcpy of the same bytes.
//   * Save: BundleWriter (no fsync) vs. a plain write(2) loop of the same
//     bytes, and a plain write loop plus CRC-32C.
//   * Restore: BundleReader::ReadInto (pread + CRC verify) into reused
//     buffers vs. a plain pread loop of the same bytes.
// Each figure is the best of several repetitions; ratios compare figures
// taken back to back.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"

namespace {

using Clock = std::chrono::steady_clock;

double BestSeconds(int reps, const std::function<void()>& fn) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    fn();
    const std::chrono::duration<double> d = Clock::now() - start;
    best = std::min(best, d.count());
  }
  return best;
}

void Die(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "ckpt_bench: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

struct Row {
  std::string name;
  double seconds;
  double bytes;
};

void Print(const std::vector<Row>& rows, const Row& limit) {
  std::printf("| %-40s | %10s | %9s | %12s |\n", "operation", "GiB/s", "ms",
              "vs limit");
  std::printf("|%s|%s|%s|%s|\n", std::string(42, '-').c_str(),
              std::string(12, '-').c_str(), std::string(11, '-').c_str(),
              std::string(14, '-').c_str());
  const double limit_rate = limit.bytes / limit.seconds;
  for (const Row& r : rows) {
    const double rate = r.bytes / r.seconds;
    std::printf("| %-40s | %10.2f | %9.1f | %11.2fx |\n", r.name.c_str(),
                rate / (1 << 30), r.seconds * 1e3, rate / limit_rate);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int64_t mib = 256;
  int64_t tensor_kib = 1024;
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mib" && absl::SimpleAtoi(argv[i + 1], &mib)) continue;
    if (flag == "--tensor-kib" && absl::SimpleAtoi(argv[i + 1], &tensor_kib))
      continue;
    if (flag == "--dir") {
      dir = argv[i + 1];
      continue;
    }
    std::fprintf(stderr, "usage: ckpt_bench [--mib N] [--tensor-kib K] [--dir DIR]\n");
    return 2;
  }
  const size_t total = static_cast<size_t>(mib) << 20;
  const size_t tensor_bytes = static_cast<size_t>(tensor_kib) << 10;
  const size_t num_tensors = total / tensor_bytes;
  std::vector<char> data(total);
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (size_t i = 0; i + 4 <= total; i += 4) {
    const float f = normal(rng);
    std::memcpy(&data[i], &f, 4);
  }
  std::vector<char> sink(total, 1);  // pre-touched destination

  std::printf("# ckpt_bench: %zu tensors x %zu KiB = %lld MiB, crc32c %s\n\n",
              num_tensors, tensor_bytes >> 10, static_cast<long long>(mib),
              ckpt::crc32c::IsHardwareAccelerated() ? "SSE4.2" : "portable");

  // ---- CRC ----
  volatile uint32_t keep = 0;
  Row memcpy_row{"memcpy (limit)", BestSeconds(5, [&] {
                   std::memcpy(sink.data(), data.data(), total);
                 }),
                 static_cast<double>(total)};
  Row hw{"crc32c::Value (dispatched)", BestSeconds(5, [&] {
           keep = ckpt::crc32c::Value(data.data(), total);
         }),
         static_cast<double>(total)};
  Row portable{"crc32c::ExtendPortable", BestSeconds(3, [&] {
                 keep = ckpt::crc32c::ExtendPortable(0, data.data(), total);
               }),
               static_cast<double>(total)};
  (void)keep;
  std::printf("## CRC-32C\n\n");
  Print({memcpy_row, hw, portable}, memcpy_row);

  // ---- save ----
  ckpt::Env* env = ckpt::Env::Default();
  const std::string plain_path = ckpt::JoinPath(dir, "ckpt_bench_plain.bin");
  const std::string prefix = ckpt::JoinPath(dir, "ckpt_bench_bundle");
  auto plain_write = [&](bool with_crc) {
    int fd = ::open(plain_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) Die(absl::InternalError("open " + plain_path));
    uint32_t crc = 0;
    for (size_t t = 0; t < num_tensors; ++t) {
      const char* p = data.data() + t * tensor_bytes;
      if (with_crc) crc = ckpt::crc32c::Value(p, tensor_bytes);
      if (::write(fd, p, tensor_bytes) != static_cast<ssize_t>(tensor_bytes)) {
        Die(absl::InternalError("write " + plain_path));
      }
    }
    keep = crc;
    ::close(fd);
  };
  Row plain_w{"plain write(2) (limit)", BestSeconds(5, [&] { plain_write(false); }),
              static_cast<double>(total)};
  Row plain_wc{"plain write(2) + crc32c", BestSeconds(5, [&] { plain_write(true); }),
               static_cast<double>(total)};
  std::vector<ckpt::Tensor> tensors;
  for (size_t t = 0; t < num_tensors; ++t) {
    auto view = ckpt::Tensor::Borrow(
        ckpt::DataType::kFloat,
        ckpt::TensorShape({static_cast<int64_t>(tensor_bytes / 4)}),
        data.data() + t * tensor_bytes, tensor_bytes);
    Die(view.status());
    tensors.push_back(*std::move(view));
  }
  auto bundle_write = [&](ckpt::Compression compression) {
    ckpt::BundleWriterOptions options;
    options.sync = false;
    options.compression = compression;
    auto writer = ckpt::BundleWriter::Create(env, prefix, options);
    Die(writer.status());
    for (size_t t = 0; t < num_tensors; ++t) {
      Die((*writer)->Add(absl::StrCat("layer_", t, "/kernel/.ATTRIBUTES/VARIABLE_VALUE"),
                         tensors[t]));
    }
    Die((*writer)->Finish());
  };
  Row bw{"BundleWriter (sync=false)",
         BestSeconds(5, [&] { bundle_write(ckpt::Compression::kNone); }),
         static_cast<double>(total)};
  std::printf("## Save (page cache, no fsync)\n\n");
  Print({plain_w, plain_wc, bw}, plain_w);

  // ---- restore ----
  auto plain_read = [&] {
    int fd = ::open(plain_path.c_str(), O_RDONLY);
    for (size_t t = 0; t < num_tensors; ++t) {
      if (::pread(fd, sink.data() + t * tensor_bytes, tensor_bytes,
                  static_cast<off_t>(t * tensor_bytes)) !=
          static_cast<ssize_t>(tensor_bytes)) {
        Die(absl::InternalError("pread " + plain_path));
      }
    }
    ::close(fd);
  };
  plain_write(false);
  Row plain_r{"plain pread(2) (limit)", BestSeconds(5, plain_read),
              static_cast<double>(total)};
  bundle_write(ckpt::Compression::kNone);
  auto reader = ckpt::BundleReader::Open(env, prefix);
  Die(reader.status());
  Row br{"BundleReader::ReadInto (verify crc)", BestSeconds(5, [&] {
           for (size_t t = 0; t < num_tensors; ++t) {
             Die((*reader)->ReadInto(
                 absl::StrCat("layer_", t, "/kernel/.ATTRIBUTES/VARIABLE_VALUE"),
                 absl::Span<char>(sink.data() + t * tensor_bytes, tensor_bytes)));
           }
         }),
         static_cast<double>(total)};
  std::printf("## Restore (page cache)\n\n");
  Print({plain_r, br}, plain_r);

  ::unlink(plain_path.c_str());
  ::unlink(ckpt::IndexFilename(prefix).c_str());
  ::unlink(ckpt::DataFilename(prefix, 0, 1).c_str());
  return 0;
}
