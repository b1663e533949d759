// Schemas of the tensor op family, layout part: ops that only rearrange elements (Reshape,
// Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile, DepthToSpace, SpaceToDepth). Part of
// graph/ops/; the other parts of the family live in tensor_*.cc and register from here.
#include <algorithm>
#include <set>

#include "graph/ops/all_ops.h"

namespace stitch::graph {

// The other parts of the family (tensor_slice.cc, tensor_create.cc, tensor_index.cc,
// tensor_resize.cc); all_ops.h lists one function per family, so they are declared here.
void register_tensor_slice_ops(OpRegistry& r);
void register_tensor_create_ops(OpRegistry& r);
void register_tensor_index_ops(OpRegistry& r);
void register_tensor_resize_ops(OpRegistry& r);

namespace {

TensorType unknown_rank(DType dtype) { return TensorType{dtype, {}, false}; }

TensorType with_rank(DType dtype, int64_t rank) {
  return TensorType{dtype, Shape(static_cast<size_t>(rank), kUnknownDim), true};
}

// The length of a 1-D input when its shape says so, else -1.
int64_t vector_length(const InferContext& ctx, int i) {
  if (!ctx.input_has_shape(i) || ctx.input_rank(i) != 1) return -1;
  return ctx.input_shape(i)[0];
}

Status check_vector(const Tensor& t, const char* what) {
  if (t.rank() != 1) return error(what, " must be 1-D, got ", t.type_string());
  if (!dtype_is_integer(t.dtype())) return error(what, " must be integers, got ", t.type_string());
  return Status::ok();
}

// An optional integer input (shape, axes, pads…): its dtype must be an integer type.
Status check_integer_input(const InferContext& ctx, int i, const char* what) {
  if (!ctx.has_input(i)) return Status::ok();
  DType t = ctx.input_dtype(i);
  if (t == DType::kUndefined || dtype_is_integer(t)) return Status::ok();
  return error(what, " must be integers, got ", dtype_name(t));
}

// Resolves Reshape's requested dims against the input shape: 0 copies (unless allowzero), -1
// takes what is left. Unknown input dims stay unknown.
Expected<Shape> resolve_reshape(const std::vector<int64_t>& req, const TensorType& in,
                                bool allowzero) {
  Shape dims(req.size());
  int infer_at = -1;
  for (size_t i = 0; i < req.size(); ++i) {
    int64_t v = req[i];
    if (v == -1) {
      if (infer_at >= 0) return error("shape ", shape_to_string(req), " has more than one -1");
      infer_at = static_cast<int>(i);
      dims[i] = kUnknownDim;
    } else if (v == 0 && !allowzero) {
      if (in.has_shape && i >= in.shape.size()) {
        return error("shape ", shape_to_string(req), " copies dim ", i, " of a rank-",
                     in.shape.size(), " input");
      }
      dims[i] = in.has_shape ? in.shape[i] : kUnknownDim;
    } else if (v < 0) {
      return error("invalid dim ", v, " in shape ", shape_to_string(req));
    } else {
      dims[i] = v;
    }
  }
  if (!in.is_static()) return dims;
  int64_t numel = shape_numel(in.shape);
  if (infer_at >= 0) {
    int64_t rest = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (static_cast<int>(i) != infer_at) rest *= dims[i];
    }
    if (rest == 0 || numel % rest != 0) {
      return error("cannot reshape ", shape_to_string(in.shape), " to ", shape_to_string(req));
    }
    dims[infer_at] = numel / rest;
  }
  if (shape_is_static(dims) && shape_numel(dims) != numel) {
    return error("cannot reshape ", shape_to_string(in.shape), " (", numel, " elements) to ",
                 shape_to_string(dims));
  }
  return dims;
}

Status infer_reshape(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "shape"));
  DType dt = ctx.input_dtype(0);
  const Tensor* shape = ctx.input_value(1);
  if (!shape) {
    int64_t n = vector_length(ctx, 1);
    out[0] = n >= 0 ? with_rank(dt, n) : unknown_rank(dt);
    return Status::ok();
  }
  STITCH_RETURN_IF_ERROR(check_vector(*shape, "shape"));
  bool allowzero = ctx.node().attr_int("allowzero", 0) != 0;
  STITCH_ASSIGN_OR_RETURN(Shape dims,
                          resolve_reshape(shape->to_int64_vector(), ctx.input_type(0), allowzero));
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_flatten(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) {
    out[0] = with_rank(dt, 2);
    return Status::ok();
  }
  const Shape& in = ctx.input_shape(0);
  int64_t rank = ctx.input_rank(0);
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (axis < -rank || axis > rank) return error("axis ", axis, " out of range for rank ", rank);
  if (axis < 0) axis += rank;
  auto product = [&](int64_t b, int64_t e) {
    int64_t p = 1;
    for (int64_t i = b; i < e; ++i) {
      if (in[i] < 0) return kUnknownDim;
      p *= in[i];
    }
    return p;
  };
  out[0] = make_type(dt, {product(0, axis), product(axis, rank)});
  return Status::ok();
}

