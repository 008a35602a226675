// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Consumer of an installed ckpt: writes a tiny bundle into a fresh temporary
// directory, reads it back, checks the values and removes the directory.
// Exit status 0 on success; otherwise the failing step is printed.

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
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"

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

  const absl::Status status = RoundTrip(dir);
  std::filesystem::remove_all(dir, ec);
  if (!status.ok()) {
    std::cerr << "consumer: " << status << "\n";
    return 1;
  }
  std::cout << "consumer: wrote and read back a bundle with ckpt::ckpt\n";
  return 0;
}
