// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// quickstart: writes a small TensorFlow-compatible checkpoint with
// ckpt::BundleWriter, reads it back with ckpt::BundleReader and checks every
// value.
//
//   quickstart OUTPUT_PREFIX
//
// writes OUTPUT_PREFIX.index and OUTPUT_PREFIX.data-00000-of-00001. Keys
// follow TensorFlow's object-based naming (`<object path>/.ATTRIBUTES/
// VARIABLE_VALUE`), so `tf.train.load_checkpoint(OUTPUT_PREFIX)` lists the
// same variables. Exits with 1 and the status message on any error.

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"

namespace {

struct Variable {
  std::string key;
  ckpt::Tensor value;
};

// The model: a 3 -> 2 dense layer, a training step and a small vocabulary.
absl::StatusOr<std::vector<Variable>> MakeVariables() {
  std::vector<Variable> vars;
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor kernel,
                        ckpt::Tensor::FromVector<float>(
                            {3, 2}, {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f}));
  vars.push_back(
      {"dense/kernel/.ATTRIBUTES/VARIABLE_VALUE", std::move(kernel)});
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor bias,
                        ckpt::Tensor::FromVector<float>({2}, {0.1f, -0.2f}));
  vars.push_back({"dense/bias/.ATTRIBUTES/VARIABLE_VALUE", std::move(bias)});
  vars.push_back(
      {"step/.ATTRIBUTES/VARIABLE_VALUE", ckpt::Tensor::Scalar<int64_t>(1000)});
  CKPT_ASSIGN_OR_RETURN(
      ckpt::Tensor vocab,
      ckpt::Tensor::FromStrings({4}, {"<unk>", "hello", "world", ""}));
  vars.push_back({"vocab/.ATTRIBUTES/VARIABLE_VALUE", std::move(vocab)});
  return vars;
}

absl::Status Write(const std::string& prefix,
                   const std::vector<Variable>& vars) {
  CKPT_ASSIGN_OR_RETURN(
      std::unique_ptr<ckpt::BundleWriter> writer,
      ckpt::BundleWriter::Create(ckpt::Env::Default(), prefix));
  for (const Variable& v : vars) {
    CKPT_RETURN_IF_ERROR(writer->Add(v.key, v.value));
    std::cout << "  added " << v.key << " " << v.value.DebugString() << "\n";
  }
  CKPT_RETURN_IF_ERROR(writer->Finish());
  std::cout << "wrote " << writer->num_entries() << " tensors to "
            << ckpt::IndexFilename(prefix) << " and "
            << ckpt::DataFilename(prefix, 0, 1) << "\n";
  return absl::OkStatus();
}

absl::Status ReadBack(const std::string& prefix,
                      const std::vector<Variable>& vars) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> reader,
                        ckpt::BundleReader::Open(ckpt::Env::Default(), prefix));
  CKPT_ASSIGN_OR_RETURN(auto entries, reader->ListEntries());
  if (entries.size() != vars.size()) {
    return absl::InternalError(absl::StrCat(prefix, ": expected ", vars.size(),
                                            " entries, found ",
                                            entries.size()));
  }
  std::cout << "read " << prefix << " (" << reader->num_shards()
            << " shard):\n";
  for (const auto& [key, entry] : entries) {
    std::cout << "  " << key << ": " << ckpt::DataTypeName(entry.dtype) << " "
              << entry.shape.DebugString() << ", " << entry.size
              << " bytes at offset " << entry.offset << "\n";
  }
  for (const Variable& v : vars) {
    CKPT_ASSIGN_OR_RETURN(ckpt::Tensor got, reader->Read(v.key));
    if (!got.Equals(v.value)) {
      return absl::InternalError(absl::StrCat(
          prefix, ": key '", v.key, "' read back as ", got.DebugString(),
          ", expected ", v.value.DebugString()));
    }
  }
  // Fixed-size tensors can also be read straight into caller memory.
  std::vector<float> bias(2);
  CKPT_RETURN_IF_ERROR(
      reader->ReadInto("dense/bias/.ATTRIBUTES/VARIABLE_VALUE",
                       absl::Span<char>(reinterpret_cast<char*>(bias.data()),
                                        bias.size() * sizeof(float))));
  if (bias[0] != 0.1f || bias[1] != -0.2f) {
    return absl::InternalError(
        absl::StrCat(prefix, ": ReadInto returned wrong bias values"));
  }
  std::cout << "all " << vars.size() << " tensors match what was written\n";
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << (argc > 0 ? argv[0] : "quickstart")
              << " OUTPUT_PREFIX\n"
              << "Writes OUTPUT_PREFIX.index and "
                 "OUTPUT_PREFIX.data-00000-of-00001, then reads them back.\n";
    return 2;
  }
  const std::string prefix = argv[1];
  absl::StatusOr<std::vector<Variable>> vars = MakeVariables();
  absl::Status status = vars.status();
  if (status.ok()) status = Write(prefix, *vars);
  if (status.ok()) status = ReadBack(prefix, *vars);
  if (!status.ok()) {
    std::cerr << "quickstart: " << status << "\n";
    return 1;
  }
  return 0;
}
