// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/external_variable.h
// -----------------------------------------------------------------------------
//
// ExternalVariable: a variable whose value lives in memory the caller owns
// (a libtorch tensor's storage, an Eigen matrix, an arena, pinned host
// memory). ckpt saves it from that memory and restores it straight into that
// memory, with no copy of its own; on disk it is an ordinary variable (one
// attribute, "VARIABLE_VALUE"), so a checkpoint saved from a Variable
// restores into an ExternalVariable and the other way round.
//
// Four states (docs/guide.md, "Memory ownership"):
//
//   * Writable(ptr): saves read the memory; restores write the checked bytes
//     into it in place, on the same parallel, checksummed path a Variable
//     takes (no intermediate copy unless RestoreOptions::stage_external).
//   * ReadOnly(ptr): saves read the memory; a restore that reaches it is a
//     FailedPrecondition naming the object path, and the memory is never
//     written.
//   * Copied(save, restore): memory of another layout or another device
//     (CUDA, a strided or column-major buffer): a save calls `save` to fill a
//     row-major host buffer, a restore calls `restore` with the value's
//     bytes after their checksum was verified.
//   * Unbound (default-constructed): no memory yet. Like an uninitialized
//     Variable it takes a restored value into a buffer of its own; the Bind*
//     call that gives it memory later copies that value in (deferred
//     restoration when the memory appears later).
//
// Lifetime contract: the memory must stay valid, and keep its dtype, shape
// and address, from the Bind (or factory) until the variable is destroyed,
// Unbind() is called or another Bind* replaces it. ckpt reads it during
// Save/Write (an asynchronous save copies it before WriteAsync returns, so
// later writes never reach the checkpoint) and writes it only during
// Restore/Read and the ChildrenChanged() calls that complete a deferred
// restore. Nothing is written concurrently with the caller's own use unless
// the caller restores while using it.
//
// What a failed restore leaves in the memory: a value whose read or
// checksum fails may have been partly written (the bytes are copied in
// place while they are checked). With RestoreOptions::stage_external the
// values are read and checked in scratch buffers first and copied in only
// if the whole restore succeeds, so a failed restore leaves every
// caller-owned byte as it was.
//
// Only fixed-size dtypes (not string or variant); elements are row-major
// (C order) in the memory, as TensorFlow stores them.
//
// Example:
//
//   std::vector<float> weights(784 * 64);  // the caller's memory
//   CKPT_ASSIGN_OR_RETURN(
//       ckpt::ExternalVariable w,
//       ckpt::ExternalVariable::Writable(ckpt::DataType::kFloat, {784, 64},
//                                        weights.data(),
//                                        weights.size() * sizeof(float)));
//   ckpt::Checkpoint checkpoint;
//   CKPT_RETURN_IF_ERROR(checkpoint.Track("w", w));
//   CKPT_RETURN_IF_ERROR(checkpoint.Read(prefix).status());  // into weights

#ifndef CKPT_EXTERNAL_VARIABLE_H_
#define CKPT_EXTERNAL_VARIABLE_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"

namespace ckpt {

class ExternalVariable : public Trackable {
 public:
  enum class Access {
    kUnbound,   // no memory; may hold a restored value (pending_value())
    kWritable,  // caller memory, saved and restored in place
    kReadOnly,  // caller memory, saved; restoring is an error
    kCopied,    // caller callbacks copy the bytes out and in
  };

  // Fills `out` (num_elements * DataTypeSize(dtype) bytes) with the value,
  // row-major. Called during Save/Write (WriteAsync: before it returns).
  using SaveFn = std::function<absl::Status(absl::Span<char> out)>;
  // Receives the stored value's bytes (row-major, checksum verified, the
  // variable's dtype and shape) during a restore. An error is the restore's
  // error for this object path.
  using RestoreFn = std::function<absl::Status(absl::string_view bytes)>;

  ExternalVariable() = default;  // unbound
  // Move-only: two variables viewing one memory would both restore into
  // it. A moved-from variable is unbound and empty; the moved-to one is a
  // new object of the graph (Trackable: moves carry no restore state).
  ExternalVariable(ExternalVariable&& other) noexcept;
  ExternalVariable& operator=(ExternalVariable&& other) noexcept;
  ExternalVariable(const ExternalVariable&) = delete;
  ExternalVariable& operator=(const ExternalVariable&) = delete;
  ~ExternalVariable() override = default;