// Normalizes a list of axes against `rank`, rejecting duplicates.
Expected<std::vector<int64_t>> normalize_axes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  std::set<int64_t> seen;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) return error("axis ", a, " out of range for rank ", rank);
    int64_t n = a < 0 ? a + rank : a;
    if (!seen.insert(n).second) return error("axis ", a, " is repeated");
    out.push_back(n);
  }
  return out;
}

Status infer_squeeze(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "axes"));
  DType dt = ctx.input_dtype(0);
  bool has_axes = ctx.has_input(1);
  const Tensor* axes_value = has_axes ? ctx.input_value(1) : nullptr;
  if (!ctx.input_has_shape(0) || (has_axes && !axes_value)) {
    int64_t n = has_axes ? vector_length(ctx, 1) : -1;
    out[0] = (n >= 0 && ctx.input_has_shape(0)) ? with_rank(dt, ctx.input_rank(0) - n)
                                                : unknown_rank(dt);
    return Status::ok();
  }
  const Shape& in = ctx.input_shape(0);
  std::vector<bool> drop(in.size(), false);
  if (axes_value && axes_value->numel() > 0) {  // empty axes squeeze all, as when omitted
    STITCH_RETURN_IF_ERROR(check_vector(*axes_value, "axes"));
    STITCH_ASSIGN_OR_RETURN(auto axes,
                            normalize_axes(axes_value->to_int64_vector(), ctx.input_rank(0)));
    for (int64_t a : axes) {
      if (in[a] >= 0 && in[a] != 1) {
        return error("cannot squeeze axis ", a, " of size ", in[a], " in ", shape_to_string(in));
      }
      drop[a] = true;
    }
  } else {
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] < 0) {  // whether it is 1 decides the rank
        out[0] = unknown_rank(dt);
        return Status::ok();
      }
      drop[i] = in[i] == 1;
    }
  }
  Shape dims;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!drop[i]) dims.push_back(in[i]);
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_unsqueeze(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "axes"));
  DType dt = ctx.input_dtype(0);
  const Tensor* axes_value = ctx.input_value(1);
  if (!ctx.input_has_shape(0) || !axes_value) {
    int64_t n = vector_length(ctx, 1);
    out[0] = (n >= 0 && ctx.input_has_shape(0)) ? with_rank(dt, ctx.input_rank(0) + n)
                                                : unknown_rank(dt);
    return Status::ok();
  }
  if (axes_value->rank() > 1) return error("axes must be 1-D, got ", axes_value->type_string());
  const Shape& in = ctx.input_shape(0);
  int64_t rank = ctx.input_rank(0) + axes_value->numel();
  STITCH_ASSIGN_OR_RETURN(auto axes, normalize_axes(axes_value->to_int64_vector(), rank));
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : axes) inserted[a] = true;
  Shape dims;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) dims.push_back(inserted[i] ? 1 : in[next++]);
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_transpose(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) {
    out[0] = unknown_rank(dt);
    return Status::ok();
  }
  int64_t rank = ctx.input_rank(0);
  std::vector<int64_t> perm = ctx.node().attr_ints("perm");
  if (!ctx.node().has_attr("perm")) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != rank) {
    return error("perm ", shape_to_string(perm), " does not match rank ", rank);
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  Shape dims;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) return error("perm ", shape_to_string(perm), " invalid");
    seen[p] = true;
    dims.push_back(ctx.input_shape(0)[p]);
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_expand(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "shape"));
  DType dt = ctx.input_dtype(0);
  const Tensor* shape = ctx.input_value(1);
  if (!shape || !ctx.input_has_shape(0)) {
    int64_t n = vector_length(ctx, 1);
    if (n >= 0 && ctx.input_has_shape(0)) {
      out[0] = with_rank(dt, std::max(n, ctx.input_rank(0)));
    } else {
      out[0] = unknown_rank(dt);
    }
    return Status::ok();
  }
  STITCH_RETURN_IF_ERROR(check_vector(*shape, "shape"));
  std::vector<int64_t> req = shape->to_int64_vector();
  for (int64_t d : req) {
    if (d < 0) return error("invalid dim ", d, " in shape ", shape_to_string(req));
  }
  STITCH_ASSIGN_OR_RETURN(Shape dims, broadcast_shapes(ctx.input_shape(0), req));
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_tile(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "repeats"));
  DType dt = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) {
    out[0] = unknown_rank(dt);
    return Status::ok();
  }
  const Tensor* repeats = ctx.input_value(1);
  if (!repeats) {
    out[0] = with_rank(dt, ctx.input_rank(0));
    return Status::ok();
  }
  STITCH_RETURN_IF_ERROR(check_vector(*repeats, "repeats"));
  if (repeats->numel() != ctx.input_rank(0)) {
    return error("repeats has ", repeats->numel(), " entries for a rank-", ctx.input_rank(0),
                 " input");
  }
  Shape dims = ctx.input_shape(0);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t r = repeats->as_int64(static_cast<int64_t>(i));
    if (r < 0) return error("negative repeat ", r);
    if (dims[i] >= 0) dims[i] *= r;
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

