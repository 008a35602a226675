// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The Env contract, checked against both implementations: the POSIX Env in a
// per-test temp directory and the in-memory Env.
#include "ckpt/env.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "testing/fault_env.h"
#include "testing/test_util.h"
#include "util/errors.h"

namespace ckpt {
namespace {

using absl::StatusCode;

// An Env plus a root directory to work in.
struct Fixture {
  std::unique_ptr<testing::TempDir> tmp;
  std::unique_ptr<Env> owned;
  Env* env = nullptr;
  std::string root;
};

Fixture MakeFixture(bool posix) {
  Fixture f;
  if (posix) {
    f.tmp = std::make_unique<testing::TempDir>();
    f.env = Env::Default();
    f.root = f.tmp->path();
  } else {
    f.owned = NewMemEnv();
    f.env = f.owned.get();
    f.root = "/mem";
    REQUIRE(f.env->CreateDir(f.root).ok());
  }
  return f;
}

void WriteFile(Env* env, const std::string& path, absl::string_view data) {
  auto file = env->NewWritableFile(path);
  CKPT_REQUIRE_OK(file);
  CKPT_REQUIRE_OK((*file)->Append(data));
  CKPT_REQUIRE_OK((*file)->Sync());
  CKPT_REQUIRE_OK((*file)->Close());
}

TEST_CASE("Env write then positional reads") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "a.bin");
      WriteFile(f.env, path, "hello, world");
      auto size = f.env->GetFileSize(path);
      CKPT_REQUIRE_OK(size);
      REQUIRE(*size == 12);
      auto file = f.env->NewRandomAccessFile(path);
      CKPT_REQUIRE_OK(file);
      REQUIRE((*file)->size() == 12);
      REQUIRE((*file)->path() == path);
      char buf[5];
      CKPT_REQUIRE_OK((*file)->Read(7, 5, buf));
      REQUIRE(std::string(buf, 5) == "world");
      CKPT_REQUIRE_OK((*file)->Read(12, 0, buf));
      CKPT_REQUIRE_ERROR((*file)->Read(8, 5, buf), StatusCode::kDataLoss,
                         "past the end");
      CKPT_REQUIRE_ERROR((*file)->Read(~0ull, 2, buf), StatusCode::kDataLoss,
                         "a.bin");
    }
  }
}

// Splits [0, n) into `count` pieces of pseudo-random sizes (some empty) and
// checks that ReadV fills them with the file's bytes in order.
void CheckScatter(const RandomAccessFile& file, const std::string& data,
                  uint64_t offset, size_t count, uint32_t seed) {
  const size_t n = data.size() - static_cast<size_t>(offset);
  std::mt19937 rng(seed);
  std::vector<size_t> cuts = {0, n};
  for (size_t i = 1; i < count; ++i) cuts.push_back(rng() % (n + 1));
  std::sort(cuts.begin(), cuts.end());
  std::string out(n, '\0');
  std::vector<absl::Span<char>> pieces;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    pieces.push_back(
        absl::MakeSpan(out.data() + cuts[i], cuts[i + 1] - cuts[i]));
  }
  INFO("offset " << offset << " pieces " << pieces.size());
  CKPT_REQUIRE_OK(file.ReadV(offset, pieces));
  REQUIRE(out == data.substr(static_cast<size_t>(offset)));
}

TEST_CASE("ReadV scatters a range into pieces in order") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "v.bin");
      std::string data(100000, '\0');
      std::mt19937 rng(7);
      for (char& c : data) c = static_cast<char>(rng());
      WriteFile(f.env, path, data);
      auto file = f.env->NewRandomAccessFile(path);
      CKPT_REQUIRE_OK(file);
      // One piece; a few; more than one preadv takes (1024 iovecs).
      CheckScatter(**file, data, 0, 1, 1);
      CheckScatter(**file, data, 17, 9, 2);
      CheckScatter(**file, data, 0, 3000, 3);
      // No pieces, and only empty pieces, read nothing and succeed.
      CKPT_REQUIRE_OK((*file)->ReadV(5, {}));
      char none[1];
      const absl::Span<char> empty[] = {absl::MakeSpan(none, 0),
                                        absl::MakeSpan(none, 0)};
      CKPT_REQUIRE_OK((*file)->ReadV(data.size(), empty));
    }
  }
}

