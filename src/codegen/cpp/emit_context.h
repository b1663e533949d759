// State shared by the expression and statement emitters of one translation unit: C++ type
// names (and the vector typedefs they need), unique identifiers, and the first error met.
// Part of codegen/cpp/, between the kernel IR and the text emit_cpp.cc assembles.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "kir/kir.h"
#include "support/status.h"

namespace stitch::codegen::cpp {

// Letters, digits and '_', not starting with a digit: names pasted into the source as they are
// (kernel and microkernel names) must be this.
bool is_identifier(const std::string& name);

class EmitContext {
 public:
  // The C++ type values of `t` live in: float for float16/bfloat16 (computed as float), a
  // vector typedef (stitch_f32x8, registered for the prelude) for lanes > 1, an int32 mask
  // vector for bool vectors. "" (and an error recorded) for types the emitter cannot spell.
  std::string value_type(kir::Type t);
  // The element type of buffer memory: stitch_f16 / stitch_bf16 for the 16-bit floats.
  std::string storage_type(DType dtype);
  // The scalar C++ type of a vector lane of `t` (int32_t for a bool mask lane).
  std::string lane_type(kir::Type t);
  // A signed integer vector typedef of `bytes`-wide lanes (masks, select conditions).
  std::string int_vector_type(int bytes, int lanes);
  // Typedef lines of every vector type used so far, sorted by name (deterministic text).
  std::string vector_typedefs() const;

  // A C++ identifier for a variable or buffer, unique within the current kernel and stable:
  // the same kernel always gets the same names, given in order of first use.
  const std::string& name_of(const kir::Object* object, const std::string& base);
  // A fresh identifier not tied to any node (loop bounds, closures).
  std::string fresh_name(const std::string& base);
  void reset_names();

  void fail(Status status) {
    if (status_.is_ok()) status_ = std::move(status);
  }
  const Status& status() const { return status_; }

 private:
  std::string vector_typedef(const char* element, const char* short_name, int bytes, int lanes);

  std::map<std::string, std::string> typedefs_;  // name -> line
  std::unordered_map<const kir::Object*, std::string> names_;
  std::unordered_set<std::string> used_;
  Status status_;
};

}  // namespace stitch::codegen::cpp
