// Templates of the data-movement ops: reshapes, Transpose, Concat, Split, Slice, Gather,
// Expand, Tile and Pad, each an index remap from output to input (the inverse index map of
// DESIGN 3.2). Part of lower/templates/; injective, so they inline into their consumers.
#include <algorithm>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

using Fns = std::vector<ExprFn>;
using Result = Expected<Fns>;

// Reshape, Flatten, Squeeze, Unsqueeze and Identity-like copies: same row-major order.
Result lower_reshape(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const Shape out = n.output(0)->shape();
  return Fns{
      [&ctx, in, out](const Index& idx) { return ctx.read_linear(in, linearize(out, idx)); }};
}

Result lower_transpose(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const size_t rank = in->shape().size();
  std::vector<int64_t> perm = n.attr_ints("perm");
  if (perm.empty()) {
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  }
  return Fns{[&ctx, in, perm](const Index& idx) {
    Index src(idx.size());
    for (size_t i = 0; i < perm.size(); ++i) src[perm[i]] = idx[i];
    return ctx.read(in, src);
  }};
}

// Picks the input whose range along `axis` holds the index; indices are clamped into every
// input so that an eagerly evaluated select never loads out of bounds.
Result lower_concat(LowerContext& ctx, const graph::Node& n) {
  const int64_t rank = static_cast<int64_t>(n.output(0)->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 0), rank));
  std::vector<const graph::Value*> ins;
  for (const graph::Value* v : n.inputs()) {
    if (v && v->shape()[axis] > 0) ins.push_back(v);
  }
  std::vector<int64_t> offsets{0};
  for (const graph::Value* v : ins) offsets.push_back(offsets.back() + v->shape()[axis]);
  if (ins.empty()) return unsupported(n, "Concat of empty inputs only");
  return Fns{[&ctx, ins, axis, offsets](const Index& idx) {
    auto read_part = [&](size_t k) {
      Index src = idx;
      src[axis] = clamp_index(idx[axis] - offsets[k], ins[k]->shape()[axis]);
      return ctx.read(ins[k], src);
    };
    Expr result = read_part(ins.size() - 1);
    for (size_t k = ins.size() - 1; k-- > 0;) {
      result = kir::select(kir::lt(idx[axis], index_const(offsets[k + 1])), read_part(k), result);
    }
    return result;
  }};
}

Result lower_split(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const int64_t rank = static_cast<int64_t>(in->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 0), rank));
  Fns fns;
  int64_t offset = 0;
  for (const graph::Value* out : n.outputs()) {
    fns.push_back([&ctx, in, axis, offset](const Index& idx) {
      Index src = idx;
      src[axis] = idx[axis] + offset;
      return ctx.read(in, src);
    });
    if (out) offset += out->shape()[axis];
  }
  return fns;
}

Result lower_slice(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const Shape& dims = in->shape();
  const int64_t rank = static_cast<int64_t>(dims.size());
  STITCH_ASSIGN_OR_RETURN(const Tensor* starts, constant_input(n, 1, "Slice starts"));
  const Tensor* axes = nullptr;
  const Tensor* steps = nullptr;
  if (n.has_input(3)) {
    STITCH_ASSIGN_OR_RETURN(axes, constant_input(n, 3, "Slice axes"));
  }
  if (n.has_input(4)) {
    STITCH_ASSIGN_OR_RETURN(steps, constant_input(n, 4, "Slice steps"));
  }
  std::vector<int64_t> first(rank, 0), step(rank, 1);
  for (int64_t i = 0; i < starts->numel(); ++i) {
    int64_t a = axes ? axes->as_int64(i) : i;
    if (a < 0) a += rank;
    const int64_t s = steps ? steps->as_int64(i) : 1;
    int64_t b = starts->as_int64(i);
    if (b < 0) b += dims[a];
    first[a] = s > 0 ? std::clamp<int64_t>(b, 0, dims[a]) : std::clamp<int64_t>(b, 0, dims[a] - 1);
    step[a] = s;
  }
  return Fns{[&ctx, in, first, step](const Index& idx) {
    Index src(idx.size());
    for (size_t d = 0; d < idx.size(); ++d) src[d] = idx[d] * step[d] + first[d];
    return ctx.read(in, src);
  }};
}

