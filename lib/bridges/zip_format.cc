// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Zip reading and writing for .npz files (see zip_format.h). Record
// layouts: PKWARE APPNOTE.TXT 6.3, sections 4.3.7 (local header), 4.3.12
// (central directory header), 4.3.14-4.3.16 (ZIP64 end record, locator,
// end record) and 4.5.3 (ZIP64 extra field).

#include "bridges/zip_format.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/errors.h"
#include "util/fuzzing.h"
#include "util/utf8.h"

namespace ckpt::bridges {
namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr uint64_t kMaxEndSearch = kEndSize + 0xFFFF;  // 65557
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t k32Max = 0xFFFFFFFF;
constexpr uint16_t k16Max = 0xFFFF;
constexpr size_t kReadChunk = size_t{1} << 16;

uint64_t Get(absl::string_view b, size_t pos, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i > 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(b[pos + i - 1]);
  }
  return v;
}
uint16_t Get16(absl::string_view b, size_t pos) {
  return static_cast<uint16_t>(Get(b, pos, 2));
}
uint32_t Get32(absl::string_view b, size_t pos) {
  return static_cast<uint32_t>(Get(b, pos, 4));
}
uint64_t Get64(absl::string_view b, size_t pos) { return Get(b, pos, 8); }

void Put(std::string* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
void Put16(std::string* out, uint64_t v) { Put(out, v, 2); }
void Put32(std::string* out, uint64_t v) { Put(out, v, 4); }
void Put64(std::string* out, uint64_t v) { Put(out, v, 8); }

absl::StatusOr<std::string> ReadAt(const RandomAccessFile& file,
                                   uint64_t offset, size_t n) {
  std::string buf(n, '\0');
  absl::Status s = file.Read(offset, n, buf.data());
  if (!s.ok()) return s;
  return buf;
}

uint32_t Crc32(absl::string_view data, uint32_t crc = 0) {
  // zlib returns 0 for a null buffer whatever `crc` is, and an empty
  // string_view's data() may be null: an empty piece changes nothing.
  if (data.empty()) return crc;
  return static_cast<uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

bool IsAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

// Frees a z_stream however inflating ends.
struct InflateEnder {
  z_stream* zs;
  ~InflateEnder() { inflateEnd(zs); }
};

}  // namespace

// ---- ZipReader ----

absl::StatusOr<std::unique_ptr<ZipReader>> ZipReader::Open(
    const RandomAccessFile* file, std::string display_name) {
  std::unique_ptr<ZipReader> reader(
      new ZipReader(file, std::move(display_name)));
  absl::Status s = reader->Load();
  if (!s.ok()) return s;
  return reader;
}

absl::Status ZipReader::Load() {
  const uint64_t size = file_->size();
  const auto loss = [&](auto&&... parts) {
    return absl::DataLossError(absl::StrCat(display_name_, ": ", parts...));
  };
  const auto multi_disk = [&](absl::string_view what) {
    return absl::UnimplementedError(absl::StrCat(
        display_name_, ": multi-disk zip archives are not supported (", what,
        ")"));
  };

  // -- end of central directory record: the last one whose comment ends the
  // file, else the last one whose comment fits in it.
  const uint64_t tail_len = std::min(size, kMaxEndSearch);
  const uint64_t tail_start = size - tail_len;
  absl::StatusOr<std::string> tail =
      ReadAt(*file_, tail_start, static_cast<size_t>(tail_len));
  if (!tail.ok()) return tail.status();
  std::optional<size_t> end_pos;
  std::optional<size_t> fallback;
  for (size_t pos = tail->size() >= kEndSize ? tail->size() - kEndSize + 1 : 0;
       pos-- > 0;) {
    if (Get32(*tail, pos) != kEndSignature) continue;
    const size_t comment_end = pos + kEndSize + Get16(*tail, pos + 20);
    if (comment_end == tail->size()) {
      end_pos = pos;
      break;
    }
    if (comment_end < tail->size() && !fallback.has_value()) fallback = pos;
  }
  if (!end_pos.has_value()) end_pos = fallback;
  if (!end_pos.has_value()) {
    return loss("no zip end of central directory record (file of ", size,
                " bytes)");
  }
  const absl::string_view end = absl::string_view(*tail).substr(*end_pos);
  const uint64_t end_offset = tail_start + *end_pos;
  uint64_t disk = Get16(end, 4);
  uint64_t dir_disk = Get16(end, 6);
  uint64_t count_on_disk = Get16(end, 8);
  uint64_t count = Get16(end, 10);
  uint64_t dir_size = Get32(end, 12);
  uint64_t dir_offset = Get32(end, 16);
  uint64_t dir_limit = end_offset;  // where the central directory must end

  // -- ZIP64 locator and end record.
  if (end_offset >= kZip64LocatorSize) {
    const uint64_t locator_offset = end_offset - kZip64LocatorSize;
    absl::StatusOr<std::string> locator =
        ReadAt(*file_, locator_offset, kZip64LocatorSize);
    if (!locator.ok()) return locator.status();
    if (Get32(*locator, 0) == kZip64LocatorSignature) {
      const uint64_t z_disk = Get32(*locator, 4);
      const uint64_t z_offset = Get64(*locator, 8);
      const uint64_t disks = Get32(*locator, 16);
      // Some writers put 0 for the number of disks; Python accepts <= 1.
      if (z_disk != 0 || disks > 1) {
        return multi_disk(absl::StrCat("ZIP64 locator: record on disk ", z_disk,
                                       " of ", disks));
      }
      // The record must end where its locator starts, as Python's zipfile
      // assumes (it reads it at locator - 56, whatever the locator says):
      // anything else would make the two read different directories.
      if (z_offset > locator_offset ||
          locator_offset - z_offset != kZip64EndSize) {
        return loss("ZIP64 end of central directory record at offset ",
                    z_offset, " outside the file (its locator is at ",
                    locator_offset, ")");
      }
      absl::StatusOr<std::string> z = ReadAt(*file_, z_offset, kZip64EndSize);
      if (!z.ok()) return z.status();
      if (Get32(*z, 0) != kZip64EndSignature) {
        return loss(absl::StrFormat(
            "bad ZIP64 end of central directory signature 0x%08x at offset %d",
            Get32(*z, 0), z_offset));
      }
      disk = Get32(*z, 16);
      dir_disk = Get32(*z, 20);
      count_on_disk = Get64(*z, 24);
      count = Get64(*z, 32);
      dir_size = Get64(*z, 40);
      dir_offset = Get64(*z, 48);
      dir_limit = z_offset;
    }
  }
  if (disk != 0 || dir_disk != 0 || count_on_disk != count) {
    return multi_disk(absl::StrCat("disk ", disk, ", directory on disk ",
                                   dir_disk, ", ", count_on_disk, " of ", count,
                                   " entries on this disk"));
  }
  // The directory must end where the end records start. Python's zipfile
  // takes any gap for bytes prepended to the archive and shifts every
  // offset by it; ckpt would read another directory from the same file.
  if (dir_offset > dir_limit || dir_size != dir_limit - dir_offset) {
    return loss("central directory [", dir_offset, ", ", dir_offset, " + ",
                dir_size, ") does not end where its end records start (",
                dir_limit, ")");
  }
  if (count > dir_size / kCentralHeaderSize) {
    return loss("central directory of ", dir_size, " bytes cannot hold ", count,
                " entries");
  }

  // -- central directory.
  absl::StatusOr<std::string> dir_bytes =
      ReadAt(*file_, dir_offset, static_cast<size_t>(dir_size));
  if (!dir_bytes.ok()) return dir_bytes.status();
  const absl::string_view dir = *dir_bytes;
  entries_.reserve(static_cast<size_t>(count));
  absl::flat_hash_set<absl::string_view> names;
  size_t p = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t at = dir_offset + p;
    if (dir.size() - p < kCentralHeaderSize) {
      return loss("central directory entry ", i, " at offset ", at,
                  " runs past the directory (", dir_size, " bytes)");
    }
    if (Get32(dir, p) != kCentralSignature) {
      return loss(absl::StrFormat(
          "bad central directory signature 0x%08x at offset %d (entry %d)",
          Get32(dir, p), at, i));
    }
    const uint16_t flags = Get16(dir, p + 8);
    ZipEntry e;
    e.method = Get16(dir, p + 10);
    e.crc32 = Get32(dir, p + 16);
    e.compressed_size = Get32(dir, p + 20);
    e.uncompressed_size = Get32(dir, p + 24);
    const size_t name_len = Get16(dir, p + 28);
    const size_t extra_len = Get16(dir, p + 30);
    const size_t comment_len = Get16(dir, p + 32);
    uint64_t start_disk = Get16(dir, p + 34);
    e.local_header_offset = Get32(dir, p + 42);
    if (name_len + extra_len + comment_len >
        dir.size() - p - kCentralHeaderSize) {
      return loss("central directory entry ", i, " at offset ", at,
                  ": name, extra field and comment (", name_len, " + ",
                  extra_len, " + ", comment_len,
                  " bytes) run past the directory");
    }
    e.name = std::string(dir.substr(p + kCentralHeaderSize, name_len));
    const std::string member = QuoteForMessage(e.name);
    absl::string_view extra =
        dir.substr(p + kCentralHeaderSize + name_len, extra_len);
    p += kCentralHeaderSize + name_len + extra_len + comment_len;

    // ZIP64 extra field: the 64-bit values of the fields set to all ones,
    // in the order uncompressed size, compressed size, offset, disk.
    const bool need[4] = {
        e.uncompressed_size == k32Max, e.compressed_size == k32Max,
        e.local_header_offset == k32Max, start_disk == k16Max};
    if (need[0] || need[1] || need[2] || need[3]) {
      bool found = false;
      while (!extra.empty()) {
        if (extra.size() < 4 || extra.size() - 4 < Get16(extra, 2)) {
          return loss("member ", member, ": malformed extra field");
        }
        const uint16_t id = Get16(extra, 0);
        absl::string_view data = extra.substr(4, Get16(extra, 2));
        extra.remove_prefix(4 + data.size());
        if (id != kZip64ExtraId) continue;
        found = true;
        const size_t zip64_len = data.size();
        uint64_t* fields[4] = {&e.uncompressed_size, &e.compressed_size,
                               &e.local_header_offset, &start_disk};
        for (int f = 0; f < 4; ++f) {
          if (!need[f]) continue;
          const size_t n = f == 3 ? 4 : 8;
          if (data.size() < n) {
            return loss("member ", member, ": ZIP64 extra field of ", zip64_len,
                        " bytes too short");
          }
          *fields[f] = Get(data, 0, n);
          data.remove_prefix(n);
        }
        break;
      }
      if (!found) {
        return loss("member ", member,
                    ": a size or offset is 0xFFFFFFFF without a ZIP64 "
                    "extra field");
      }
    }
    if (start_disk != 0) {
      return multi_disk(
          absl::StrCat("member ", member, " on disk ", start_disk));
    }
    if (flags & 1) {
      return absl::UnimplementedError(
          absl::StrCat(display_name_, ": member ", member,
                       ": encrypted members are not supported"));
    }
    // Names as numpy sees them: Python's zipfile cuts a name at NUL and
    // decodes one without the UTF-8 flag (bit 11) as cp437; ckpt takes the
    // bytes, so it refuses what would differ.
    if (e.name.find('\0') != std::string::npos) {
      return loss("member ", member, ": NUL byte in its name");
    }
    const bool ascii = std::all_of(e.name.begin(), e.name.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x80;
    });
    if (!ascii && (flags & 0x800) == 0) {
      return absl::UnimplementedError(absl::StrCat(
          display_name_, ": member ", member,
          ": a non-ASCII name without the UTF-8 flag (code page 437) is not "
          "supported"));
    }
    if (!IsValidUtf8(e.name)) {
      return loss("member ", member, ": name flagged UTF-8 is not UTF-8");
    }
    if (e.method != 0 && e.method != 8) {
      return absl::UnimplementedError(absl::StrCat(
          display_name_, ": member ", member, ": compression method ", e.method,
          " is not supported (only 0, stored, and 8, deflate)"));
    }
    if (e.method == 0 && e.compressed_size != e.uncompressed_size) {
      return loss("member ", member, ": stored, but its compressed size ",
                  e.compressed_size, " differs from its size ",
                  e.uncompressed_size);
    }
    entries_.push_back(std::move(e));
  }
  if (p != dir.size()) {
    return loss("central directory of ", dir_size, " bytes has ",
                dir.size() - p, " bytes after its ", count, " entries");
  }
  for (const ZipEntry& e : entries_) {
    if (!names.insert(e.name).second) {
      return loss("duplicate member name ", QuoteForMessage(e.name));
    }
  }

  // -- local headers; the ranges they and their data take.
  struct Range {
    uint64_t begin, end;
    const ZipEntry* entry;  // null: the central directory
  };
  std::vector<Range> ranges;
  ranges.reserve(entries_.size() + 1);
  for (ZipEntry& e : entries_) {
    const std::string member = QuoteForMessage(e.name);
    const uint64_t off = e.local_header_offset;
    if (off > size || size - off < kLocalHeaderSize) {
      return loss("member ", member, ": local header at offset ", off,
                  " past the end of the file (", size, " bytes)");
    }
    absl::StatusOr<std::string> local = ReadAt(*file_, off, kLocalHeaderSize);
    if (!local.ok()) return local.status();
    if (Get32(*local, 0) != kLocalSignature) {
      return loss(absl::StrFormat(
          "member %s: bad local header signature 0x%08x at offset %d", member,
          Get32(*local, 0), off));
    }
    const size_t name_len = Get16(*local, 26);
    const size_t extra_len = Get16(*local, 28);
    if (size - off - kLocalHeaderSize < name_len + extra_len) {
      return loss("member ", member, ": local header at offset ", off,
                  " runs past the end of the file (", size, " bytes)");
    }
    absl::StatusOr<std::string> local_name =
        ReadAt(*file_, off + kLocalHeaderSize, name_len);
    if (!local_name.ok()) return local_name.status();
    if (*local_name != e.name) {
      return loss("member ", member, ": local header names it ",
                  QuoteForMessage(*local_name));
    }
    e.data_offset = off + kLocalHeaderSize + name_len + extra_len;
    if (e.compressed_size > size - e.data_offset) {
      return loss("member ", member, ": data [", e.data_offset, ", ",
                  e.data_offset, " + ", e.compressed_size,
                  ") past the end of the file (", size, " bytes)");
    }
    ranges.push_back({off, e.data_offset + e.compressed_size, &e});
  }
  // The directory and the end records (which follow it directly: checked
  // above) end the archive; no member may reach into them.
  ranges.push_back({dir_offset, size, nullptr});
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  const auto describe = [](const Range& r) {
    return absl::StrCat(
        r.entry == nullptr
            ? std::string("the central directory and end records")
            : absl::StrCat("member ", QuoteForMessage(r.entry->name)),
        " [", r.begin, ", ", r.end, ")");
  };
  const Range* widest = nullptr;  // the range reaching furthest so far
  for (const Range& r : ranges) {
    if (widest != nullptr && r.begin < widest->end) {
      return loss(describe(*widest), " and ", describe(r), " overlap");
    }
    if (widest == nullptr || r.end > widest->end) widest = &r;
  }
  return absl::OkStatus();
}

