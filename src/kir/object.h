// Object and Ref<T>: the intrusive reference count under every kernel-IR node. Part of kir/,
// the bottom of the kernel IR; nothing here knows what the nodes mean.
//
// Why intrusive: the count lives in the node, so a raw `const T*` met inside a visitor can be
// turned back into an owning Ref<T> (copy-on-write mutators return the node they were given
// when nothing changed) without a control block or enable_shared_from_this.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace stitch::kir {

// Every node kind, listed once so that the enum, the visitor, the mutator, the printer and the
// structural comparison cannot drift apart. Expressions first, then statements.
#define STITCH_KIR_EXPR_NODES(X) \
  X(IntImm)                      \
  X(FloatImm)                    \
  X(Variable)                    \
  X(Binary)                      \
  X(Not)                         \
  X(Select)                      \
  X(Cast)                        \
  X(Load)                        \
  X(Call)                        \
  X(Ramp)                        \
  X(Broadcast)

#define STITCH_KIR_STMT_NODES(X) \
  X(For)                         \
  X(LetStmt)                     \
  X(IfThenElse)                  \
  X(Store)                       \
  X(Seq)                         \
  X(Allocate)                    \
  X(Evaluate)                    \
  X(MicrokernelCall)

enum class NodeKind : uint8_t {
#define STITCH_KIR_ENUM(name) k##name,
  STITCH_KIR_EXPR_NODES(STITCH_KIR_ENUM) STITCH_KIR_STMT_NODES(STITCH_KIR_ENUM)
#undef STITCH_KIR_ENUM
      kBuffer,
  kKernel,
};

// Base of every node. Nodes are immutable once a Ref owns them; the count is atomic so that
// kernels may be lowered and emitted on several threads.
class Object {
 public:
  explicit Object(NodeKind kind) : kind_(kind) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  virtual ~Object() = default;
  NodeKind kind() const { return kind_; }

 private:
  template <typename T>
  friend class Ref;
  void inc_ref() const { ref_count_.fetch_add(1, std::memory_order_relaxed); }
  // True when this was the last reference.
  bool dec_ref() const { return ref_count_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

  mutable std::atomic<int32_t> ref_count_{0};
  const NodeKind kind_;
};

// An owning handle to a const node. Copying a Ref copies the pointer, never the node.
template <typename T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(const T* node) : ptr_(node) {
    if (ptr_) ptr_->inc_ref();
  }
  Ref(const Ref& other) : Ref(other.ptr_) {}
  Ref(Ref&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  // Upcast, e.g. Ref<Variable> -> Ref<ExprNode>.
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<const U*, const T*>>>
  Ref(const Ref<U>& other) : Ref(static_cast<const T*>(other.get())) {}  // NOLINT
  Ref& operator=(Ref other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }
  ~Ref() {
    if (ptr_ && ptr_->dec_ref()) delete ptr_;
  }

  const T* get() const { return ptr_; }
  const T* operator->() const { return ptr_; }
  const T& operator*() const { return *ptr_; }
  bool defined() const { return ptr_ != nullptr; }
  // Identity, not structure (see structural.h for that).
  template <typename U>
  bool same_as(const Ref<U>& other) const {
    return static_cast<const Object*>(ptr_) == static_cast<const Object*>(other.get());
  }
  // The node as a U when it is one (U::kKind matches), else nullptr.
  template <typename U>
  const U* as() const {
    return ptr_ && ptr_->kind() == U::kKind ? static_cast<const U*>(ptr_) : nullptr;
  }

 private:
  const T* ptr_ = nullptr;
};

}  // namespace stitch::kir
