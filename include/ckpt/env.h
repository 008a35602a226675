// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/env.h
// -----------------------------------------------------------------------------
//
// Env is the file-system interface every ckpt reader and writer goes through.
// Two implementations ship with the library:
//
//   * Env::Default(): POSIX files (open/pread/write/fsync/rename).
//   * NewMemEnv():    an in-memory file system for tests and tools.
//
// A fault-injecting Env wraps another Env and overrides the mutating calls;
// every mutating operation is therefore a separate virtual call (no hidden
// syscalls behind a non-virtual helper).
//
// Contract for all implementations:
//   * No exceptions. Failures are absl::Status whose message names the path
//     and, for system errors, the errno text (e.g. "No space left on device").
//   * Codes: NotFound (missing file or directory), AlreadyExists,
//     PermissionDenied, ResourceExhausted (ENOSPC, EDQUOT, EMFILE),
//     FailedPrecondition (wrong file kind), DataLoss (short read of a file
//     that should have had the bytes), Internal/Unknown for the rest.
//   * RandomAccessFile and ReadOnlyMemoryRegion are safe to use from several
//     threads at once. WritableFile is not.
//
// Example:
//
//   ckpt::Env* env = ckpt::Env::Default();
//   absl::StatusOr<std::unique_ptr<ckpt::WritableFile>> f =
//       env->NewWritableFile("/tmp/x.tmp");
//   if (!f.ok()) return f.status();
//   CKPT_RETURN_IF_ERROR((*f)->Append("hello"));
//   CKPT_RETURN_IF_ERROR((*f)->Sync());
//   CKPT_RETURN_IF_ERROR((*f)->Close());
//   CKPT_RETURN_IF_ERROR(env->RenameFile("/tmp/x.tmp", "/tmp/x"));
//   CKPT_RETURN_IF_ERROR(env->SyncDir("/tmp"));

#ifndef CKPT_ENV_H_
#define CKPT_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ckpt {

// A file opened for sequential writing. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;  // Closes (without syncing) if open.
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  // Appends `data`. A failed or short write is an error naming the path.
  virtual absl::Status Append(absl::string_view data) = 0;
  // Makes the appended bytes durable (fdatasync or fsync).
  virtual absl::Status Sync() = 0;
  // Asks the OS to start writing bytes [offset, offset + n) to the device
  // now, without waiting, so that a later Sync() has less left to do. Only
  // a hint: it never fails (a write error shows in Sync()), and the default
  // does nothing. POSIX (Linux): sync_file_range(SYNC_FILE_RANGE_WRITE).
  virtual void StartWriteback(uint64_t offset, uint64_t n) {
    (void)offset;
    (void)n;
  }
  // Closes the file. Further calls fail with FailedPrecondition.
  virtual absl::Status Close() = 0;
  // Path the file was opened with.
  virtual const std::string& path() const = 0;

 protected:
  WritableFile() = default;
};

// A file opened for positional reads. Thread-safe.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;

  // Reads exactly `n` bytes starting at `offset` into `scratch`, which must
  // have room for `n` bytes. If the file holds fewer bytes the result is
  // DataLoss naming the path, offset and length; nothing is allocated.
  virtual absl::Status Read(uint64_t offset, size_t n, char* scratch) const = 0;
  // Reads the bytes starting at `offset` into `pieces`, one after another,
  // with the result and errors of one Read() of their total size (on an
  // error the pieces hold unspecified bytes). The default reads into a
  // temporary buffer and copies; POSIX scatters with preadv(2), so a run of
  // small neighbouring values lands in place in one system call.
  virtual absl::Status ReadV(uint64_t offset,
                             absl::Span<const absl::Span<char>> pieces) const;
  // Size of the file when it was opened.
  virtual uint64_t size() const = 0;
  // Path the file was opened with.
  virtual const std::string& path() const = 0;

 protected:
  RandomAccessFile() = default;
};

// The whole contents of a file, readable in place. Thread-safe (read-only).
//
// POSIX: the file is mmap(2)ped read-only and shared; pages are read on first
// touch and the mapping is removed when the region is destroyed. The region
// stays valid after its file is renamed or deleted, but a file TRUNCATED by
// anyone while it is mapped makes reading the lost pages fault (SIGBUS, the
// process dies), and bytes rewritten in place show through. Map only files
// nobody rewrites in place: ckpt itself never does so to a committed
// checkpoint (it writes temporary files and renames them). MemEnv: a copy
// of the bytes taken when the region was opened.
class ReadOnlyMemoryRegion {
 public:
  virtual ~ReadOnlyMemoryRegion() = default;  // Unmaps.
  ReadOnlyMemoryRegion(const ReadOnlyMemoryRegion&) = delete;
  ReadOnlyMemoryRegion& operator=(const ReadOnlyMemoryRegion&) = delete;

  // The file's bytes [0, size()); may be null when size() is 0.
  virtual const char* data() const = 0;
  // Size of the file when the region was opened.
  virtual uint64_t size() const = 0;
  // Path the region was opened with.
  virtual const std::string& path() const = 0;

 protected:
  ReadOnlyMemoryRegion() = default;
};

