// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// PathRule, PathMap and the object path helpers (contract in
// ckpt/path_map.h). Regex rules use Boost.Regex (header-only in Boost 1.81,
// already a core dependency through Boost.PFR): its matcher keeps its own
// bounded stack instead of recursing on the input, so a long path from a
// file cannot overflow the call stack; its exceptions stay in this file.

#include "ckpt/path_map.h"

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "boost/regex.hpp"
#include "ckpt/status.h"
#include "util/errors.h"

namespace ckpt {

namespace {

std::string ShownPath(absl::string_view path) {
  return path.empty() ? std::string("(root)") : std::string(path);
}

}  // namespace

std::string PathRule::ToString() const {
  switch (kind) {
    case Kind::kPrefix:
      return absl::StrCat(ShownPath(from), " -> ", ShownPath(to));
    case Kind::kRegex:
      return absl::StrCat("re:", from, " -> ", ShownPath(to));
    case Kind::kDrop:
      return absl::StrCat(ShownPath(from), " -> (dropped)");
  }
  return "";
}

absl::Status ValidateObjectPath(absl::string_view path,
                                absl::string_view what) {
  if (path.empty()) return absl::OkStatus();
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", QuoteForMessage(path), " is not an object path: ", why));
  };
  size_t component_start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (i == component_start) {
        return bad("empty edge name (paths are edge names joined by '/')");
      }
      component_start = i + 1;
      continue;
    }
    if (path[i] == '.') {
      if (i + 1 >= path.size() || (path[i + 1] != '.' && path[i + 1] != 'S')) {
        return bad(
            "'.' must be escaped as '..' ('/' in an edge name as '.S'), as "
            "`ckpt tree` prints paths");
      }
      ++i;
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> SplitObjectPath(absl::string_view path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::string current;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      out.push_back(std::move(current));
      current.clear();
    } else if (c == '.' && i + 1 < path.size()) {
      current.push_back(path[i + 1] == 'S' ? '/' : '.');
      ++i;
    } else {
      current.push_back(c);
    }
  }
  out.push_back(std::move(current));
  return out;
}

bool PathHasPrefix(absl::string_view path, absl::string_view prefix) {
  if (prefix.empty()) return true;
  if (path.size() < prefix.size()) return false;
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

struct PathMap::Compiled {
  std::vector<std::optional<boost::regex>> patterns;  // per rule
};

PathMap::PathMap() : compiled_(std::make_shared<const Compiled>()) {}

absl::StatusOr<PathMap> PathMap::Create(std::vector<PathRule> rules) {
  auto compiled = std::make_shared<Compiled>();
  compiled->patterns.resize(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const PathRule& rule = rules[i];
    const std::string what =
        absl::StrCat("path rule ", i + 1, " (", rule.ToString(), ")");
    if (rule.kind == PathRule::Kind::kRegex) {
      try {
        compiled->patterns[i].emplace(rule.from, boost::regex::perl);
      } catch (const std::exception& e) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": bad regular expression: ", e.what()));
      }
      continue;
    }
    CKPT_RETURN_IF_ERROR(ValidateObjectPath(rule.from, what));
    if (rule.kind == PathRule::Kind::kPrefix) {
      CKPT_RETURN_IF_ERROR(ValidateObjectPath(rule.to, what));
    }
  }
  PathMap map;
  map.rules_ = std::move(rules);
  map.compiled_ = std::move(compiled);
  return map;
}

absl::StatusOr<PathMap::Result> PathMap::Map(absl::string_view path) const {
  Result result;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const PathRule& rule = rules_[i];
    if (rule.kind != PathRule::Kind::kRegex) {
      if (!PathHasPrefix(path, rule.from)) continue;
      result.rule = static_cast<int>(i);
      if (rule.kind == PathRule::Kind::kDrop) {
        result.kind = Result::Kind::kDropped;
        return result;
      }
      result.kind = Result::Kind::kMapped;
      absl::string_view rest = path.substr(rule.from.size());
      if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
      if (rule.to.empty()) {
        result.path = std::string(rest);
      } else if (rest.empty()) {
        result.path = rule.to;
      } else {
        result.path = absl::StrCat(rule.to, "/", rest);
      }
      return result;
    }
    const boost::regex& pattern = *compiled_->patterns[i];
    std::string replaced;
    try {
      boost::match_results<absl::string_view::const_iterator> match;
      if (!boost::regex_match(path.begin(), path.end(), match, pattern)) {
        continue;
      }
      replaced = match.format(rule.to);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("path rule ", i + 1, " (", rule.ToString(),
                       ") on object ", QuoteForMessage(path), ": ", e.what()));
    }
    CKPT_RETURN_IF_ERROR(ValidateObjectPath(
        replaced, absl::StrCat("path rule ", i + 1, " (", rule.ToString(),
                               ") applied to ", QuoteForMessage(path))));
    result.kind = Result::Kind::kMapped;
    result.rule = static_cast<int>(i);
    result.path = std::move(replaced);
    return result;
  }
  return result;
}

}  // namespace ckpt
