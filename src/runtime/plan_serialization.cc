// plan.bin writing and reading. Part of runtime/.
//
// Each struct's fields are listed once, in `fields(io, x)`, and the same list drives the writer
// and the reader; a new field of ExecutionPlan is one argument added there (and a version bump in
// the header). The reader checks every count against the bytes left before allocating.
#include "runtime/plan_serialization.h"

#include <concepts>
#include <cstring>
#include <type_traits>
#include <vector>

#include "runtime/binary_io.h"

namespace stitch::runtime {
namespace {

// T is U, possibly const: the writer walks const objects, the reader mutable ones.
template <typename T, typename U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

template <typename Io, Is<ArtifactMetadata> T>
Status fields(Io& io, T& m) {
  return io(m.producer, m.target);
}

template <typename Io, Is<PlanBuffer> T>
Status fields(Io& io, T& b) {
  return io(b.name, b.dtype, b.shape, b.role, b.index, b.arena_offset);
}

template <typename Io, Is<HostAttribute> T>
Status fields(Io& io, T& a) {
  return io(a.name, a.value);
}

template <typename Io, Is<ControlFlow> T>
Status fields(Io& io, T& c) {
  return io(c.op, c.bodies, c.captures, c.num_states, c.batched, c.input_axes, c.input_reverse,
            c.output_axes, c.output_reverse);
}

template <typename Io, Is<PlanStep> T>
Status fields(Io& io, T& s) {
  return io(s.kernel_symbol, s.buffers, s.kind, s.host_op, s.num_inputs, s.attributes, s.control);
}

template <typename Io, Is<InputValueGuard> T>
Status fields(Io& io, T& g) {
  return io(g.input, g.value);
}

template <typename Io, Is<ExecutionPlan> T>
Status fields(Io& io, T& p) {
  return io(p.buffers, p.steps, p.inputs, p.outputs, p.input_value_guards, p.arena_size,
            p.sum_of_intermediates, p.bodies);
}

template <typename Io, Is<PlanFile> T>
Status fields(Io& io, T& f) {
  return io(f.metadata, f.plan);
}

template <typename T>
concept Scalar = std::is_integral_v<T> || std::is_enum_v<T>;

// Bytes a scalar takes in the file: enums are i32 whatever their C++ width. (std::byte, an enum,
// only appears in byte strings, which have their own overloads.)
template <Scalar T>
constexpr int wire_bytes() {
  if constexpr (std::is_enum_v<T>) {
    return 4;
  } else {
    return static_cast<int>(sizeof(T));
  }
}

// The least bytes one element can take, to bound a count by the bytes left.
template <typename T>
constexpr uint64_t min_wire_bytes() {
  if constexpr (Scalar<T>) {
    return wire_bytes<T>();
  } else {
    return 1;
  }
}

class Writer {
 public:
  template <typename... Ts>
  Status operator()(const Ts&... xs) {
    (put(xs), ...);
    return Status::ok();
  }
  std::string take() { return out_.take(); }

 private:
  template <Scalar T>
  void put(const T& x) {
    if constexpr (std::is_enum_v<T>) {
      out_.uint(static_cast<uint32_t>(static_cast<int32_t>(x)), 4);
    } else {
      out_.uint(static_cast<uint64_t>(x), wire_bytes<T>());
    }
  }
  void put(const std::string& s) {
    out_.uint(s.size(), 8);
    out_.raw(s.data(), s.size());
  }
  void put(const std::vector<std::byte>& v) {
    out_.uint(v.size(), 8);
    out_.raw(v.data(), v.size());
  }
  template <typename T>
  void put(const std::vector<T>& v) {
    out_.uint(v.size(), 8);
    for (const T& x : v) put(x);
  }
  template <typename T>
  requires std::is_class_v<T>
  void put(const T& x) { (void)fields(*this, x); }

  ByteWriter out_;
};

class Reader {
 public:
  explicit Reader(ByteReader& in) : in_(in) {}

  template <typename... Ts>
  Status operator()(Ts&... xs) {
    Status s;
    ((s.is_ok() ? (void)(s = get(xs)) : void()), ...);
    return s;
  }

