// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: bridges/output_file.h
// -----------------------------------------------------------------------------
//
// A file written under a temporary name and renamed into place by Commit(),
// for the outputs of `ckpt export` (ckpt/bridges.h "Atomic").
//
// Contract: Create() makes the parent directory if needed and opens
// "<path>.tempstate<random hex>". Close() syncs and closes the temporary
// file; Commit() (after Close) renames it to `path`, replacing a file
// there; neither syncs the directory (the caller does, once per export), so
// that an export of several files renames them only once all are written.
// A file destroyed without a successful Commit() is closed and its
// temporary deleted; Discard() deletes it, committed or not.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(auto out, OutputFile::Create(env, "m.safetensors"));
//   CKPT_RETURN_IF_ERROR(out->file()->Append(bytes));
//   CKPT_RETURN_IF_ERROR(out->Close());
//   CKPT_RETURN_IF_ERROR(out->Commit());

#ifndef CKPT_LIB_BRIDGES_OUTPUT_FILE_H_
#define CKPT_LIB_BRIDGES_OUTPUT_FILE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ckpt/env.h"

namespace ckpt::bridges {

class OutputFile {
 public:
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(Env* env,
                                                            std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  WritableFile* file() { return file_.get(); }
  const std::string& path() const { return path_; }
  bool committed() const { return committed_; }
  absl::Status Close();
  absl::Status Commit();
  // Deletes the file (temporary or committed) unless already gone.
  void Discard();

 private:
  OutputFile(Env* env, std::string path, std::string temp,
             std::unique_ptr<WritableFile> file);
  Env* env_;
  std::string path_;
  std::string temp_;
  std::unique_ptr<WritableFile> file_;
  bool closed_ = false;
  bool committed_ = false;
  bool discarded_ = false;
};

}  // namespace ckpt::bridges

#endif  // CKPT_LIB_BRIDGES_OUTPUT_FILE_H_