absl::Status ZipReader::Inflate(const ZipEntry& e, size_t target, bool exact,
                                std::string* out) const {
  const std::string member = QuoteForMessage(e.name);
  z_stream zs = {};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
    return absl::ResourceExhaustedError(absl::StrCat(
        display_name_, ": member ", member, ": cannot start inflating"));
  }
  InflateEnder ender{&zs};
  std::string in;
  uint64_t in_offset = e.data_offset;
  uint64_t in_left = e.compressed_size;
  size_t produced = 0;
  char overflow = 0;  // one byte past the expected size
  while (true) {
    if (zs.avail_in == 0 && in_left > 0) {
      const size_t chunk =
          static_cast<size_t>(std::min<uint64_t>(in_left, kReadChunk));
      in.resize(chunk);
      absl::Status s = file_->Read(in_offset, chunk, in.data());
      if (!s.ok()) return s;
      in_offset += chunk;
      in_left -= chunk;
      zs.next_in = reinterpret_cast<Bytef*>(in.data());
      zs.avail_in = static_cast<uInt>(chunk);
    }
    // The buffer grows with what the stream really produces (doubling, from
    // 1 MiB), never ahead of it to the size the directory claims: a small
    // hostile member claiming gigabytes costs what it inflates to.
    if (produced == out->size() && out->size() < target) {
      out->resize(static_cast<size_t>(std::min<uint64_t>(
          target, std::max<uint64_t>(uint64_t{1} << 20, 2 * out->size()))));
    }
    const size_t want = out->size() - produced;
    if (want > 0) {
      zs.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
      zs.avail_out = static_cast<uInt>(std::min<size_t>(want, 1u << 30));
    } else if (exact) {
      zs.next_out = reinterpret_cast<Bytef*>(&overflow);
      zs.avail_out = 1;
    } else {
      return absl::OkStatus();
    }
    const uInt avail_before = zs.avail_out;
    const int ret = inflate(&zs, Z_NO_FLUSH);
    const size_t got = avail_before - zs.avail_out;
    if (want == 0 && got > 0) {
      return absl::DataLossError(absl::StrCat(
          display_name_, ": member ", member, ": inflates to more than ",
          e.uncompressed_size, " bytes"));
    }
    produced += got;
    if (ret == Z_STREAM_END) {
      if (produced < target) {
        return absl::DataLossError(
            absl::StrCat(display_name_, ": member ", member, ": inflates to ",
                         produced, " bytes, not ", e.uncompressed_size));
      }
      return absl::OkStatus();
    }
    if (ret == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
      return absl::DataLossError(absl::StrCat(
          display_name_, ": member ", member, ": deflate stream truncated (",
          e.compressed_size, " compressed bytes end after ", produced, " of ",
          e.uncompressed_size, " bytes)"));
    }
    if (ret != Z_OK) {
      return absl::DataLossError(absl::StrCat(
          display_name_, ": member ", member, ": invalid deflate data (",
          zs.msg != nullptr ? zs.msg : absl::StrCat("zlib error ", ret),
          ") after ", produced, " bytes"));
    }
  }
}

