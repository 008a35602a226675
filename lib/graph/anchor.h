// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Anchor: the restorations waiting on one live Trackable (deferred children,
// deferred slots). A Trackable owns its Anchor (created on first use); the
// Anchor keeps its waiters alive, so a restore session lives as long as some
// object still waits on it, as TensorFlow's restore coordinator does. Nothing
// in a waiter may dereference objects other than the one being notified:
// other objects are identified by ObjectRef only for comparison.

#ifndef CKPT_LIB_GRAPH_ANCHOR_H_
#define CKPT_LIB_GRAPH_ANCHOR_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/trackable.h"

namespace ckpt::graph {

// Implemented by restore sessions.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // `owner` gained children or slots; assign what now matches.
  virtual absl::Status OnChildrenChanged(Trackable& owner) = 0;
};

class Anchor {
 public:
  // The anchor of `t`, created on first use.
  static Anchor& Of(Trackable& t);
  // Registers `waiter` once (repeated adds of the same waiter are ignored).
  void AddWaiter(std::shared_ptr<Waiter> waiter);
  // Removes `waiter` (when it has nothing left to wait for here).
  void RemoveWaiter(const Waiter* waiter);
  bool empty() const { return waiters_.empty(); }
  // Calls every waiter; returns the first error (all are still called).
  absl::Status Notify(Trackable& owner);

 private:
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace ckpt::graph

#endif  // CKPT_LIB_GRAPH_ANCHOR_H_