 private:
  template <Scalar T>
  Status get(T& x) {
    uint64_t v = 0;
    STITCH_RETURN_IF_ERROR(in_.uint(&v, wire_bytes<T>(), "a number"));
    if constexpr (std::is_enum_v<T>) {
      x = static_cast<T>(static_cast<int32_t>(static_cast<uint32_t>(v)));
      return check_enum(x);
    } else {
      x = static_cast<T>(v);
      return Status::ok();
    }
  }
  Status get(std::string& s) {
    uint64_t n = 0;
    STITCH_RETURN_IF_ERROR(in_.uint(&n, 8, "a string length"));
    STITCH_RETURN_IF_ERROR(in_.check_count(n, 1, "a string"));
    s.resize(n);
    return in_.raw(s.data(), n, "a string");
  }
  Status get(std::vector<std::byte>& v) {
    uint64_t n = 0;
    STITCH_RETURN_IF_ERROR(in_.uint(&n, 8, "a byte string length"));
    STITCH_RETURN_IF_ERROR(in_.check_count(n, 1, "a byte string"));
    v.resize(n);
    return in_.raw(v.data(), n, "a byte string");
  }
  template <typename T>
  Status get(std::vector<T>& v) {
    uint64_t n = 0;
    STITCH_RETURN_IF_ERROR(in_.uint(&n, 8, "a list length"));
    STITCH_RETURN_IF_ERROR(in_.check_count(n, min_wire_bytes<T>(), "a list"));
    v.resize(n);
    for (T& x : v) STITCH_RETURN_IF_ERROR(get(x));
    return Status::ok();
  }
  template <typename T>
  requires std::is_class_v<T> Status get(T& x) { return fields(*this, x); }
  // Bodies nest; a corrupt file must not nest them deep enough to overflow the stack.
  Status get(ExecutionPlan& p) {
    if (++depth_ > kMaxBodyNesting) {
      return error(in_.what(), " is corrupt: control-flow bodies nest deeper than ",
                   kMaxBodyNesting);
    }
    Status s = fields(*this, p);
    --depth_;
    return s;
  }

  Status check_enum(DType t) {
    if (dtype_is_valid(static_cast<int>(t))) return Status::ok();
    return error(in_.what(), " is corrupt: unknown dtype code ", static_cast<int>(t));
  }
  Status check_enum(BufferRole r) {
    if (r >= BufferRole::kInput && r <= BufferRole::kDynamic) return Status::ok();
    return error(in_.what(), " is corrupt: unknown buffer role ", static_cast<int>(r));
  }
  Status check_enum(StepKind k) {
    if (k >= StepKind::kKernel && k <= StepKind::kControl) return Status::ok();
    return error(in_.what(), " is corrupt: unknown step kind ", static_cast<int>(k));
  }
  Status check_enum(ControlOp op) {
    if (op >= ControlOp::kIf && op <= ControlOp::kScan) return Status::ok();
    return error(in_.what(), " is corrupt: unknown control op ", static_cast<int>(op));
  }

  static constexpr int kMaxBodyNesting = 64;
  ByteReader& in_;
  int depth_ = 0;
};

}  // namespace

std::string serialize_plan_payload(const PlanFile& file) {
  Writer w;
  (void)w(file);
  return w.take();
}

Expected<PlanFile> deserialize_plan_payload(std::string_view payload, const std::string& what) {
  ByteReader in(payload.data(), payload.size(), what);
  Reader r(in);
  PlanFile file;
  STITCH_RETURN_IF_ERROR(r(file));
  if (in.remaining() != 0) {
    return error(what, " is corrupt: ", in.remaining(), " unexpected bytes after the plan");
  }
  return file;
}

std::string serialize_plan_file(const PlanFile& file) {
  std::string payload = serialize_plan_payload(file);
  ByteWriter w;
  w.raw(kPlanMagic, sizeof kPlanMagic);
  w.uint(kPlanFormatVersion, 4);
  w.uint(0, 4);
  w.uint(payload.size(), 8);
  w.uint(checksum64(payload.data(), payload.size()), 8);
  w.raw(payload.data(), payload.size());
  return w.take();
}

Expected<PlanFile> deserialize_plan_file(std::string_view bytes, const std::string& what) {
  ByteReader in(bytes.data(), bytes.size(), what);
  char magic[sizeof kPlanMagic];
  uint64_t version = 0, reserved = 0, size = 0, checksum = 0;
  STITCH_RETURN_IF_ERROR(in.raw(magic, sizeof magic, "the magic number"));
  if (std::memcmp(magic, kPlanMagic, sizeof magic) != 0) {
    return error(what, " is not a stitch plan file (bad magic number)");
  }
  STITCH_RETURN_IF_ERROR(in.uint(&version, 4, "the format version"));
  if (version != kPlanFormatVersion) {
    return error(what, " has format version ", version, ", this runtime reads version ",
                 kPlanFormatVersion, ": compile the model again with this stitch");
  }
  STITCH_RETURN_IF_ERROR(in.uint(&reserved, 4, "the header"));
  STITCH_RETURN_IF_ERROR(in.uint(&size, 8, "the payload size"));
  STITCH_RETURN_IF_ERROR(in.uint(&checksum, 8, "the checksum"));
  if (size != in.remaining()) {
    return error(what, " is truncated or corrupt: the header announces ", size,
                 " bytes of plan, the file holds ", in.remaining());
  }
  std::string_view payload = bytes.substr(in.position());
  if (checksum64(payload.data(), payload.size()) != checksum) {
    return error(what, " is corrupt (checksum mismatch)");
  }
  return deserialize_plan_payload(payload, what);
}

}  // namespace stitch::runtime
