// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Consumer of an installed ckpt::eigen: a column-major Eigen matrix saved
// and restored into a row-major one through ckpt::eigen::Bind. Exit status
// 0 on success.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "Eigen/Core"
#include "ckpt/checkpoint.h"
#include "ckpt/eigen.h"

int main() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "ckpt_consumer_eigen";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string prefix = (dir / "p").string();
  Eigen::MatrixXf m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> back =
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic,
                    Eigen::RowMajor>::Zero(2, 3);
  ckpt::ExternalVariable a = ckpt::eigen::View(m).value();
  ckpt::ExternalVariable b = ckpt::eigen::View(back).value();
  ckpt::Checkpoint w, r;
  if (!w.Track("m", a).ok() || !w.Write(prefix).ok() || !r.Track("m", b).ok() ||
      !r.Read(prefix).ok() || back != m) {
    std::cerr << "consumer (eigen): round trip failed\n";
    return 1;
  }
  std::filesystem::remove_all(dir);
  std::cout << "ckpt::eigen consumer OK\n";
  return 0;
}
