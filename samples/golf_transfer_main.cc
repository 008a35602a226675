// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// golf_transfer: restores the first two layers of TensorFlow's golf
// checkpoint, and Adam's state for them, into a differently named C++
// classifier with a new head, by path rules (see golf_transfer.cc).
//
//   golf_transfer PREFIX        e.g. ../shared/testdata/tf/golf/ckpt-1
//
// Exit codes: 0 ok, 1 error, 2 usage.

#include <iostream>

#include "samples.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: golf_transfer PREFIX\n";
    return 2;
  }
  absl::StatusOr<ckpt_samples::GolfTransferResult> result =
      ckpt_samples::GolfTransfer(argv[1], &std::cout);
  if (!result.ok()) {
    std::cerr << "golf_transfer: " << result.status() << "\n";
    return 1;
  }
  return 0;
}
