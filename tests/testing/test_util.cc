// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
#include "testing/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "ckpt/bundle_writer.h"

namespace ckpt::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/ckpt_test_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + tmpl);
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(path_, ec);
}

std::string TfTestDataDir() {
  std::error_code ec;
  if (std::filesystem::is_directory(CKPT_TESTDATA_DIR, ec)) {
    return std::filesystem::canonical(CKPT_TESTDATA_DIR, ec).string();
  }
  return "";
}

bool SkipWithoutTfTestData() {
  if (!TfTestDataDir().empty()) return false;
  WARN("SKIPPED: TensorFlow test vectors not found at " CKPT_TESTDATA_DIR);
  return true;
}

std::string TfPath(const std::string& relative) {
  return TfTestDataDir() + "/" + relative;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot create " + path);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string FromHex(const std::string& hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int v = std::isdigit(static_cast<unsigned char>(c))
                      ? c - '0'
                      : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

uint64_t GetVarint(absl::string_view* in) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    REQUIRE(!in->empty());
    const unsigned char b = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  FAIL("varint too long");
  return 0;
}

std::string CliPath() { return CKPT_CLI_PATH; }

void WriteBundleOrDie(
    const std::string& prefix,
    const std::vector<std::pair<std::string, Tensor>>& tensors) {
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w);
  for (const auto& [key, t] : tensors) CKPT_REQUIRE_OK((*w)->Add(key, t));
  CKPT_REQUIRE_OK((*w)->Finish());
}

int RunCommand(const std::string& command, std::string* out, std::string* err) {
  TempDir tmp;
  const std::string out_path = tmp.Join("stdout");
  const std::string err_path = tmp.Join("stderr");
  const std::string full =
      "(" + command + ") >" + out_path + " 2>" + err_path + " </dev/null";
  int rc = std::system(full.c_str());
  if (out) *out = ReadFileOrDie(out_path);
  if (err) *err = ReadFileOrDie(err_path);
  if (rc == -1) return -1;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

std::vector<DataType> StorableDataTypes() {
  std::vector<DataType> out;
  for (int32_t v = 0; v < 64; ++v) {
    if (IsKnownDataType(v) && IsStorableDataType(static_cast<DataType>(v))) {
      out.push_back(static_cast<DataType>(v));
    }
  }
  return out;
}

}  // namespace ckpt::testing
