// The template lookup table and helpers every template family shares. Part of
// lower/templates/.
#include "lower/templates/template_registry.h"

#include <limits>
#include <map>

namespace stitch::lower {

const OpTemplate* find_template(const std::string& op_type) {
  static const std::map<std::string, OpTemplate> table = [] {
    TemplateTable t;
    register_elementwise_templates(t);
    register_data_movement_templates(t);
    register_matmul_templates(t);
    register_conv_templates(t);
    register_pool_templates(t);
    register_reduce_templates(t);
    register_softmax_templates(t);
    register_norm_templates(t);
    register_index_templates(t);
    register_loss_templates(t);
    register_resize_templates(t);
    register_conv_transpose_templates(t);
    register_nn_misc_templates(t);
    register_quantize_templates(t);
    register_recurrent_templates(t);
    register_signal_templates(t);
    register_training_templates(t);
    register_blocked_layout_templates(t);
    register_blocked_depthwise_templates(t);
    register_winograd_conv_templates(t);
    std::map<std::string, OpTemplate> m;
    for (auto& [name, tmpl] : t) {
      STITCH_CHECK(!m.count(name), "lower: two templates for ", name);
      m.emplace(name, std::move(tmpl));
    }
    return m;
  }();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : &it->second;
}

Status unsupported(const graph::Node& n, const std::string& why) {
  return error("unsupported: ", why, " (node '", n.name(), "', ", n.op_type(), ")");
}

Expected<const Tensor*> constant_input(const graph::Node& n, int i, const char* what) {
  const graph::Value* v = n.input(i);
  if (v == nullptr || !v->is_constant()) {
    return unsupported(n, str_cat(what, " must be a constant"));
  }
  return v->constant();
}

namespace {

template <class T>
double lowest_of() {
  return std::numeric_limits<T>::has_infinity
             ? -std::numeric_limits<T>::infinity()
             : static_cast<double>(std::numeric_limits<T>::lowest());
}

}  // namespace

double dtype_lowest(DType dtype) {
  switch (dtype) {
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kFloat32:
    case DType::kFloat64:
      return lowest_of<double>();
    case DType::kInt8:
      return lowest_of<int8_t>();
    case DType::kInt16:
      return lowest_of<int16_t>();
    case DType::kInt32:
      return lowest_of<int32_t>();
    case DType::kInt64:
      return lowest_of<int64_t>();
    default:  // unsigned integers and bool (false)
      return 0;
  }
}

double dtype_highest(DType dtype) {
  switch (dtype) {
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kFloat32:
    case DType::kFloat64:
      return std::numeric_limits<double>::infinity();
    case DType::kInt8:
      return std::numeric_limits<int8_t>::max();
    case DType::kInt16:
      return std::numeric_limits<int16_t>::max();
    case DType::kInt32:
      return std::numeric_limits<int32_t>::max();
    case DType::kInt64:
      return static_cast<double>(std::numeric_limits<int64_t>::max());  // saturates when built
    case DType::kUInt8:
      return std::numeric_limits<uint8_t>::max();
    case DType::kUInt16:
      return std::numeric_limits<uint16_t>::max();
    case DType::kUInt32:
      return std::numeric_limits<uint32_t>::max();
    case DType::kUInt64:
      return static_cast<double>(std::numeric_limits<uint64_t>::max());  // saturates when built
    default:                                                             // bool (true)
      return 1;
  }
}

kir::Stmt reduce_nest(LowerContext& ctx, const graph::Value* out, const Shape& reduce_shape,
                      DType acc_dtype, const std::vector<double>& init, const AccFn& update,
                      const FinalFn& finalize) {
  const int64_t n = static_cast<int64_t>(init.size());
  return loop_nest(
      ctx, out->shape(),
      [&](const Index& out_idx) {
        kir::Buffer acc = ctx.scratch("acc", acc_dtype, {n});
        std::vector<kir::Stmt> body;
        std::vector<kir::Expr> cur;
        for (int64_t j = 0; j < n; ++j) {
          body.push_back(kir::store(acc, index_const(j), constant(acc_dtype, init[j])));
          cur.push_back(kir::load(acc, index_const(j)));
        }
        kir::Stmt step = loop_nest(
            ctx, reduce_shape,
            [&](const Index& red_idx) {
              std::vector<kir::Expr> next = update(out_idx, red_idx, cur);
              std::vector<kir::Stmt> stores;
              for (int64_t j = 0; j < n; ++j)
                stores.push_back(kir::store(acc, index_const(j), next[j]));
              return kir::seq(std::move(stores));
            },
            /*parallel=*/false, /*vectorize=*/false);
        body.push_back(step);
        body.push_back(ctx.write(out, out_idx, finalize(out_idx, cur)));
        return kir::allocate(acc, kir::seq(std::move(body)));
      },
      /*parallel=*/true, /*vectorize=*/false);
}

kir::Stmt row_nest(LowerContext& ctx, const Shape& shape, int64_t first, int64_t last,
                   const std::function<kir::Stmt(const Index& outer)>& body) {
  Shape outer = shape;
  for (int64_t d = first; d < last; ++d) outer[d] = 1;
  return loop_nest(ctx, outer, body, /*parallel=*/true, /*vectorize=*/false);
}

Index with_row(const Index& outer, int64_t first, const Index& inner) {
  Index idx = outer;
  for (size_t i = 0; i < inner.size(); ++i) idx[first + i] = inner[i];
  return idx;
}

}  // namespace stitch::lower
