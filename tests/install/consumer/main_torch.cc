// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Consumer of an installed ckpt::torch: a torch::nn::Linear saved and
// restored into another by structure. Exit status 0 on success.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "ckpt/checkpoint.h"
#include "ckpt/torch.h"
#include "torch/torch.h"

int main() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "ckpt_consumer_torch";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string prefix = (dir / "p").string();
  torch::nn::Linear a(3, 2), b(3, 2);
  auto ta = ckpt::torch::TrackedModule::Track(a).value();
  auto tb = ckpt::torch::TrackedModule::Track(b).value();
  ckpt::Checkpoint w, r;
  if (!w.Track("m", *ta).ok() || !w.Write(prefix).ok() ||
      !r.Track("m", *tb).ok() || !r.Read(prefix).ok() ||
      !torch::equal(a->weight, b->weight) || !torch::equal(a->bias, b->bias)) {
    std::cerr << "consumer (torch): round trip failed\n";
    return 1;
  }
  std::filesystem::remove_all(dir);
  std::cout << "ckpt::torch consumer OK\n";
  return 0;
}