// DepthToSpace (to_space) and SpaceToDepth on NCHW.
Status infer_depth_space(const InferContext& ctx, std::vector<TensorType>& out, bool to_space) {
  DType dt = ctx.input_dtype(0);
  int64_t b = ctx.node().attr_int("blocksize", 0);
  if (b <= 0) return error("blocksize must be positive, got ", b);
  if (!ctx.input_has_shape(0)) {
    out[0] = with_rank(dt, 4);
    return Status::ok();
  }
  if (ctx.input_rank(0) != 4)
    return error("input must be 4-D, got ", ctx.input_type(0).to_string());
  Shape d = ctx.input_shape(0);
  auto mul = [](int64_t x, int64_t m) { return x < 0 ? kUnknownDim : x * m; };
  auto div = [](int64_t x, int64_t m) { return x < 0 ? kUnknownDim : x / m; };
  if (to_space) {
    if (d[1] >= 0 && d[1] % (b * b) != 0) {
      return error("channels ", d[1], " not divisible by blocksize^2 = ", b * b);
    }
    out[0] = make_type(dt, {d[0], div(d[1], b * b), mul(d[2], b), mul(d[3], b)});
  } else {
    if ((d[2] >= 0 && d[2] % b != 0) || (d[3] >= 0 && d[3] % b != 0)) {
      return error("spatial dims ", shape_to_string(d), " not divisible by blocksize ", b);
    }
    out[0] = make_type(dt, {d[0], mul(d[1], b * b), div(d[2], b), div(d[3], b)});
  }
  std::string mode = ctx.node().attr_string("mode", "DCR");
  if (to_space && mode != "DCR" && mode != "CRD") return error("unknown mode '", mode, "'");
  return Status::ok();
}

}  // namespace

void register_tensor_ops(OpRegistry& r) {
  const OpClass inj = OpClass::kInjective;
  r.add(make_schema("Reshape", 2, 2, inj, infer_reshape));
  r.add(make_schema("Flatten", 1, 1, inj, infer_flatten));
  r.add(make_schema("Squeeze", 1, 2, inj, infer_squeeze));
  r.add(make_schema("Unsqueeze", 2, 2, inj, infer_unsqueeze));
  r.add(make_schema("Transpose", 1, 1, inj, infer_transpose));
  r.add(make_schema("Expand", 2, 2, inj, infer_expand));
  OpSchema tile = make_schema("Tile", 2, 2, inj, infer_tile);
  tile.min_opset = 6;  // Tile-1 took (input, tiles, axis)
  r.add(std::move(tile));
  r.add(
      make_schema("DepthToSpace", 1, 1, inj, [](const InferContext& c, std::vector<TensorType>& o) {
        return infer_depth_space(c, o, true);
      }));
  r.add(
      make_schema("SpaceToDepth", 1, 1, inj, [](const InferContext& c, std::vector<TensorType>& o) {
        return infer_depth_space(c, o, false);
      }));
  register_tensor_slice_ops(r);
  register_tensor_create_ops(r);
  register_tensor_index_ops(r);
  register_tensor_resize_ops(r);
}

}  // namespace stitch::graph
