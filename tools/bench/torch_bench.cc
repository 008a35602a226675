// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt_torch_bench: checkpointing a libtorch module with ckpt (ckpt::torch)
// beside libtorch's own torch::save / torch::load, in the same run, on the
// same module. Run by hand (not part of ctest; docs/performance.md,
// "libtorch modules"):
//
//   build/release/tools/ckpt_torch_bench [--dir DIR] [--runs R]
//                                        [--only count_1k,...]
//
// Workloads: count_1k, count_10k, count_100k (that many parameters of 256
// floats, 1 KiB each, in one module) and bytes_1g (256 parameters of 4 MiB).
// Ops, each the median of R runs into a fresh file, page cache warm:
//   ckpt save          Checkpoint::Write of the tracked module (no fsync,
//                      as torch::save does none)
//   ckpt restore       Checkpoint::Read into the module's own tensors
//   ckpt restore_staged  the same with RestoreOptions::stage_external
//   torch save         torch::save(module, file)
//   torch load         torch::load(module, file)
// Printed per op: seconds and microseconds per tensor; the ratio of
// torch's time to ckpt's in the last column.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ckpt/checkpoint.h"
#include "ckpt/torch.h"
#include "torch/torch.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Workload {
  std::string name;
  int64_t tensors;
  int64_t floats_each;
};

struct ManyParams : torch::nn::Module {
  ManyParams(int64_t n, int64_t floats) {
    for (int64_t i = 0; i < n; ++i) {
      register_parameter("p" + std::to_string(i), torch::rand({floats}));
    }
  }
};

void Check(const absl::Status& s, const char* what) {
  if (s.ok()) return;
  std::cerr << "ckpt_torch_bench: " << what << ": " << s << "\n";
  std::exit(1);
}

// Median seconds of `runs` calls of `op`, `before` run untimed first.
double Median(int runs, const std::function<void()>& before,
              const std::function<void()>& op) {
  std::vector<double> s;
  for (int i = 0; i < runs; ++i) {
    if (before) before();
    const Clock::time_point t0 = Clock::now();
    op();
    s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

void RunWorkload(const Workload& w, const std::string& dir, int runs) {
  torch::manual_seed(1);
  auto module = std::make_shared<ManyParams>(w.tensors, w.floats_each);
  auto tracked = ckpt::torch::TrackedModule::Track(module).value();
  ckpt::Checkpoint checkpoint;
  Check(checkpoint.Track("model", *tracked), "Track");
  const std::string prefix = dir + "/" + w.name + "_ckpt";
  const std::string torch_file = dir + "/" + w.name + ".pt";
  const auto remove_ckpt = [&] {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().filename().string().rfind(w.name + "_ckpt", 0) == 0) {
        std::filesystem::remove(e.path());
      }
    }
  };
  ckpt::SaveOptions nosync;
  nosync.bundle.sync = false;
  ckpt::RestoreOptions staged;
  staged.stage_external = true;

  struct Row {
    const char* system;
    const char* op;
    double seconds;
  };
  std::vector<Row> rows;
  rows.push_back({"ckpt", "save", Median(runs, remove_ckpt, [&] {
                    Check(checkpoint.Write(prefix, nosync), "Write");
                  })});
  rows.push_back({"ckpt", "restore", Median(runs, nullptr, [&] {
                    Check(checkpoint.Read(prefix).status(), "Read");
                  })});
  rows.push_back({"ckpt", "restore_staged", Median(runs, nullptr, [&] {
                    Check(checkpoint.Read(prefix, staged).status(), "Read");
                  })});
  rows.push_back({"torch", "save",
                  Median(
                      runs, [&] { std::filesystem::remove(torch_file); },
                      [&] {
                        torch::serialize::OutputArchive archive;
                        module->save(archive);
                        archive.save_to(torch_file);
                      })});
  rows.push_back({"torch", "load", Median(runs, nullptr, [&] {
                    torch::serialize::InputArchive archive;
                    archive.load_from(torch_file);
                    module->load(archive);
                  })});
  for (const Row& r : rows) {
    const double per_tensor_us =
        r.seconds / static_cast<double>(w.tensors) * 1e6;
    std::string vs;
    if (std::string(r.system) == "torch") {
      const double ckpt_s =
          std::string(r.op) == "save" ? rows[0].seconds : rows[1].seconds;
      vs = absl::StrFormat("%.1fx ckpt", r.seconds / ckpt_s);
    }
    std::cout << absl::StrFormat(
                     "%-10s %-6s %-15s %10.4f s %10.2f us/tensor  %s\n", w.name,
                     r.system, r.op, r.seconds, per_tensor_us, vs)
              << std::flush;
  }
  remove_ckpt();
  std::filesystem::remove(torch_file);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/var/tmp/ckpt_torch_bench";
  int runs = 3;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--runs" && i + 1 < argc &&
               absl::SimpleAtoi(argv[i + 1], &runs) && runs > 0) {
      ++i;
    } else if (arg == "--only" && i + 1 < argc) {
      only = absl::StrSplit(argv[++i], ',');
    } else {
      std::cerr << "usage: ckpt_torch_bench [--dir DIR] [--runs R] "
                   "[--only count_1k,count_10k,count_100k,bytes_1g]\n";
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  torch::set_num_threads(1);
  std::cout << "# ckpt_torch_bench: libtorch " << TORCH_VERSION << ", runs "
            << runs << ", dir " << dir << "\n";
  const std::vector<Workload> workloads = {{"count_1k", 1000, 256},
                                           {"count_10k", 10000, 256},
                                           {"count_100k", 100000, 256},
                                           {"bytes_1g", 256, 1 << 20}};
  for (const Workload& w : workloads) {
    if (!only.empty() &&
        std::find(only.begin(), only.end(), w.name) == only.end()) {
      continue;
    }
    RunWorkload(w, dir, runs);
  }
  return 0;
}
