// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Env::Default(): POSIX files. Writes go straight to write(2) (callers buffer);
// reads use pread(2) so one RandomAccessFile serves many threads. Every
// descriptor is opened with O_CLOEXEC and closed exactly once. Read-only
// memory regions are mmap(2)ped files whose descriptor is closed right after
// mapping; the mapping is removed with the region.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "util/errors.h"

namespace ckpt {
namespace {

std::string DirOrDot(const std::string& dir) { return dir.empty() ? "." : dir; }

// A descriptor open for reading on a file that is not a directory, and
// the file's size then.
struct OpenedFile {
  int fd;
  uint64_t size;
};

absl::StatusOr<OpenedFile> OpenForReading(const std::string& path,
                                          absl::string_view context) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError(context, path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError("fstat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a directory, not a file"));
  }
  return OpenedFile{fd, static_cast<uint64_t>(st.st_size)};
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Append(absl::string_view data) override {
    if (fd_ < 0) return Closed();
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (fd_ < 0) return Closed();
    if (::fdatasync(fd_) != 0) return ErrnoError("fdatasync", path_, errno);
    return absl::OkStatus();
  }

  void StartWriteback(uint64_t offset, uint64_t n) override {
#ifdef __linux__
    if (fd_ < 0 || n == 0 ||
        offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max()) ||
        n > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
      return;
    }
    // A hint: an error here (EIO) is reported again by fdatasync.
    (void)::sync_file_range(fd_, static_cast<off_t>(offset),
                            static_cast<off_t>(n), SYNC_FILE_RANGE_WRITE);
#else
    (void)offset;
    (void)n;
#endif
  }

  absl::Status Close() override {
    if (fd_ < 0) return Closed();
    const int fd = fd_;
    fd_ = -1;
    // The descriptor is released even when close reports an error (Linux).
    if (::close(fd) != 0) return ErrnoError("close", path_, errno);
    return absl::OkStatus();
  }

  const std::string& path() const override { return path_; }

 private:
  absl::Status Closed() const {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": file is already closed"));
  }
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  absl::Status Read(uint64_t offset, size_t n, char* scratch) const override {
    if (offset > size_ || n > size_ - offset) {
      return absl::DataLossError(
          absl::StrCat(path_, ": read of ", n, " bytes at offset ", offset,
                       " is past the end of the file (", size_, " bytes)"));
    }
    size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, scratch + done, n - done,
                                  static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(absl::StrCat("pread at offset ", offset + done),
                          path_, errno);
      }
      if (got == 0) {
        return absl::DataLossError(absl::StrCat(
            path_, ": unexpected end of file reading ", n, " bytes at offset ",
            offset, " (file shrank to ", offset + done, " bytes?)"));
      }
      done += static_cast<size_t>(got);
    }
    return absl::OkStatus();
  }

  absl::Status ReadV(uint64_t offset,
                     absl::Span<const absl::Span<char>> pieces) const override {
    size_t total = 0;
    for (const absl::Span<char>& piece : pieces) total += piece.size();
    if (offset > size_ || total > size_ - offset) {
      return absl::DataLossError(
          absl::StrCat(path_, ": read of ", total, " bytes at offset ", offset,
                       " is past the end of the file (", size_, " bytes)"));
    }
    constexpr size_t kMaxIov = 1024;  // IOV_MAX on Linux
    struct iovec iov[kMaxIov];
    size_t next = 0;  // first piece not read completely
    size_t skip = 0;  // bytes of pieces[next] already read
    size_t done = 0;
    while (done < total) {
      int count = 0;
      for (size_t i = next; i < pieces.size() && count < int{kMaxIov}; ++i) {
        const size_t from = i == next ? skip : 0;
        if (pieces[i].size() == from) continue;
        iov[count++] = {pieces[i].data() + from, pieces[i].size() - from};
      }
      const ssize_t got =
          ::preadv(fd_, iov, count, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(absl::StrCat("preadv at offset ", offset + done),
                          path_, errno);
      }
      if (got == 0) {
        return absl::DataLossError(
            absl::StrCat(path_, ": unexpected end of file reading ", total,
                         " bytes at offset ", offset, " (file shrank to ",
                         offset + done, " bytes?)"));
      }
      done += static_cast<size_t>(got);
      // Step over what was read, which may end inside a piece.
      for (size_t left = static_cast<size_t>(got); left > 0;) {
        const size_t avail = pieces[next].size() - skip;
        if (left >= avail) {
          left -= avail;
          ++next;
          skip = 0;
        } else {
          skip += left;
          left = 0;
        }
      }
    }
    return absl::OkStatus();
  }

  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

