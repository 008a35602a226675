// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// AssignmentMap (contract in checkpoint/assignment_map.h).

#include "checkpoint/assignment_map.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "util/errors.h"

namespace ckpt::checkpoint {

namespace {

bool IsScope(absl::string_view name) { return absl::EndsWith(name, "/"); }

// The checkpoint name of `live` under the scope entry (ckpt, scope), or
// nullopt if the scope does not cover it.
std::optional<std::string> UnderScope(absl::string_view ckpt,
                                      absl::string_view scope,
                                      absl::string_view live) {
  absl::string_view rest;
  if (scope == "/") {
    rest = live;
  } else if (absl::StartsWith(live, scope)) {
    rest = live.substr(scope.size());
  } else {
    return std::nullopt;
  }
  std::string name = ckpt == "/" ? std::string(rest) : absl::StrCat(ckpt, rest);
  if (absl::EndsWith(name, "/")) name.pop_back();
  return name;
}

}  // namespace

absl::StatusOr<AssignmentMap> AssignmentMap::Create(
    std::vector<Entry> entries) {
  AssignmentMap map;
  map.entries_ = std::move(entries);
  absl::flat_hash_set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < map.entries_.size(); ++i) {
    const auto& [ckpt, live] = map.entries_[i];
    const std::string what = absl::StrCat("assignment map entry ",
                                          map.Describe(static_cast<int>(i)));
    if (ckpt.empty() || live.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": names must not be empty"));
    }
    if (IsScope(live) && !IsScope(ckpt)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what,
          ": the live name is a scope (ends in '/'), so the checkpoint "
          "name must be one too: 'scope/': 'other_scope/'"));
    }
    if (!seen.insert(map.entries_[i]).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": listed twice"));
    }
  }
  return map;
}

absl::StatusOr<std::optional<AssignmentMap::Hit>> AssignmentMap::Lookup(
    absl::string_view live_name) const {
  std::optional<Hit> hit;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& [ckpt, live] = entries_[i];
    std::optional<std::string> name;
    if (IsScope(live)) {
      name = UnderScope(ckpt, live, live_name);
    } else if (live == live_name) {
      name = ckpt;
    }
    if (!name.has_value()) continue;
    if (hit.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("assignment map entries ", Describe(hit->entry), " and ",
                       Describe(static_cast<int>(i)), " both cover variable ",
                       QuoteForMessage(live_name)));
    }
    hit = Hit{*std::move(name), static_cast<int>(i)};
  }
  return hit;
}

std::string AssignmentMap::Describe(int i) const {
  const Entry& e = entries_[static_cast<size_t>(i)];
  return absl::StrCat(QuoteForMessage(e.first), " -> ",
                      QuoteForMessage(e.second));
}

}  // namespace ckpt::checkpoint
