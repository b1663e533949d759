// Templates of the injective index ops: GatherElements, GatherND, OneHot, Trilu, DepthToSpace,
// SpaceToDepth, EyeLike, Range, ConstantOfShape and ReverseSequence, each an expression of the
// output index (reading index tensors where the position depends on data). Part of
// lower/templates/; registers the other index families too (index_scatter.cc,
// index_select.cc, index_scan.cc).
#include <cmath>

#include "lower/templates/index_util.h"

namespace stitch::lower {
namespace {

using kir::Expr;

using Fns = std::vector<ExprFn>;
using Result = Expected<Fns>;

// A scalar input (rank 0 or one element) as an int64 expression.
Expr scalar_int(LowerContext& ctx, const graph::Value* v) {
  return kir::cast(scalar_type(kir::kIndexType), ctx.read(v, zero_index(v->shape().size())));
}

// Output index idx reads data at idx with the axis coordinate replaced by indices[idx]; off
// the axis, indices are no larger than data, so idx is inside data there.
Result lower_gather_elements(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* data = n.input(0);
  const graph::Value* indices = n.input(1);
  const int64_t rank = static_cast<int64_t>(data->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 0), rank));
  return Fns{[&ctx, data, indices, axis](const Index& idx) {
    Index src = idx;
    src[axis] = wrapped_index(ctx.read(indices, idx), data->shape()[axis]);
    return ctx.read(data, src);
  }};
}

// Output = indices.shape[:-1] + data.shape[batch + k:]: the leading output dims pick an index
// tuple of k coordinates (after the batch dims, which data and indices share); the trailing
// ones walk the slice it names.
Result lower_gather_nd(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* data = n.input(0);
  const graph::Value* indices = n.input(1);
  const int64_t q = static_cast<int64_t>(indices->shape().size());
  const int64_t k = indices->shape()[q - 1];
  const int64_t batch = n.attr_int("batch_dims", 0);
  if (batch < 0 || batch + k > static_cast<int64_t>(data->shape().size()) || batch >= q) {
    return unsupported(n, "GatherND batch_dims out of range");
  }
  return Fns{[&ctx, data, indices, q, k, batch](const Index& idx) {
    Index tuple(idx.begin(), idx.begin() + q - 1);
    tuple.push_back(index_const(0));
    Index src(idx.begin(), idx.begin() + batch);
    for (int64_t j = 0; j < k; ++j) {
      tuple[q - 1] = index_const(j);
      src.push_back(wrapped_index(ctx.read(indices, tuple), data->shape()[batch + j]));
    }
    src.insert(src.end(), idx.begin() + q - 1, idx.end());
    return ctx.read(data, src);
  }};
}

