// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The one rule for an optional Env: options that take an `Env* env` use
// Env::Default() when it is null.

#ifndef CKPT_LIB_UTIL_ENV_OR_DEFAULT_H_
#define CKPT_LIB_UTIL_ENV_OR_DEFAULT_H_

#include "ckpt/env.h"

namespace ckpt {

// `env`, or Env::Default() when it is null.
inline Env* EnvOrDefault(Env* env) {
  return env != nullptr ? env : Env::Default();
}

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_ENV_OR_DEFAULT_H_
