// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
#include "testing/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ckpt::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ckpt_test_XXXXXX";
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

std::string CliPath() { return CKPT_CLI_PATH; }

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

}  // namespace ckpt::testing
