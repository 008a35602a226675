// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Env helpers shared by every implementation: path manipulation, recursive
// directory creation, whole-file reads and atomic whole-file writes, and
// EnvWrapper.
#include "ckpt/env.h"

#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "ckpt/status.h"
#include "util/errors.h"
#include "util/random.h"

namespace ckpt {

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty()) return std::string(name);
  if (name.empty()) return std::string(dir);
  const bool dir_slash = dir.back() == '/';
  const bool name_slash = name.front() == '/';
  if (dir_slash && name_slash) return absl::StrCat(dir, name.substr(1));
  if (dir_slash || name_slash) return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

std::string Dirname(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return "";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string Basename(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return std::string(path);
  return std::string(path.substr(slash + 1));
}

absl::StatusOr<std::unique_ptr<FileLock>> Env::LockFile(
    const std::string& path) {
  return absl::UnimplementedError(
      absl::StrCat(path, ": this Env does not support file locks"));
}

absl::Status RandomAccessFile::ReadV(
    uint64_t offset, absl::Span<const absl::Span<char>> pieces) const {
  size_t total = 0;
  for (const absl::Span<char>& piece : pieces) total += piece.size();
  if (total == 0) return Read(offset, 0, nullptr);
  // Not zero-filled: Read() overwrites it, and nothing is copied on error.
  const std::unique_ptr<char[]> buffer(new char[total]);
  CKPT_RETURN_IF_ERROR(Read(offset, total, buffer.get()));
  const char* from = buffer.get();
  for (const absl::Span<char>& piece : pieces) {
    if (piece.empty()) continue;
    std::memcpy(piece.data(), from, piece.size());
    from += piece.size();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>>
Env::NewReadOnlyMemoryRegion(const std::string& path) {
  return absl::UnimplementedError(absl::StrCat(
      path, ": this Env does not support read-only memory regions"));
}

absl::Status Env::CreateDirs(const std::string& dir) {
  if (dir.empty() || dir == "/" || dir == ".") return absl::OkStatus();
  absl::StatusOr<bool> is_dir = IsDirectory(dir);
  if (is_dir.ok()) {
    if (*is_dir) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": exists and is not a directory"));
  }
  if (!absl::IsNotFound(is_dir.status())) return is_dir.status();
  CKPT_RETURN_IF_ERROR(CreateDirs(Dirname(dir)));
  CKPT_RETURN_IF_ERROR(CreateDir(dir));
  // The new entry is durable only once its parent is synced: a checkpoint
  // saved (and synced) into a directory made here must not vanish with the
  // directory after a crash. If that fails, the (empty) directory goes
  // again: a failed call leaves nothing it made at `dir`.
  absl::Status synced = SyncDir(Dirname(dir));
  if (!synced.ok()) DeleteDir(dir).IgnoreError();
  return synced;
}

absl::StatusOr<std::string> ReadFileToString(Env* env, const std::string& path,
                                             uint64_t max_bytes) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                        env->NewRandomAccessFile(path));
  const uint64_t size = file->size();
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": file is ", size,
                     " bytes, larger than the limit of ", max_bytes, " bytes"));
  }
  std::string contents(static_cast<size_t>(size), '\0');
  CKPT_RETURN_IF_ERROR(file->Read(0, contents.size(), contents.data()));
  return contents;
}

absl::Status WriteStringToFileAtomic(Env* env, const std::string& path,
                                     absl::string_view contents) {
  const std::string tmp = absl::StrCat(path, ".tmp", RandomUint64());
  absl::Status status = [&]() -> absl::Status {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          env->NewWritableFile(tmp));
    CKPT_RETURN_IF_ERROR(file->Append(contents));
    CKPT_RETURN_IF_ERROR(file->Sync());
    CKPT_RETURN_IF_ERROR(file->Close());
    CKPT_RETURN_IF_ERROR(env->RenameFile(tmp, path));
    return env->SyncDir(Dirname(path));
  }();
  if (!status.ok()) {
    env->DeleteFile(tmp).IgnoreError();  // best effort; may not exist
  }
  return status;
}

EnvWrapper::EnvWrapper(Env* target) : target_(target) {}

EnvWrapper::~EnvWrapper() = default;

absl::StatusOr<std::unique_ptr<WritableFile>> EnvWrapper::NewWritableFile(
    const std::string& path) {
  return target_->NewWritableFile(path);
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>>
EnvWrapper::NewRandomAccessFile(const std::string& path) {
  return target_->NewRandomAccessFile(path);
}

absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>>
EnvWrapper::NewReadOnlyMemoryRegion(const std::string& path) {
  return target_->NewReadOnlyMemoryRegion(path);
}

absl::Status EnvWrapper::FileExists(const std::string& path) {
  return target_->FileExists(path);
}

absl::StatusOr<bool> EnvWrapper::IsDirectory(const std::string& path) {
  return target_->IsDirectory(path);
}

absl::StatusOr<uint64_t> EnvWrapper::GetFileSize(const std::string& path) {
  return target_->GetFileSize(path);
}

absl::StatusOr<std::vector<std::string>> EnvWrapper::GetChildren(
    const std::string& dir) {
  return target_->GetChildren(dir);
}

absl::Status EnvWrapper::DeleteFile(const std::string& path) {
  return target_->DeleteFile(path);
}

absl::Status EnvWrapper::RenameFile(const std::string& src,
                                    const std::string& target) {
  return target_->RenameFile(src, target);
}

absl::Status EnvWrapper::CreateDir(const std::string& dir) {
  return target_->CreateDir(dir);
}

absl::Status EnvWrapper::DeleteDir(const std::string& dir) {
  return target_->DeleteDir(dir);
}

absl::Status EnvWrapper::SyncDir(const std::string& dir) {
  return target_->SyncDir(dir);
}

uint64_t EnvWrapper::NowMicros() { return target_->NowMicros(); }

absl::StatusOr<std::unique_ptr<FileLock>> EnvWrapper::LockFile(
    const std::string& path) {
  return target_->LockFile(path);
}

}  // namespace ckpt