TEST_CASE("ReadV past the end of the file is DataLoss naming the path") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "short.bin");
      WriteFile(f.env, path, "0123456789");
      auto file = f.env->NewRandomAccessFile(path);
      CKPT_REQUIRE_OK(file);
      char a[6], b[6];
      const absl::Span<char> pieces[] = {absl::MakeSpan(a), absl::MakeSpan(b)};
      CKPT_REQUIRE_ERROR((*file)->ReadV(0, pieces), StatusCode::kDataLoss,
                         "short.bin");
      CKPT_REQUIRE_ERROR((*file)->ReadV(~0ull, pieces), StatusCode::kDataLoss,
                         "past the end");
    }
  }
}

TEST_CASE("Env reports missing files as NotFound naming the path") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "missing");
      CKPT_REQUIRE_ERROR(f.env->NewRandomAccessFile(path),
                         StatusCode::kNotFound, "missing");
      CKPT_REQUIRE_ERROR(f.env->FileExists(path), StatusCode::kNotFound,
                         "missing");
      CKPT_REQUIRE_ERROR(f.env->GetFileSize(path), StatusCode::kNotFound,
                         "missing");
      CKPT_REQUIRE_ERROR(f.env->DeleteFile(path), StatusCode::kNotFound,
                         "missing");
      CKPT_REQUIRE_ERROR(f.env->RenameFile(path, path + "2"),
                         StatusCode::kNotFound, "missing");
      CKPT_REQUIRE_ERROR(f.env->NewWritableFile(JoinPath(path, "x")),
                         StatusCode::kNotFound, "missing/x");
    }
  }
}

TEST_CASE("Env rename replaces the target atomically") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string a = JoinPath(f.root, "a");
      const std::string b = JoinPath(f.root, "b");
      WriteFile(f.env, a, "new");
      WriteFile(f.env, b, "old contents");
      auto old_reader = f.env->NewRandomAccessFile(b);
      CKPT_REQUIRE_OK(old_reader);
      CKPT_REQUIRE_OK(f.env->RenameFile(a, b));
      CKPT_REQUIRE_ERROR(f.env->FileExists(a), StatusCode::kNotFound, "");
      auto contents = ReadFileToString(f.env, b, 100);
      CKPT_REQUIRE_OK(contents);
      REQUIRE(*contents == "new");
      // A reader opened before the rename still sees the old bytes.
      char buf[3];
      CKPT_REQUIRE_OK((*old_reader)->Read(0, 3, buf));
      REQUIRE(std::string(buf, 3) == "old");
      CKPT_REQUIRE_OK(f.env->SyncDir(f.root));
    }
  }
}

TEST_CASE("Env directories: create, list, delete") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string deep = JoinPath(f.root, "x/y/z");
      CKPT_REQUIRE_OK(f.env->CreateDirs(deep));
      CKPT_REQUIRE_OK(f.env->CreateDirs(deep));  // idempotent
      CKPT_REQUIRE_OK(f.env->CreateDir(deep));
      auto is_dir = f.env->IsDirectory(deep);
      CKPT_REQUIRE_OK(is_dir);
      REQUIRE(*is_dir);
      WriteFile(f.env, JoinPath(f.root, "x/file"), "1");
      auto file_is_dir = f.env->IsDirectory(JoinPath(f.root, "x/file"));
      CKPT_REQUIRE_OK(file_is_dir);
      REQUIRE_FALSE(*file_is_dir);
      auto children = f.env->GetChildren(JoinPath(f.root, "x"));
      CKPT_REQUIRE_OK(children);
      std::vector<std::string> names = *children;
      std::sort(names.begin(), names.end());
      REQUIRE(names == std::vector<std::string>{"file", "y"});
      CKPT_REQUIRE_ERROR(f.env->DeleteDir(JoinPath(f.root, "x/y")),
                         StatusCode::kFailedPrecondition, "x/y");
      CKPT_REQUIRE_OK(f.env->DeleteDir(deep));
      CKPT_REQUIRE_OK(f.env->DeleteDir(JoinPath(f.root, "x/y")));
      CKPT_REQUIRE_ERROR(f.env->CreateDirs(JoinPath(f.root, "x/file/sub")),
                         StatusCode::kFailedPrecondition, "x/file");
      CKPT_REQUIRE_ERROR(f.env->NewRandomAccessFile(JoinPath(f.root, "x")),
                         StatusCode::kFailedPrecondition, "directory");
    }
  }
}

