// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/trackable.h
// -----------------------------------------------------------------------------
//
// The object model of checkpoints: objects declare their named children, the
// tensors they save (attributes) and, for optimizers, their slot variables.
// A Checkpoint walks this graph from its root; values are matched by the
// chain of child names from the root (the object path), never by variable
// names.
//
// Three ways to be part of the graph:
//
//   * Derive from ckpt::Trackable and override VisitChildren /
//     VisitAttributes / VisitSlots. The order of VisitChildren is part of the
//     format: it decides node ids and keys.
//   * A plain aggregate (struct) whose fields are graph objects. Boost.PFR
//     finds the fields; name them once with CKPT_FIELD_NAMES (checked at
//     compile time against the field count), otherwise each is named by its
//     field index ("0", "1", ...; skipped fields keep their index, so
//     {Variable a; int n; Variable b;} has children "0" and "2"). Fields that
//     are not graph objects (int, std::string, ...) are skipped.
//   * Containers of graph objects: std::vector, std::deque, std::array
//     (children "0", "1", ...), std::map / absl::btree_map with string keys
//     (children named by key, in key order), std::unique_ptr /
//     std::shared_ptr (the pointee; an empty pointer is absent). A container
//     or aggregate field is a node of its own, like TensorFlow's list and dict
//     wrappers.
//
// An object reachable through several paths (shared_ptr, a second edge) is one
// node with several edges; cycles are fine. Object identity is its address
// together with its type, so an aggregate and its first field are distinct.
//
// Deferred restoration: objects that gain children or slots after a restore
// (layers built on first call, optimizer slots created on the first step,
// growing containers) call ChildrenChanged() on themselves (or on the
// Trackable that owns the container); waiting values are assigned then.
// Identity is an address, so a container that moves its elements when it
// grows (std::vector<Variable>) makes them new objects: use std::deque or a
// vector of pointers for containers that grow after a restore.
//
// Example:
//
//   struct Dense {                      // aggregate, no boilerplate
//     ckpt::Variable kernel{ckpt::DataType::kFloat, {784, 64}};
//     ckpt::Variable bias{ckpt::DataType::kFloat, {64}};
//     int units = 64;                   // not a graph object: skipped
//   };
//   CKPT_FIELD_NAMES(Dense, "kernel", "bias", "units");
//
//   class Model : public ckpt::Trackable {
//    public:
//     void VisitChildren(ckpt::ChildVisitor& visit) override {
//       visit("layers", layers_);       // std::vector<Dense> -> "layers/0/..."
//       visit("step", step_);
//     }
//    private:
//     std::vector<Dense> layers_;
//     ckpt::Variable step_{ckpt::DataType::kInt64, {}};
//   };

#ifndef CKPT_TRACKABLE_H_
#define CKPT_TRACKABLE_H_

#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boost/pfr.hpp"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt {

class Trackable;
class Variable;
class ShardedVariable;
class ExternalVariable;
class ChildVisitor;
class AttributeVisitor;
class SlotVisitor;

namespace graph {
class Anchor;  // deferred restorations waiting on one Trackable
}  // namespace graph

// FieldNames<T>::names: the edge names of aggregate T's fields, in order.
// Specialize with CKPT_FIELD_NAMES at global namespace scope.
template <typename T>
struct FieldNames;

