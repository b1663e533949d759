// The table from kir Call names (pure math functions) to their C++ spelling. Part of
// codegen/cpp/; the expression emitter looks every Call up here and rejects unknown names.
#pragma once

#include <string>

namespace stitch::codegen::cpp {

struct MathFunction {
  const char* name;        // as kir spells it: "exp", "erf", ...
  const char* cpp;         // as the generated code spells it: "std::exp", "stitch_sigmoid", ...
  int arity;               // number of arguments
  bool integer_ok;         // also defined on integers (abs, min, ...); else floats only
  bool vector_ok = false;  // `cpp` also takes and returns vector values (else lane by lane)
};

// The entry for `name`, or nullptr when the emitter does not know it.
const MathFunction* find_math_function(const std::string& name);

}  // namespace stitch::codegen::cpp
