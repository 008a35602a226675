// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_npz.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: the .npz path of ckpt::bridges (lib/bridges/
// zip_format.h, npy_format.h), as the importer uses it. The whole input is
// a zip archive, read from memory: ZipReader::Open, then for each of the
// first 64 members ReadEntryPrefix(4096) -> ParseNpyHeader and
// ReadEntry(1 MiB). The input is also parsed as one .npy file. Fuzz builds
// skip the CRC check (CKPT_FUZZING_NO_CHECKSUMS).
//
// Checks, trapping on a violation: members lie inside the file; a prefix
// has min(4096, size) bytes and is the start of the whole member; a whole
// member has its declared size; a parsed npy header is written back by
// SerializeNpyHeader to a header that parses the same; the members read
// (with a name, up to 4 MiB in all) survive ZipWriter -> ZipReader.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bridges/npy_format.h"
#include "bridges/zip_format.h"
#include "ckpt/env.h"
#include "fuzz_inputs.h"

namespace {

using ckpt::bridges::NpyHeader;
using ckpt::bridges::ZipEntry;
using ckpt::bridges::ZipReader;

constexpr size_t kMaxMembers = 64;
constexpr size_t kPrefixBytes = 4096;
constexpr uint64_t kMaxMemberBytes = uint64_t{1} << 20;
constexpr uint64_t kMaxRewriteBytes = uint64_t{4} << 20;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckNpy(absl::string_view bytes, const std::string& name) {
  absl::StatusOr<NpyHeader> h = ckpt::bridges::ParseNpyHeader(bytes, name);
  if (!h.ok()) return;
  Check(h->data_offset <= bytes.size() && h->item_size > 0);
  uint64_t count = 1;
  for (int64_t d : h->shape) {
    Check(d >= 0 &&
          !__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count));
  }
  uint64_t data_bytes = 0;
  Check(!__builtin_mul_overflow(count, uint64_t{h->item_size}, &data_bytes) &&
        data_bytes == h->data_bytes);
  absl::StatusOr<std::string> again =
      ckpt::bridges::SerializeNpyHeader(h->dtype, h->shape, h->item_size);
  Check(again.ok());
  absl::StatusOr<NpyHeader> reparsed =
      ckpt::bridges::ParseNpyHeader(*again, "rewritten");
  Check(reparsed.ok() && reparsed->dtype == h->dtype &&
        reparsed->shape == h->shape && reparsed->item_size == h->item_size &&
        !reparsed->fortran_order && reparsed->data_offset == again->size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ckpt::fuzz::kMaxFuzzInputBytes) return -1;
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  CheckNpy(in, "fuzz.npy");

  std::unique_ptr<ckpt::Env> env = ckpt::NewMemEnv();
  if (!ckpt::fuzz::PutFile(env.get(), "/fuzz.npz", in)) return 0;
  absl::StatusOr<std::unique_ptr<ckpt::RandomAccessFile>> file =
      env->NewRandomAccessFile("/fuzz.npz");
  if (!file.ok()) return 0;
  absl::StatusOr<std::unique_ptr<ZipReader>> reader =
      ZipReader::Open(file->get(), "fuzz.npz");
  if (!reader.ok()) return 0;
  std::vector<std::pair<std::string, std::string>> members;
  uint64_t kept_bytes = 0;
  const std::vector<ZipEntry>& entries = (*reader)->entries();
  for (size_t i = 0; i < entries.size() && i < kMaxMembers; ++i) {
    const ZipEntry& e = entries[i];
    Check(e.data_offset <= size && e.compressed_size <= size - e.data_offset);
    absl::StatusOr<std::string> prefix =
        (*reader)->ReadEntryPrefix(e, kPrefixBytes);
    if (prefix.ok()) {
      Check(prefix->size() ==
            std::min<uint64_t>(kPrefixBytes, e.uncompressed_size));
      CheckNpy(*prefix, "fuzz.npz:" + e.name);
    }
    absl::StatusOr<std::string> whole =
        (*reader)->ReadEntry(e, kMaxMemberBytes);
    if (!whole.ok()) continue;
    Check(whole->size() == e.uncompressed_size);
    if (prefix.ok()) Check(whole->compare(0, prefix->size(), *prefix) == 0);
    // ZipWriter refuses empty names; a few MiB are enough to rewrite.
    if (!e.name.empty() && kept_bytes + whole->size() <= kMaxRewriteBytes) {
      kept_bytes += whole->size();
      members.emplace_back(e.name, std::move(*whole));
    }
  }

  // What was read survives a rewrite.
  absl::StatusOr<std::unique_ptr<ckpt::WritableFile>> sink =
      env->NewWritableFile("/rewritten.npz");
  Check(sink.ok());
  ckpt::bridges::ZipWriter writer(sink->get());
  for (const auto& [name, bytes] : members) {
    const absl::string_view pieces[] = {bytes};
    Check(writer.AddStored(name, pieces).ok());
  }
  Check(writer.Finish().ok() && (*sink)->Close().ok());
  absl::StatusOr<std::unique_ptr<ckpt::RandomAccessFile>> rewritten =
      env->NewRandomAccessFile("/rewritten.npz");
  Check(rewritten.ok());
  absl::StatusOr<std::unique_ptr<ZipReader>> again =
      ZipReader::Open(rewritten->get(), "rewritten.npz");
  Check(again.ok() && (*again)->entries().size() == members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    absl::StatusOr<std::string> bytes =
        (*again)->ReadEntry((*again)->entries()[i], kMaxMemberBytes);
    Check(bytes.ok() && (*again)->entries()[i].name == members[i].first &&
          *bytes == members[i].second);
  }
  return 0;
}