// CKPT_FIELD_NAMES(Type, "a", "b", ...): one name per field of aggregate
// Type, in declaration order; a compile error if the count differs.
#define CKPT_FIELD_NAMES(Type, ...)                                  \
  template <>                                                        \
  struct ckpt::FieldNames<Type> {                                    \
    static constexpr std::array<                                     \
        absl::string_view,                                           \
        std::tuple_size_v<decltype(std::make_tuple(__VA_ARGS__))>>   \
        names{__VA_ARGS__};                                          \
    static_assert(names.size() == ::boost::pfr::tuple_size_v<Type>,  \
                  "CKPT_FIELD_NAMES: one name per field of " #Type); \
  }

// ---- type-erased object handle ----------------------------------------------

// A non-owning handle to one object of the graph: a Trackable, an aggregate
// or a container. Cheap to copy. Two handles denote the same node iff id()
// and type() are equal.
class ObjectRef {
 public:
  struct Ops {
    const char* type_name;
    void (*children)(void* obj, ChildVisitor& visit);
    void (*attributes)(void* obj, AttributeVisitor& visit);
    void (*slots)(void* obj, SlotVisitor& visit);
    Trackable* (*as_trackable)(void* obj);
  };

  ObjectRef() = default;
  ObjectRef(void* obj, const Ops* ops) : obj_(obj), ops_(ops) {}

  // A handle for any graph object (see the file comment); a null handle for
  // an empty pointer.
  template <typename T>
  static ObjectRef Of(T& obj);

  bool is_null() const { return obj_ == nullptr; }
  const void* id() const { return obj_; }
  const Ops* type() const { return ops_; }
  const char* type_name() const { return ops_->type_name; }
  // The object as a Trackable, or null for aggregates and containers.
  Trackable* trackable() const { return ops_->as_trackable(obj_); }

  void VisitChildren(ChildVisitor& visit) const { ops_->children(obj_, visit); }
  void VisitAttributes(AttributeVisitor& visit) const {
    ops_->attributes(obj_, visit);
  }
  void VisitSlots(SlotVisitor& visit) const { ops_->slots(obj_, visit); }

  friend bool operator==(const ObjectRef& a, const ObjectRef& b) {
    return a.obj_ == b.obj_ && a.ops_ == b.ops_;
  }
  friend bool operator!=(const ObjectRef& a, const ObjectRef& b) {
    return !(a == b);
  }
  // Identity (address and type) as a hash: an ObjectRef is a key of
  // absl::flat_hash_map / flat_hash_set.
  template <typename H>
  friend H AbslHashValue(H h, const ObjectRef& ref) {
    return H::combine(std::move(h), ref.obj_, ref.ops_);
  }

 private:
  void* obj_ = nullptr;
  const Ops* ops_ = nullptr;
};

// ---- visitors
// -----------------------------------------------------------------

// Receives an object's children in order. visit("name", obj) accepts any graph
// object; null handles (empty pointers) are skipped.
class ChildVisitor {
 public:
  virtual ~ChildVisitor() = default;
  virtual void Visit(absl::string_view name, ObjectRef child) = 0;

  template <typename T>
  void operator()(absl::string_view name, T& child) {
    ObjectRef ref = ObjectRef::Of(child);
    if (!ref.is_null()) Visit(name, ref);
  }
};

// Receives the tensors an object saves.
class AttributeVisitor {
 public:
  virtual ~AttributeVisitor() = default;
  // A tensor the object owns: saved as it is, restored in place. A restore
  // requires the stored dtype and shape to equal the tensor's (an error naming
  // the path and both shapes otherwise). `full_name` is the TF1-style name
  // recorded in the graph and used for name-based restore ("" for none).
  virtual void Tensor(absl::string_view name, ckpt::Tensor* value,
                      absl::string_view full_name) = 0;
  // Custom state produced at save time and handed back at restore time (RNG
  // state, counters, a vocabulary). `restore` gets exactly the stored tensor;
  // no code from the file is ever executed.
  virtual void Custom(
      absl::string_view name,
      std::function<absl::StatusOr<ckpt::Tensor>()> save,
      std::function<absl::Status(const ckpt::Tensor&)> restore) = 0;
  // A tensor the object owns in parts (a ShardedVariable): `parts[i]` holds
  // region `slices[i]` of one logical tensor of shape `full_shape`. Saved as
  // one partitioned tensor with a slice per part (TensorFlow's layout for
  // partitioned variables); restored in place part by part, each reading
  // only its region, from a partitioned or a plain stored tensor of the
  // same dtype and full shape. The parts must tile `full_shape` and share
  // one dtype.
  virtual void Partitioned(absl::string_view name,
                           const TensorShape& full_shape,
                           absl::Span<ckpt::Tensor* const> parts,
                           absl::Span<const TensorSlice> slices,
                           absl::string_view full_name) = 0;
  // A value in memory the caller owns (ckpt/external_variable.h): saved from
  // that memory (or its save callback) and restored straight into it (or
  // through its restore callback); a restore requires the stored dtype and
  // shape to equal the variable's, and a read-only one refuses it.
  virtual void External(absl::string_view name, ExternalVariable& variable,
                        absl::string_view full_name) = 0;
};

// Receives an optimizer's slot variables: slot `slot_name` of `original`.
// A sharded variable's slots are sharded the same way.
class SlotVisitor {
 public:
  virtual ~SlotVisitor() = default;
  virtual void Slot(absl::string_view slot_name, Variable& original,
                    Variable& slot) = 0;
  virtual void Slot(absl::string_view slot_name, ShardedVariable& original,
                    ShardedVariable& slot) = 0;
  // Slots of parameters held in caller-owned memory (the libtorch adapter's
  // optimizer state).
  virtual void Slot(absl::string_view slot_name, ExternalVariable& original,
                    ExternalVariable& slot) = 0;
};

// ---- Trackable
// ----------------------------------------------------------------

class Trackable {
 public:
  Trackable();
  // Copies and moves carry no restore state: a copy is a new object.
  Trackable(const Trackable& other);
  Trackable& operator=(const Trackable& other);
  virtual ~Trackable();

  virtual void VisitChildren(ChildVisitor& visit) { (void)visit; }
  virtual void VisitAttributes(AttributeVisitor& visit) { (void)visit; }
  virtual void VisitSlots(SlotVisitor& visit) { (void)visit; }

  // Tells waiting restorations that this object (or a container or aggregate
  // it owns) gained children or slots: their checkpointed values are
  // assigned now, recursively. Cheap when nothing waits. Errors (dtype or
  // shape mismatches) are recorded in the RestoreStatus and also returned.
  absl::Status ChildrenChanged();

 private:
  friend class graph::Anchor;
  std::shared_ptr<graph::Anchor> anchor_;  // set while restores wait here
};

// ---- Variable
// -------------------------------------------------------------------

// A tensor-valued variable; saves one attribute, "VARIABLE_VALUE".
class Variable : public Trackable {
 public:
  Variable() = default;  // dtype kInvalid until assigned
  // Zero-filled. Precondition: a storable dtype and a valid shape (the
  // process aborts otherwise; build from a Tensor to handle errors).
  Variable(DataType dtype, TensorShape shape);
  explicit Variable(ckpt::Tensor value);

  DataType dtype() const { return value_.dtype(); }
  const TensorShape& shape() const { return value_.shape(); }
  const ckpt::Tensor& value() const { return value_; }
  ckpt::Tensor& mutable_value() { return value_; }
  template <typename T>
  absl::Span<const T> flat() const {
    return value_.flat<T>();
  }
  template <typename T>
  absl::Span<T> mutable_flat() {
    return value_.mutable_flat<T>();
  }

  // Replaces the value; InvalidArgument unless dtype and shape are equal
  // (an uninitialized variable accepts anything).
  absl::Status Assign(const ckpt::Tensor& value);

  // TF1-style name ("dense/kernel"), recorded as full_name; optional.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  void VisitAttributes(AttributeVisitor& visit) override;

 private:
  ckpt::Tensor value_;
  std::string name_;
};

// A variable stored in parts along axis 0: TensorFlow's ShardedVariable
// (ParameterServerStrategy) and partitioned variables (`partitioner=`). Part
// i is a contiguous tensor of its own holding rows [row_offset(i),
// row_offset(i) + rows of part i) of a logical tensor of shape(). Saves one
// attribute, "VARIABLE_VALUE", as a partitioned tensor with one slice per
// part (every dimension "start,length", as TensorFlow's SaveSliceInfo
// writes them), so a checkpoint saved with N parts restores into M parts
// for any M, into a plain Variable, and a plain Variable's checkpoint
// restores into a ShardedVariable; each part reads only its rows.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(ckpt::ShardedVariable emb,
//                         ckpt::ShardedVariable::Create(
//                             ckpt::DataType::kFloat, {1000, 64}, 4));
//   emb.mutable_part(0).mutable_flat<float>()[0] = 1.0f;  // rows 0..249
class ShardedVariable : public Trackable {
 public:
  ShardedVariable() = default;  // no parts until assigned

  // Zero-filled parts of `shape` (rank >= 1) split along axis 0 as
  // TensorFlow's fixed_size_partitioner does: min(num_parts, rows) parts
  // (one for zero rows), the first rows % parts of them one row longer.
  // InvalidArgument for rank 0, num_parts < 1 or a dtype that cannot be
  // checkpointed.
  static absl::StatusOr<ShardedVariable> Create(DataType dtype,
                                                TensorShape shape,
                                                int num_parts);
  // This process's share of a variable partitioned across the `num_ranks`
  // ranks of a collective save or restore (docs/distributed.md): of the
  // n = min(num_parts, rows) parts Create() would make, the contiguous run
  // [rank * n / num_ranks, (rank + 1) * n / num_ranks), zero-filled. Only
  // those are allocated. Every rank must own a part: InvalidArgument if
  // n < num_ranks or rank is not in [0, num_ranks), and as for Create().
  // Without a communicator it cannot be saved (its parts do not hold the
  // whole value); it restores its parts from any checkpoint of the value.
  static absl::StatusOr<ShardedVariable> CreateLocal(DataType dtype,
                                                     TensorShape shape,
                                                     int num_parts, int rank,
                                                     int num_ranks);
  // Adopts `parts`, stacked along axis 0 in order: at least one, one dtype,
  // rank >= 1, equal dimensions beyond axis 0. InvalidArgument otherwise.
  static absl::StatusOr<ShardedVariable> FromParts(
      std::vector<ckpt::Tensor> parts);

  DataType dtype() const { return dtype_; }
  // The logical (full) shape.
  const TensorShape& shape() const { return shape_; }
  int num_parts() const { return static_cast<int>(parts_.size()); }
  const ckpt::Tensor& part(int i) const {
    return parts_[static_cast<size_t>(i)];
  }
  // Writable in place; its dtype and shape must not change.
  ckpt::Tensor& mutable_part(int i) { return parts_[static_cast<size_t>(i)]; }
  int64_t row_offset(int i) const {
    return slices_[static_cast<size_t>(i)].Start(0);
  }
  // The region part i holds.
  const TensorSlice& slice(int i) const {
    return slices_[static_cast<size_t>(i)];
  }

  // True if the parts hold only this rank's share (CreateLocal).
  bool is_local() const { return local_; }

  // The logical tensor, parts concatenated (a copy). FailedPrecondition for
  // a local share.
  absl::StatusOr<ckpt::Tensor> Concat() const;

  // TF1-style name, recorded as full_name; optional.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  void VisitAttributes(AttributeVisitor& visit) override;

 private:
  DataType dtype_ = DataType::kInvalid;
  TensorShape shape_;
  std::vector<ckpt::Tensor> parts_;
  std::vector<TensorSlice> slices_;
  std::string name_;
  bool local_ = false;
};

// ---- ObjectRef::Of dispatch (implementation details)
// -------------------------

namespace internal {

template <typename T>
struct IsUniquePtr : std::false_type {};
template <typename T, typename D>
struct IsUniquePtr<std::unique_ptr<T, D>> : std::true_type {};
template <typename T>
struct IsSharedPtr : std::false_type {};
template <typename T>
struct IsSharedPtr<std::shared_ptr<T>> : std::true_type {};
template <typename T>
struct IsSequence : std::false_type {};
template <typename T, typename A>
struct IsSequence<std::vector<T, A>> : std::true_type {};
template <typename T, typename A>
struct IsSequence<std::deque<T, A>> : std::true_type {};
template <typename T, size_t N>
struct IsSequence<std::array<T, N>> : std::true_type {};
template <typename T>
struct IsStringMap : std::false_type {};
template <typename V, typename C, typename A>
struct IsStringMap<std::map<std::string, V, C, A>> : std::true_type {};
template <typename V, typename C, typename A>
struct IsStringMap<absl::btree_map<std::string, V, C, A>> : std::true_type {};

template <typename T, typename = void>
struct HasFieldNames : std::false_type {};
template <typename T>
struct HasFieldNames<T, std::void_t<decltype(FieldNames<T>::names)>>
    : std::true_type {};

// Whether T can appear in the graph (decided at compile time).
template <typename T>
constexpr bool IsGraphObject();

template <typename T>
constexpr bool IsAggregateObject() {
  if constexpr (std::is_base_of_v<Trackable, T> || IsUniquePtr<T>::value ||
                IsSharedPtr<T>::value || IsSequence<T>::value ||
                IsStringMap<T>::value) {
    return false;
  } else if constexpr (std::is_class_v<T> && std::is_aggregate_v<T> &&
                       !std::is_polymorphic_v<T>) {
    return HasFieldNames<T>::value || boost::pfr::tuple_size_v<T> > 0;
  } else {
    return false;
  }
}

template <typename T>
constexpr bool IsGraphObject() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_base_of_v<Trackable, U>) {
    return true;
  } else if constexpr (IsUniquePtr<U>::value || IsSharedPtr<U>::value) {
    return IsGraphObject<typename U::element_type>();
  } else if constexpr (IsSequence<U>::value) {
    return IsGraphObject<typename U::value_type>();
  } else if constexpr (IsStringMap<U>::value) {
    return IsGraphObject<typename U::mapped_type>();
  } else {
    return IsAggregateObject<U>();
  }
}