absl::Status ZipReader::ReadEntryInto(const ZipEntry& e, uint64_t max_bytes,
                                      std::string* out) const {
  if (e.uncompressed_size > max_bytes ||
      e.uncompressed_size > std::string().max_size()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        display_name_, ": member ", QuoteForMessage(e.name), ": ",
        e.uncompressed_size, " bytes, more than the limit of ", max_bytes));
  }
  out->clear();
  if (e.method == 0) {
    if (e.compressed_size != e.uncompressed_size) {
      return absl::DataLossError(
          absl::StrCat(display_name_, ": member ", QuoteForMessage(e.name),
                       ": stored, but its sizes differ"));
    }
    // Stored bytes lie inside the file (checked by Load): the size is real.
    out->resize(static_cast<size_t>(e.uncompressed_size));
    absl::Status s = file_->Read(e.data_offset, out->size(), out->data());
    if (!s.ok()) return s;
  } else {
    absl::Status s = Inflate(e, static_cast<size_t>(e.uncompressed_size),
                             /*exact=*/true, out);
    if (!s.ok()) return s;
  }
  const uint32_t crc = Crc32(*out);
  if (crc != e.crc32 && !kFuzzingSkipChecksums) {
    return absl::DataLossError(absl::StrFormat(
        "%s: member %s: crc mismatch (stored 0x%08x, computed 0x%08x)",
        display_name_, QuoteForMessage(e.name), e.crc32, crc));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ZipReader::ReadEntry(const ZipEntry& e,
                                                 uint64_t max_bytes) const {
  std::string out;
  absl::Status s = ReadEntryInto(e, max_bytes, &out);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> ZipReader::ReadEntryPrefix(const ZipEntry& e,
                                                       size_t n) const {
  const size_t size =
      static_cast<size_t>(std::min<uint64_t>(n, e.uncompressed_size));
  std::string out;
  if (e.method == 0) {
    out.resize(size);
    if (out.size() > e.compressed_size) {
      return absl::DataLossError(
          absl::StrCat(display_name_, ": member ", QuoteForMessage(e.name),
                       ": stored, but its sizes differ"));
    }
    absl::Status s = file_->Read(e.data_offset, out.size(), out.data());
    if (!s.ok()) return s;
    return out;
  }
  absl::Status s = Inflate(e, size, /*exact=*/false, &out);
  if (!s.ok()) return s;
  return out;
}

// ---- ZipWriter ----

ZipWriter::ZipWriter(WritableFile* file, uint64_t zip64_threshold)
    : file_(file), zip64_threshold_(zip64_threshold) {}

absl::Status ZipWriter::Append(absl::string_view data) {
  if (!status_.ok()) return status_;
  status_ = file_->Append(data);
  if (status_.ok()) offset_ += data.size();
  return status_;
}

namespace {
// Version needed to extract (and made by, with host 3: Unix).
constexpr uint16_t kVersionDefault = 20;
constexpr uint16_t kVersionZip64 = 45;
constexpr uint16_t kDosDate19800101 = (0 << 9) | (1 << 5) | 1;
constexpr uint32_t kRegularFile0644 = 0100644u << 16;
}  // namespace

absl::Status ZipWriter::AddStored(absl::string_view name,
                                  absl::Span<const absl::string_view> pieces) {
  if (!status_.ok()) return status_;
  if (finished_) {
    return absl::FailedPreconditionError(
        absl::StrCat(file_->path(), ": zip member ", QuoteForMessage(name),
                     " added after Finish"));
  }
  if (name.empty() || name.size() > k16Max) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(file_->path(), ": zip member name of ", name.size(),
                     " bytes (must be 1 to 65535)"));
    return status_;
  }
  // numpy must read back the name written (zipfile cuts at NUL, and the
  // UTF-8 flag set for non-ASCII names promises UTF-8).
  if (name.find('\0') != absl::string_view::npos || !IsValidUtf8(name)) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(file_->path(), ": zip member name ", QuoteForMessage(name),
                     " is not UTF-8 without NUL bytes"));
    return status_;
  }
  if (!names_.insert(std::string(name)).second) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        file_->path(), ": duplicate zip member ", QuoteForMessage(name)));
    return status_;
  }
  uint64_t size = 0;
  uint32_t crc = Crc32("");
  for (absl::string_view piece : pieces) {
    size += piece.size();
    crc = Crc32(piece, crc);
  }
  const bool zip64 = size >= zip64_threshold_;
  const uint16_t flags = IsAscii(name) ? 0 : 0x800;  // bit 11: UTF-8 name
  std::string h;
  Put32(&h, kLocalSignature);
  Put16(&h, zip64 ? kVersionZip64 : kVersionDefault);
  Put16(&h, flags);
  Put16(&h, 0);  // stored
  Put16(&h, 0);  // 00:00
  Put16(&h, kDosDate19800101);
  Put32(&h, crc);
  Put32(&h, zip64 ? k32Max : size);
  Put32(&h, zip64 ? k32Max : size);
  Put16(&h, name.size());
  Put16(&h, zip64 ? 20 : 0);
  h.append(name.data(), name.size());
  if (zip64) {
    Put16(&h, kZip64ExtraId);
    Put16(&h, 16);
    Put64(&h, size);
    Put64(&h, size);
  }
  const uint64_t offset = offset_;
  if (absl::Status s = Append(h); !s.ok()) return s;
  for (absl::string_view piece : pieces) {
    if (absl::Status s = Append(piece); !s.ok()) return s;
  }
  members_.push_back({std::string(name), crc, size, offset});
  return absl::OkStatus();
}

