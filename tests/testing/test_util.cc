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

#include "bundle/entry_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "table/table_builder.h"

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

void CorruptStoredByte(const std::string& prefix, const std::string& key,
                       int64_t at, uint8_t mask) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), prefix);
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  absl::StatusOr<BundleEntry> entry = (*r)->GetEntry(key);
  if (!entry.ok()) throw std::runtime_error(entry.status().ToString());
  const std::string data = DataFilename(prefix, 0, 1);
  std::string bytes = ReadFileOrDie(data);
  const size_t offset = static_cast<size_t>(entry->offset + at);
  if (offset >= bytes.size()) throw std::runtime_error("offset past " + data);
  bytes[offset] = static_cast<char>(bytes[offset] ^ mask);
  WriteFileOrDie(data, bytes);
}

void MutateBytes(std::string* bytes, std::mt19937_64& rng) {
  if (bytes->empty()) bytes->push_back('\x08');
  for (int m = 0, n = 1 + static_cast<int>(rng() % 3); m < n; ++m) {
    const size_t at = rng() % bytes->size();
    switch (rng() % 3) {
      case 0:
        (*bytes)[at] = static_cast<char>((*bytes)[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        bytes->insert(bytes->begin() + static_cast<std::ptrdiff_t>(at),
                      static_cast<char>(rng()));
        break;
      default:
        bytes->erase(at, 1);
        if (bytes->empty()) bytes->push_back('\x08');
    }
  }
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

void SetEntryDtypesOrDie(
    const std::string& prefix,
    const std::vector<std::pair<std::string, int32_t>>& dtypes) {
  Env* env = Env::Default();
  std::string header;
  std::vector<std::pair<std::string, std::string>> entries;
  {
    absl::StatusOr<std::unique_ptr<BundleReader>> r =
        BundleReader::Open(env, prefix);
    CKPT_REQUIRE_OK(r);
    header = bundle::EncodeHeader((*r)->header());
    absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
        (*r)->ListEntries();
    CKPT_REQUIRE_OK(listed);
    for (auto& [key, entry] : *listed) {
      for (const auto& [k, dtype] : dtypes) {
        if (k == key) entry.dtype = static_cast<DataType>(dtype);
      }
      entries.emplace_back(key, bundle::EncodeEntry(entry));
    }
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> f =
      env->NewWritableFile(IndexFilename(prefix));
  CKPT_REQUIRE_OK(f);
  table::TableBuilder b(table::TableOptions(), f->get());
  CKPT_REQUIRE_OK(b.Add("", header));
  for (const auto& [k, v] : entries) CKPT_REQUIRE_OK(b.Add(k, v));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK((*f)->Close());
}

std::string VariantElementBytes(const std::string& type_name,
                                const std::string& metadata, int num_tensors) {
  const auto varint = [](uint64_t v, std::string* out) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  };
  std::string out;
  if (!type_name.empty()) {
    out.push_back('\x0a');
    varint(type_name.size(), &out);
    out += type_name;
  }
  if (!metadata.empty()) {
    out.push_back('\x12');
    varint(metadata.size(), &out);
    out += metadata;
  }
  for (int i = 0; i < num_tensors; ++i) {
    // TensorProto { dtype: DT_INT64, int64_val: i }
    const std::string tensor = {'\x08', '\x09', '\x50',
                                static_cast<char>(i & 0x7f)};
    out.push_back('\x1a');
    varint(tensor.size(), &out);
    out += tensor;
  }
  return out;
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