// A read-only shared mapping of a whole file; no mapping for an empty file.
class PosixReadOnlyMemoryRegion final : public ReadOnlyMemoryRegion {
 public:
  PosixReadOnlyMemoryRegion(std::string path, void* address, uint64_t size)
      : path_(std::move(path)), address_(address), size_(size) {}
  ~PosixReadOnlyMemoryRegion() override {
    if (address_ != nullptr) ::munmap(address_, static_cast<size_t>(size_));
  }

  const char* data() const override {
    return static_cast<const char*>(address_);
  }
  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  void* address_;  // null when size_ is 0
  uint64_t size_;
};

// flock() on an open descriptor: released when the descriptor is closed,
// which the kernel also does when the process dies (kill -9 included).
class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing releases the flock
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    int fd;
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError("open for writing", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    CKPT_ASSIGN_OR_RETURN(OpenedFile f,
                          OpenForReading(path, "open for reading"));
    return std::make_unique<PosixRandomAccessFile>(path, f.fd, f.size);
  }

  absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>> NewReadOnlyMemoryRegion(
      const std::string& path) override {
    CKPT_ASSIGN_OR_RETURN(OpenedFile f,
                          OpenForReading(path, "open for mapping"));
    const int fd = f.fd;
    const uint64_t size = f.size;
    if (size > std::numeric_limits<size_t>::max()) {
      ::close(fd);
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": file of ", size, " bytes is too large to map"));
    }
    void* address = nullptr;
    if (size > 0) {
      address = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ,
                       MAP_SHARED, fd, 0);
      if (address == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return ErrnoError("mmap", path, err);
      }
    }
    ::close(fd);  // the mapping keeps the file referenced
    return std::make_unique<PosixReadOnlyMemoryRegion>(path, address, size);
  }

  absl::Status FileExists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> IsDirectory(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
    return S_ISDIR(st.st_mode);
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    const std::string d = DirOrDot(dir);
    DIR* handle = ::opendir(d.c_str());
    if (handle == nullptr) return ErrnoError("opendir", d, errno);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(handle)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    const int err = errno;
    ::closedir(handle);
    if (err != 0) return ErrnoError("readdir", d, err);
    return names;
  }

  absl::Status DeleteFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoError("unlink", path, errno);
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override {
    if (::rename(src.c_str(), target.c_str()) != 0) {
      return ErrnoError(absl::StrCat("rename to ", target), src, errno);
    }
    return absl::OkStatus();
  }

  absl::Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
    const int err = errno;
    if (err == EEXIST) {
      absl::StatusOr<bool> is_dir = IsDirectory(dir);
      if (is_dir.ok() && *is_dir) return absl::OkStatus();
      return absl::FailedPreconditionError(
          absl::StrCat(dir, ": exists and is not a directory"));
    }
    return ErrnoError("mkdir", dir, err);
  }

  absl::Status DeleteDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return ErrnoError("rmdir", dir, errno);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    const std::string d = DirOrDot(dir);
    int fd;
    do {
      fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError("open directory", d, errno);
    absl::Status status;
    if (::fsync(fd) != 0) status = ErrnoError("fsync directory", d, errno);
    ::close(fd);
    return status;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError("open lock file", path, errno);
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      // The holder wrote its pid into the file (best effort, for the message).
      char buf[32] = {};
      const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
      ::close(fd);
      if (err == EWOULDBLOCK) {
        int pid = 0;
        const bool has_pid =
            n > 0 &&
            absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(
                                 buf, static_cast<size_t>(n))),
                             &pid);
        return absl::FailedPreconditionError(absl::StrCat(
            path, ": locked by another writer",
            has_pid ? absl::StrCat(" (pid ", pid, ")") : std::string()));
      }
      return ErrnoError("flock", path, err);
    }
    const std::string pid = absl::StrCat(::getpid(), "\n");
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) !=
                                       static_cast<ssize_t>(pid.size())) {
      // The pid is informational only; the lock is held regardless.
    }
    return std::make_unique<PosixFileLock>(path, fd);
  }

  uint64_t NowMicros() override {
    struct timeval tv;
    ::gettimeofday(&tv, nullptr);
    return static_cast<uint64_t>(tv.tv_sec) * 1000000u +
           static_cast<uint64_t>(tv.tv_usec);
  }
};

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv();  // never destroyed
  return env;
}

}  // namespace ckpt
