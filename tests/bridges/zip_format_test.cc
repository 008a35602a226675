// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// zip container: ZipWriter -> ZipReader round trips (empty, many, > 64 KiB
// and > 0xFFFF members), archives written by numpy 1.24 (np.savez: STORED
// with ZIP64 local extras; np.savez_compressed: DEFLATE), ZIP64 output
// read back by Python's zipfile, `unzip -t` and numpy.load, and one test
// per malformed archive.

#include "bridges/zip_format.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bridges/npy_format.h"
#include "testing/test_util.h"

namespace ckpt::bridges {
namespace {

using absl::StatusCode;

// A WritableFile appending to a string; fails every Append once
// `fail_after` bytes would be passed.
class StringFile : public WritableFile {
 public:
  explicit StringFile(uint64_t fail_after = UINT64_MAX)
      : fail_after_(fail_after) {}
  absl::Status Append(absl::string_view data) override {
    if (bytes_.size() + data.size() > fail_after_) {
      return absl::ResourceExhaustedError("mem.zip: No space left on device");
    }
    bytes_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }
  const std::string& path() const override { return path_; }
  const std::string& bytes() const { return bytes_; }

 private:
  uint64_t fail_after_;
  std::string bytes_;
  std::string path_ = "mem.zip";
};

using Members = std::vector<std::pair<std::string, std::string>>;

std::string Zip(const Members& members,
                uint64_t threshold = ZipWriter::kZip64Limit) {
  StringFile out;
  ZipWriter w(&out, threshold);
  for (const auto& [name, data] : members) {
    const absl::string_view pieces[] = {data};
    REQUIRE(w.AddStored(name, pieces).ok());
  }
  REQUIRE(w.Finish().ok());
  CHECK(w.bytes_written() == out.bytes().size());
  return out.bytes();
}

// `bytes` as a file of an in-memory Env, opened by a ZipReader.
struct Opened {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<RandomAccessFile> file;
  absl::StatusOr<std::unique_ptr<ZipReader>> reader;
};
Opened Open(const std::string& bytes, const std::string& name = "t.npz") {
  Opened o;
  auto out = o.env->NewWritableFile("/" + name);
  REQUIRE(out.ok());
  REQUIRE((*out)->Append(bytes).ok());
  REQUIRE((*out)->Close().ok());
  auto file = o.env->NewRandomAccessFile("/" + name);
  REQUIRE(file.ok());
  o.file = *std::move(file);
  o.reader = ZipReader::Open(o.file.get(), name);
  return o;
}
absl::Status OpenStatus(std::string bytes) {
  return Open(std::move(bytes)).reader.status();
}

uint32_t Get32(const std::string& s, size_t pos) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[pos + i]);
  return v;
}
uint16_t Get16(const std::string& s, size_t pos) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[pos]) |
                               (static_cast<uint8_t>(s[pos + 1]) << 8));
}
void Put(std::string* s, size_t pos, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) (*s)[pos + i] = static_cast<char>(v >> (8 * i));
}
// Offsets in an archive without ZIP64 or comment.
size_t EndPos(const std::string& z) { return z.size() - 22; }
size_t DirPos(const std::string& z) { return Get32(z, EndPos(z) + 16); }
size_t CentralPos(const std::string& z, int i) {
  size_t p = DirPos(z);
  for (int k = 0; k < i; ++k) {
    p += 46 + Get16(z, p + 28) + Get16(z, p + 30) + Get16(z, p + 32);
  }
  return p;
}
size_t LocalPos(const std::string& z, int i) {
  return Get32(z, CentralPos(z, i) + 42);
}