inline void NoAttributes(void*, AttributeVisitor&) {}
inline void NoSlots(void*, SlotVisitor&) {}
inline Trackable* NotTrackable(void*) { return nullptr; }

template <typename T>
struct TrackableOps {
  static constexpr ObjectRef::Ops ops = {
      "Trackable",
      [](void* o, ChildVisitor& v) { static_cast<T*>(o)->VisitChildren(v); },
      [](void* o, AttributeVisitor& v) {
        static_cast<T*>(o)->VisitAttributes(v);
      },
      [](void* o, SlotVisitor& v) { static_cast<T*>(o)->VisitSlots(v); },
      [](void* o) -> Trackable* { return static_cast<T*>(o); }};
};

std::string IndexName(size_t i);

template <typename T>
struct SequenceOps {
  static constexpr ObjectRef::Ops ops = {"List",
                                         [](void* o, ChildVisitor& v) {
                                           auto& seq = *static_cast<T*>(o);
                                           size_t i = 0;
                                           for (auto& element : seq)
                                             v(IndexName(i++), element);
                                         },
                                         NoAttributes, NoSlots, NotTrackable};
};

template <typename T>
struct MapOps {
  static constexpr ObjectRef::Ops ops = {
      "Dict",
      [](void* o, ChildVisitor& v) {
        for (auto& [key, value] : *static_cast<T*>(o)) v(key, value);
      },
      NoAttributes, NoSlots, NotTrackable};
};

