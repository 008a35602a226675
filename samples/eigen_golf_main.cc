// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// eigen_golf: restores TensorFlow's golf checkpoint into Eigen matrices and
// runs one input through the network (see eigen_golf.h).
//
//   eigen_golf PREFIX [X0 ... X6]   e.g. ../shared/testdata/tf/golf/ckpt-1
//
// Without inputs, 0.1, 0.2, ..., 0.7. Exit codes: 0 done, 1 an error, 2 usage.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "eigen_golf.h"

int main(int argc, char** argv) {
  if (argc != 2 && argc != 9) {
    std::cerr << "usage: eigen_golf PREFIX [X0 ... X6]\n";
    return 2;
  }
  std::vector<float> input = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
  for (int i = 2; i < argc; ++i) {
    if (!absl::SimpleAtof(argv[i], &input[static_cast<size_t>(i - 2)])) {
      std::cerr << "eigen_golf: not a number: " << argv[i] << "\n";
      return 2;
    }
  }
  absl::StatusOr<ckpt_samples::EigenGolfResult> result =
      ckpt_samples::EigenGolf(argv[1], input, &std::cout);
  if (!result.ok()) {
    std::cerr << "eigen_golf: " << result.status() << "\n";
    return 1;
  }
  return 0;
}