std::string Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string RawDeflate(const std::string& in) {
  z_stream zs = {};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

uint32_t Crc(const std::string& s) {
  return static_cast<uint32_t>(crc32(0,
                                     reinterpret_cast<const Bytef*>(s.data()),
                                     static_cast<uInt>(s.size())));
}

// An archive whose member "d" holds `plain` DEFLATEd (written STORED, then
// its central entry patched): `usize` and `crc` as declared.
std::string DeflateZip(const std::string& plain, uint64_t usize, uint32_t crc) {
  std::string z = Zip({{"d", RawDeflate(plain)}});
  const size_t c = CentralPos(z, 0);
  Put(&z, c + 10, 8, 2);
  Put(&z, c + 16, crc, 4);
  Put(&z, c + 24, usize, 4);
  return z;
}

// np.savez(f, a=np.array([1.5, 2.5], '<f4'), b=np.array([[1, 2], [3, 4]],
// '|u1')) with numpy 1.24.2 (ZIP64 extra fields in the local headers).
const char kSavez[] =
    "504b03041400000000000000210054e4777d880000008800000005001400612e"
    "6e70790100100088000000000000008800000000000000934e554d5059010076"
    "007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572"
    "273a2046616c73652c20277368617065273a2028322c292c207d202020202020"
    "2020202020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020200a0000c03f0000204050"
    "4b030414000000000000002100825f58eb840000008400000005001400622e6e"
    "70790100100084000000000000008400000000000000934e554d505901007600"
    "7b276465736372273a20277c7531272c2027666f727472616e5f6f7264657227"
    "3a2046616c73652c20277368617065273a2028322c2032292c207d2020202020"
    "2020202020202020202020202020202020202020202020202020202020202020"
    "2020202020202020202020202020202020202020200a01020304504b01021403"
    "1400000000000000210054e4777d880000008800000005000000000000000000"
    "0000800100000000612e6e7079504b0102140314000000000000002100825f58"
    "eb84000000840000000500000000000000000000008001bf000000622e6e7079"
    "504b05060000000002000200660000007a0100000000";
// np.savez_compressed(f, w=np.zeros((4, 4), '<f8'),
// s=np.array([b'ab', b'cde'])) with numpy 1.24.2.
const char kSavezCompressed[] =
    "504b030414000000080000002100c892d081490000000001000005001400772e"
    "6e707901001000000100000000000049000000000000009bec17ea1b10c9c850"
    "c650ad9e925a9c5ca46ea5a06e9366a1aea3a09e965f54529498179f5f94920a"
    "12774bcc294e058a17672416a402f91a263a0a269a3a0ab50a64032e86010600"
    "504b0304140000000800000021005dce006c4a0000008600000005001400732e"
    "6e70790100100086000000000000004a000000000000009bec17ea1b10c9c850"
    "c650ad9e925a9c5ca46ea5a05e136cacaea3a09e965f54529498179f5f94920a"
    "12774bcc294e058a17672416a402f91a463a9a3a0ab50a1400aec42486e49454"
    "00504b0102140314000000080000002100c892d0814900000000010000050000"
    "000000000000000000800100000000772e6e7079504b01021403140000000800"
    "000021005dce006c4a0000008600000005000000000000000000000080018000"
    "0000732e6e7079504b0506000000000200020066000000010100000000";

bool Executable(const char* path) { return access(path, X_OK) == 0; }

TEST_CASE("zip round trip: empty, small, large and split members") {
  const std::string big = Random(200 << 10, 1);
  StringFile out;
  ZipWriter w(&out);
  CKPT_REQUIRE_OK(w.AddStored("empty.npy", {}));
  // A default string_view has a null data(), which zlib's crc32 must never
  // see (it returns 0 for a null buffer whatever the running CRC).
  const absl::string_view split[] = {"he", "", "llo", absl::string_view()};
  CKPT_REQUIRE_OK(w.AddStored("hello", split));
  const absl::string_view pieces[] = {absl::string_view(big).substr(0, 1000),
                                      absl::string_view(big).substr(1000)};
  CKPT_REQUIRE_OK(w.AddStored("dir/big.npy", pieces));
  const absl::string_view utf8[] = {"x"};
  CKPT_REQUIRE_OK(w.AddStored("\xc3\xa9t\xc3\xa9", utf8));
  CKPT_REQUIRE_OK(w.Finish());
  CHECK(w.bytes_written() == out.bytes().size());

  Opened o = Open(out.bytes());
  CKPT_REQUIRE_OK(o.reader);
  const std::vector<ZipEntry>& e = (*o.reader)->entries();
  REQUIRE(e.size() == 4);
  CHECK(e[0].name == "empty.npy");
  CHECK(e[1].name == "hello");
  CHECK(e[2].name == "dir/big.npy");
  CHECK(e[3].name == "\xc3\xa9t\xc3\xa9");
  const std::vector<std::string> want = {"", "hello", big, "x"};
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(e[i].method == 0);
    CHECK(e[i].uncompressed_size == want[i].size());
    CHECK(e[i].crc32 == Crc(want[i]));
    absl::StatusOr<std::string> got = (*o.reader)->ReadEntry(e[i], 1 << 20);
    CKPT_REQUIRE_OK(got);
    CHECK(*got == want[i]);
  }
  absl::StatusOr<std::string> prefix = (*o.reader)->ReadEntryPrefix(e[2], 100);
  CKPT_REQUIRE_OK(prefix);
  CHECK(*prefix == big.substr(0, 100));
  prefix = (*o.reader)->ReadEntryPrefix(e[1], 100);
  CKPT_REQUIRE_OK(prefix);
  CHECK(*prefix == "hello");
  // Fixed bytes: the local header of "hello" (DOS date 1980-01-01).
  const std::string& z = out.bytes();
  const size_t l = static_cast<size_t>(e[1].local_header_offset);
  CHECK(z.substr(l, 30) ==
        testing::FromHex("504b0304 1400 0000 0000 0000 2100 86a61036 "
                         "05000000 05000000 0500 0000"));
  CHECK(Get16(z, static_cast<size_t>(e[3].local_header_offset) + 6) == 0x800);
}

