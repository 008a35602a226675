// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// NewMemEnv(): a thread-safe in-memory file system. Files are shared byte
// buffers: a RandomAccessFile opened earlier keeps reading the bytes it was
// opened on even after the name is deleted or replaced (POSIX semantics).
// Directories are explicit; "", "." and "/" always exist.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "util/mem_path.h"
#include "util/mutex.h"

namespace ckpt {
namespace {

struct FileData {
  Mutex mu;
  std::string bytes ABSL_GUARDED_BY(mu);
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::string path, std::shared_ptr<FileData> data)
      : path_(std::move(path)), data_(std::move(data)) {}

  absl::Status Append(absl::string_view bytes) override {
    if (!data_) return Closed();
    MutexLock lock(&data_->mu);
    data_->bytes.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  absl::Status Sync() override { return data_ ? absl::OkStatus() : Closed(); }
  absl::Status Close() override {
    if (!data_) return Closed();
    data_.reset();
    return absl::OkStatus();
  }
  const std::string& path() const override { return path_; }

 private:
  absl::Status Closed() const {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": file is already closed"));
  }
  std::string path_;
  std::shared_ptr<FileData> data_;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  MemRandomAccessFile(std::string path, std::shared_ptr<FileData> data,
                      uint64_t size)
      : path_(std::move(path)), data_(std::move(data)), size_(size) {}

  absl::Status Read(uint64_t offset, size_t n, char* scratch) const override {
    MutexLock lock(&data_->mu);
    const uint64_t have = data_->bytes.size();
    if (offset > have || n > have - offset) {
      return absl::DataLossError(
          absl::StrCat(path_, ": read of ", n, " bytes at offset ", offset,
                       " is past the end of the file (", have, " bytes)"));
    }
    if (n > 0) data_->bytes.copy(scratch, n, static_cast<size_t>(offset));
    return absl::OkStatus();
  }
  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  std::shared_ptr<FileData> data_;
  uint64_t size_;
};

// A copy of a file's bytes taken when the region was opened.
class MemReadOnlyMemoryRegion final : public ReadOnlyMemoryRegion {
 public:
  MemReadOnlyMemoryRegion(std::string path, std::string bytes)
      : path_(std::move(path)), bytes_(std::move(bytes)) {}

