// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Temporary-then-rename output files; the contract is in
// bridges/output_file.h.

#include "bridges/output_file.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/random.h"

namespace ckpt::bridges {

OutputFile::OutputFile(Env* env, std::string path, std::string temp,
                       std::unique_ptr<WritableFile> file)
    : env_(env),
      path_(std::move(path)),
      temp_(std::move(temp)),
      file_(std::move(file)) {}

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(
    Env* env, std::string path) {
  const std::string dir = Dirname(path);
  if (!dir.empty()) {
    absl::Status made = env->CreateDirs(dir);
    if (!made.ok()) return made;
  }
  std::string temp = absl::StrFormat("%s.tempstate%016x", path, RandomUint64());
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      env->NewWritableFile(temp);
  if (!file.ok()) return file.status();
  return std::unique_ptr<OutputFile>(
      new OutputFile(env, std::move(path), std::move(temp), *std::move(file)));
}

absl::Status OutputFile::Close() {
  absl::Status s = file_->Sync();
  if (s.ok()) s = file_->Close();
  if (s.ok()) closed_ = true;
  return s;
}

absl::Status OutputFile::Commit() {
  if (!closed_) {
    return absl::FailedPreconditionError(
        absl::StrCat(temp_, ": committed before it was closed"));
  }
  absl::Status s = env_->RenameFile(temp_, path_);
  if (s.ok()) committed_ = true;
  return s;
}

void OutputFile::Discard() {
  if (discarded_) return;
  discarded_ = true;
  if (!closed_) (void)file_->Close();
  (void)env_->DeleteFile(committed_ ? path_ : temp_);
}

OutputFile::~OutputFile() {
  if (!committed_) Discard();
}

}  // namespace ckpt::bridges