TEST_CASE("zip round trip of many members") {
  Members members;
  for (int i = 0; i < 1000; ++i) {
    members.emplace_back(absl::StrCat("m", i, ".npy"), Random(i % 37, i));
  }
  Opened o = Open(Zip(members));
  CKPT_REQUIRE_OK(o.reader);
  REQUIRE((*o.reader)->entries().size() == members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const ZipEntry& e = (*o.reader)->entries()[i];
    CHECK(e.name == members[i].first);
    absl::StatusOr<std::string> got = (*o.reader)->ReadEntry(e, 100);
    CKPT_REQUIRE_OK(got);
    CHECK(*got == members[i].second);
  }
}

TEST_CASE("zip with 0xFFFF or more members uses the ZIP64 end records") {
  Members members;
  for (int i = 0; i < 70000; ++i) members.emplace_back(absl::StrCat(i), "");
  const std::string z = Zip(members);
  CHECK(Get16(z, z.size() - 22 + 10) == 0xFFFF);
  CHECK(Get32(z, z.size() - 22 - 20) == 0x07064b50);
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  REQUIRE((*o.reader)->entries().size() == 70000);
  CHECK((*o.reader)->entries().back().name == "69999");
}

TEST_CASE("zip reads np.savez output") {
  Opened o = Open(testing::FromHex(kSavez), "savez.npz");
  CKPT_REQUIRE_OK(o.reader);
  const std::vector<ZipEntry>& e = (*o.reader)->entries();
  REQUIRE(e.size() == 2);
  CHECK(e[0].name == "a.npy");
  CHECK(e[0].crc32 == 2105009236u);
  CHECK(e[0].uncompressed_size == 136);
  CHECK(e[0].data_offset == 30 + 5 + 20);  // ZIP64 extra in the local header
  CHECK(e[1].name == "b.npy");
  CHECK(e[1].local_header_offset == 191);
  absl::StatusOr<std::string> a = (*o.reader)->ReadEntry(e[0], 1 << 20);
  CKPT_REQUIRE_OK(a);
  absl::StatusOr<NpyHeader> h = ParseNpyHeader(*a, "savez.npz:a.npy");
  CKPT_REQUIRE_OK(h);
  CHECK(h->dtype == DataType::kFloat);
  CHECK(h->shape == std::vector<int64_t>{2});
  float v[2];
  REQUIRE(a->size() == h->data_offset + 8);
  a->copy(reinterpret_cast<char*>(v), 8, h->data_offset);
  CHECK(v[0] == 1.5f);
  CHECK(v[1] == 2.5f);
  absl::StatusOr<std::string> b = (*o.reader)->ReadEntry(e[1], 1 << 20);
  CKPT_REQUIRE_OK(b);
  CHECK(b->substr(128) == "\x01\x02\x03\x04");
}