absl::Status ZipWriter::Finish() {
  if (!status_.ok()) return status_;
  if (finished_) {
    return absl::FailedPreconditionError(
        absl::StrCat(file_->path(), ": zip Finish called twice"));
  }
  finished_ = true;
  const uint64_t dir_offset = offset_;
  for (const Member& m : members_) {
    const bool big_size = m.size >= zip64_threshold_;
    const bool big_offset = m.offset >= zip64_threshold_;
    const uint16_t version =
        big_size || big_offset ? kVersionZip64 : kVersionDefault;
    std::string extra;
    if (big_size || big_offset) {
      Put16(&extra, kZip64ExtraId);
      Put16(&extra, (big_size ? 16 : 0) + (big_offset ? 8 : 0));
      if (big_size) {
        Put64(&extra, m.size);
        Put64(&extra, m.size);
      }
      if (big_offset) Put64(&extra, m.offset);
    }
    std::string h;
    Put32(&h, kCentralSignature);
    Put16(&h, (3 << 8) | version);  // made by: Unix
    Put16(&h, version);
    Put16(&h, IsAscii(m.name) ? 0 : 0x800);
    Put16(&h, 0);  // stored
    Put16(&h, 0);
    Put16(&h, kDosDate19800101);
    Put32(&h, m.crc32);
    Put32(&h, big_size ? k32Max : m.size);
    Put32(&h, big_size ? k32Max : m.size);
    Put16(&h, m.name.size());
    Put16(&h, extra.size());
    Put16(&h, 0);  // comment
    Put16(&h, 0);  // disk
    Put16(&h, 0);  // internal attributes
    Put32(&h, kRegularFile0644);
    Put32(&h, big_offset ? k32Max : m.offset);
    h += m.name;
    h += extra;
    if (absl::Status s = Append(h); !s.ok()) return s;
  }
  const uint64_t dir_size = offset_ - dir_offset;
  const uint64_t count = members_.size();
  const bool big_count = count >= std::min<uint64_t>(k16Max, zip64_threshold_);
  const bool big_dir_size = dir_size >= zip64_threshold_;
  const bool big_dir_offset = dir_offset >= zip64_threshold_;
  std::string tail;
  if (big_count || big_dir_size || big_dir_offset) {
    const uint64_t z_offset = offset_;
    Put32(&tail, kZip64EndSignature);
    Put64(&tail, kZip64EndSize - 12);  // size of the rest of the record
    Put16(&tail, (3 << 8) | kVersionZip64);
    Put16(&tail, kVersionZip64);
    Put32(&tail, 0);  // this disk
    Put32(&tail, 0);  // disk of the central directory
    Put64(&tail, count);
    Put64(&tail, count);
    Put64(&tail, dir_size);
    Put64(&tail, dir_offset);
    Put32(&tail, kZip64LocatorSignature);
    Put32(&tail, 0);  // disk of the ZIP64 end record
    Put64(&tail, z_offset);
    Put32(&tail, 1);  // disks
  }
  Put32(&tail, kEndSignature);
  Put16(&tail, 0);
  Put16(&tail, 0);
  Put16(&tail, big_count ? k16Max : count);
  Put16(&tail, big_count ? k16Max : count);
  Put32(&tail, big_dir_size ? k32Max : dir_size);
  Put32(&tail, big_dir_offset ? k32Max : dir_offset);
  Put16(&tail, 0);  // comment
  return Append(tail);
}

}  // namespace ckpt::bridges