  // Bound to `size` bytes at `data`, which must equal num_elements *
  // DataTypeSize(dtype). InvalidArgument for a string or variant dtype, an
  // invalid shape, a size that differs, or null data for a non-empty value.
  static absl::StatusOr<ExternalVariable> Writable(DataType dtype,
                                                   TensorShape shape,
                                                   void* data, size_t size);
  static absl::StatusOr<ExternalVariable> ReadOnly(DataType dtype,
                                                   TensorShape shape,
                                                   const void* data,
                                                   size_t size);
  // Bound to callbacks; both must be set (InvalidArgument otherwise).
  static absl::StatusOr<ExternalVariable> Copied(DataType dtype,
                                                 TensorShape shape, SaveFn save,
                                                 RestoreFn restore);

  // (Re)binds the variable; the arguments are checked as for the factories.
  // If the variable is unbound and holds a value restored meanwhile, that
  // value must have the same dtype and shape (InvalidArgument naming both
  // otherwise, and nothing changes); it is copied into the memory (or
  // handed to `restore`) and released. BindReadOnly refuses such a value
  // (FailedPrecondition: it could not be written).
  absl::Status BindWritable(DataType dtype, TensorShape shape, void* data,
                            size_t size);
  absl::Status BindReadOnly(DataType dtype, TensorShape shape, const void* data,
                            size_t size);
  absl::Status BindCopied(DataType dtype, TensorShape shape, SaveFn save,
                          RestoreFn restore);
  // Forgets the memory (call it before freeing the memory while the
  // variable lives on); the variable is unbound and empty.
  void Unbind();

  Access access() const { return access_; }
  // kInvalid and an empty shape while unbound without a value.
  DataType dtype() const;
  const TensorShape& shape() const;
  // Bound to memory (writable or read-only): a read-only Tensor::Borrow of
  // it. Unbound: the value restored while unbound, or an empty tensor.
  // Copied: an empty tensor (the value lives behind the callbacks).
  const ckpt::Tensor& value() const { return value_; }
  // Unbound and holding a restored value that waits for memory.
  bool has_pending_value() const {
    return access_ == Access::kUnbound && value_.dtype() != DataType::kInvalid;
  }
  // The caller's memory for kWritable; empty otherwise.
  absl::Span<char> writable_bytes() const {
    return access_ == Access::kWritable
               ? absl::Span<char>(writable_, value_.bytes().size())
               : absl::Span<char>();
  }
  const SaveFn& save_fn() const { return save_; }
  const RestoreFn& restore_fn() const { return restore_; }

  // TF1-style name ("dense/kernel"), recorded as full_name; optional.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // Unbound: AttributeVisitor::Tensor of the pending value (so a restore
  // fills it); otherwise AttributeVisitor::External of this variable.
  void VisitAttributes(AttributeVisitor& visit) override;

 private:
  // The checks shared by the factories and Bind*: a storable fixed-size
  // dtype, a valid shape and, for memory, a matching size.
  static absl::StatusOr<TensorShape> CheckDescriptor(const char* what,
                                                     DataType dtype,
                                                     TensorShape shape);
  // CheckDescriptor, then a read-only Tensor::Borrow of `size` bytes at
  // `data` (errors prefixed "ExternalVariable::<what>: ").
  static absl::StatusOr<ckpt::Tensor> MemoryView(const char* what,
                                                 DataType dtype,
                                                 TensorShape shape,
                                                 const void* data, size_t size);
  // Gives a pending value to the new binding (see Bind*).
  absl::Status DeliverPending(DataType dtype, const TensorShape& shape,
                              void* data, const RestoreFn& restore);

  Access access_ = Access::kUnbound;
  ckpt::Tensor value_;        // see value()
  char* writable_ = nullptr;  // kWritable: the memory value_ borrows
  DataType copied_dtype_ = DataType::kInvalid;  // kCopied
  TensorShape copied_shape_;                    // kCopied
  SaveFn save_;
  RestoreFn restore_;
  std::string name_;
};

}  // namespace ckpt

#endif  // CKPT_EXTERNAL_VARIABLE_H_