// values[1] where the (wrapped) index equals the position along `axis`, values[0] elsewhere;
// an index outside [-depth, depth) matches no position. Float indices truncate, as in the
// reference.
Result lower_one_hot(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* indices = n.input(0);
  const graph::Value* values = n.input(2);
  const int64_t rank = static_cast<int64_t>(n.output(0)->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", -1), rank));
  const int64_t depth = n.output(0)->shape()[axis];
  return Fns{[&ctx, indices, values, axis, depth](const Index& idx) {
    Index ind(idx.begin(), idx.end());
    ind.erase(ind.begin() + axis);
    Expr i = kir::cast(scalar_type(kir::kIndexType), ctx.read(indices, ind));
    i = kir::select(kir::lt(i, index_const(0)), i + depth, i);
    return kir::select(kir::eq(i, idx[axis]), ctx.read_linear(values, index_const(1)),
                       ctx.read_linear(values, index_const(0)));
  }};
}

// Keeps the elements on the kept side of diagonal k (input 1, read at run time) of every
// trailing matrix; zero elsewhere.
Result lower_trilu(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const graph::Value* kv = n.has_input(1) ? n.input(1) : nullptr;
  const bool upper = n.attr_int("upper", 1) != 0;
  if (in->shape().size() < 2) return unsupported(n, "Trilu of rank < 2");
  return Fns{[&ctx, in, kv, upper](const Index& idx) {
    const size_t r = idx.size();
    Expr k = kv ? scalar_int(ctx, kv) : index_const(0);
    Expr diff = idx[r - 1] - idx[r - 2];
    Expr keep = upper ? kir::ge(diff, k) : kir::le(diff, k);
    return kir::select(keep, ctx.read(in, idx), constant(in->dtype(), 0));
  }};
}

// Output [N, C/b², H*b, W*b]: pixel (y, x) is block offset (y % b, x % b) of input pixel
// (y / b, x / b), whose channel the mode orders depth-column-row (DCR) or column-row-depth.
Result lower_depth_to_space(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  if (in->shape().size() != 4) return unsupported(n, "DepthToSpace of rank other than 4");
  const int64_t b = n.attr_int("blocksize", 1);
  const bool dcr = n.attr_string("mode", "DCR") == "DCR";
  const int64_t c_out = n.output(0)->shape()[1];
  return Fns{[&ctx, in, b, dcr, c_out](const Index& idx) {
    Expr i = idx[2] % b, j = idx[3] % b;
    Expr ch = dcr ? (i * b + j) * c_out + idx[1] : idx[1] * (b * b) + i * b + j;
    return ctx.read(in, {idx[0], ch, idx[2] / b, idx[3] / b});
  }};
}

// Output channel (i * b + j) * C + c takes input pixel (h * b + i, w * b + j) of channel c.
Result lower_space_to_depth(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  if (in->shape().size() != 4) return unsupported(n, "SpaceToDepth of rank other than 4");
  const int64_t b = n.attr_int("blocksize", 1);
  const int64_t c_in = in->shape()[1];
  return Fns{[&ctx, in, b, c_in](const Index& idx) {
    Expr c = idx[1] % c_in, block = idx[1] / c_in;
    return ctx.read(in, {idx[0], c, idx[2] * b + block / b, idx[3] * b + block % b});
  }};
}

Result lower_eye_like(LowerContext&, const graph::Node& n) {
  const graph::Value* out = n.output(0);
  if (out->shape().size() != 2) return unsupported(n, "EyeLike of rank other than 2");
  const int64_t k = n.attr_int("k", 0);
  const DType dt = out->dtype();
  return Fns{[k, dt](const Index& idx) {
    return kir::select(kir::eq(idx[1] - idx[0], index_const(k)), constant(dt, 1), constant(dt, 0));
  }};
}

// start + i * delta in the element type, as the reference computes it.
Result lower_range(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* start = n.input(0);
  const graph::Value* delta = n.input(2);
  const DType dt = n.output(0)->dtype();
  return Fns{[&ctx, start, delta, dt](const Index& idx) {
    Expr s = ctx.read(start, zero_index(start->shape().size()));
    Expr d = ctx.read(delta, zero_index(delta->shape().size()));
    return s + kir::cast(scalar_type(dt), idx[0]) * d;
  }};
}

Result lower_constant_of_shape(LowerContext&, const graph::Node& n) {
  const Tensor* value = n.attr_tensor("value");
  const DType dt = n.output(0)->dtype();
  const double v = value ? value->as_double(0) : 0.0;
  // Constants are built from doubles: larger integers would round.
  if (dtype_is_integer(dt) && std::fabs(v) > 0x1p53) {
    return unsupported(n, "ConstantOfShape value not exact as a double");
  }
  return Fns{[dt, v](const Index&) { return constant(dt, v); }};
}

// Reverses the first lens[b] steps along the time axis of every batch entry b (time and batch
// are dims 0 and 1, in the order time_axis says); later steps are copied.
Result lower_reverse_sequence(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* in = n.input(0);
  const graph::Value* lens = n.input(1);
  if (in->shape().size() < 2) return unsupported(n, "ReverseSequence of rank < 2");
  const size_t time = n.attr_int("time_axis", 0) == 0 ? 0 : 1;
  const size_t batch = 1 - time;
  const int64_t steps = in->shape()[time];
  return Fns{[&ctx, in, lens, time, batch, steps](const Index& idx) {
    Expr len = kir::cast(scalar_type(kir::kIndexType), ctx.read(lens, {idx[batch]}));
    const Expr& t = idx[time];
    Index src = idx;
    src[time] = clamp_index(kir::select(kir::lt(t, len), len - 1 - t, t), steps);
    return ctx.read(in, src);
  }};
}

void add(TemplateTable& t, const char* name, InjectiveFn f, bool elementwise = false) {
  t.push_back({name, OpTemplate{std::move(f), nullptr, elementwise, false}});
}

}  // namespace

void register_index_templates(TemplateTable& t) {
  add(t, "GatherElements", lower_gather_elements);
  add(t, "GatherND", lower_gather_nd);
  add(t, "OneHot", lower_one_hot);
  add(t, "Trilu", lower_trilu, /*elementwise=*/true);
  add(t, "DepthToSpace", lower_depth_to_space);
  add(t, "SpaceToDepth", lower_space_to_depth);
  add(t, "EyeLike", lower_eye_like);
  add(t, "Range", lower_range);
  add(t, "ConstantOfShape", lower_constant_of_shape);
  add(t, "ReverseSequence", lower_reverse_sequence);
  register_index_scatter_templates(t);
  register_index_select_templates(t);
  register_index_scan_templates(t);
}

}  // namespace stitch::lower
