// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: bridges/key_rules.h
// -----------------------------------------------------------------------------
//
// The key mapping of `ckpt export`/`ckpt import` (--map REGEX=REPLACEMENT):
// ordered std::regex replacements (ckpt/bridges.h KeyRule), with the checks
// that keep a mapping from losing tensors.
//
// Contract:
//   * KeyMapper::Create compiles every rule (InvalidArgument naming the rule
//     for a regex std::regex refuses). No rules: Map is the identity.
//   * Map applies the rules in order, each replacing every match. Keys come
//     from files: one longer than kMaxMappedKeyBytes (before any rule: an
//     earlier rule may lengthen it) is InvalidArgument rather than risking
//     libstdc++'s recursive matcher on it; a regex
//     error while matching (complexity, stack) is InvalidArgument naming
//     the key and the rule; a key mapped to "" is InvalidArgument.
//   * NameSet::Claim refuses a second key mapped to the same name,
//     naming both keys.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(KeyMapper m, KeyMapper::Create(options.key_rules));
//   CKPT_ASSIGN_OR_RETURN(std::string name, m.Map(key));

#ifndef CKPT_LIB_BRIDGES_KEY_RULES_H_
#define CKPT_LIB_BRIDGES_KEY_RULES_H_

#include <cstddef>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bridges.h"

namespace ckpt::bridges {

inline constexpr size_t kMaxMappedKeyBytes = 4096;

class KeyMapper {
 public:
  static absl::StatusOr<KeyMapper> Create(absl::Span<const KeyRule> rules);

  bool identity() const { return rules_.empty(); }
  absl::StatusOr<std::string> Map(absl::string_view key) const;

 private:
  struct Compiled {
    std::regex regex;
    std::string replacement;
    std::string text;  // "REGEX=REPLACEMENT", for messages
  };
  std::vector<Compiled> rules_;
};

// Names given out so far, with the key each came from.
class NameSet {
 public:
  absl::Status Claim(const std::string& name, absl::string_view key);

 private:
  absl::flat_hash_map<std::string, std::string> names_;
};

}  // namespace ckpt::bridges

#endif  // CKPT_LIB_BRIDGES_KEY_RULES_H_