// Output = data[:axis] + indices.shape + data[axis+1:]; negative indices count from the end.
Result lower_gather(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* data = n.input(0);
  const graph::Value* indices = n.input(1);
  const int64_t rank = static_cast<int64_t>(data->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 0), rank));
  const size_t r = indices->shape().size();
  return Fns{[&ctx, data, indices, axis, r](const Index& idx) {
    Index ind_idx(idx.begin() + axis, idx.begin() + axis + r);
    Expr i = kir::cast(scalar_type(kir::kIndexType), ctx.read(indices, ind_idx));
    const int64_t dim = data->shape()[axis];
    i = kir::select(kir::lt(i, index_const(0)), i + dim, i);
    Index src(idx.begin(), idx.begin() + axis);
    src.push_back(clamp_index(i, dim));
    src.insert(src.end(), idx.begin() + axis + r, idx.end());
    return ctx.read(data, src);
  }};
}

Result lower_expand(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const Shape out = n.output(0)->shape();
  return Fns{[&ctx, in, out](const Index& idx) {
    return ctx.read(in, broadcast_index(in->shape(), out, idx));
  }};
}

Result lower_tile(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  return Fns{[&ctx, in](const Index& idx) {
    Index src(idx.size());
    for (size_t d = 0; d < idx.size(); ++d) {
      src[d] = in->shape()[d] == 1 ? index_const(0) : idx[d] % in->shape()[d];
    }
    return ctx.read(in, src);
  }};
}

// Pad: constant (value outside), edge (clamp), reflect (mirror without the edge), wrap.
Expr pad_source(const std::string& mode, const Expr& i, int64_t dim) {
  if (mode == "edge") return clamp_index(i, dim);
  if (mode == "wrap") return i % dim;
  if (mode == "reflect") {
    if (dim == 1) return index_const(0);
    Expr p = (i % (2 * dim - 2));  // period of the mirrored sequence
    return kir::select(kir::lt(p, index_const(dim)), p, index_const(2 * dim - 2) - p);
  }
  return clamp_index(i, dim);
}

Result lower_pad(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const int64_t rank = static_cast<int64_t>(in->shape().size());
  STITCH_ASSIGN_OR_RETURN(const Tensor* pads, constant_input(n, 1, "Pad pads"));
  std::vector<int64_t> axes;
  if (n.has_input(3)) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* a, constant_input(n, 3, "Pad axes"));
    for (int64_t x : a->to_int64_vector()) axes.push_back(x < 0 ? x + rank : x);
  } else {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  std::vector<int64_t> begin(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) begin[axes[i]] = pads->as_int64(i);
  const std::string mode = n.attr_string("mode", "constant");
  const graph::Value* cval = n.has_input(2) ? n.input(2) : nullptr;
  return Fns{[&ctx, in, begin, mode, cval](const Index& idx) {
    const Shape& dims = in->shape();
    Index src(idx.size());
    Expr inside = kir::bool_imm(true);
    for (size_t d = 0; d < idx.size(); ++d) {
      Expr i = idx[d] - begin[d];
      src[d] = pad_source(mode, i, dims[d]);
      if (mode == "constant") {
        inside = kir::logical_and(
            inside, kir::logical_and(kir::ge(i, index_const(0)), kir::lt(i, index_const(dims[d]))));
      }
    }
    Expr x = ctx.read(in, src);
    if (mode != "constant") return x;
    Expr fill = cval ? ctx.read(cval, zero_index(cval->shape().size())) : constant(in->dtype(), 0);
    return kir::select(inside, x, fill);
  }};
}

void add(TemplateTable& t, const char* name, InjectiveFn f, bool free_remap) {
  t.push_back({name, OpTemplate{std::move(f), nullptr, false, free_remap}});
}

}  // namespace

void register_data_movement_templates(TemplateTable& t) {
  for (const char* name : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}) {
    add(t, name, lower_reshape, true);
  }
  add(t, "Transpose", lower_transpose, true);
  add(t, "Expand", lower_expand, true);
  add(t, "Slice", lower_slice, true);
  add(t, "Split", lower_split, true);
  add(t, "Concat", lower_concat, false);
  add(t, "Gather", lower_gather, false);
  add(t, "Tile", lower_tile, true);
  add(t, "Pad", lower_pad, false);
}

}  // namespace stitch::lower
