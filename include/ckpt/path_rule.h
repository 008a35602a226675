// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/path_rule.h
// -----------------------------------------------------------------------------
//
// PathRule: one rule of a path mapping, as RestoreOptions::path_map
// (ckpt/checkpoint.h) takes it. The rules' meaning, PathMap and the graph
// rewrite are in ckpt/path_map.h. C++17, like ckpt/checkpoint.h, which
// includes it.
//
// Example:
//
//   ckpt::RestoreOptions options;
//   options.path_map = {ckpt::PathRule::Prefix("model/encoder", "backbone"),
//                       ckpt::PathRule::Drop("optimizer")};

#ifndef CKPT_PATH_RULE_H_
#define CKPT_PATH_RULE_H_

#include <string>
#include <utility>

namespace ckpt {

struct PathRule {
  enum class Kind { kPrefix, kRegex, kDrop };
  Kind kind = Kind::kPrefix;
  std::string from;  // a path prefix, or (kRegex) the pattern
  std::string to;    // the new prefix, or (kRegex) the replacement

  static PathRule Prefix(std::string from, std::string to) {
    return {Kind::kPrefix, std::move(from), std::move(to)};
  }
  static PathRule Regex(std::string pattern, std::string replacement) {
    return {Kind::kRegex, std::move(pattern), std::move(replacement)};
  }
  static PathRule Drop(std::string from) {
    return {Kind::kDrop, std::move(from), ""};
  }
  // "model/encoder -> backbone", "re:^x/(.*)$ -> y/$1",
  // "optimizer -> (dropped)"; "(root)" for an empty path.
  std::string ToString() const;
  friend bool operator==(const PathRule& a, const PathRule& b) {
    return a.kind == b.kind && a.from == b.from && a.to == b.to;
  }
};

}  // namespace ckpt

#endif  // CKPT_PATH_RULE_H_
