// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Reads every TensorFlow-written bundle in ../shared/testdata/tf through the
// public API and checks it against literal tables derived independently of
// ckpt: a stdlib-only Python parser of the index format (footer, blocks,
// snappy, BundleEntryProto) and of the data files produced every key, dtype,
// shape, shard id, offset, size and masked CRC-32C below, and the element
// values used by the known-value checks. Then re-writes each bundle with
// BundleWriter and requires byte-identical files.
//
// Every test skips (printing "SKIPPED:") when the vectors are absent.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;

// One index entry as the independent parser decoded it.
struct ExpectedEntry {
  const char* key;
  DataType dtype;
  std::vector<int64_t> dims;
  int shard_id;
  int64_t offset;
  int64_t size;
  uint32_t masked_crc32c;
};

// ---------------------------------------------------------------------------
// Literal tables: output of the independent Python parser, pasted verbatim.
// ---------------------------------------------------------------------------

// clang-format off
// golf/ckpt-1: num_shards = 1, 26 entries (header excluded).
std::vector<ExpectedEntry> GolfCkpt1Entries() {
  return {
      {"_CHECKPOINTABLE_OBJECT_GRAPH",
       DataType::kString, {}, 0, 33912, 3162, 0xbd693f4f},
      {"net/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 1804, 256, 0xefcd01e3},
      {"net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 13120, 256, 0xb40f284c},
      {"net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 24412, 256, 0xab3de1d8},
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7, 64}, 0, 12, 1792, 0x37f37692},
      {"net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7, 64}, 0, 11328, 1792, 0xd7230f77},
      {"net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7, 64}, 0, 22620, 1792, 0xd3c7100e},
      {"net/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 10252, 128, 0xe2bc3b54},
      {"net/layer_with_weights-1/bias/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 21568, 128, 0x1814ed5e},
      {"net/layer_with_weights-1/bias/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 32860, 128, 0xde37b91f},
      {"net/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 2060, 8192, 0x2357ed76},
      {"net/layer_with_weights-1/kernel/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 13376, 8192, 0xf0b38102},
      {"net/layer_with_weights-1/kernel/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 24668, 8192, 0xb10a6dc6},
      {"net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7}, 0, 11276, 28, 0x839a18ff},
      {"net/layer_with_weights-2/bias/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7}, 0, 22592, 28, 0x1ebcdcc3},
      {"net/layer_with_weights-2/bias/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7}, 0, 33884, 28, 0x5233f7cf},
      {"net/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 7}, 0, 10380, 896, 0x48b624d1},
      {"net/layer_with_weights-2/kernel/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 7}, 0, 21696, 896, 0xe16170f3},
      {"net/layer_with_weights-2/kernel/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 7}, 0, 32988, 896, 0x5cce8ee5},
      {"net/optimizer/beta_1/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11312, 4, 0xdfc7ebfd},
      {"net/optimizer/beta_2/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11316, 4, 0xd9faedbb},
      {"net/optimizer/decay/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11320, 4, 0x3a117ba6},
      {"net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 11304, 8, 0x04524542},
      {"net/optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11324, 4, 0x3255cb69},
      {"save_counter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 4, 8, 0x41de7501},
      {"step/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt32, {}, 0, 0, 4, 0x3a117ba6},
  };
}

// golf/ckpt-2: num_shards = 1, 26 entries (header excluded).
std::vector<ExpectedEntry> GolfCkpt2Entries() {
  return {
      {"_CHECKPOINTABLE_OBJECT_GRAPH",
       DataType::kString, {}, 0, 33912, 3162, 0xbd693f4f},
      {"net/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 1804, 256, 0xbc21d9ef},
      {"net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 13120, 256, 0xd09b890e},
      {"net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 24412, 256, 0x77af2c30},
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7, 64}, 0, 12, 1792, 0x9a3f2026},
      {"net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7, 64}, 0, 11328, 1792, 0x05005f66},
      {"net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7, 64}, 0, 22620, 1792, 0x390ef329},
      {"net/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 10252, 128, 0x5a12768f},
      {"net/layer_with_weights-1/bias/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 21568, 128, 0x99e514e5},
      {"net/layer_with_weights-1/bias/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 32860, 128, 0x1050ed00},
      {"net/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 2060, 8192, 0xfef9230a},
      {"net/layer_with_weights-1/kernel/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 13376, 8192, 0x4275568b},
      {"net/layer_with_weights-1/kernel/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 24668, 8192, 0xc6f7156c},
      {"net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7}, 0, 11276, 28, 0x0f1a9ae5},
      {"net/layer_with_weights-2/bias/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7}, 0, 22592, 28, 0xc6f5272b},
      {"net/layer_with_weights-2/bias/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {7}, 0, 33884, 28, 0xac3fd5be},
      {"net/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 7}, 0, 10380, 896, 0x81fff428},
      {"net/layer_with_weights-2/kernel/.OPTIMIZER_SLOT/net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 7}, 0, 21696, 896, 0x37c51b24},
      {"net/layer_with_weights-2/kernel/.OPTIMIZER_SLOT/net/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 7}, 0, 32988, 896, 0x4d919f0a},
      {"net/optimizer/beta_1/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11312, 4, 0xdfc7ebfd},
      {"net/optimizer/beta_2/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11316, 4, 0xd9faedbb},
      {"net/optimizer/decay/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11320, 4, 0x3a117ba6},
      {"net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 11304, 8, 0x8745515f},
      {"net/optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 11324, 4, 0x3255cb69},
      {"save_counter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 4, 8, 0x340b2778},
      {"step/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt32, {}, 0, 0, 4, 0x3a117ba6},
  };
}

// fsrcnn/ckpt-1: num_shards = 1, 57 entries (header excluded).
std::vector<ExpectedEntry> FsrcnnEntries() {
  return {
      {"_CHECKPOINTABLE_OBJECT_GRAPH",
       DataType::kString, {}, 0, 151684, 7519, 0xac46373f},
      {"model/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {56}, 0, 5640, 224, 0xf098f76a},
      {"model/layer_with_weights-0/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {56}, 0, 56188, 224, 0x7a006c7b},
      {"model/layer_with_weights-0/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {56}, 0, 106736, 224, 0xafbbd745},
      {"model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {5, 5, 1, 56}, 0, 40, 5600, 0xd32577e6},
      {"model/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {5, 5, 1, 56}, 0, 50588, 5600, 0x6f583122},
      {"model/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {5, 5, 1, 56}, 0, 101136, 5600, 0x18971895},
      {"model/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 8552, 48, 0xb423fd5e},
      {"model/layer_with_weights-1/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 59100, 48, 0xed9b9be0},
      {"model/layer_with_weights-1/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 109648, 48, 0x2f7dbd4e},
      {"model/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1, 1, 56, 12}, 0, 5864, 2688, 0xb1f45f92},
      {"model/layer_with_weights-1/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1, 1, 56, 12}, 0, 56412, 2688, 0x6680c95c},
      {"model/layer_with_weights-1/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1, 1, 56, 12}, 0, 106960, 2688, 0x4935a800},
      {"model/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 13784, 48, 0x57e62bec},
      {"model/layer_with_weights-2/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 64332, 48, 0x8b90677c},
      {"model/layer_with_weights-2/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 114880, 48, 0x26559284},
      {"model/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 8600, 5184, 0x44ffb3d8},
      {"model/layer_with_weights-2/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 59148, 5184, 0x5d4dd81e},
      {"model/layer_with_weights-2/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 109696, 5184, 0x07994d95},
      {"model/layer_with_weights-3/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 19016, 48, 0xc63da0db},
      {"model/layer_with_weights-3/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 69564, 48, 0xdb9ae28b},
      {"model/layer_with_weights-3/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 120112, 48, 0x5a4b1d82},
      {"model/layer_with_weights-3/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 13832, 5184, 0x866ca21f},
      {"model/layer_with_weights-3/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 64380, 5184, 0x351b94ee},
      {"model/layer_with_weights-3/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 114928, 5184, 0x37d2daad},
      {"model/layer_with_weights-4/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 24248, 48, 0x180124c5},
      {"model/layer_with_weights-4/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 74796, 48, 0xbedca72f},
      {"model/layer_with_weights-4/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 125344, 48, 0x52db1cba},
      {"model/layer_with_weights-4/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 19064, 5184, 0x23375bc4},
      {"model/layer_with_weights-4/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 69612, 5184, 0xef1e7666},
      {"model/layer_with_weights-4/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 120160, 5184, 0x97c3e85b},
      {"model/layer_with_weights-5/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 29480, 48, 0x5c3d253d},
      {"model/layer_with_weights-5/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 80028, 48, 0x0618d024},
      {"model/layer_with_weights-5/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {12}, 0, 130576, 48, 0x5e569ef5},
      {"model/layer_with_weights-5/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 24296, 5184, 0xe56a84e5},
      {"model/layer_with_weights-5/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 74844, 5184, 0xb56f37c3},
      {"model/layer_with_weights-5/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 3, 12, 12}, 0, 125392, 5184, 0x2f8b7a1f},
      {"model/layer_with_weights-6/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {56}, 0, 32216, 224, 0xdda5fe52},
      {"model/layer_with_weights-6/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {56}, 0, 82764, 224, 0xaccd17ef},
      {"model/layer_with_weights-6/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {56}, 0, 133312, 224, 0x1669fab4},
      {"model/layer_with_weights-6/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1, 1, 12, 56}, 0, 29528, 2688, 0x693a696b},
      {"model/layer_with_weights-6/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1, 1, 12, 56}, 0, 80076, 2688, 0x4ec5b23a},
      {"model/layer_with_weights-6/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1, 1, 12, 56}, 0, 130624, 2688, 0x548c9b9c},
      {"model/layer_with_weights-7/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1}, 0, 50584, 4, 0x96a0c98d},
      {"model/layer_with_weights-7/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1}, 0, 101132, 4, 0xa2afe1fe},
      {"model/layer_with_weights-7/bias/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1}, 0, 151680, 4, 0x6824712c},
      {"model/layer_with_weights-7/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {9, 9, 1, 56}, 0, 32440, 18144, 0x4b245964},
      {"model/layer_with_weights-7/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {9, 9, 1, 56}, 0, 82988, 18144, 0x8226367f},
      {"model/layer_with_weights-7/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {9, 9, 1, 56}, 0, 133536, 18144, 0xdcb1eba5},
      {"optimizer/beta_1/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 24, 4, 0xdfc7ebfd},
      {"optimizer/beta_2/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 28, 4, 0xd9faedbb},
      {"optimizer/decay/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 32, 4, 0x3a117ba6},
      {"optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 16, 8, 0x9a119507},
      {"optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 36, 4, 0xca65744f},
      {"psnr/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 0, 4, 0xa229aa1d},
      {"save_counter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 8, 8, 0x41de7501},
      {"step/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt32, {}, 0, 4, 4, 0x7685df34},
  };
}

// til/cp-0000.ckpt: num_shards = 2, 5 entries (header excluded).
std::vector<ExpectedEntry> TilEntries() {
  return {
      {"_CHECKPOINTABLE_OBJECT_GRAPH",
       DataType::kString, {}, 0, 0, 545, 0x607580e4},
      {"layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {512}, 1, 1605632, 2048, 0xa92233eb},
      {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {784, 512}, 1, 0, 1605632, 0x0e8b0f14},
      {"layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {10}, 1, 1628160, 40, 0x123d9d97},
      {"layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {512, 10}, 1, 1607680, 20480, 0x3a609c5c},
  };
}

// saved_model_half_plus_two_tf2_cpu/variables:
// num_shards = 1, 4 entries (header excluded).
std::vector<ExpectedEntry> HalfPlusTwoEntries() {
  return {
      {"_CHECKPOINTABLE_OBJECT_GRAPH",
       DataType::kString, {}, 0, 12, 619, 0x47b7d190},
      {"a/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 0, 4, 0x1f273806},
      {"b/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 4, 4, 0x4f78fd10},
      {"c/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 8, 4, 0xc382d6ef},
  };
}

// saved_model_half_plus_three/variables:
// num_shards = 1, 3 entries (header excluded).
std::vector<ExpectedEntry> HalfPlusThreeEntries() {
  return {
      {"a",
       DataType::kFloat, {}, 0, 0, 4, 0x1f273806},
      {"b",
       DataType::kFloat, {}, 0, 4, 4, 0xc382d6ef},
      {"c",
       DataType::kFloat, {}, 0, 8, 4, 0xc382d6ef},
  };
}

// saved_model_counter/variables: num_shards = 1, 1 entries (header excluded).
std::vector<ExpectedEntry> CounterEntries() {
  return {
      {"counter",
       DataType::kFloat, {}, 0, 0, 4, 0x3a117ba6},
  };
}

// keras_new_optimizer_index_only/ckpt-1:
// num_shards = 1, 78 entries (header excluded).
std::vector<ExpectedEntry> KerasIndexOnlyEntries() {
  return {
      {"_CHECKPOINTABLE_OBJECT_GRAPH",
       DataType::kString, {}, 0, 6978560, 10595, 0x9eec5d75},
      {"discriminator/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 416, 128, 0xd12bc9a3},
      {"discriminator/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 1, 32}, 0, 32, 384, 0x54dc01ea},
      {"discriminator/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 25120, 256, 0x18cee65a},
      {"discriminator/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 32, 64}, 0, 544, 24576, 0xbb21cfda},
      {"discriminator/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128}, 0, 123680, 512, 0x7b578587},
      {"discriminator/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 64, 128}, 0, 25376, 98304, 0x128d46ec},
      {"discriminator/layer_with_weights-3/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220}, 0, 687392, 880, 0xed36ccba},
      {"discriminator/layer_with_weights-3/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {640, 220}, 0, 124192, 563200, 0x57936a04},
      {"discriminator/layer_with_weights-4/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220}, 0, 881872, 880, 0x80515957},
      {"discriminator/layer_with_weights-4/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220, 220}, 0, 688272, 193600, 0x6c34f03d},
      {"discriminator/layer_with_weights-5/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1}, 0, 883632, 4, 0x3a117ba6},
      {"discriminator/layer_with_weights-5/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220, 1}, 0, 882752, 880, 0x8c1d593d},
      {"discriminator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 8, 8, 0x092b536d},
      {"discriminator_optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 16, 4, 0xca65744f},
      {"discriminator_optimizer/_variables/1/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 1, 32}, 0, 883636, 384, 0xc89dcb69},
      {"discriminator_optimizer/_variables/10/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 64, 128}, 0, 1032628, 98304, 0x4aea9bef},
      {"discriminator_optimizer/_variables/11/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128}, 0, 1130932, 512, 0x1cf25d4a},
      {"discriminator_optimizer/_variables/12/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128}, 0, 1131444, 512, 0x0f9787e6},
      {"discriminator_optimizer/_variables/13/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {640, 220}, 0, 1131956, 563200, 0x40f9454a},
      {"discriminator_optimizer/_variables/14/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {640, 220}, 0, 1695156, 563200, 0xe496d338},
      {"discriminator_optimizer/_variables/15/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220}, 0, 2258356, 880, 0x8c8e60f4},
      {"discriminator_optimizer/_variables/16/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220}, 0, 2259236, 880, 0x9a49b58c},
      {"discriminator_optimizer/_variables/17/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220, 220}, 0, 2260116, 193600, 0xa2d018ea},
      {"discriminator_optimizer/_variables/18/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220, 220}, 0, 2453716, 193600, 0x99e83f78},
      {"discriminator_optimizer/_variables/19/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220}, 0, 2647316, 880, 0xfa3d83ca},
      {"discriminator_optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 1, 32}, 0, 884020, 384, 0xb4d14f39},
      {"discriminator_optimizer/_variables/20/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220}, 0, 2648196, 880, 0x9ed2ff8c},
      {"discriminator_optimizer/_variables/21/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220, 1}, 0, 2649076, 880, 0x7e7bdb16},
      {"discriminator_optimizer/_variables/22/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {220, 1}, 0, 2649956, 880, 0xa44ef478},
      {"discriminator_optimizer/_variables/23/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1}, 0, 2650836, 4, 0x3a117ba6},
      {"discriminator_optimizer/_variables/24/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {1}, 0, 2650840, 4, 0x3a117ba6},
      {"discriminator_optimizer/_variables/3/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 884404, 128, 0xd660a74f},
      {"discriminator_optimizer/_variables/4/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 884532, 128, 0xcae4ba2a},
      {"discriminator_optimizer/_variables/5/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 32, 64}, 0, 884660, 24576, 0x99fe67ab},
      {"discriminator_optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 32, 64}, 0, 909236, 24576, 0xb9c310b5},
      {"discriminator_optimizer/_variables/7/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 933812, 256, 0x91e82c8f},
      {"discriminator_optimizer/_variables/8/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 934068, 256, 0x390a5ebc},
      {"discriminator_optimizer/_variables/9/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3, 64, 128}, 0, 934324, 98304, 0x367d9d70},
      {"generator/layer_with_weights-0/cell/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {2, 768}, 0, 6379520, 6144, 0xc9a07aed},
      {"generator/layer_with_weights-0/cell/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {5, 768}, 0, 5577728, 15360, 0x255191df},
      {"generator/layer_with_weights-0/cell/recurrent_kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {256, 768}, 0, 5593088, 786432, 0x4c019837},
      {"generator/layer_with_weights-1/cell/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {2, 384}, 0, 6975488, 3072, 0x8ed16a3e},
      {"generator/layer_with_weights-1/cell/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {256, 384}, 0, 6385664, 393216, 0xdb31d962},
      {"generator/layer_with_weights-1/cell/recurrent_kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128, 384}, 0, 6778880, 196608, 0xd2539e2f},
      {"generator/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 2683612, 256, 0xa49b1e7a},
      {"generator/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128, 64}, 0, 2650844, 32768, 0x322f3b10},
      {"generator/layer_with_weights-3/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 2692060, 128, 0x509f8cf5},
      {"generator/layer_with_weights-3/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 2683868, 8192, 0x44767208},
      {"generator/layer_with_weights-4/bias/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3}, 0, 2692572, 12, 0x22352659},
      {"generator/layer_with_weights-4/kernel/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 3}, 0, 2692188, 384, 0x6254db29},
      {"generator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 20, 8, 0xfb8a413c},
      {"generator_optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {}, 0, 28, 4, 0xca65744f},
      {"generator_optimizer/_variables/1/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {5, 768}, 0, 2692584, 15360, 0x38d729aa},
      {"generator_optimizer/_variables/10/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128, 384}, 0, 5291496, 196608, 0xca1a1109},
      {"generator_optimizer/_variables/11/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {2, 384}, 0, 5488104, 3072, 0xd5cfc945},
      {"generator_optimizer/_variables/12/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {2, 384}, 0, 5491176, 3072, 0xeb58403b},
      {"generator_optimizer/_variables/13/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128, 64}, 0, 5494248, 32768, 0x2251b4b8},
      {"generator_optimizer/_variables/14/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128, 64}, 0, 5527016, 32768, 0xb4a2097e},
      {"generator_optimizer/_variables/15/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 5559784, 256, 0x3cc46846},
      {"generator_optimizer/_variables/16/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64}, 0, 5560040, 256, 0xef089c1e},
      {"generator_optimizer/_variables/17/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 5560296, 8192, 0x4fc88aac},
      {"generator_optimizer/_variables/18/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {64, 32}, 0, 5568488, 8192, 0x943ed104},
      {"generator_optimizer/_variables/19/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 5576680, 128, 0xed0abd16},
      {"generator_optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {5, 768}, 0, 2707944, 15360, 0x33c99746},
      {"generator_optimizer/_variables/20/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32}, 0, 5576808, 128, 0x90f8d0ea},
      {"generator_optimizer/_variables/21/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 3}, 0, 5576936, 384, 0x53a8b2cd},
      {"generator_optimizer/_variables/22/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {32, 3}, 0, 5577320, 384, 0xc5876c79},
      {"generator_optimizer/_variables/23/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3}, 0, 5577704, 12, 0x71c67acd},
      {"generator_optimizer/_variables/24/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {3}, 0, 5577716, 12, 0x5e2e93e9},
      {"generator_optimizer/_variables/3/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {256, 768}, 0, 2723304, 786432, 0x7161edd7},
      {"generator_optimizer/_variables/4/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {256, 768}, 0, 3509736, 786432, 0x83c230fc},
      {"generator_optimizer/_variables/5/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {2, 768}, 0, 4296168, 6144, 0x74982998},
      {"generator_optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {2, 768}, 0, 4302312, 6144, 0xd5b11512},
      {"generator_optimizer/_variables/7/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {256, 384}, 0, 4308456, 393216, 0x039de55a},
      {"generator_optimizer/_variables/8/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {256, 384}, 0, 4701672, 393216, 0xe7eda32f},
      {"generator_optimizer/_variables/9/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kFloat, {128, 384}, 0, 5094888, 196608, 0x8708efe9},
      {"save_counter/.ATTRIBUTES/VARIABLE_VALUE",
       DataType::kInt64, {}, 0, 0, 8, 0x41de7501},
  };
}

// clang-format on

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

// A float element at a row-major flat index, from the Python parser.
struct KnownFloat {
  const char* key;
  int64_t index;
  float value;
};

// A serialized object graph: its byte length, its (unmasked) CRC-32C and its
// first bytes, from the Python parser.
struct KnownGraph {
  const char* prefix;
  size_t length;
  uint32_t crc32c;
  absl::string_view first_bytes;
};

using ::ckpt::testing::GetVarint;

void AppendLittleEndian(std::string* dst, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    dst->push_back(static_cast<char>(v >> (8 * i)));
}

// Independently decodes the stored bytes of a string tensor (docs/format.md
// §7): `num_elements` varint lengths, the masked CRC-32C of the lengths as
// little-endian uint32 (uint64 above 0xFFFFFFFF), then the string bytes.
// Checks the length checksum, requires the strings to equal `want`, and
// returns the masked entry checksum: the CRC continued from the lengths' CRC
// over the 4 stored checksum bytes and all string bytes.
uint32_t StringTensorMaskedCrc(absl::string_view stored,
                               const std::vector<std::string>& want) {
  absl::string_view in = stored;
  std::string lengths;
  std::vector<uint64_t> lens;
  for (size_t i = 0; i < want.size(); ++i) {
    const uint64_t len = GetVarint(&in);
    AppendLittleEndian(&lengths, len, len > 0xffffffffu ? 8 : 4);
    lens.push_back(len);
  }
  REQUIRE(in.size() >= 4);
  const uint32_t lengths_crc = crc32c::Value(lengths.data(), lengths.size());
  std::string masked;
  AppendLittleEndian(&masked, crc32c::Mask(lengths_crc), 4);
  REQUIRE(in.substr(0, 4) == masked);
  absl::string_view bytes = in.substr(4);
  for (size_t i = 0; i < want.size(); ++i) {
    REQUIRE(lens[i] <= bytes.size());
    REQUIRE(bytes.substr(0, lens[i]) == want[i]);
    bytes.remove_prefix(lens[i]);
  }
  REQUIRE(bytes.empty());
  return crc32c::Mask(crc32c::Extend(lengths_crc, in.data(), in.size()));
}

std::unique_ptr<BundleReader> OpenVector(const std::string& relative_prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), TfPath(relative_prefix));
  CKPT_REQUIRE_OK(reader);
  REQUIRE(*reader != nullptr);
  return std::move(reader).value();
}

std::vector<std::string> Keys(const std::vector<ExpectedEntry>& entries) {
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (const ExpectedEntry& e : entries) keys.emplace_back(e.key);
  return keys;
}

void RequireEntryMatches(const BundleEntry& entry, const ExpectedEntry& want) {
  INFO("key " << want.key);
  REQUIRE(entry.dtype == want.dtype);
  REQUIRE(entry.shape.dims() == want.dims);
  REQUIRE(entry.shard_id == want.shard_id);
  REQUIRE(entry.offset == want.offset);
  REQUIRE(entry.size == want.size);
  REQUIRE(entry.masked_crc32c == want.masked_crc32c);
  REQUIRE(entry.num_slices == 0);
  REQUIRE(entry.compression == Compression::kNone);
  REQUIRE_FALSE(entry.byte_shuffle);
}

// Listing through ListEntries, ForEachEntry and GetEntry all give exactly
// `want`, in key order, header excluded.
void CheckListing(const BundleReader& reader, int num_shards,
                  const std::vector<ExpectedEntry>& want) {
  REQUIRE(reader.num_shards() == num_shards);
  REQUIRE(reader.header().num_shards == num_shards);
  REQUIRE(reader.header().features.empty());

  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader.ListEntries();
  CKPT_REQUIRE_OK(listed);
  std::vector<std::string> listed_keys;
  for (const auto& [key, entry] : *listed) listed_keys.push_back(key);
  REQUIRE(listed_keys == Keys(want));
  for (size_t i = 0; i < want.size(); ++i) {
    RequireEntryMatches((*listed)[i].second, want[i]);
  }

  std::vector<std::string> visited;
  CKPT_REQUIRE_OK(reader.ForEachEntry(
      [&visited](absl::string_view key, const BundleEntry&) -> absl::Status {
        visited.emplace_back(key);
        return absl::OkStatus();
      }));
  REQUIRE(visited == Keys(want));

  // ForEachEntry stops at the first non-OK status and returns it.
  int calls = 0;
  const absl::Status stop = absl::CancelledError("stop here");
  REQUIRE(reader.ForEachEntry(
              [&calls, &stop](absl::string_view, const BundleEntry&) {
                ++calls;
                return stop;
              }) == stop);
  REQUIRE(calls == 1);

  for (const ExpectedEntry& w : want) {
    absl::StatusOr<BundleEntry> entry = reader.GetEntry(w.key);
    CKPT_REQUIRE_OK(entry);
    RequireEntryMatches(*entry, w);
  }
  // The header is not a tensor entry.
  REQUIRE_FALSE(reader.GetEntry("").ok());
  CKPT_REQUIRE_ERROR(reader.GetEntry("no/such/key"),
                     absl::StatusCode::kNotFound, "no/such/key");
  CKPT_REQUIRE_ERROR(reader.Read("no/such/key"), absl::StatusCode::kNotFound,
                     "no/such/key");
}

// Every tensor reads back with its checksums verified, with the dtype and
// shape of the table; its stored bytes hash to the table's masked CRC (an
// independent check with the public crc32c; strings decoded by hand), and
// ReadInto a caller buffer gives the same bytes as Read.
void CheckReadsAll(const BundleReader& reader,
                   const std::vector<ExpectedEntry>& want) {
  for (const ExpectedEntry& w : want) {
    INFO("key " << w.key);
    absl::StatusOr<Tensor> tensor = reader.Read(w.key);
    CKPT_REQUIRE_OK(tensor);
    REQUIRE(tensor->dtype() == w.dtype);
    REQUIRE(tensor->shape().dims() == w.dims);

    absl::StatusOr<std::string> stored = reader.ReadStoredBytes(w.key);
    CKPT_REQUIRE_OK(stored);
    REQUIRE(static_cast<int64_t>(stored->size()) == w.size);

    if (w.dtype == DataType::kString) {
      REQUIRE(static_cast<int64_t>(tensor->strings().size()) ==
              tensor->num_elements());
      REQUIRE(StringTensorMaskedCrc(*stored, tensor->strings()) ==
              w.masked_crc32c);
      continue;
    }
    REQUIRE(crc32c::Mask(crc32c::Value(stored->data(), stored->size())) ==
            w.masked_crc32c);
    // Uncompressed: the tensor bytes are the stored bytes.
    REQUIRE(static_cast<int64_t>(tensor->bytes().size()) == w.size);
    REQUIRE((tensor->bytes() == *stored));

    std::string buffer(tensor->bytes().size(), '\xAB');
    CKPT_REQUIRE_OK(reader.ReadInto(w.key, absl::MakeSpan(buffer)));
    REQUIRE((absl::string_view(buffer) == tensor->bytes()));
  }
}

void CheckFloats(const BundleReader& reader,
                 const std::vector<KnownFloat>& known) {
  for (const KnownFloat& k : known) {
    INFO("key " << k.key << " index " << k.index);
    absl::StatusOr<Tensor> tensor = reader.Read(k.key);
    CKPT_REQUIRE_OK(tensor);
    REQUIRE(tensor->dtype() == DataType::kFloat);
    absl::Span<const float> values = tensor->flat<float>();
    REQUIRE(static_cast<int64_t>(values.size()) == tensor->num_elements());
    REQUIRE(k.index < static_cast<int64_t>(values.size()));
    // Exact: the literal is the float's own shortest round-trip decimal.
    REQUIRE(values[static_cast<size_t>(k.index)] == k.value);
  }
}

template <typename T>
T ReadScalar(const BundleReader& reader, absl::string_view key) {
  INFO("key " << key);
  absl::StatusOr<Tensor> tensor = reader.Read(key);
  CKPT_REQUIRE_OK(tensor);
  REQUIRE(tensor->dtype() == DataTypeOf<T>::value);
  REQUIRE(tensor->shape().rank() == 0);
  REQUIRE(tensor->flat<T>().size() == 1);
  T via_read_into{};
  CKPT_REQUIRE_OK(reader.ReadInto(
      key,
      absl::Span<char>(reinterpret_cast<char*>(&via_read_into), sizeof(T))));
  REQUIRE(via_read_into == tensor->flat<T>()[0]);
  return tensor->flat<T>()[0];
}

void CheckObjectGraph(const BundleReader& reader, const KnownGraph& known) {
  INFO("prefix " << known.prefix);
  absl::StatusOr<Tensor> graph = reader.Read(kObjectGraphKey);
  CKPT_REQUIRE_OK(graph);
  REQUIRE(graph->dtype() == DataType::kString);
  REQUIRE(graph->shape().rank() == 0);
  REQUIRE(graph->strings().size() == 1);
  const std::string& bytes = graph->strings()[0];
  REQUIRE(bytes.size() == known.length);
  REQUIRE(crc32c::Value(bytes.data(), bytes.size()) == known.crc32c);
  REQUIRE(absl::string_view(bytes).substr(0, known.first_bytes.size()) ==
          known.first_bytes);
}

// First offset at which `a` and `b` differ (or the shorter length), -1 when
// equal.
int64_t FirstDifference(absl::string_view a, absl::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<int64_t>(i);
  }
  return a.size() == b.size() ? -1 : static_cast<int64_t>(n);
}

void RequireSameBytes(const std::string& got_path,
                      const std::string& want_path) {
  INFO("got " << got_path << " want " << want_path);
  const std::string got = ReadFileOrDie(got_path);
  const std::string want = ReadFileOrDie(want_path);
  REQUIRE(got.size() == want.size());
  REQUIRE(FirstDifference(got, want) == -1);
}

// Re-writes the bundle behind `reader` under `dir`: every tensor added to its
// original shard, each shard's tensors in ascending offset order, with
// num_shards from the header and otherwise default options. Returns the new
// prefix.
std::string Rewrite(
    const BundleReader& reader, const TempDir& dir,
    size_t write_buffer_bytes = BundleWriterOptions().write_buffer_bytes) {
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader.ListEntries();
  CKPT_REQUIRE_OK(listed);
  std::vector<std::pair<std::string, BundleEntry>> order = *listed;
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) {
                     return std::tie(a.second.shard_id, a.second.offset) <
                            std::tie(b.second.shard_id, b.second.offset);
                   });

  BundleWriterOptions options;
  options.num_shards = reader.num_shards();
  options.write_buffer_bytes = write_buffer_bytes;
  const std::string prefix = dir.Join("rewritten");
  absl::StatusOr<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(Env::Default(), prefix, options);
  CKPT_REQUIRE_OK(writer);
  for (const auto& [key, entry] : order) {
    INFO("key " << key);
    absl::StatusOr<Tensor> tensor = reader.Read(key);
    CKPT_REQUIRE_OK(tensor);
    CKPT_REQUIRE_OK((*writer)->Add(key, *tensor, entry.shard_id));
  }
  REQUIRE((*writer)->num_entries() == static_cast<int64_t>(order.size()));
  CKPT_REQUIRE_OK((*writer)->Finish());
  return prefix;
}

// Files in `dir`, sorted.
std::vector<std::string> SortedChildren(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> children =
      Env::Default()->GetChildren(dir);
  CKPT_REQUIRE_OK(children);
  std::vector<std::string> names = *children;
  std::sort(names.begin(), names.end());
  return names;
}

// The rewritten .index and every .data file are byte-identical to the
// TensorFlow-written ones, and nothing else (no temporary file) is left.
void CheckRewriteIsByteIdentical(
    const std::string& relative_prefix,
    size_t write_buffer_bytes = BundleWriterOptions().write_buffer_bytes) {
  std::unique_ptr<BundleReader> reader = OpenVector(relative_prefix);
  TempDir dir;
  const std::string prefix = Rewrite(*reader, dir, write_buffer_bytes);
  const std::string original = TfPath(relative_prefix);
  const int n = reader->num_shards();

  RequireSameBytes(IndexFilename(prefix), IndexFilename(original));
  std::vector<std::string> want_names = {Basename(IndexFilename(prefix))};
  for (int shard = 0; shard < n; ++shard) {
    RequireSameBytes(DataFilename(prefix, shard, n),
                     DataFilename(original, shard, n));
    want_names.push_back(Basename(DataFilename(prefix, shard, n)));
  }
  std::sort(want_names.begin(), want_names.end());
  REQUIRE(SortedChildren(dir.path()) == want_names);
}

// ---------------------------------------------------------------------------
// Known values (from the Python parser's decoding of the data files).
// ---------------------------------------------------------------------------

constexpr absl::string_view kStep = "step/.ATTRIBUTES/VARIABLE_VALUE";
constexpr absl::string_view kSaveCounter =
    "save_counter/.ATTRIBUTES/VARIABLE_VALUE";

std::vector<KnownFloat> GolfCkpt1Floats() {
  return {
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 0,
       -0.42447665333747864f},
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 1,
       -0.7548449635505676f},
      // [3, 32] of [7, 64].
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 224,
       -0.36042115092277527f},
      // [6, 63], the last element.
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 447,
       -0.15548275411128998f},
      {"net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE", 0,
       -0.0024413797073066235f},
      {"net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE", 3,
       -0.001032625325024128f},
      {"net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE", 6,
       0.003925768658518791f},
      {"net/optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE", 0,
       0.0010000000474974513f},
      {"net/optimizer/beta_1/.ATTRIBUTES/VARIABLE_VALUE", 0,
       0.8999999761581421f},
  };
}

std::vector<KnownFloat> GolfCkpt2Floats() {
  return {
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 0,
       -0.42282983660697937f},
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 1,
       -0.7499482035636902f},
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 224,
       -0.3658261299133301f},
      {"net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 447,
       -0.16363538801670074f},
  };
}

std::vector<KnownFloat> FsrcnnFloats() {
  return {
      {"model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 0,
       0.23152904212474823f},
      // [2, 2, 0, 28] of [5, 5, 1, 56].
      {"model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 700,
       -0.09077706933021545f},
      // [4, 4, 0, 55], the last element.
      {"model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 1399,
       -0.26074355840682983f},
      {"model/layer_with_weights-7/kernel/.ATTRIBUTES/VARIABLE_VALUE", 0,
       0.012485611252486706f},
      // [8, 8, 0, 55] of [9, 9, 1, 56].
      {"model/layer_with_weights-7/kernel/.ATTRIBUTES/VARIABLE_VALUE", 4535,
       0.04977705702185631f},
      {"psnr/.ATTRIBUTES/VARIABLE_VALUE", 0, -1.0f},
  };
}

std::vector<KnownFloat> TilFloats() {
  return {
      {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 0,
       -0.0650411918759346f},
      {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 1,
       -0.016098860651254654f},
      // [392, 0] of [784, 512].
      {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 200704,
       -0.041695088148117065f},
      // [783, 511], the last element.
      {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", 401407,
       0.04168681055307388f},
      {"layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE", 0,
       -0.09784472733736038f},
      {"layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE", 5119,
       0.07916059345006943f},
      {"layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE", 511, 0.0f},
  };
}

std::vector<KnownGraph> KnownGraphs() {
  return {
      {"golf/ckpt-1", 3156, 0x33e47c31,
       absl::string_view("\x0a\x25\x0a\x07\x08\x01\x12\x03", 8)},
      {"golf/ckpt-2", 3156, 0x33e47c31,
       absl::string_view("\x0a\x25\x0a\x07\x08\x01\x12\x03", 8)},
      {"fsrcnn/ckpt-1", 7513, 0x70313928,
       absl::string_view("\x0a\x40\x0a\x09\x08\x01\x12\x05", 8)},
      {"til/cp-0000.ckpt", 539, 0x795b7c06,
       absl::string_view("\x0a\x77\x0a\x0b\x08\x01\x12\x07", 8)},
      {"saved_model_half_plus_two_tf2_cpu/variables", 613, 0xee34226e,
       absl::string_view("\x0a\x98\x01\x0a\x05\x12\x01\x61", 8)},
  };
}

// ---------------------------------------------------------------------------
// Listing: exact (key, dtype, shape, shard, offset, size, crc) tables.
// ---------------------------------------------------------------------------

TEST_CASE("Listing golf/ckpt-1 matches the independent parse", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckListing(*OpenVector("golf/ckpt-1"), 1, GolfCkpt1Entries());
}

TEST_CASE("Listing golf/ckpt-2 matches the independent parse", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckListing(*OpenVector("golf/ckpt-2"), 1, GolfCkpt2Entries());
}

TEST_CASE("Listing fsrcnn matches the independent parse", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::vector<ExpectedEntry> want = FsrcnnEntries();
  REQUIRE(want.size() == 57);  // 58 index entries with the header
  CheckListing(*OpenVector("fsrcnn/ckpt-1"), 1, want);
}

TEST_CASE("Listing til matches the independent parse", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckListing(*OpenVector("til/cp-0000.ckpt"), 2, TilEntries());
}

TEST_CASE("Listing half_plus_two (snappy index block) matches the parse",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckListing(*OpenVector("saved_model_half_plus_two_tf2_cpu/variables"), 1,
               HalfPlusTwoEntries());
}

TEST_CASE("Listing half_plus_three matches the independent parse",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckListing(*OpenVector("saved_model_half_plus_three/variables"), 1,
               HalfPlusThreeEntries());
}

TEST_CASE("Listing saved_model_counter matches the independent parse",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckListing(*OpenVector("saved_model_counter/variables"), 1,
               CounterEntries());
}

TEST_CASE("Listing keras_new_optimizer_index_only works from the index alone",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::vector<ExpectedEntry> want = KerasIndexOnlyEntries();
  REQUIRE(want.size() == 78);
  std::unique_ptr<BundleReader> reader =
      OpenVector("keras_new_optimizer_index_only/ckpt-1");
  CheckListing(*reader, 1, want);

  absl::StatusOr<BundleEntry> iterations = reader->GetEntry(
      "discriminator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(iterations);
  REQUIRE(iterations->dtype == DataType::kInt64);
  REQUIRE(iterations->shape.rank() == 0);
  absl::StatusOr<BundleEntry> learning_rate = reader->GetEntry(
      "discriminator_optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(learning_rate);
  REQUIRE(learning_rate->dtype == DataType::kFloat);
  absl::StatusOr<BundleEntry> slot = reader->GetEntry(
      "discriminator_optimizer/_variables/24/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(slot);
  REQUIRE(slot->shape.dims() == std::vector<int64_t>{1});
  absl::StatusOr<BundleEntry> recurrent = reader->GetEntry(
      "generator/layer_with_weights-0/cell/recurrent_kernel/.ATTRIBUTES/"
      "VARIABLE_VALUE");
  CKPT_REQUIRE_OK(recurrent);
  REQUIRE(recurrent->shape.dims() == std::vector<int64_t>{256, 768});
  REQUIRE(recurrent->size == 786432);
  // New Keras optimizers have no .OPTIMIZER_SLOT keys.
  for (const ExpectedEntry& e : want) {
    REQUIRE(absl::string_view(e.key).find(".OPTIMIZER_SLOT") ==
            absl::string_view::npos);
  }
}

// ---------------------------------------------------------------------------
// Reading every tensor (all checksums verified).
// ---------------------------------------------------------------------------

TEST_CASE("Every tensor of golf/ckpt-1 reads and verifies", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("golf/ckpt-1"), GolfCkpt1Entries());
}

TEST_CASE("Every tensor of golf/ckpt-2 reads and verifies", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("golf/ckpt-2"), GolfCkpt2Entries());
}

TEST_CASE("Every tensor of fsrcnn reads and verifies", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("fsrcnn/ckpt-1"), FsrcnnEntries());
}

TEST_CASE("Every tensor of til (two shards) reads and verifies",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("til/cp-0000.ckpt"), TilEntries());
}

TEST_CASE("Every tensor of half_plus_two reads and verifies", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("saved_model_half_plus_two_tf2_cpu/variables"),
                HalfPlusTwoEntries());
}

TEST_CASE("Every tensor of half_plus_three reads and verifies",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("saved_model_half_plus_three/variables"),
                HalfPlusThreeEntries());
}

TEST_CASE("Every tensor of saved_model_counter reads and verifies",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckReadsAll(*OpenVector("saved_model_counter/variables"), CounterEntries());
}

TEST_CASE("ReadInto rejects a wrong-size buffer and string tensors",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader = OpenVector("golf/ckpt-1");
  const std::string key =
      "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE";
  std::string small(1792 - 4, '\0');
  CKPT_REQUIRE_ERROR(reader->ReadInto(key, absl::MakeSpan(small)),
                     absl::StatusCode::kInvalidArgument, key);
  std::string large(1792 + 4, '\0');
  CKPT_REQUIRE_ERROR(reader->ReadInto(key, absl::MakeSpan(large)),
                     absl::StatusCode::kInvalidArgument, key);
  // String tensors have no fixed byte size; ReadInto is for fixed-size ones.
  std::string graph(3162, '\0');
  CKPT_REQUIRE_ERROR(reader->ReadInto(kObjectGraphKey, absl::MakeSpan(graph)),
                     absl::StatusCode::kInvalidArgument,
                     std::string(kObjectGraphKey));
}

// ---------------------------------------------------------------------------
// Known values.
// ---------------------------------------------------------------------------

TEST_CASE("golf/ckpt-1 known values", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader = OpenVector("golf/ckpt-1");
  REQUIRE(ReadScalar<int32_t>(*reader, kStep) == 0);
  REQUIRE(ReadScalar<int64_t>(*reader, kSaveCounter) == 1);
  REQUIRE(ReadScalar<int64_t>(
              *reader, "net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE") == 4);
  CheckFloats(*reader, GolfCkpt1Floats());
}

TEST_CASE("golf/ckpt-2 known values", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader = OpenVector("golf/ckpt-2");
  REQUIRE(ReadScalar<int32_t>(*reader, kStep) == 0);
  REQUIRE(ReadScalar<int64_t>(*reader, kSaveCounter) == 2);
  REQUIRE(ReadScalar<int64_t>(
              *reader, "net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE") == 84);
  CheckFloats(*reader, GolfCkpt2Floats());
}

TEST_CASE("fsrcnn known values", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader = OpenVector("fsrcnn/ckpt-1");
  REQUIRE(ReadScalar<int32_t>(*reader, kStep) == 1000);
  REQUIRE(ReadScalar<int64_t>(*reader, kSaveCounter) == 1);
  REQUIRE(ReadScalar<int64_t>(
              *reader, "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE") == 1000);
  REQUIRE(ReadScalar<float>(*reader, "psnr/.ATTRIBUTES/VARIABLE_VALUE") ==
          -1.0f);
  CheckFloats(*reader, FsrcnnFloats());
}

TEST_CASE("til known values", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader = OpenVector("til/cp-0000.ckpt");
  CheckFloats(*reader, TilFloats());
  // Keras save_weights: the root is the model, no save_counter.
  CKPT_REQUIRE_ERROR(reader->Read(kSaveCounter), absl::StatusCode::kNotFound,
                     "save_counter");
}

TEST_CASE("SavedModel variables known values", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  {
    std::unique_ptr<BundleReader> reader =
        OpenVector("saved_model_half_plus_two_tf2_cpu/variables");
    REQUIRE(ReadScalar<float>(*reader, "a/.ATTRIBUTES/VARIABLE_VALUE") == 0.5f);
    REQUIRE(ReadScalar<float>(*reader, "b/.ATTRIBUTES/VARIABLE_VALUE") == 2.0f);
    REQUIRE(ReadScalar<float>(*reader, "c/.ATTRIBUTES/VARIABLE_VALUE") == 3.0f);
  }
  {
    std::unique_ptr<BundleReader> reader =
        OpenVector("saved_model_half_plus_three/variables");
    REQUIRE(ReadScalar<float>(*reader, "a") == 0.5f);
    REQUIRE(ReadScalar<float>(*reader, "b") == 3.0f);
    REQUIRE(ReadScalar<float>(*reader, "c") == 3.0f);
  }
  {
    std::unique_ptr<BundleReader> reader =
        OpenVector("saved_model_counter/variables");
    REQUIRE(ReadScalar<float>(*reader, "counter") == 0.0f);
    absl::StatusOr<BundleEntry> entry = reader->GetEntry("counter");
    CKPT_REQUIRE_OK(entry);
    REQUIRE(entry->offset == 0);  // no offset field on the wire
  }
}

TEST_CASE("Object graphs read back as one serialized proto", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  for (const KnownGraph& known : KnownGraphs()) {
    CheckObjectGraph(*OpenVector(known.prefix), known);
  }
  // TF1 SavedModels have no object graph.
  CKPT_REQUIRE_ERROR(OpenVector("saved_model_half_plus_three/variables")
                         ->Read(kObjectGraphKey),
                     absl::StatusCode::kNotFound, std::string(kObjectGraphKey));
}

// ---------------------------------------------------------------------------
// Shards and missing data files.
// ---------------------------------------------------------------------------

TEST_CASE("til keeps the graph in shard 0 and the variables in shard 1",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader = OpenVector("til/cp-0000.ckpt");
  REQUIRE(reader->num_shards() == 2);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader->ListEntries();
  CKPT_REQUIRE_OK(listed);
  REQUIRE(listed->size() == 5);
  for (const auto& [key, entry] : *listed) {
    INFO("key " << key);
    REQUIRE(entry.shard_id == (key == kObjectGraphKey ? 0 : 1));
  }
  // The two shard files exist under the names the header implies, and each
  // tensor's bytes come from its own shard.
  const std::string prefix = TfPath("til/cp-0000.ckpt");
  CKPT_REQUIRE_OK(Env::Default()->FileExists(DataFilename(prefix, 0, 2)));
  CKPT_REQUIRE_OK(Env::Default()->FileExists(DataFilename(prefix, 1, 2)));
  const std::string shard1 = ReadFileOrDie(DataFilename(prefix, 1, 2));
  REQUIRE(shard1.size() == 1628200);
  absl::StatusOr<std::string> kernel = reader->ReadStoredBytes(
      "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(kernel);
  REQUIRE((*kernel == absl::string_view(shard1).substr(0, 1605632)));
  absl::StatusOr<std::string> graph = reader->ReadStoredBytes(kObjectGraphKey);
  CKPT_REQUIRE_OK(graph);
  REQUIRE(*graph == ReadFileOrDie(DataFilename(prefix, 0, 2)));
}

TEST_CASE("keras_new_optimizer_index_only reads fail naming the data file",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader =
      OpenVector("keras_new_optimizer_index_only/ckpt-1");
  const std::string missing = "ckpt-1.data-00000-of-00001";
  for (const ExpectedEntry& e : KerasIndexOnlyEntries()) {
    INFO("key " << e.key);
    CKPT_REQUIRE_ERROR(reader->Read(e.key), absl::StatusCode::kNotFound,
                       missing);
    CKPT_REQUIRE_ERROR(reader->ReadStoredBytes(e.key),
                       absl::StatusCode::kNotFound, missing);
    if (e.dtype != DataType::kString) {
      std::string buffer(static_cast<size_t>(e.size), '\0');
      CKPT_REQUIRE_ERROR(reader->ReadInto(e.key, absl::MakeSpan(buffer)),
                         absl::StatusCode::kNotFound, missing);
    }
  }
  // Listing still works after the failed reads.
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader->ListEntries();
  CKPT_REQUIRE_OK(listed);
  REQUIRE(listed->size() == 78);
}

TEST_CASE("Concurrent reads from one reader all verify", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  // A fresh reader: the threads race to open the two data files lazily.
  std::unique_ptr<BundleReader> reader = OpenVector("til/cp-0000.ckpt");
  const std::vector<ExpectedEntry> want = TilEntries();
  constexpr int kThreads = 4;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&reader, &want, &failures, t] {
      for (int round = 0; round < 3; ++round) {
        // Each thread starts at a different entry.
        for (size_t i = 0; i < want.size(); ++i) {
          const ExpectedEntry& w =
              want[(i + static_cast<size_t>(t)) % want.size()];
          absl::StatusOr<std::string> stored = reader->ReadStoredBytes(w.key);
          absl::StatusOr<Tensor> tensor = reader->Read(w.key);
          if (!stored.ok() || !tensor.ok() ||
              static_cast<int64_t>(stored->size()) != w.size) {
            ++failures[static_cast<size_t>(t)];
            continue;
          }
          if (w.dtype != DataType::kString &&
              (crc32c::Mask(crc32c::Value(stored->data(), stored->size())) !=
                   w.masked_crc32c ||
               tensor->bytes() != *stored)) {
            ++failures[static_cast<size_t>(t)];
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  REQUIRE(failures == std::vector<int>(kThreads, 0));
}

// ---------------------------------------------------------------------------
// Byte-identical re-writing.
// ---------------------------------------------------------------------------

TEST_CASE("Rewriting golf/ckpt-1 is byte-identical", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckRewriteIsByteIdentical("golf/ckpt-1");
}

TEST_CASE("Rewriting golf/ckpt-2 is byte-identical", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckRewriteIsByteIdentical("golf/ckpt-2");
}

TEST_CASE("Rewriting fsrcnn is byte-identical", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckRewriteIsByteIdentical("fsrcnn/ckpt-1");
}

TEST_CASE("Rewriting til (two shards) is byte-identical", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckRewriteIsByteIdentical("til/cp-0000.ckpt");
}

TEST_CASE("Rewriting with a small write buffer is byte-identical",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  // Not a multiple of any tensor size: tensors straddle buffer flushes.
  CheckRewriteIsByteIdentical("til/cp-0000.ckpt", 1000);
  CheckRewriteIsByteIdentical("golf/ckpt-1", 7);
}

TEST_CASE("Rewriting half_plus_three is byte-identical", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckRewriteIsByteIdentical("saved_model_half_plus_three/variables");
}

TEST_CASE("Rewriting saved_model_counter is byte-identical", "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  CheckRewriteIsByteIdentical("saved_model_counter/variables");
}

TEST_CASE("Rewriting half_plus_two keeps the data and the listing",
          "[tf_vectors]") {
  if (SkipWithoutTfTestData()) return;
  // TensorFlow's writers never compress, so the snappy index block of this
  // vector is not reproduced; the data file and every entry are.
  const std::string relative = "saved_model_half_plus_two_tf2_cpu/variables";
  std::unique_ptr<BundleReader> reader = OpenVector(relative);
  TempDir dir;
  const std::string prefix = Rewrite(*reader, dir);
  RequireSameBytes(DataFilename(prefix, 0, 1),
                   DataFilename(TfPath(relative), 0, 1));
  absl::StatusOr<std::unique_ptr<BundleReader>> reopened =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(reopened);
  CheckListing(**reopened, 1, HalfPlusTwoEntries());
  CheckReadsAll(**reopened, HalfPlusTwoEntries());
  // The rewritten index block is uncompressed: type byte 0 in the trailer
  // of the first block (the data block, 192 raw bytes per the spec).
  const std::string index = ReadFileOrDie(IndexFilename(prefix));
  REQUIRE(index.size() > 192 + 5);
  REQUIRE(index[192] == '\0');
}

}  // namespace
}  // namespace ckpt
