// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0

#include "perf_workloads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ckpt_perf {
namespace {

constexpr int64_t kMiBFloats = int64_t{1} << 18;  // float32 elements in 1 MiB

// `dims` with the first dimension multiplied by `scale` (at least 1).
std::vector<int64_t> Scaled(std::vector<int64_t> dims, double scale) {
  const double d0 = std::llround(static_cast<double>(dims[0]) * scale);
  dims[0] = std::max<int64_t>(1, static_cast<int64_t>(d0));
  return dims;
}

// mixed_1g: 12 x 64 MiB, 26 x 4 MiB, 150 x 1 MiB and 12 tiny tensors of
// 16..4096 elements (about 1 GiB in 200 tensors), laid out as 12 blocks the
// way a model's layers are: one 64 MiB matrix, two or three 4 MiB matrices,
// twelve or thirteen 1 MiB vectors, one tiny vector.
Workload MixedWorkload(double byte_scale) {
  static constexpr int64_t kTiny[12] = {16,  32,  64,   100,  128,  256,
                                        500, 512, 1000, 1024, 2048, 4096};
  Workload w;
  w.name = "mixed_1g";
  for (int block = 0; block < 12; ++block) {
    w.shapes.push_back(Scaled({4096, 4096}, byte_scale));
    const int n4 = block < 2 ? 3 : 2;  // 2 x 3 + 10 x 2 = 26
    for (int i = 0; i < n4; ++i) {
      w.shapes.push_back(Scaled({1024, 1024}, byte_scale));
    }
    const int n1 = block < 6 ? 13 : 12;  // 6 x 13 + 6 x 12 = 150
    for (int i = 0; i < n1; ++i) {
      w.shapes.push_back(Scaled({kMiBFloats}, byte_scale));
    }
    w.shapes.push_back({kTiny[block]});
  }
  return w;
}

Workload UniformWorkload(std::string name, int64_t count,
                         std::vector<int64_t> dims) {
  Workload w;
  w.name = std::move(name);
  w.shapes.assign(static_cast<size_t>(count), dims);
  return w;
}

void AppendShape(const std::vector<int64_t>& dims, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, dims[i]);
  }
  out->push_back(']');
}

}  // namespace

int64_t Workload::NumElements(size_t i) const {
  int64_t n = 1;
  for (int64_t d : shapes[i]) n *= d;
  return n;
}

int64_t Workload::TotalBytes() const {
  int64_t bytes = 0;
  for (size_t i = 0; i < shapes.size(); ++i) bytes += 4 * NumElements(i);
  return bytes;
}

const std::vector<std::string>& WorkloadNames() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "mixed_1g", "small_5k", "small_100k", "bytes_64m",  "bytes_256m",
      "bytes_1g", "count_1k", "count_10k",  "count_100k", "graph_100k"};
  return *names;
}

std::vector<Workload> MakeWorkloads(double byte_scale, int64_t count_divisor) {
  const auto count = [count_divisor](int64_t n) {
    return std::max<int64_t>(1, n / count_divisor);
  };
  const std::vector<int64_t> four_mib = Scaled({4 * kMiBFloats}, byte_scale);
  std::vector<Workload> all;
  all.push_back(MixedWorkload(byte_scale));
  all.push_back(UniformWorkload("small_5k", count(5000), {256}));
  all.push_back(UniformWorkload("small_100k", count(100000), {256}));
  all.push_back(UniformWorkload("bytes_64m", 16, four_mib));
  all.push_back(UniformWorkload("bytes_256m", 64, four_mib));
  all.push_back(UniformWorkload("bytes_1g", 256, four_mib));
  all.push_back(UniformWorkload("count_1k", count(1000), {256}));
  all.push_back(UniformWorkload("count_10k", count(10000), {256}));
  all.push_back(UniformWorkload("count_100k", count(100000), {256}));
  Workload graph;
  graph.name = "graph_100k";
  graph.kind = WorkloadKind::kGraph;
  graph.modules = count(1000);
  graph.vars_per_module = 100;
  graph.shapes.assign(
      static_cast<size_t>(graph.modules * graph.vars_per_module), {4});
  all.push_back(std::move(graph));
  return all;
}

std::string WorkloadsJson(const std::vector<Workload>& workloads,
                          double scale) {
  std::string out =
      absl::StrCat("{\"scale\": ", JsonNumber(scale), ",\n \"workloads\": [");
  for (size_t w = 0; w < workloads.size(); ++w) {
    const Workload& wl = workloads[w];
    absl::StrAppend(
        &out, w > 0 ? ",\n" : "\n", "   {\"name\": ", JsonString(wl.name),
        ", \"kind\": ",
        wl.kind == WorkloadKind::kGraph ? "\"graph\"" : "\"tensors\"",
        ", \"dtype\": \"float32\",\n    \"shapes\": [");
    for (size_t i = 0; i < wl.shapes.size(); ++i) {
      if (i > 0) out.append(", ");
      AppendShape(wl.shapes[i], &out);
    }
    out.append("]}");
  }
  out.append("\n ]}\n");
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s.append(".0");
  return s;
}

}  // namespace ckpt_perf
