// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Consumer of an installed ckpt: writes a tiny bundle into a fresh temporary
// directory and reads it back; then saves an object graph (a plain aggregate
// named with CKPT_FIELD_NAMES, i.e. Boost.PFR, holding a ShardedVariable;
// ckpt/checkpoint.h includes absl/container/btree_map.h) and restores it
// into other parts; checks the values and removes the directory. It needs
// the include directories of ckpt's public dependencies, which it gets from
// ckpt::ckpt alone. Exit status 0 on success; otherwise the failing step is
// printed.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"

// A plain aggregate: Boost.PFR finds the fields, CKPT_FIELD_NAMES names them.
struct Embedding {
  ckpt::ShardedVariable table;
  ckpt::Variable bias{ckpt::DataType::kFloat, {4}};
};
CKPT_FIELD_NAMES(Embedding, "table", "bias");

namespace {

absl::Status RoundTrip(const std::string& dir) {
  const std::string prefix = dir + "/ckpt-1";
  ckpt::Env* env = ckpt::Env::Default();
  const ckpt::Tensor weights =
      ckpt::Tensor::FromVector<float>({2, 2}, {1.0f, 2.0f, 3.0f, 4.0f}).value();
  const ckpt::Tensor step = ckpt::Tensor::Scalar<int64_t>(7);
  {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleWriter> w,
                          ckpt::BundleWriter::Create(env, prefix));
    CKPT_RETURN_IF_ERROR(w->Add("w/.ATTRIBUTES/VARIABLE_VALUE", weights));
    CKPT_RETURN_IF_ERROR(w->Add("step/.ATTRIBUTES/VARIABLE_VALUE", step));
    CKPT_RETURN_IF_ERROR(w->Finish());
  }
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> r,
                        ckpt::BundleReader::Open(env, prefix));
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor w2,
                        r->Read("w/.ATTRIBUTES/VARIABLE_VALUE"));
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor s2,
                        r->Read("step/.ATTRIBUTES/VARIABLE_VALUE"));
  if (!w2.Equals(weights) || !s2.Equals(step)) {
    return absl::InternalError("values read back differ: " + w2.DebugString() +
                               " / " + s2.DebugString());
  }
  return absl::OkStatus();
}

// Saves an Embedding whose 6x4 table is in 3 parts, restores it into one
// whose table is in 2 parts, and compares.
absl::Status ObjectGraphRoundTrip(const std::string& dir) {
  const std::string prefix = dir + "/graph";
  CKPT_ASSIGN_OR_RETURN(
      ckpt::ShardedVariable table,
      ckpt::ShardedVariable::Create(ckpt::DataType::kFloat, {6, 4}, 3));
  Embedding saved{std::move(table)};
  float next = 1.0f;
  for (int p = 0; p < saved.table.num_parts(); ++p) {
    for (float& v : saved.table.mutable_part(p).mutable_flat<float>()) {
      v = next++;
    }
  }
  saved.bias.mutable_flat<float>()[2] = 0.5f;
  {
    ckpt::Checkpoint checkpoint;
    CKPT_RETURN_IF_ERROR(checkpoint.Track("embedding", saved));
    CKPT_RETURN_IF_ERROR(checkpoint.Write(prefix));
  }
  CKPT_ASSIGN_OR_RETURN(
      ckpt::ShardedVariable other,
      ckpt::ShardedVariable::Create(ckpt::DataType::kFloat, {6, 4}, 2));
  Embedding restored{std::move(other)};
  ckpt::Checkpoint checkpoint;
  CKPT_RETURN_IF_ERROR(checkpoint.Track("embedding", restored));
  CKPT_ASSIGN_OR_RETURN(ckpt::RestoreStatus status, checkpoint.Read(prefix));
  CKPT_RETURN_IF_ERROR(status.AssertConsumed());
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor want, saved.table.Concat());
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor got, restored.table.Concat());
  if (restored.table.num_parts() != 2 || !got.Equals(want) ||
      !restored.bias.value().Equals(saved.bias.value())) {
    return absl::InternalError(
        "object graph read back differs: " + got.DebugString() + " / " +
        restored.bias.value().DebugString());
  }
  return absl::OkStatus();
}

}  // namespace

int main() {
  if (ckpt::crc32c::Value("123456789", 9) != 0xE3069283u) {
    std::cerr << "consumer: crc32c check value mismatch\n";
    return 1;
  }
  if (ckpt::DataTypeName(ckpt::DataType::kFloat) != "float32") {
    std::cerr << "consumer: DataTypeName(kFloat) != float32\n";
    return 1;
  }

  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string templ = (base / "ckpt-consumer-XXXXXX").string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::cerr << "consumer: mkdtemp(" << templ << ") failed\n";
    return 1;
  }
  const std::string dir = buf.data();

  absl::Status status = RoundTrip(dir);
  if (status.ok()) status = ObjectGraphRoundTrip(dir);
  std::filesystem::remove_all(dir, ec);
  if (!status.ok()) {
    std::cerr << "consumer: " << status << "\n";
    return 1;
  }
  std::cout << "consumer: wrote and read back a bundle and an object graph "
               "with ckpt::ckpt\n";
  return 0;
}
