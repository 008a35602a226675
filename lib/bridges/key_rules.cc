// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Key mapping rules; the contract is in bridges/key_rules.h and
// ckpt/bridges.h (ParseKeyRule).

#include "bridges/key_rules.h"

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bridges.h"
#include "util/errors.h"

namespace ckpt::bridges {

absl::StatusOr<KeyRule> ParseKeyRule(absl::string_view text) {
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key rule ", QuoteForMessage(text), ": expected REGEX=REPLACEMENT"));
  }
  if (eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("key rule ", QuoteForMessage(text),
                     ": the regular expression is empty"));
  }
  KeyRule rule{std::string(text.substr(0, eq)),
               std::string(text.substr(eq + 1))};
  absl::StatusOr<KeyMapper> compiled = KeyMapper::Create({&rule, 1});
  if (!compiled.ok()) return compiled.status();
  return rule;
}

absl::StatusOr<std::vector<KeyRule>> ParseKeyRules(
    absl::Span<const std::string> texts) {
  std::vector<KeyRule> rules;
  rules.reserve(texts.size());
  for (const std::string& text : texts) {
    absl::StatusOr<KeyRule> rule = ParseKeyRule(text);
    if (!rule.ok()) return rule.status();
    rules.push_back(*std::move(rule));
  }
  return rules;
}

absl::StatusOr<KeyMapper> KeyMapper::Create(absl::Span<const KeyRule> rules) {
  KeyMapper mapper;
  for (const KeyRule& rule : rules) {
    std::string text = absl::StrCat(rule.pattern, "=", rule.replacement);
    try {
      mapper.rules_.push_back(
          Compiled{std::regex(rule.pattern, std::regex::ECMAScript),
                   rule.replacement, std::move(text)});
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("key rule ", QuoteForMessage(text),
                       ": invalid regular expression: ", e.what()));
    }
  }
  return mapper;
}

absl::StatusOr<std::string> KeyMapper::Map(absl::string_view key) const {
  if (rules_.empty()) return std::string(key);
  std::string name(key);
  for (const Compiled& rule : rules_) {
    // Checked before every rule: an earlier rule may have lengthened it.
    if (name.size() > kMaxMappedKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", QuoteForMessage(key), " is ", name.size(),
                       " bytes long before rule ", QuoteForMessage(rule.text),
                       "; key rules apply to keys of at most ",
                       kMaxMappedKeyBytes, " bytes"));
    }
    try {
      name = std::regex_replace(name, rule.regex, rule.replacement);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", QuoteForMessage(key), ": key rule ",
                       QuoteForMessage(rule.text), " failed: ", e.what()));
    }
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key rules map key ", QuoteForMessage(key), " to an empty name"));
  }
  return name;
}

absl::Status NameSet::Claim(const std::string& name, absl::string_view key) {
  auto [it, inserted] = names_.try_emplace(name, key);
  if (inserted) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "keys ", QuoteForMessage(it->second), " and ", QuoteForMessage(key),
      " both map to ", QuoteForMessage(name)));
}

}  // namespace ckpt::bridges