TEST_CASE("ReadFileToString refuses files above the limit before allocating") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "big");
      WriteFile(f.env, path, std::string(1000, 'x'));
      CKPT_REQUIRE_ERROR(ReadFileToString(f.env, path, 999),
                         StatusCode::kResourceExhausted, "1000 bytes");
      auto ok = ReadFileToString(f.env, path, 1000);
      CKPT_REQUIRE_OK(ok);
      REQUIRE(ok->size() == 1000);
    }
  }
}

TEST_CASE("WriteStringToFileAtomic replaces the file and leaves no temp") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "state");
      CKPT_REQUIRE_OK(WriteStringToFileAtomic(f.env, path, "one"));
      CKPT_REQUIRE_OK(WriteStringToFileAtomic(f.env, path, "two"));
      auto contents = ReadFileToString(f.env, path, 100);
      CKPT_REQUIRE_OK(contents);
      REQUIRE(*contents == "two");
      auto children = f.env->GetChildren(f.root);
      CKPT_REQUIRE_OK(children);
      REQUIRE(*children == std::vector<std::string>{"state"});
      // Into a missing directory: fails naming the path, nothing is created.
      CKPT_REQUIRE_ERROR(
          WriteStringToFileAtomic(f.env, JoinPath(f.root, "nodir/state"), "x"),
          StatusCode::kNotFound, "nodir/state");
    }
  }
}

TEST_CASE("Closed writable files refuse further calls") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      auto file = f.env->NewWritableFile(JoinPath(f.root, "c"));
      CKPT_REQUIRE_OK(file);
      CKPT_REQUIRE_OK((*file)->Close());
      CKPT_REQUIRE_ERROR((*file)->Append("x"), StatusCode::kFailedPrecondition,
                         "closed");
      CKPT_REQUIRE_ERROR((*file)->Close(), StatusCode::kFailedPrecondition,
                         "closed");
    }
  }
}

// StartWriteback is a hint: any range (empty, past the end, huge, after
// Close) is accepted without effect on the bytes or on later calls.
TEST_CASE("StartWriteback hints leave the bytes and later calls alone") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "w.bin");
      auto file = f.env->NewWritableFile(path);
      CKPT_REQUIRE_OK(file);
      const std::string data(3 << 20, 'q');
      CKPT_REQUIRE_OK((*file)->Append(data));
      (*file)->StartWriteback(0, 1 << 20);
      (*file)->StartWriteback(1 << 20, 2 << 20);
      (*file)->StartWriteback(0, 0);
      (*file)->StartWriteback(10 << 20, 1 << 20);  // past the end
      (*file)->StartWriteback(~uint64_t{0}, ~uint64_t{0});
      CKPT_REQUIRE_OK((*file)->Append("tail"));
      CKPT_REQUIRE_OK((*file)->Sync());
      CKPT_REQUIRE_OK((*file)->Close());
      (*file)->StartWriteback(0, 1);  // closed: ignored
      auto bytes = ReadFileToString(f.env, path, 8 << 20);
      CKPT_REQUIRE_OK(bytes);
      CHECK(*bytes == data + "tail");
    }
  }
}

TEST_CASE("RandomAccessFile serves concurrent readers") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      std::string data(1 << 16, '\0');
      for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(i * 7);
      const std::string path = JoinPath(f.root, "shared");
      WriteFile(f.env, path, data);
      auto file = f.env->NewRandomAccessFile(path);
      CKPT_REQUIRE_OK(file);
      const RandomAccessFile* reader = file->get();
      std::vector<int> ok(4, 0);
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
          std::string buf(1024, '\0');
          int good = 0;
          for (int i = 0; i < 64; ++i) {
            const uint64_t off = static_cast<uint64_t>((i * 1024 + t * 17) %
                                                       (data.size() - 1024));
            if (reader->Read(off, buf.size(), buf.data()).ok() &&
                buf == data.substr(off, buf.size())) {
              ++good;
            }
          }
          ok[static_cast<size_t>(t)] = good;
        });
      }
      for (auto& th : threads) th.join();
      REQUIRE(ok == std::vector<int>(4, 64));
    }
  }
}

TEST_CASE("POSIX errors name the path and the errno text") {
  testing::TempDir tmp;
  // A directory cannot be opened for writing.
  CKPT_REQUIRE_ERROR(Env::Default()->NewWritableFile(tmp.path()),
                     StatusCode::kFailedPrecondition, "Is a directory");
  const absl::Status s = ErrnoError("write", "/x/y", ENOSPC);
  REQUIRE(s.code() == StatusCode::kResourceExhausted);
  REQUIRE(std::string(s.message()) ==
          "/x/y: write: No space left on device (errno 28)");
}

