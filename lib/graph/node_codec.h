// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: graph/node_codec.h
// -----------------------------------------------------------------------------
//
// The decoding of one TrackableObjectGraph.TrackableObject (a node of the
// object graph, docs/format.md §12), for ParseGraphTable. A graph of 100,000
// variables has 100,000 nodes, and protobuf's generated parser allocates
// every string and submessage of each; FastParseNode reads the encoding
// writers produce straight from the bytes instead, and anything else goes to
// ProtoParseNode (protobuf), so the two agree on every node the fast one
// accepts: it returns false, never a different answer.
//
// Example:
//
//   ParsedNode node;
//   ProtoNode message;  // reused across nodes
//   if (!FastParseNode(bytes, &node) &&
//       !ProtoParseNode(bytes, &message, &node)) {
//     return malformed;
//   }

#ifndef CKPT_LIB_GRAPH_NODE_CODEC_H_
#define CKPT_LIB_GRAPH_NODE_CODEC_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "ckpt/proto/trackable_object_graph.pb.h"

namespace ckpt::graph {

using ProtoNode = proto::TrackableObjectGraph::TrackableObject;

// One TrackableObject as parsed: views into the graph's bytes (fast path)
// or into the reused message (protobuf), valid until the next node.
struct ParsedNode {
  struct Child {
    int32_t node_id = 0;
    absl::string_view name;
  };
  struct Attribute {
    absl::string_view name, full_name, key;
    bool optional_restore = false;
  };
  struct Slot {
    int32_t original = 0;
    absl::string_view name;
    int32_t slot = 0;
  };
  std::vector<Child> children;
  std::vector<Attribute> attributes;
  std::vector<Slot> slots;
  std::optional<std::pair<absl::string_view, absl::string_view>> saver;
  std::optional<bool> has_values;

  void Clear() {
    children.clear();
    attributes.clear();
    slots.clear();
    saver.reset();
    has_values.reset();
  }
};

// The encoding every writer produces: known fields with their declared wire
// types, ASCII strings, non-negative ids, the two singular messages at most
// once each. False for anything else (and for malformed bytes): the caller
// then uses ProtoParseNode. `out` views `in`.
bool FastParseNode(absl::string_view in, ParsedNode* out);

// Any valid encoding, parsed by protobuf into `message` (reused by the
// caller); `out` views `message`. False if the bytes are not a
// TrackableObject.
bool ProtoParseNode(absl::string_view in, ProtoNode* message, ParsedNode* out);

}  // namespace ckpt::graph

#endif  // CKPT_LIB_GRAPH_NODE_CODEC_H_