TEST_CASE("zip reads np.savez_compressed output") {
  Opened o = Open(testing::FromHex(kSavezCompressed), "c.npz");
  CKPT_REQUIRE_OK(o.reader);
  const std::vector<ZipEntry>& e = (*o.reader)->entries();
  REQUIRE(e.size() == 2);
  CHECK(e[0].name == "w.npy");
  CHECK(e[0].method == 8);
  CHECK(e[0].compressed_size == 73);
  CHECK(e[0].uncompressed_size == 256);
  absl::StatusOr<std::string> w = (*o.reader)->ReadEntry(e[0], 256);
  CKPT_REQUIRE_OK(w);
  CHECK(w->substr(128) == std::string(128, '\0'));
  absl::StatusOr<std::string> prefix = (*o.reader)->ReadEntryPrefix(e[1], 128);
  CKPT_REQUIRE_OK(prefix);
  absl::StatusOr<NpyHeader> h = ParseNpyHeader(*prefix, "c.npz:s.npy");
  CKPT_REQUIRE_OK(h);
  CHECK(h->dtype == DataType::kString);
  CHECK(h->item_size == 3);
  absl::StatusOr<std::string> s = (*o.reader)->ReadEntry(e[1], 1000);
  CKPT_REQUIRE_OK(s);
  CHECK(s->substr(128) == std::string("ab\0cde", 6));
  CKPT_REQUIRE_ERROR((*o.reader)->ReadEntry(e[0], 255),
                     StatusCode::kResourceExhausted,
                     "c.npz: member 'w.npy': 256 bytes, more than the limit "
                     "of 255");
}

TEST_CASE("zip forced ZIP64 output is read by Python, unzip and ZipReader") {
  testing::TempDir dir;
  absl::StatusOr<std::string> h = SerializeNpyHeader(DataType::kFloat, {2, 3});
  CKPT_REQUIRE_OK(h);
  std::string data;
  for (float v : {0.5f, 1.f, 2.f, 3.f, 4.f, 5.f}) {
    data.append(reinterpret_cast<const char*>(&v), 4);
  }
  absl::StatusOr<std::string> sh =
      SerializeNpyHeader(DataType::kString, {2}, 3);
  CKPT_REQUIRE_OK(sh);
  const Members members = {{"x.npy", *h + data},
                           {"empty", ""},
                           {"s.npy", *sh + std::string("ab\0cde", 6)}};
  for (uint64_t threshold :
       {uint64_t{1}, uint64_t{100}, ZipWriter::kZip64Limit}) {
    INFO("threshold " << threshold);
    const std::string z = Zip(members, threshold);
    if (threshold != ZipWriter::kZip64Limit) {
      CHECK(Get32(z, z.size() - 22 - 20) == 0x07064b50);  // ZIP64 locator
    }
    Opened o = Open(z);
    CKPT_REQUIRE_OK(o.reader);
    REQUIRE((*o.reader)->entries().size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      absl::StatusOr<std::string> got =
          (*o.reader)->ReadEntry((*o.reader)->entries()[i], 1000);
      CKPT_REQUIRE_OK(got);
      CHECK(*got == members[i].second);
    }
    const std::string path = dir.Join(absl::StrCat("t", threshold, ".npz"));
    testing::WriteFileOrDie(path, z);
    if (!Executable("/usr/bin/python3")) {
      SUCCEED("no /usr/bin/python3");
      continue;
    }
    std::string out, err;
    int rc = testing::RunCommand(
        "/usr/bin/python3 -c \"import zipfile,sys; "
        "z=zipfile.ZipFile(sys.argv[1]); "
        "assert z.testzip() is None; print(z.namelist())\" " +
            path,
        &out, &err);
    INFO(err);
    CHECK(rc == 0);
    CHECK(out == "['x.npy', 'empty', 's.npy']\n");
    rc = testing::RunCommand(
        "/usr/bin/python3 -c \"import numpy as np,sys; d=np.load(sys.argv[1]); "
        "print(d['x'].tolist(), d['s'].tolist())\" " +
            path,
        &out, &err);
    if (err.find("No module named") != std::string::npos) continue;
    CHECK(rc == 0);
    CHECK(out == "[[0.5, 1.0, 2.0], [3.0, 4.0, 5.0]] [b'ab', b'cde']\n");
    if (Executable("/usr/bin/unzip")) {
      rc = testing::RunCommand("/usr/bin/unzip -t " + path, &out, &err);
      CHECK(rc == 0);
      CHECK_THAT(out, Catch::Contains("No errors detected"));
    }
  }
}