TEST_CASE("Path helpers") {
  REQUIRE(JoinPath("a", "b") == "a/b");
  REQUIRE(JoinPath("a/", "b") == "a/b");
  REQUIRE(JoinPath("a/", "/b") == "a/b");
  REQUIRE(JoinPath("", "b") == "b");
  REQUIRE(Dirname("a/b/c") == "a/b");
  REQUIRE(Dirname("c") == "");
  REQUIRE(Dirname("/c") == "/");
  REQUIRE(Dirname("a/b/") == "a");
  REQUIRE(Basename("a/b/c") == "c");
  REQUIRE(Basename("c") == "c");
  REQUIRE(QuoteForMessage("a\x01'b") == "'a\\x01\\x27b'");
  REQUIRE(QuoteForMessage(std::string(300, 'k')).size() == 205);
}

TEST_CASE("NewReadOnlyMemoryRegion maps the file contents") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      std::string data(3 * 4096 + 17, '\0');
      for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>(i * 13 + 1);
      }
      const std::string path = JoinPath(f.root, "mapped.bin");
      WriteFile(f.env, path, data);
      auto region = f.env->NewReadOnlyMemoryRegion(path);
      CKPT_REQUIRE_OK(region);
      REQUIRE((*region)->path() == path);
      REQUIRE((*region)->size() == data.size());
      REQUIRE(absl::string_view((*region)->data(), data.size()) == data);
      // The region outlives the file's name and a new file under it.
      CKPT_REQUIRE_OK(f.env->DeleteFile(path));
      WriteFile(f.env, path, "replaced");
      REQUIRE(absl::string_view((*region)->data(), data.size()) == data);
    }
  }
}

TEST_CASE("NewReadOnlyMemoryRegion of a missing file is NotFound") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "absent");
      CKPT_REQUIRE_ERROR(f.env->NewReadOnlyMemoryRegion(path),
                         StatusCode::kNotFound, path);
      CKPT_REQUIRE_ERROR(f.env->NewReadOnlyMemoryRegion(path),
                         StatusCode::kNotFound, "No such file or directory");
      CKPT_REQUIRE_ERROR(f.env->NewReadOnlyMemoryRegion(f.root),
                         StatusCode::kFailedPrecondition, "is a directory");
    }
  }
}

TEST_CASE("NewReadOnlyMemoryRegion of an empty file has size 0") {
  for (bool posix : {true, false}) {
    DYNAMIC_SECTION((posix ? "posix" : "memory")) {
      Fixture f = MakeFixture(posix);
      const std::string path = JoinPath(f.root, "empty");
      WriteFile(f.env, path, "");
      auto region = f.env->NewReadOnlyMemoryRegion(path);
      CKPT_REQUIRE_OK(region);
      REQUIRE((*region)->size() == 0);
      REQUIRE((*region)->path() == path);
      if (posix) REQUIRE((*region)->data() == nullptr);  // nothing mapped
    }
  }
}

TEST_CASE("MemEnv regions are snapshots taken when opened") {
  std::unique_ptr<Env> env = NewMemEnv();
  auto file = env->NewWritableFile("/growing");
  CKPT_REQUIRE_OK(file);
  CKPT_REQUIRE_OK((*file)->Append("abc"));
  auto region = env->NewReadOnlyMemoryRegion("/growing");
  CKPT_REQUIRE_OK(region);
  CKPT_REQUIRE_OK((*file)->Append("def"));
  CKPT_REQUIRE_OK((*file)->Close());
  REQUIRE((*region)->size() == 3);
  REQUIRE(absl::string_view((*region)->data(), 3) == "abc");
}

