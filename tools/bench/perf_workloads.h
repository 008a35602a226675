// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Workload definitions of ckpt_perf and their workloads.json form, as fixed
// by the benchmark data contract (docs/performance.md, "Data files"): the
// python peers and the libtorch peer build the same tensors from that file.

#ifndef CKPT_TOOLS_BENCH_PERF_WORKLOADS_H_
#define CKPT_TOOLS_BENCH_PERF_WORKLOADS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace ckpt_perf {

enum class WorkloadKind {
  kTensors,  // "tensors": float32 tensors named "t0", "t1", ...
  kGraph,    // "graph": an object graph of many small variables (ckpt only)
};

struct Workload {
  std::string name;
  WorkloadKind kind = WorkloadKind::kTensors;
  // One entry per float32 tensor, in order. For kGraph: one per variable,
  // module after module.
  std::vector<std::vector<int64_t>> shapes;
  // kGraph only: `modules` modules of `vars_per_module` variables each.
  int64_t modules = 0;
  int64_t vars_per_module = 0;

  int64_t num_tensors() const { return static_cast<int64_t>(shapes.size()); }
  int64_t NumElements(size_t i) const;
  // Payload bytes: the sum of the tensors' float32 bytes.
  int64_t TotalBytes() const;
};

// The fixed workload names, in run order.
const std::vector<std::string>& WorkloadNames();

// Every workload, in run order. `byte_scale` multiplies the byte size of
// each tensor of mixed_1g (except its tiny tensors) and of bytes_* (the
// first dimension is scaled, at least 1); `count_divisor` divides the tensor
// counts of small_*, count_* and graph_100k (its module count).
std::vector<Workload> MakeWorkloads(double byte_scale, int64_t count_divisor);

// The workloads.json document for `workloads`.
std::string WorkloadsJson(const std::vector<Workload>& workloads,
                          double scale);

// JSON helpers shared with the results writer.
std::string JsonString(const std::string& s);  // quoted and escaped
std::string JsonNumber(double v);              // null when not finite

}  // namespace ckpt_perf

#endif  // CKPT_TOOLS_BENCH_PERF_WORKLOADS_H_