  const char* data() const override { return bytes_.data(); }
  uint64_t size() const override { return bytes_.size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  const std::string bytes_;
};

class MemEnv;

class MemFileLock final : public FileLock {
 public:
  MemFileLock(std::string path, std::shared_ptr<Mutex> mu,
              std::shared_ptr<std::set<std::string>> held)
      : path_(std::move(path)), mu_(std::move(mu)), held_(std::move(held)) {}
  ~MemFileLock() override {
    MutexLock lock(mu_.get());
    held_->erase(path_);
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  std::shared_ptr<Mutex> mu_;
  std::shared_ptr<std::set<std::string>> held_;
};

class MemEnv final : public Env {
 public:
  // A lock is a name in a set shared with the FileLocks, so a lock may
  // outlive the Env. The lock file itself is created like any file.
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    const std::string p = NormalizeMemPath(path);
    {
      MutexLock lock(&mu_);
      if (dirs_.count(p) > 0 || IsMemRootDir(p)) {
        return absl::FailedPreconditionError(
            absl::StrCat(path, ": is a directory, not a lock file"));
      }
      if (files_.count(p) == 0) {
        if (!ParentExistsLocked(p)) return NotFound("open lock file", path);
        files_[p] = std::make_shared<FileData>();
      }
    }
    MutexLock lock(lock_mu_.get());
    if (!held_locks_->insert(p).second) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": locked by another writer"));
    }
    return std::make_unique<MemFileLock>(p, lock_mu_, held_locks_);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    const std::string p = NormalizeMemPath(path);
    MutexLock lock(&mu_);
    if (dirs_.count(p) > 0 || IsMemRootDir(p)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": is a directory, not a file"));
    }
    if (!ParentExistsLocked(p)) {
      return absl::NotFoundError(
          absl::StrCat(path,
                       ": open for writing: No such file or directory (parent "
                       "directory missing)"));
    }
    auto data = std::make_shared<FileData>();
    files_[p] = data;  // truncates: a new buffer replaces any old one
    return std::make_unique<MemWritableFile>(path, std::move(data));
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    CKPT_ASSIGN_OR_RETURN(std::shared_ptr<FileData> data,
                          FindFile(path, "open for reading"));
    uint64_t size;
    {
      MutexLock file_lock(&data->mu);
      size = data->bytes.size();
    }
    return std::make_unique<MemRandomAccessFile>(path, std::move(data), size);
  }

  absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>> NewReadOnlyMemoryRegion(
      const std::string& path) override {
    CKPT_ASSIGN_OR_RETURN(std::shared_ptr<FileData> data,
                          FindFile(path, "open for mapping"));
    std::string bytes;
    {
      MutexLock file_lock(&data->mu);
      bytes = data->bytes;
    }
    return std::make_unique<MemReadOnlyMemoryRegion>(path, std::move(bytes));
  }

  absl::Status FileExists(const std::string& path) override {
    return IsDirectory(path).status();
  }

  absl::StatusOr<bool> IsDirectory(const std::string& path) override {
    const std::string p = NormalizeMemPath(path);
    MutexLock lock(&mu_);
    if (IsMemRootDir(p) || dirs_.count(p) > 0) return true;
    if (files_.count(p) > 0) return false;
    return NotFound("stat", path);
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    const std::string p = NormalizeMemPath(path);
    MutexLock lock(&mu_);
    auto it = files_.find(p);
    if (it == files_.end()) return NotFound("stat", path);
    MutexLock file_lock(&it->second->mu);
    return static_cast<uint64_t>(it->second->bytes.size());
  }

  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    const std::string d = NormalizeMemPath(dir);
    MutexLock lock(&mu_);
    if (!IsMemRootDir(d) && dirs_.count(d) == 0) {
      if (files_.count(d) > 0) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir, ": opendir: Not a directory"));
      }
      return NotFound("opendir", dir);
    }
    std::vector<std::string> names;
    auto add_children = [&](const auto& container) {
      for (const auto& entry : container) {
        const std::string& name = KeyOf(entry);
        if (ParentOf(name) == d && !name.empty() && name != "/") {
          names.push_back(name.substr(ChildStart(d)));
        }
      }
    };
    add_children(files_);
    add_children(dirs_);
    return names;
  }

  absl::Status DeleteFile(const std::string& path) override {
    const std::string p = NormalizeMemPath(path);
    MutexLock lock(&mu_);
    if (files_.erase(p) == 0) return NotFound("unlink", path);
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override {
    const std::string s = NormalizeMemPath(src);
    const std::string t = NormalizeMemPath(target);
    MutexLock lock(&mu_);
    auto it = files_.find(s);
    if (it == files_.end())
      return NotFound(absl::StrCat("rename to ", target), src);
    if (dirs_.count(t) > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(target, ": rename target is a directory"));
    }
    if (!ParentExistsLocked(t)) {
      return NotFound(absl::StrCat("rename from ", src), target);
    }
    std::shared_ptr<FileData> data = it->second;
    files_.erase(it);
    files_[t] = std::move(data);
    return absl::OkStatus();
  }

  absl::Status CreateDir(const std::string& dir) override {
    const std::string d = NormalizeMemPath(dir);
    MutexLock lock(&mu_);
    if (IsMemRootDir(d) || dirs_.count(d) > 0) return absl::OkStatus();
    if (files_.count(d) > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, ": exists and is not a directory"));
    }
    if (!ParentExistsLocked(d)) return NotFound("mkdir", dir);
    dirs_.insert(d);
    return absl::OkStatus();
  }

  absl::Status DeleteDir(const std::string& dir) override {
    const std::string d = NormalizeMemPath(dir);
    MutexLock lock(&mu_);
    if (dirs_.count(d) == 0) return NotFound("rmdir", dir);
    for (const auto& [name, data] : files_) {
      if (ParentOf(name) == d) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir, ": rmdir: Directory not empty"));
      }
    }
    for (const auto& name : dirs_) {
      if (ParentOf(name) == d) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir, ": rmdir: Directory not empty"));
      }
    }
    dirs_.erase(d);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    const std::string d = NormalizeMemPath(dir);
    MutexLock lock(&mu_);
    if (IsMemRootDir(d) || dirs_.count(d) > 0) return absl::OkStatus();
    return NotFound("open directory", dir);
  }

  uint64_t NowMicros() override { return Env::Default()->NowMicros(); }

 private:
  static const std::string& KeyOf(const std::string& s) { return s; }
  template <typename P>
  static const std::string& KeyOf(const P& pair) {
    return pair.first;
  }
  static std::string ParentOf(const std::string& p) { return Dirname(p); }
  static size_t ChildStart(const std::string& dir) {
    if (dir.empty()) return 0;
    if (dir == "/") return 1;
    return dir.size() + 1;
  }
  static absl::Status NotFound(absl::string_view context,
                               absl::string_view path) {
    return absl::NotFoundError(
        absl::StrCat(path, ": ", context, ": No such file or directory"));
  }
  // The contents of the existing file `path`; FailedPrecondition for a
  // directory, NotFound ("<path>: <context>: ...") if absent.
  absl::StatusOr<std::shared_ptr<FileData>> FindFile(const std::string& path,
                                                     const char* context) {
    const std::string p = NormalizeMemPath(path);
    MutexLock lock(&mu_);
    auto it = files_.find(p);
    if (it != files_.end()) return it->second;
    if (dirs_.count(p) > 0 || IsMemRootDir(p)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": is a directory, not a file"));
    }
    return NotFound(context, path);
  }
  bool ParentExistsLocked(const std::string& p) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string parent = ParentOf(p);
    return IsMemRootDir(parent) || dirs_.count(parent) > 0;
  }

  Mutex mu_;
  std::map<std::string, std::shared_ptr<FileData>> files_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirs_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Mutex> lock_mu_ = std::make_shared<Mutex>();
  std::shared_ptr<std::set<std::string>> held_locks_ =
      std::make_shared<std::set<std::string>>();
};

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace ckpt
