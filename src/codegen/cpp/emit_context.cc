// C++ type names, vector typedefs and unique identifiers for the emitters (see
// emit_context.h). Part of codegen/cpp/.
#include "codegen/cpp/emit_context.h"

#include <cctype>

namespace stitch::codegen::cpp {
namespace {

// Names a kir variable may not take in the generated code: C++ keywords, the kernel's own
// parameters, and everything the prelude defines (all of it starts with "stitch_").
constexpr const char* kReserved[] = {
    "alignas",   "alignof",  "and",      "asm",       "auto",     "bool",      "break",
    "case",      "catch",    "char",     "class",     "const",    "constexpr", "continue",
    "decltype",  "default",  "delete",   "do",        "double",   "else",      "enum",
    "explicit",  "export",   "extern",   "false",     "float",    "for",       "friend",
    "goto",      "if",       "inline",   "int",       "long",     "mutable",   "namespace",
    "new",       "noexcept", "not",      "nullptr",   "operator", "or",        "private",
    "protected", "public",   "register", "return",    "short",    "signed",    "sizeof",
    "static",    "struct",   "switch",   "template",  "this",     "throw",     "true",
    "try",       "typedef",  "typename", "union",     "unsigned", "using",     "virtual",
    "void",      "volatile", "while",    "xor",       "buffers",  "scalars",   "parallel",
    "std",       "int8_t",   "int16_t",  "int32_t",   "int64_t",  "uint8_t",   "uint16_t",
    "uint32_t",  "uint64_t", "size_t",   "INT64_MIN", "INT32_MIN"};

bool is_reserved(const std::string& name) {
  for (const char* r : kReserved) {
    if (name == r) return true;
  }
  return false;
}

// Letters, digits and '_' only; never a leading digit or '_', never "__" (reserved in C++),
// never the prelude's "stitch_" prefix.
std::string sanitize(const std::string& base) {
  std::string out;
  for (char c : base) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    const char d = ok ? c : '_';
    if (d == '_' && !out.empty() && out.back() == '_') continue;
    out += d;
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) || out[0] == '_' ||
      out.rfind("stitch_", 0) == 0) {
    out = (out.empty() || out[0] != '_' ? "v_" : "v") + out;
  }
  return out;
}

}  // namespace

bool is_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string EmitContext::vector_typedef(const char* element, const char* short_name, int bytes,
                                        int lanes) {
  if (lanes <= 1 || (lanes & (lanes - 1)) != 0) {
    fail(error("unsupported: vectors of ", lanes, " lanes (GCC vector types need a power of 2)"));
    return "";
  }
  std::string name = std::string("stitch_") + short_name + "x" + std::to_string(lanes);
  if (!typedefs_.count(name)) {
    typedefs_[name] = str_cat("typedef ", element, " ", name, " __attribute__((vector_size(",
                              bytes * lanes, ")));");
  }
  return name;
}

std::string EmitContext::int_vector_type(int bytes, int lanes) {
  switch (bytes) {
    case 1:
      return vector_typedef("int8_t", "i8", 1, lanes);
    case 2:
      return vector_typedef("int16_t", "i16", 2, lanes);
    case 4:
      return vector_typedef("int32_t", "i32", 4, lanes);
    default:
      return vector_typedef("int64_t", "i64", 8, lanes);
  }
}

std::string EmitContext::lane_type(kir::Type t) {
  switch (t.dtype) {
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kBFloat16:
      return "float";
    case DType::kFloat64:
      return "double";
    case DType::kBool:
      return t.lanes > 1 ? "int32_t" : "bool";
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kInt32:
    case DType::kUInt32:
    case DType::kInt64:
    case DType::kUInt64:
      return std::string(dtype_name(t.dtype)) + "_t";
    default:
      fail(error("unsupported: values of type ", kir::type_name(t), " in generated code"));
      return "";
  }
}

std::string EmitContext::value_type(kir::Type t) {
  std::string lane = lane_type(t);
  if (t.lanes == 1 || lane.empty()) return lane;
  if (t.is_bool()) return int_vector_type(4, t.lanes);
  const bool is_float = t.is_float();
  const bool is_double = t.dtype == DType::kFloat64;
  const int bytes = is_float ? (is_double ? 8 : 4) : static_cast<int>(dtype_size(t.dtype));
  // "f32", "f64", "i8", "u16", ...: the type's initial and its bit width.
  std::string short_name = (is_float                   ? "f"
                            : dtype_is_signed(t.dtype) ? "i"
                                                       : "u") +
                           std::to_string(bytes * 8);
  return vector_typedef(lane.c_str(), short_name.c_str(), bytes, t.lanes);
}

std::string EmitContext::storage_type(DType dtype) {
  if (dtype == DType::kFloat16) return "stitch_f16";
  if (dtype == DType::kBFloat16) return "stitch_bf16";
  return lane_type(kir::Type{dtype, 1});
}

std::string EmitContext::vector_typedefs() const {
  std::string out;
  for (const auto& [name, line] : typedefs_) out += line + "\n";
  return out;
}

const std::string& EmitContext::name_of(const kir::Object* object, const std::string& base) {
  auto it = names_.find(object);
  if (it != names_.end()) return it->second;
  return names_[object] = fresh_name(base);
}

std::string EmitContext::fresh_name(const std::string& base) {
  const std::string clean = sanitize(base);
  std::string name = clean;
  for (int n = 1; used_.count(name) || is_reserved(name); ++n) {
    name = clean + "_" + std::to_string(n);
  }
  used_.insert(name);
  return name;
}

void EmitContext::reset_names() {
  names_.clear();
  used_.clear();
}

}  // namespace stitch::codegen::cpp