template <typename T>
struct AggregateOps {
  static void Children(void* o, ChildVisitor& v) {
    T& agg = *static_cast<T*>(o);
    boost::pfr::for_each_field(agg, [&v](auto& field, size_t i) {
      using F = std::remove_reference_t<decltype(field)>;
      if constexpr (IsGraphObject<F>()) {
        if constexpr (HasFieldNames<T>::value) {
          v(FieldNames<T>::names[i], field);
        } else {
          v(IndexName(i), field);
        }
      }
    });
  }
  static constexpr ObjectRef::Ops ops = {"Aggregate", Children, NoAttributes,
                                         NoSlots, NotTrackable};
};

}  // namespace internal

template <typename T>
ObjectRef ObjectRef::Of(T& obj) {
  using U = std::remove_cv_t<T>;
  static_assert(internal::IsGraphObject<U>(),
                "not a graph object: derive from ckpt::Trackable, use a "
                "container or smart pointer of graph objects, or an aggregate "
                "of them");
  void* p = const_cast<U*>(&obj);
  if constexpr (std::is_base_of_v<Trackable, U>) {
    // One Ops table for every Trackable (virtual dispatch does the rest), so
    // an object has the same identity whatever static type reaches it.
    (void)p;
    return ObjectRef(static_cast<Trackable*>(const_cast<U*>(&obj)),
                     &internal::TrackableOps<Trackable>::ops);
  } else if constexpr (internal::IsUniquePtr<U>::value ||
                       internal::IsSharedPtr<U>::value) {
    if (!obj) return ObjectRef();
    return Of(*obj);
  } else if constexpr (internal::IsSequence<U>::value) {
    return ObjectRef(p, &internal::SequenceOps<U>::ops);
  } else if constexpr (internal::IsStringMap<U>::value) {
    return ObjectRef(p, &internal::MapOps<U>::ops);
  } else {
    return ObjectRef(p, &internal::AggregateOps<U>::ops);
  }
}

}  // namespace ckpt

#endif  // CKPT_TRACKABLE_H_
