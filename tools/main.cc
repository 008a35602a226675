// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The `ckpt` executable: forwards argv to ckpt::cli::RunCli (cli/cli.h) with
// the POSIX Env and the standard streams. All behaviour lives in ckpt_tools.

#include <iostream>
#include <string>
#include <vector>

#include "ckpt/env.h"
#include "cli/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code =
      ckpt::cli::RunCli(ckpt::Env::Default(), args, std::cout, std::cerr);
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "ckpt: error writing to standard output\n";
    return ckpt::cli::kExitOther;
  }
  return code;
}
