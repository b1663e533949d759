// TensorProto → Tensor: raw_data, typed repeated fields and external data files, with every
// length validated against the declared shape (the loader is fuzzed). Part of frontend/onnx/.
#include "frontend/onnx/tensor_proto.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace stitch::frontend {
namespace {

Expected<Shape> proto_shape(const onnx::TensorProto& proto) {
  Shape shape;
  int64_t numel = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0) return error("tensor '", proto.name(), "' has a negative dimension ", d);
    if (d > 0 && numel > kMaxElements / d) {
      return error("tensor '", proto.name(), "' is too large");
    }
    numel *= d;
    shape.push_back(d);
  }
  return shape;
}

// Copies typed repeated fields (int32_data holds every type narrower than 32 bits).
template <typename Field>
Status copy_field(const Field& field, Tensor& t, const std::string& name) {
  if (static_cast<int64_t>(field.size()) != t.numel()) {
    return error("tensor '", name, "' declares ", t.numel(), " elements but stores ", field.size());
  }
  return visit_numeric(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, Half>) {
        out[i] = Half::from_bits(static_cast<uint16_t>(field.Get(i)));
      } else if constexpr (std::is_same_v<T, BFloat16>) {
        out[i] = BFloat16::from_bits(static_cast<uint16_t>(field.Get(i)));
      } else {
        out[i] = static_cast<T>(field.Get(i));
      }
    }
    return Status::ok();
  });
}

// How many elements the typed repeated field for `dtype` holds.
int64_t typed_field_count(const onnx::TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return proto.float_data_size();
    case DType::kFloat64:
      return proto.double_data_size();
    case DType::kInt64:
      return proto.int64_data_size();
    case DType::kUInt32:
    case DType::kUInt64:
      return proto.uint64_data_size();
    case DType::kString:
      return proto.string_data_size();
    default:
      return proto.int32_data_size();
  }
}

Status copy_typed_fields(const onnx::TensorProto& proto, Tensor& t) {
  const std::string& name = proto.name();
  switch (t.dtype()) {
    case DType::kFloat32:
      return copy_field(proto.float_data(), t, name);
    case DType::kFloat64:
      return copy_field(proto.double_data(), t, name);
    case DType::kInt64:
      return copy_field(proto.int64_data(), t, name);
    case DType::kUInt32:
    case DType::kUInt64:
      return copy_field(proto.uint64_data(), t, name);
    case DType::kString: {
      if (static_cast<int64_t>(proto.string_data_size()) != t.numel()) {
        return error("tensor '", name, "' declares ", t.numel(), " strings but stores ",
                     proto.string_data_size());
      }
      for (int64_t i = 0; i < t.numel(); ++i) t.strings()[i] = proto.string_data(i);
      return Status::ok();
    }
    default:
      return copy_field(proto.int32_data(), t, name);
  }
}

Status copy_raw(const std::string& bytes, Tensor& t, const std::string& name) {
  if (bytes.size() != t.nbytes()) {
    return error("tensor '", name, "' (", t.type_string(), ") needs ", t.nbytes(),
                 " bytes of data but has ", bytes.size());
  }
  if (!bytes.empty()) std::memcpy(t.raw_data(), bytes.data(), bytes.size());
  return Status::ok();
}

bool path_escapes(const std::string& location) {
  if (location.empty() || location[0] == '/') return true;
  std::stringstream ss(location);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part == "..") return true;
  }
  return false;
}

// Validates location, offset and length against the file before allocating the tensor.
Expected<Tensor> load_external(const onnx::TensorProto& proto, const std::string& base_dir,
                               DType dtype, const Shape& shape) {
  size_t nbytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  if (dtype == DType::kString)
    return error("tensor '", proto.name(), "': external strings are unsupported");
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& kv : proto.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (...) {
      return error("tensor '", proto.name(), "': bad external_data value for '", kv.key(), "'");
    }
  }
  if (base_dir.empty()) {
    return error("tensor '", proto.name(), "' uses external data, which needs a model path");
  }
  if (path_escapes(location)) {
    return error("tensor '", proto.name(), "': external data location '", location,
                 "' must be a relative path inside the model's folder");
  }
  if (offset < 0 || (length >= 0 && static_cast<size_t>(length) != nbytes)) {
    return error("tensor '", proto.name(), "': external data length ", length, " does not match ",
                 nbytes, " bytes of ", dtype_name(dtype), shape_to_string(shape));
  }
  std::string path = base_dir + "/" + location;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return error("cannot open external data file '", path, "' of tensor '", proto.name(), "'");
  in.seekg(0, std::ios::end);
  int64_t file_size = static_cast<int64_t>(in.tellg());
  if (offset + static_cast<int64_t>(nbytes) > file_size) {
    return error("external data file '", path, "' is too short for tensor '", proto.name(), "'");
  }
  Tensor t(dtype, shape);
  in.seekg(offset);
  in.read(static_cast<char*>(t.raw_data()), static_cast<std::streamsize>(t.nbytes()));
  if (!in)
    return error("cannot read external data of tensor '", proto.name(), "' from '", path, "'");
  return t;
}

}  // namespace

Expected<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir) {
  if (!dtype_is_valid(proto.data_type())) {
    return error("tensor '", proto.name(), "' has unsupported data type ", proto.data_type());
  }
  STITCH_ASSIGN_OR_RETURN(Shape shape, proto_shape(proto));
  DType dtype = static_cast<DType>(proto.data_type());
  if (proto.has_segment()) return error("tensor '", proto.name(), "' is segmented (unsupported)");
  int64_t numel = shape_numel(shape);
  // Refuse impossible sizes before allocating, so a corrupt header cannot exhaust memory.
  if (numel * static_cast<int64_t>(std::max<size_t>(dtype_size(dtype), 1)) > (int64_t{1} << 36)) {
    return error("tensor '", proto.name(), "' is too large (", shape_to_string(shape), ")");
  }
  bool external = proto.data_location() == onnx::TensorProto::EXTERNAL;
  if (!external && proto.has_raw_data() && dtype != DType::kString &&
      proto.raw_data().size() != numel * dtype_size(dtype)) {
    return error("tensor '", proto.name(), "' (", dtype_name(dtype), shape_to_string(shape),
                 ") needs ", numel * dtype_size(dtype), " bytes of data but has ",
                 proto.raw_data().size());
  }
  if (!external && (!proto.has_raw_data() || dtype == DType::kString) &&
      typed_field_count(proto, dtype) != numel) {
    return error("tensor '", proto.name(), "' declares ", numel, " elements but stores ",
                 typed_field_count(proto, dtype));
  }
  if (external) return load_external(proto, base_dir, dtype, shape);
  Tensor t(dtype, shape);
  if (proto.has_raw_data() && dtype != DType::kString) {
    STITCH_RETURN_IF_ERROR(copy_raw(proto.raw_data(), t, proto.name()));
  } else {
    STITCH_RETURN_IF_ERROR(copy_typed_fields(proto, t));
  }
  return t;
}

Expected<std::string> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return error("'", path, "' does not exist");
  if (!std::filesystem::is_regular_file(path, ec)) return error("'", path, "' is not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return error("cannot open '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return error("cannot read '", path, "'");
  return ss.str();
}

}  // namespace stitch::frontend