TEST_CASE("zip writer refuses bad names and is sticky after an error") {
  StringFile out;
  ZipWriter w(&out);
  const absl::string_view one[] = {"1"};
  CKPT_REQUIRE_OK(w.AddStored("a", one));
  CKPT_REQUIRE_ERROR(w.AddStored("a", one), StatusCode::kInvalidArgument,
                     "mem.zip: duplicate zip member 'a'");
  CKPT_REQUIRE_ERROR(w.AddStored("b", one), StatusCode::kInvalidArgument,
                     "duplicate zip member 'a'");
  CKPT_REQUIRE_ERROR(w.Finish(), StatusCode::kInvalidArgument, "duplicate");

  ZipWriter w2(&out);
  CKPT_REQUIRE_ERROR(w2.AddStored("", one), StatusCode::kInvalidArgument,
                     "zip member name of 0 bytes");
  ZipWriter w3(&out);
  CKPT_REQUIRE_ERROR(w3.AddStored(std::string(65536, 'n'), one),
                     StatusCode::kInvalidArgument, "name of 65536 bytes");
}

TEST_CASE("zip writer after Finish and on a failing file") {
  StringFile out;
  ZipWriter w(&out);
  CKPT_REQUIRE_OK(w.Finish());
  CHECK(out.bytes() == testing::FromHex("504b0506 0000 0000 0000 0000 "
                                        "00000000 00000000 0000"));
  const absl::string_view one[] = {"1"};
  CKPT_REQUIRE_ERROR(w.AddStored("a", one), StatusCode::kFailedPrecondition,
                     "after Finish");
  CKPT_REQUIRE_ERROR(w.Finish(), StatusCode::kFailedPrecondition, "twice");
  CKPT_REQUIRE_OK(OpenStatus(out.bytes()));

  StringFile full(40);
  ZipWriter f(&full);
  CKPT_REQUIRE_OK(f.AddStored("a", one));
  CKPT_REQUIRE_ERROR(f.AddStored("b", one), StatusCode::kResourceExhausted,
                     "No space left");
  CKPT_REQUIRE_ERROR(f.Finish(), StatusCode::kResourceExhausted,
                     "No space left");
}

TEST_CASE("zip deflate member is inflated and checked") {
  const std::string plain = Random(100000, 5) + std::string(100000, 'z');
  Opened o = Open(DeflateZip(plain, plain.size(), Crc(plain)));
  CKPT_REQUIRE_OK(o.reader);
  const ZipEntry& e = (*o.reader)->entries()[0];
  absl::StatusOr<std::string> got = (*o.reader)->ReadEntry(e, 1 << 20);
  CKPT_REQUIRE_OK(got);
  CHECK(*got == plain);
  absl::StatusOr<std::string> prefix = (*o.reader)->ReadEntryPrefix(e, 70000);
  CKPT_REQUIRE_OK(prefix);
  CHECK(*prefix == plain.substr(0, 70000));
}