// An advisory lock, held until the object is destroyed (or the process
// exits). See Env::LockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  virtual const std::string& path() const = 0;

 protected:
  FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Never null; never deleted.
  static Env* Default();

  // Creates or truncates `path` for writing.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) = 0;
  // Opens an existing file for positional reads.
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;

  // Maps an existing file read-only (see ReadOnlyMemoryRegion for the
  // truncation caveat). Errors name the path and the errno text: NotFound
  // if absent, FailedPrecondition for a directory. The default
  // implementation returns Unimplemented naming the path; callers that can
  // read otherwise fall back to NewRandomAccessFile.
  virtual absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>>
  NewReadOnlyMemoryRegion(const std::string& path);

  // OK if `path` exists (file or directory), NotFound otherwise.
  virtual absl::Status FileExists(const std::string& path) = 0;
  // True for a directory, false for any other existing file; NotFound if
  // absent.
  virtual absl::StatusOr<bool> IsDirectory(const std::string& path) = 0;
  virtual absl::StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  // Names (not paths) of the entries of directory `dir`, excluding "." and
  // "..", in unspecified order.
  virtual absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) = 0;

  // Removes a file. NotFound if absent.
  virtual absl::Status DeleteFile(const std::string& path) = 0;
  // Atomically replaces `target` with `src` (POSIX rename semantics).
  virtual absl::Status RenameFile(const std::string& src,
                                  const std::string& target) = 0;
  // Creates one directory; OK if it already exists as a directory.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  // Removes an empty directory.
  virtual absl::Status DeleteDir(const std::string& dir) = 0;
  // Makes the directory's entries (creations, renames, deletions) durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;

  // Microseconds since the Unix epoch.
  virtual uint64_t NowMicros() = 0;

  // Takes an exclusive advisory lock on `path` (created if absent) without
  // waiting. FailedPrecondition naming the path (and the holder's pid when
  // known) if it is held: by another process, or by another FileLock of this
  // process. Only cooperating lockers are kept out; the file is never
  // deleted. POSIX: flock(LOCK_EX | LOCK_NB), released by the kernel when the
  // holder dies. The default implementation returns Unimplemented.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path);

  // Creates `dir` and any missing parents, syncing the parent of each
  // directory it creates (SyncDir) so that the new entries are durable.
  // Built on CreateDir and SyncDir.
  absl::Status CreateDirs(const std::string& dir);
};

// An Env that forwards every call to another Env, its target, so that a
// subclass overrides only the calls it changes (to count, delay or fail
// them) and gets the target's behaviour for the rest (as LevelDB's
// EnvWrapper). Every virtual function of Env is forwarded, including those
// with a default implementation (NewReadOnlyMemoryRegion, LockFile); the
// non-virtual CreateDirs goes through the wrapper's CreateDir. Files opened
// through the wrapper are the target's own objects.
//
// The wrapper does not own the target, which must outlive it. The wrapper is
// exactly as thread-safe as the target plus whatever a subclass adds.
//
// Example: an Env that refuses to delete anything.
//
//   class NoDeleteEnv : public ckpt::EnvWrapper {
//    public:
//     explicit NoDeleteEnv(ckpt::Env* target) : EnvWrapper(target) {}
//     absl::Status DeleteFile(const std::string& path) override {
//       return absl::PermissionDeniedError(path + ": deletion refused");
//     }
//   };
//
//   NoDeleteEnv env(ckpt::Env::Default());
//   CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleWriter> writer,
//                         ckpt::BundleWriter::Create(&env, prefix));
class EnvWrapper : public Env {
 public:
  // `target` must be non-null and outlive the wrapper.
  explicit EnvWrapper(Env* target);
  ~EnvWrapper() override;
  EnvWrapper(const EnvWrapper&) = delete;
  EnvWrapper& operator=(const EnvWrapper&) = delete;

  // The Env every call is forwarded to.
  Env* target() const { return target_; }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>> NewReadOnlyMemoryRegion(
      const std::string& path) override;
  absl::Status FileExists(const std::string& path) override;
  absl::StatusOr<bool> IsDirectory(const std::string& path) override;
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override;
  absl::Status DeleteFile(const std::string& path) override;
  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status DeleteDir(const std::string& dir) override;
  absl::Status SyncDir(const std::string& dir) override;
  uint64_t NowMicros() override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override;

 private:
  Env* const target_;
};

// An Env whose files live in memory only. Thread-safe. Directories are
// tracked explicitly: creating a file requires its parent directory to exist
// ("" and "/" always exist).
std::unique_ptr<Env> NewMemEnv();

// Reads a whole file. Fails with ResourceExhausted, before allocating, when
// the file is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFileToString(Env* env, const std::string& path,
                                             uint64_t max_bytes);

// Writes `contents` to `path` durably and atomically: a temp file in the same
// directory, Sync, Close, RenameFile over `path`, SyncDir of the directory.
// On failure the temp file is removed and `path` is untouched.
absl::Status WriteStringToFileAtomic(Env* env, const std::string& path,
                                     absl::string_view contents);

// "dir/name" with exactly one separator; `dir` may be empty.
std::string JoinPath(absl::string_view dir, absl::string_view name);
// Directory part of a path: "a/b/c" -> "a/b", "c" -> "", "/c" -> "/".
std::string Dirname(absl::string_view path);
// Last component: "a/b/c" -> "c".
std::string Basename(absl::string_view path);

}  // namespace ckpt

#endif  // CKPT_ENV_H_
