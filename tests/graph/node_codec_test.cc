// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The node codec: FastParseNode never disagrees with protobuf. For random
// TrackableObjects (plain ones, and ones with what the fast path leaves to
// protobuf: non-ASCII names, negative ids, unknown fields) and random
// mutations of their bytes, whenever FastParseNode accepts, protobuf accepts
// too and ProtoParseNode gives the same node, field by field; and the fast
// path accepts the plain encodings writers produce.

#include "graph/node_codec.h"

#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "google/protobuf/stubs/logging.h"
#include "testing/test_util.h"

namespace ckpt::graph {
namespace {

std::string RandomName(std::mt19937_64& rng) {
  std::string s(rng() % 6, 'a');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  if (rng() % 25 == 0) {  // é: valid UTF-8, not ASCII
    s.push_back('\xc3');
    s.push_back('\xa9');
  }
  return s;
}

int32_t RandomId(std::mt19937_64& rng) {
  return rng() % 30 == 0 ? -1 : static_cast<int32_t>(rng() % 1000);
}

ProtoNode RandomNode(std::mt19937_64& rng) {
  ProtoNode p;
  for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) {
    auto* c = p.add_children();
    c->set_node_id(RandomId(rng));
    c->set_local_name(RandomName(rng));
  }
  for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i) {
    auto* a = p.add_attributes();
    a->set_name(RandomName(rng));
    a->set_full_name(RandomName(rng));
    a->set_checkpoint_key(RandomName(rng));
    a->set_optional_restore(rng() % 4 == 0);
  }
  for (int i = 0, n = static_cast<int>(rng() % 2); i < n; ++i) {
    auto* s = p.add_slot_variables();
    s->set_original_variable_node_id(RandomId(rng));
    s->set_slot_name(RandomName(rng));
    s->set_slot_variable_node_id(RandomId(rng));
  }
  if (rng() % 5 == 0) {
    p.mutable_registered_saver()->set_name(RandomName(rng));
    p.mutable_registered_saver()->set_object_name(RandomName(rng));
  }
  if (rng() % 2 == 0) {
    p.mutable_has_checkpoint_values()->set_value(rng() % 2 == 0);
  }
  return p;
}

void RequireSame(const ParsedNode& a, const ParsedNode& b) {
  REQUIRE(a.children.size() == b.children.size());
  for (size_t i = 0; i < a.children.size(); ++i) {
    REQUIRE(a.children[i].node_id == b.children[i].node_id);
    REQUIRE(a.children[i].name == b.children[i].name);
  }
  REQUIRE(a.attributes.size() == b.attributes.size());
  for (size_t i = 0; i < a.attributes.size(); ++i) {
    REQUIRE(a.attributes[i].name == b.attributes[i].name);
    REQUIRE(a.attributes[i].full_name == b.attributes[i].full_name);
    REQUIRE(a.attributes[i].key == b.attributes[i].key);
    REQUIRE(a.attributes[i].optional_restore ==
            b.attributes[i].optional_restore);
  }
  REQUIRE(a.slots.size() == b.slots.size());
  for (size_t i = 0; i < a.slots.size(); ++i) {
    REQUIRE(a.slots[i].original == b.slots[i].original);
    REQUIRE(a.slots[i].name == b.slots[i].name);
    REQUIRE(a.slots[i].slot == b.slots[i].slot);
  }
  REQUIRE(a.saver == b.saver);
  REQUIRE(a.has_values == b.has_values);
}

TEST_CASE("FastParseNode agrees with protobuf on random and mutated nodes") {
  google::protobuf::LogSilencer quiet;  // protobuf logs bad UTF-8
  std::mt19937_64 rng(1207);
  int fast = 0;
  int plain = 0;
  ParsedNode by_fast, by_proto;
  ProtoNode message;
  for (int trial = 0; trial < 30000; ++trial) {
    const ProtoNode node = RandomNode(rng);
    std::string bytes;
    REQUIRE(node.SerializeToString(&bytes));
    const bool mutated = trial % 2 == 1 && !bytes.empty();
    if (mutated) testing::MutateBytes(&bytes, rng);
    INFO("trial " << trial << " bytes " << absl::BytesToHexString(bytes));
    const bool proto_ok = ProtoParseNode(bytes, &message, &by_proto);
    if (!FastParseNode(bytes, &by_fast)) continue;
    ++fast;
    REQUIRE(proto_ok);
    RequireSame(by_fast, by_proto);
    if (!mutated) ++plain;
  }
  // The fast path takes the plain encodings (all but those with a
  // non-ASCII name or a negative id) and some mutated ones.
  REQUIRE(plain > 10000);
  REQUIRE(fast > plain + 300);
}

TEST_CASE("FastParseNode leaves the unusual to protobuf") {
  ParsedNode out;
  ProtoNode message;
  // An unknown field 9 (varint): protobuf skips it.
  const std::string unknown = "\x48\x01";
  REQUIRE_FALSE(FastParseNode(unknown, &out));
  REQUIRE(ProtoParseNode(unknown, &message, &out));
  // has_checkpoint_values twice: protobuf merges.
  const std::string twice = std::string("\x2a\x02\x08\x01\x2a\x00", 6);
  REQUIRE_FALSE(FastParseNode(twice, &out));
  REQUIRE(ProtoParseNode(twice, &message, &out));
  REQUIRE(out.has_values == std::optional<bool>(true));
  // A child with a negative node_id (ten-byte varint).
  ProtoNode negative;
  negative.add_children()->set_node_id(-3);
  std::string bytes;
  REQUIRE(negative.SerializeToString(&bytes));
  REQUIRE_FALSE(FastParseNode(bytes, &out));
  REQUIRE(ProtoParseNode(bytes, &message, &out));
  REQUIRE(out.children.at(0).node_id == -3);
}

}  // namespace
}  // namespace ckpt::graph
