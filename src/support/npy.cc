// .npy reading and writing. The header is a Python dict literal; we parse just the three keys
// NumPy writes (descr, fortran_order, shape) and reject everything else clearly.
// Part of support/.
#include "support/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace stitch {
namespace {

struct DescrEntry {
  const char* descr;
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16},
    {"|i1", DType::kInt8},    {"|u1", DType::kUInt8},   {"<i2", DType::kInt16},
    {"<u2", DType::kUInt16},  {"<i4", DType::kInt32},   {"<u4", DType::kUInt32},
    {"<i8", DType::kInt64},   {"<u8", DType::kUInt64},  {"|b1", DType::kBool},
};

std::string header_value(const std::string& header, const std::string& key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) return "";
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) return "";
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) return "";
  if (header[start] == '(') {
    size_t end = header.find(')', start);
    return end == std::string::npos ? "" : header.substr(start, end - start + 1);
  }
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Expected<Shape> parse_shape(const std::string& text, const std::string& what) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    return error(what, ": bad shape in .npy header");
  }
  Shape shape;
  std::stringstream ss(text.substr(1, text.size() - 2));
  std::string item;
  int64_t numel = 1;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    char* end = nullptr;
    long long d = std::strtoll(item.c_str() + b, &end, 10);
    if (end == item.c_str() + b || d < 0 || d > (int64_t{1} << 40)) {
      return error(what, ": bad dimension '", item, "' in .npy header");
    }
    if (d > 0 && numel > (int64_t{1} << 40) / d) return error(what, ": .npy array too large");
    numel *= d;
    shape.push_back(d);
  }
  return shape;
}

}  // namespace

Expected<Tensor> parse_npy(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    return error(what, " is not a NumPy .npy file");
  }
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0;
  size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return error(what, ": truncated .npy header");
    for (int i = 0; i < 4; ++i)
      header_len |= size_t{static_cast<unsigned char>(bytes[8 + i])} << (8 * i);
    offset = 12;
  } else {
    return error(what, ": unsupported .npy version ", major);
  }
  if (offset + header_len > bytes.size()) return error(what, ": truncated .npy header");
  std::string header = bytes.substr(offset, header_len);
  std::string descr = header_value(header, "descr");
  if (descr.size() >= 2) descr = descr.substr(1, descr.size() - 2);  // strip quotes
  DType dtype = DType::kUndefined;
  for (const auto& e : kDescrs) {
    if (descr == e.descr) dtype = e.dtype;
  }
  if (descr == "<b1" || descr == "|?") dtype = DType::kBool;
  if (descr == "<i1") dtype = DType::kInt8;
  if (descr == "<u1") dtype = DType::kUInt8;
  if (dtype == DType::kUndefined) return error(what, ": unsupported .npy dtype '", descr, "'");
  if (header_value(header, "fortran_order") != "False") {
    return error(what, ": Fortran-order .npy arrays are unsupported (save with C order)");
  }
  STITCH_ASSIGN_OR_RETURN(Shape shape, parse_shape(header_value(header, "shape"), what));
  size_t data_offset = offset + header_len;
  size_t need = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  if (bytes.size() - data_offset != need) {
    return error(what, ": .npy data has ", bytes.size() - data_offset, " bytes, the header (",
                 dtype_name(dtype), shape_to_string(shape), ") needs ", need);
  }
  Tensor t(dtype, shape);
  if (need) std::memcpy(t.raw_data(), bytes.data() + data_offset, need);
  return t;
}

Expected<Tensor> read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error("cannot open '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return error("cannot read '", path, "'");
  return parse_npy(ss.str(), "'" + path + "'");
}

Status write_npy(const std::string& path, const Tensor& t) {
  const char* descr = nullptr;
  for (const auto& e : kDescrs) {
    if (e.dtype == t.dtype()) descr = e.descr;
  }
  if (!descr) return error("cannot write ", dtype_name(t.dtype()), " tensors as .npy");
  std::string shape = "(";
  for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
  if (t.rank() > 1) shape.resize(shape.size() - 2);
  if (t.rank() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header =
      str_cat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape, ", }");
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) return error("cannot write '", path, "'");
  out.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(t.raw_data()), static_cast<std::streamsize>(t.nbytes()));
  if (!out) return error("cannot write '", path, "'");
  return Status::ok();
}

}  // namespace stitch
