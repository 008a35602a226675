// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Object graphs made to exhaust a reader's memory or output (issue 19), for
// the tests of every reader (NodePathTable, restore, GenericTree, `ckpt
// tree`, `tree --json`, `dot`). Small versions are fuzz seeds
// (tests/fuzz/make_corpus.cc). Deterministic: no randomness.

#ifndef CKPT_TESTS_TESTING_CRAFTED_GRAPHS_H_
#define CKPT_TESTS_TESTING_CRAFTED_GRAPHS_H_

#include <cstddef>
#include <string>

#include "ckpt/object_graph.h"

namespace ckpt::testing {

// Key of the attribute that DeepReference, Cycle and FanOut's last node hold.
inline constexpr char kCraftedKey[] = "crafted/.ATTRIBUTES/VARIABLE_VALUE";

// Node i's only child is node i + 1, along an edge named `name`: `nodes`
// nodes, paths of about nodes^2 * (name + 1) / 2 bytes.
ObjectGraph DeepChain(int nodes, const std::string& name = "c");

// DeepChain with "c" edges, except the root's edge, named `name_bytes` 'n's:
// every path starts with the long name.
ObjectGraph LongNameChain(int nodes, size_t name_bytes);

// The root with `children` leaf children, "c0", "c1", ...; the last leaf
// has one attribute under kCraftedKey.
ObjectGraph FanOut(int children);

// root -deep-> node 1 -(`name_bytes` 'x's)-> node 2, which holds the
// attribute under kCraftedKey, and root -refs-> node 3, which has
// `references` edges "r" to node 2: many references to one long path.
ObjectGraph DeepReference(int references, size_t name_bytes);

// Cycles: node 0 -> {1 "a", 0 "self_root"}; node 1 -> {1 "self", 2 "b",
// 0 "up"}; node 2 -> {1 "back"}, with the attribute under kCraftedKey.
ObjectGraph Cycle();

// Writes `graph` as the object graph of a one-shard bundle at `prefix`,
// with a float32 scalar 1.0f under every attribute's key, failing the test
// on any error.
void WriteGraphBundleOrDie(const std::string& prefix, const ObjectGraph& graph);

}  // namespace ckpt::testing

#endif  // CKPT_TESTS_TESTING_CRAFTED_GRAPHS_H_
