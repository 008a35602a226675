// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: cli/checkpoints.h
// -----------------------------------------------------------------------------
//
// `ckpt ls DIR --checkpoints [--json] [--verify]`: the checkpoints a
// directory's `checkpoint` state file names (ckpt::ListCheckpoints), called
// by RunLs (contract and output format in cli/cli.h, RunLs).

#ifndef CKPT_TOOLS_CLI_CHECKPOINTS_H_
#define CKPT_TOOLS_CLI_CHECKPOINTS_H_

#include <ostream>
#include <string>

#include "ckpt/env.h"

namespace ckpt::cli {

// Lists the checkpoints of `path`, a directory or its `checkpoint` state
// file (any other existing file is InvalidArgument, exit 2). Returns the
// exit code: kExitFailed when `verify` and a checkpoint failed verification.
int RunLsCheckpoints(Env* env, const std::string& path, bool json, bool verify,
                     std::ostream& out, std::ostream& err);

}  // namespace ckpt::cli

#endif  // CKPT_TOOLS_CLI_CHECKPOINTS_H_