TEST_CASE("zip data descriptor flag is accepted") {
  std::string z = Zip({{"a", "abc"}, {"b", "de"}});
  Put(&z, CentralPos(z, 0) + 8, 8, 2);
  Put(&z, LocalPos(z, 0) + 6, 8, 2);
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  absl::StatusOr<std::string> got =
      (*o.reader)->ReadEntry((*o.reader)->entries()[0], 10);
  CKPT_REQUIRE_OK(got);
  CHECK(*got == "abc");
}

// ---- malformed archives: one test per case ----

TEST_CASE("zip without an end of central directory record") {
  CKPT_REQUIRE_ERROR(OpenStatus(""), StatusCode::kDataLoss,
                     "t.npz: no zip end of central directory record (file of "
                     "0 bytes)");
  CKPT_REQUIRE_ERROR(OpenStatus(Random(100000, 3)), StatusCode::kDataLoss,
                     "no zip end of central directory record");
  const std::string z = Zip({{"a", "abc"}});
  CKPT_REQUIRE_ERROR(OpenStatus(z.substr(0, z.size() - 1)),
                     StatusCode::kDataLoss, "no zip end of central directory");
  // A comment longer than what follows the record.
  std::string bad = z;
  Put(&bad, EndPos(bad) + 20, 5, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "no zip end of central directory");
}

TEST_CASE("zip end record with a comment is found") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, EndPos(z) + 20, 4, 2);
  z += "PK\x05\x06";  // a signature inside the comment
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  CHECK((*o.reader)->entries().size() == 1);
}

TEST_CASE("zip end record pointing outside the file") {
  std::string z = Zip({{"a", "abc"}});
  std::string bad = z;
  Put(&bad, EndPos(bad) + 16, 1000, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "central directory [1000, 1000 + 47) does not end where "
                     "its end records start");
  bad = z;
  Put(&bad, EndPos(bad) + 12, 0x7fffffff, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "does not end where its end records start");
}

TEST_CASE("zip ZIP64 records pointing outside the file") {
  const std::string z = Zip({{"a", "abc"}}, 1);
  const size_t locator = z.size() - 22 - 20;
  REQUIRE(Get32(z, locator) == 0x07064b50);
  std::string bad = z;
  Put(&bad, locator + 8, 0xffffffffffffull, 8);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "ZIP64 end of central directory record at offset "
                     "281474976710655 outside the file");
  bad = z;
  Put(&bad, locator + 8, Get32(z, locator + 8) - 1, 8);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "ZIP64 end of central directory record at offset");
  bad = z;
  bad[Get32(z, locator + 8)] ^= 1;  // the record's signature
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "bad ZIP64 end of central directory signature");
  bad = z;
  const size_t record = Get32(z, locator + 8);
  Put(&bad, record + 48, 1ull << 40, 8);  // directory offset
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "central directory [1099511627776, ");
}

TEST_CASE("zip entry count the central directory cannot hold") {
  std::string z = Zip({{"a", "abc"}, {"b", "d"}});
  std::string bad = z;
  Put(&bad, EndPos(bad) + 8, 60000, 2);
  Put(&bad, EndPos(bad) + 10, 60000, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "central directory of 94 bytes cannot hold 60000 entries");
  bad = z;
  Put(&bad, EndPos(bad) + 8, 1, 2);
  Put(&bad, EndPos(bad) + 10, 1, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kDataLoss,
                     "central directory of 94 bytes has 47 bytes after its 1 "
                     "entries");
}

TEST_CASE("zip bad central directory signature") {
  std::string z = Zip({{"a", "abc"}, {"b", "d"}});
  z[CentralPos(z, 1)] = 'Q';
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "bad central directory signature 0x02014b51 at offset");
}

TEST_CASE("zip bad local header signature") {
  std::string z = Zip({{"a", "abc"}, {"b", "d"}});
  z[LocalPos(z, 1)] = 'Q';
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'b': bad local header signature 0x04034b51 at "
                     "offset 34");
}

TEST_CASE("zip name length past the central directory") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 28, 300, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "central directory entry 0 at offset 34: name, extra "
                     "field and comment (300 + 0 + 0 bytes) run past the "
                     "directory");
}

TEST_CASE("zip encrypted member is Unimplemented") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 8, 1, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kUnimplemented,
                     "t.npz: member 'a': encrypted members are not supported");
}