TEST_CASE("NewReadOnlyMemoryRegion regions serve concurrent readers") {
  testing::TempDir tmp;
  std::string data(1 << 16, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const std::string path = tmp.Join("shared");
  WriteFile(Env::Default(), path, data);
  auto region = Env::Default()->NewReadOnlyMemoryRegion(path);
  CKPT_REQUIRE_OK(region);
  const ReadOnlyMemoryRegion* r = region->get();
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int good = 0;
      for (int i = 0; i < 64; ++i) {
        const size_t off =
            static_cast<size_t>((i * 1024 + t * 17) % (data.size() - 1024));
        if (absl::string_view(r->data() + off, 1024) ==
            absl::string_view(data).substr(off, 1024)) {
          ++good;
        }
      }
      ok[static_cast<size_t>(t)] = good;
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(ok == std::vector<int>(4, 64));
}

TEST_CASE("Env without memory regions answers Unimplemented naming the path") {
  // FaultEnv does not override NewReadOnlyMemoryRegion: the default applies.
  testing::FaultEnv env;
  CKPT_REQUIRE_ERROR(env.NewReadOnlyMemoryRegion("/some/file"),
                     StatusCode::kUnimplemented, "/some/file");
}

// ---- EnvWrapper ----

// A target Env that answers every call with something only it would say
// (NotFound naming the call and argument for the Status calls; fixed
// values otherwise) and logs "<call> <arguments>".
class LoggingEnv : public Env {
 public:
  std::vector<std::string> log;

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    return Answer("NewWritableFile", path);
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return Answer("NewRandomAccessFile", path);
  }
  absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>> NewReadOnlyMemoryRegion(
      const std::string& path) override {
    return Answer("NewReadOnlyMemoryRegion", path);
  }
  absl::Status FileExists(const std::string& path) override {
    return Answer("FileExists", path);
  }
  absl::StatusOr<bool> IsDirectory(const std::string& path) override {
    log.push_back("IsDirectory " + path);
    return true;
  }
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    log.push_back("GetFileSize " + path);
    return 4242;
  }
  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    log.push_back("GetChildren " + dir);
    return std::vector<std::string>{"x", "y"};
  }
  absl::Status DeleteFile(const std::string& path) override {
    return Answer("DeleteFile", path);
  }
  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override {
    return Answer("RenameFile", src + " " + target);
  }
  absl::Status CreateDir(const std::string& dir) override {
    log.push_back("CreateDir " + dir);
    return absl::OkStatus();
  }
  absl::Status DeleteDir(const std::string& dir) override {
    return Answer("DeleteDir", dir);
  }
  absl::Status SyncDir(const std::string& dir) override {
    return Answer("SyncDir", dir);
  }
  uint64_t NowMicros() override {
    log.push_back("NowMicros");
    return 123456789;
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    return Answer("LockFile", path);
  }

 private:
  absl::Status Answer(const std::string& call, const std::string& args) {
    log.push_back(call + " " + args);
    return absl::NotFoundError("target answered " + call + " " + args);
  }
};

TEST_CASE("EnvWrapper forwards every call to its target") {
  LoggingEnv target;
  EnvWrapper env(&target);
  CHECK(env.target() == &target);
  const StatusCode kNotFound = StatusCode::kNotFound;
  CKPT_REQUIRE_ERROR(env.NewWritableFile("w"), kNotFound,
                     "target answered NewWritableFile w");
  CKPT_REQUIRE_ERROR(env.NewRandomAccessFile("r"), kNotFound,
                     "target answered NewRandomAccessFile r");
  CKPT_REQUIRE_ERROR(env.NewReadOnlyMemoryRegion("m"), kNotFound,
                     "target answered NewReadOnlyMemoryRegion m");
  CKPT_REQUIRE_ERROR(env.FileExists("e"), kNotFound,
                     "target answered FileExists e");
  CHECK(env.IsDirectory("d").value());
  CHECK(env.GetFileSize("s").value() == 4242);
  CHECK(env.GetChildren("c").value() == std::vector<std::string>{"x", "y"});
  CKPT_REQUIRE_ERROR(env.DeleteFile("f"), kNotFound,
                     "target answered DeleteFile f");
  CKPT_REQUIRE_ERROR(env.RenameFile("a", "b"), kNotFound,
                     "target answered RenameFile a b");
  CKPT_REQUIRE_OK(env.CreateDir("n"));
  CKPT_REQUIRE_ERROR(env.DeleteDir("g"), kNotFound,
                     "target answered DeleteDir g");
  CKPT_REQUIRE_ERROR(env.SyncDir("y"), kNotFound, "target answered SyncDir y");
  CHECK(env.NowMicros() == 123456789);
  CKPT_REQUIRE_ERROR(env.LockFile("l"), kNotFound,
                     "target answered LockFile l");
  // Each call reached the target once, in order, with its arguments.
  CHECK(target.log ==
        std::vector<std::string>{"NewWritableFile w", "NewRandomAccessFile r",
                                 "NewReadOnlyMemoryRegion m", "FileExists e",
                                 "IsDirectory d", "GetFileSize s",
                                 "GetChildren c", "DeleteFile f",
                                 "RenameFile a b", "CreateDir n", "DeleteDir g",
                                 "SyncDir y", "NowMicros", "LockFile l"});
}

