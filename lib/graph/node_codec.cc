// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// FastParseNode and ProtoParseNode (contract in graph/node_codec.h).

#include "graph/node_codec.h"

#include <climits>
#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "util/wire.h"

namespace ckpt::graph {
namespace {

// An int32 field's varint: non-negative and in range only (others are left
// to protobuf, which truncates).
bool WireInt32(absl::string_view* in, int32_t* v) {
  uint64_t x;
  if (!WireVarint(in, &x) || x > static_cast<uint64_t>(INT32_MAX)) {
    return false;
  }
  *v = static_cast<int32_t>(x);
  return true;
}

bool WireBool(absl::string_view* in, bool* v) {
  uint64_t x;
  if (!WireVarint(in, &x)) return false;
  *v = x != 0;
  return true;
}

bool FastChild(absl::string_view in, ParsedNode::Child* c) {
  while (!in.empty()) {
    uint64_t tag;
    if (!WireVarint(&in, &tag)) return false;
    if (tag == WireTag(1, 0)) {
      if (!WireInt32(&in, &c->node_id)) return false;
    } else if (tag == WireTag(2, 2)) {
      if (!WireAscii(&in, &c->name)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool FastAttribute(absl::string_view in, ParsedNode::Attribute* a) {
  while (!in.empty()) {
    uint64_t tag;
    if (!WireVarint(&in, &tag)) return false;
    bool ok;
    switch (tag) {
      case WireTag(1, 2):
        ok = WireAscii(&in, &a->name);
        break;
      case WireTag(2, 2):
        ok = WireAscii(&in, &a->full_name);
        break;
      case WireTag(3, 2):
        ok = WireAscii(&in, &a->key);
        break;
      case WireTag(4, 0):
        ok = WireBool(&in, &a->optional_restore);
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

bool FastSlot(absl::string_view in, ParsedNode::Slot* s) {
  while (!in.empty()) {
    uint64_t tag;
    if (!WireVarint(&in, &tag)) return false;
    bool ok;
    switch (tag) {
      case WireTag(1, 0):
        ok = WireInt32(&in, &s->original);
        break;
      case WireTag(2, 2):
        ok = WireAscii(&in, &s->name);
        break;
      case WireTag(3, 0):
        ok = WireInt32(&in, &s->slot);
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

bool FastSaver(absl::string_view in,
               std::pair<absl::string_view, absl::string_view>* saver) {
  while (!in.empty()) {
    uint64_t tag;
    if (!WireVarint(&in, &tag)) return false;
    if (tag == WireTag(1, 2)) {
      if (!WireAscii(&in, &saver->first)) return false;
    } else if (tag == WireTag(2, 2)) {
      if (!WireAscii(&in, &saver->second)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool FastBoolValue(absl::string_view in, bool* value) {
  *value = false;
  while (!in.empty()) {
    uint64_t tag;
    if (!WireVarint(&in, &tag) || tag != WireTag(1, 0) ||
        !WireBool(&in, value)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool FastParseNode(absl::string_view in, ParsedNode* out) {
  out->Clear();
  while (!in.empty()) {
    uint64_t tag;
    absl::string_view field;
    if (!WireVarint(&in, &tag) || (tag & 7) != 2 || !WireBytes(&in, &field)) {
      return false;
    }
    bool ok;
    switch (tag >> 3) {
      case 1:
        ok = FastChild(field, &out->children.emplace_back());
        break;
      case 2:
        ok = FastAttribute(field, &out->attributes.emplace_back());
        break;
      case 3:
        ok = FastSlot(field, &out->slots.emplace_back());
        break;
      case 4:
        ok = !out->saver.has_value() && FastSaver(field, &out->saver.emplace());
        break;
      case 5:
        ok = !out->has_values.has_value() &&
             FastBoolValue(field, &out->has_values.emplace());
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

// Any valid encoding, parsed by protobuf into `pn`; `out` views it.
bool ProtoParseNode(absl::string_view b, ProtoNode* pn, ParsedNode* out) {
  // A field of the top-level message: one level of nesting used up.
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(b.data()), static_cast<int>(b.size()));
  in.SetRecursionLimit(in.RecursionBudget() - 1);
  // Ending early (a 0 or end-group tag) is success for a stream parse, not
  // for a message's bytes.
  if (!pn->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    return false;
  }
  out->Clear();
  for (const auto& c : pn->children()) {
    out->children.push_back({c.node_id(), c.local_name()});
  }
  for (const auto& a : pn->attributes()) {
    out->attributes.push_back(
        {a.name(), a.full_name(), a.checkpoint_key(), a.optional_restore()});
  }
  for (const auto& sv : pn->slot_variables()) {
    out->slots.push_back({sv.original_variable_node_id(), sv.slot_name(),
                          sv.slot_variable_node_id()});
  }
  if (pn->has_registered_saver()) {
    out->saver.emplace(pn->registered_saver().name(),
                       pn->registered_saver().object_name());
  }
  if (pn->has_has_checkpoint_values()) {
    out->has_values = pn->has_checkpoint_values().value();
  }
  return true;
}

}  // namespace ckpt::graph