TEST_CASE("zip compression method other than stored or deflate") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 10, 12, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kUnimplemented,
                     "member 'a': compression method 12 is not supported");
}

TEST_CASE("zip multi-disk archive is Unimplemented") {
  std::string z = Zip({{"a", "abc"}});
  std::string bad = z;
  Put(&bad, EndPos(bad) + 4, 1, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kUnimplemented,
                     "multi-disk zip archives are not supported");
  bad = z;
  Put(&bad, CentralPos(bad, 0) + 34, 2, 2);
  CKPT_REQUIRE_ERROR(OpenStatus(bad), StatusCode::kUnimplemented,
                     "member 'a' on disk 2");
}

TEST_CASE("zip stored member whose sizes differ") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 20, 2, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'a': stored, but its compressed size 2 differs "
                     "from its size 3");
}

TEST_CASE("zip member data past the end of the file") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 20, 5000, 4);
  Put(&z, CentralPos(z, 0) + 24, 5000, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'a': data [31, 31 + 5000) past the end of the "
                     "file (103 bytes)");
  z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 42, 90, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'a': local header at offset 90 past the end");
}

TEST_CASE("zip members whose ranges overlap") {
  std::string z = Zip({{"a", "abc"}, {"b", "de"}});
  const size_t c = CentralPos(z, 0);
  Put(&z, c + 20, 10, 4);
  Put(&z, c + 24, 10, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'a' [0, 41) and member 'b' [34, 67) overlap");
  z = Zip({{"a", "abc"}, {"b", "de"}});
  Put(&z, CentralPos(z, 1) + 20, 30, 4);
  Put(&z, CentralPos(z, 1) + 24, 30, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'b' [34, 95) and the central directory and end "
                     "records [67, 183) overlap");
}

TEST_CASE("zip duplicate member names") {
  std::string z = Zip({{"a", "abc"}, {"b", "de"}});
  z[CentralPos(z, 1) + 46] = 'a';
  z[LocalPos(z, 1) + 30] = 'a';
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "t.npz: duplicate member name 'a'");
}

TEST_CASE("zip local header name differing from the central one") {
  std::string z = Zip({{"a", "abc"}, {"b", "de"}});
  z[LocalPos(z, 1) + 30] = 'c';
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'b': local header names it 'c'");
}

TEST_CASE("zip 0xFFFFFFFF field without a ZIP64 extra field") {
  std::string z = Zip({{"a", "abc"}});
  Put(&z, CentralPos(z, 0) + 24, 0xFFFFFFFF, 4);
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "member 'a': a size or offset is 0xFFFFFFFF without a "
                     "ZIP64 extra field");
}

TEST_CASE("zip crc mismatch") {
  std::string z = Zip({{"a", "abc"}});
  z[LocalPos(z, 0) + 31] ^= 1;  // 'a' -> '`'
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  const ZipEntry& e = (*o.reader)->entries()[0];
  CKPT_REQUIRE_ERROR((*o.reader)->ReadEntry(e, 10), StatusCode::kDataLoss,
                     "t.npz: member 'a': crc mismatch (stored 0x352441c2, "
                     "computed 0x");
  // The prefix is not checked.
  absl::StatusOr<std::string> prefix = (*o.reader)->ReadEntryPrefix(e, 2);
  CKPT_REQUIRE_OK(prefix);
  CHECK(*prefix == "`b");
}

TEST_CASE("zip deflate bomb stops one byte past the declared size") {
  const std::string plain(8 << 20, '\0');
  const std::string z = DeflateZip(plain, 1000, Crc(plain.substr(0, 1000)));
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  testing::AllocationScope scope;
  CKPT_REQUIRE_ERROR((*o.reader)->ReadEntry((*o.reader)->entries()[0], 1 << 30),
                     StatusCode::kDataLoss,
                     "member 'd': inflates to more than 1000 bytes");
  CHECK(scope.peak_bytes() < (256 << 10));
  absl::StatusOr<std::string> prefix =
      (*o.reader)->ReadEntryPrefix((*o.reader)->entries()[0], 4096);
  CKPT_REQUIRE_OK(prefix);
  CHECK(prefix->size() == 1000);
}

