// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the tests of BundleWriter and BundleReader
// (bundle_round_trip_test.cc, bundle_writer_test.cc, bundle_reader_test.cc,
// read_many_test.cc): writers and readers that must open, random tensors
// and bundles with what they hold, and raw index files. Failures are Catch2
// assertions, so call them from inside a TEST_CASE only.

#ifndef CKPT_TESTS_BUNDLE_BUNDLE_TEST_UTIL_H_
#define CKPT_TESTS_BUNDLE_BUNDLE_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"

namespace ckpt::testing {

inline constexpr size_t kMiB = size_t{1} << 20;

// Default writer options with sync off (the tests do not need durability).
BundleWriterOptions TestOptions();

// BundleWriter::Create / BundleReader::Open that must succeed.
std::unique_ptr<BundleWriter> MustCreate(Env* env, const std::string& prefix,
                                         BundleWriterOptions o = TestOptions());
std::unique_ptr<BundleReader> MustOpen(Env* env, const std::string& prefix);

// The entries of `dir`, sorted; the listing must succeed.
std::vector<std::string> Children(Env* env, const std::string& dir);

// True if a name is a writer's temporary file (contains ".tempstate").
bool AnyTempFile(const std::vector<std::string>& names);

// A random byte string: empty, short, or long enough for a two-byte varint
// length; binary, NULs included.
std::string RandomString(std::mt19937_64& rng);

// A random tensor of `dtype`: a scalar, a zero-size tensor or up to rank 3,
// with incompressible, zero, repetitive or smooth bytes (strings: see
// RandomString), values in range for the narrow types.
Tensor RandomTensor(std::mt19937_64& rng, DataType dtype);

// What WriteRandomBundle stored under one key.
struct Expected {
  Tensor tensor;
  int shard = 0;
};

// Writes a random bundle with `options`, returns what it holds.
std::map<std::string, Expected> WriteRandomBundle(
    Env* env, const std::string& prefix, const BundleWriterOptions& options,
    uint64_t seed, int num_tensors);

// A small float tensor ({2, 2}: 1 2 3 4).
Tensor SomeTensor();

// Writes an index holding `entries` (already serialized) under a header of
// `num_shards`, plus empty data files.
void WriteRawIndex(
    Env* env, const std::string& prefix, int num_shards,
    const std::vector<std::pair<std::string, std::string>>& entries);

// Fills `bytes` quickly: random bytes, or (compressible) runs of 64 equal
// bytes from a five-letter alphabet, which LZ4 shrinks well.
void FillBatchBytes(std::mt19937_64& rng, bool compressible,
                    absl::Span<char> bytes);

// A uint8 vector tensor of `bytes` bytes.
Tensor BytesTensor(std::mt19937_64& rng, size_t bytes, bool compressible);

}  // namespace ckpt::testing

#endif  // CKPT_TESTS_BUNDLE_BUNDLE_TEST_UTIL_H_