TEST_CASE("EnvWrapper over MemEnv: files are the target's") {
  std::unique_ptr<Env> mem = NewMemEnv();
  EnvWrapper env(mem.get());
  CKPT_REQUIRE_OK(env.CreateDirs("/a/b"));
  WriteFile(&env, "/a/b/f", "payload");
  // Written through the wrapper, read from the target, and back.
  CKPT_REQUIRE_OK(mem->FileExists("/a/b/f"));
  CHECK(ReadFileToString(mem.get(), "/a/b/f", 100).value() == "payload");
  CKPT_REQUIRE_OK(env.RenameFile("/a/b/f", "/a/g"));
  CHECK(ReadFileToString(&env, "/a/g", 100).value() == "payload");
  auto region = env.NewReadOnlyMemoryRegion("/a/g");
  CKPT_REQUIRE_OK(region);
  CHECK(absl::string_view((*region)->data(), (*region)->size()) == "payload");
  auto lock = env.LockFile("/a/LOCK");
  CKPT_REQUIRE_OK(lock);
  CKPT_REQUIRE_ERROR(mem->LockFile("/a/LOCK"), StatusCode::kFailedPrecondition,
                     "/a/LOCK");
  CKPT_REQUIRE_OK(env.DeleteFile("/a/g"));
  CKPT_REQUIRE_ERROR(mem->FileExists("/a/g"), StatusCode::kNotFound, "/a/g");
}

// Records the directories synced.
class SyncRecordingEnv : public EnvWrapper {
 public:
  explicit SyncRecordingEnv(Env* target) : EnvWrapper(target) {}
  std::vector<std::string> synced;
  absl::Status SyncDir(const std::string& dir) override {
    synced.push_back(dir);
    return EnvWrapper::SyncDir(dir);
  }
};

TEST_CASE("CreateDirs syncs the parent of every directory it creates") {
  std::unique_ptr<Env> mem = NewMemEnv();
  SyncRecordingEnv env(mem.get());
  CKPT_REQUIRE_OK(mem->CreateDir("/a"));
  CKPT_REQUIRE_OK(env.CreateDirs("/a/b/c"));
  CHECK(env.synced == std::vector<std::string>{"/a", "/a/b"});
  env.synced.clear();
  CKPT_REQUIRE_OK(env.CreateDirs("/a/b/c"));  // nothing created, no sync
  CHECK(env.synced.empty());
}

// Refuses deletions and counts CreateDir calls; everything else forwards.
class NoDeleteEnv : public EnvWrapper {
 public:
  explicit NoDeleteEnv(Env* target) : EnvWrapper(target) {}
  int create_dirs = 0;

  absl::Status DeleteFile(const std::string& path) override {
    return absl::PermissionDeniedError(path + ": deletion refused");
  }
  absl::Status CreateDir(const std::string& dir) override {
    ++create_dirs;
    return EnvWrapper::CreateDir(dir);
  }
};

TEST_CASE("EnvWrapper: a subclass overrides one call, the rest forward") {
  std::unique_ptr<Env> mem = NewMemEnv();
  NoDeleteEnv env(mem.get());
  Env* as_env = &env;  // overrides apply through the base class too
  CKPT_REQUIRE_OK(as_env->CreateDirs("/x/y"));
  CHECK(env.create_dirs == 2);  // CreateDirs goes through the override
  CHECK(mem->IsDirectory("/x/y").value());
  WriteFile(as_env, "/x/y/f", "data");
  CKPT_REQUIRE_ERROR(as_env->DeleteFile("/x/y/f"),
                     StatusCode::kPermissionDenied, "/x/y/f: deletion refused");
  CKPT_REQUIRE_OK(mem->FileExists("/x/y/f"));  // the target never saw it
  CHECK(as_env->GetFileSize("/x/y/f").value() == 4);
  CHECK(as_env->GetChildren("/x/y").value() == std::vector<std::string>{"f"});
  // A failure of WriteStringToFileAtomic cannot clean up here, but the
  // successful path only renames: it works through the wrapper.
  CKPT_REQUIRE_OK(WriteStringToFileAtomic(as_env, "/x/y/state", "s"));
  CHECK(ReadFileToString(mem.get(), "/x/y/state", 10).value() == "s");
}

}  // namespace
}  // namespace ckpt