TEST_CASE("zip deflate stream shorter than declared, truncated or invalid") {
  Opened short_member = Open(DeflateZip("hello", 6, 0));
  CKPT_REQUIRE_OK(short_member.reader);
  CKPT_REQUIRE_ERROR((*short_member.reader)
                         ->ReadEntry((*short_member.reader)->entries()[0], 10),
                     StatusCode::kDataLoss,
                     "member 'd': inflates to 5 bytes, not 6");
  // Truncated: the compressed size cut to half the stream.
  const std::string plain = Random(5000, 9);
  std::string z = DeflateZip(plain, plain.size(), Crc(plain));
  const uint32_t csize = Get32(z, CentralPos(z, 0) + 20);
  Put(&z, CentralPos(z, 0) + 20, csize / 2, 4);
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  CKPT_REQUIRE_ERROR((*o.reader)->ReadEntry((*o.reader)->entries()[0], 1 << 20),
                     StatusCode::kDataLoss,
                     "member 'd': deflate stream "
                     "truncated");
  // Invalid: block type 3 is reserved.
  std::string bad = Zip({{"d", "\x07garbage"}});
  Put(&bad, CentralPos(bad, 0) + 10, 8, 2);
  Put(&bad, CentralPos(bad, 0) + 24, 100, 4);
  Opened ob = Open(bad);
  CKPT_REQUIRE_OK(ob.reader);
  CKPT_REQUIRE_ERROR((*ob.reader)->ReadEntry((*ob.reader)->entries()[0], 1000),
                     StatusCode::kDataLoss,
                     "member 'd': invalid deflate data (invalid block "
                     "type)");
}

TEST_CASE("zip bytes between the directory and the end records are refused") {
  // Python's zipfile reads a gap there as bytes prepended to the archive
  // and shifts every offset: ckpt and numpy would read different members.
  std::string z = Zip({{"a", "abc"}});
  const size_t end = EndPos(z);
  z.insert(end, "junk");
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "does not end where its end records start");
}

TEST_CASE("zip ZIP64 locator with zero disks is read") {
  std::string z = Zip({{"a", "abc"}}, 1);
  const size_t locator = z.size() - 22 - 20;
  Put(&z, locator + 16, 0, 4);  // total number of disks: 0, as some write
  Opened o = Open(z);
  CKPT_REQUIRE_OK(o.reader);
  CHECK((*o.reader)->entries().size() == 1);
}

TEST_CASE("zip member names numpy would read otherwise are refused") {
  std::string z = Zip({{"ab", "x"}});
  // 'b' -> NUL in both the central and the local name.
  z[CentralPos(z, 0) + 46 + 1] = '\0';
  z[30 + 1] = '\0';
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "NUL byte in its name");
  z = Zip({{"ab", "x"}});
  z[CentralPos(z, 0) + 46] = '\x80';  // non-ASCII, no UTF-8 flag
  z[30] = '\x80';
  CHECK(OpenStatus(z).code() == StatusCode::kUnimplemented);
  z = Zip({{"\xc3\xa9", "x"}});  // written with the UTF-8 flag
  z[CentralPos(z, 0) + 46 + 1] = '\x28';
  z[30 + 1] = '\x28';
  CKPT_REQUIRE_ERROR(OpenStatus(z), StatusCode::kDataLoss,
                     "name flagged UTF-8 is not UTF-8");
  StringFile out;
  ZipWriter w(&out);
  const absl::string_view piece[] = {"x"};
  CKPT_REQUIRE_ERROR(w.AddStored(absl::string_view("a\0b", 3), piece),
                     StatusCode::kInvalidArgument, "not UTF-8 without NUL");
  ZipWriter w2(&out);
  CKPT_REQUIRE_ERROR(w2.AddStored("\xff.npy", piece),
                     StatusCode::kInvalidArgument, "not UTF-8 without NUL");
}

}  // namespace
}  // namespace ckpt::bridges
