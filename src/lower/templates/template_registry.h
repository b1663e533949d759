// The op templates of lowering: for each op type, how to compute it in kernel IR. Part of
// lower/templates/; one file per op family registers its templates, lower_subgraph.cc looks
// them up.
//
// Two kinds. An injective template gives, per output, the element expression at an output
// index (an ExprFn reading inputs through LowerContext::read); lowering inlines it into its
// consumers or materializes it with a loop nest. An anchor template (matmul, conv, pooling,
// reductions, normalization) emits the whole statement that computes its outputs, writing them
// through LowerContext::write so that fused epilogues apply.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/ops/nn_util.h"
#include "kir/kir.h"
#include "lower/lower_context.h"
#include "support/status.h"

namespace stitch::lower {

using InjectiveFn = std::function<Expected<std::vector<ExprFn>>(LowerContext&, const graph::Node&)>;
using AnchorFn = std::function<Expected<kir::Stmt>(LowerContext&, const graph::Node&)>;

struct OpTemplate {
  InjectiveFn injective;  // exactly one of injective and anchor is set
  AnchorFn anchor;
  // Injective only: output index i reads every input whose shape equals the output's at i
  // (elementwise with broadcasting), so the op may join an anchor's epilogue chain.
  bool elementwise = false;
  // Injective only: a pure index remap (reshape, transpose…): inlined even when used twice.
  bool free_remap = false;
};

// The template for an op type, or nullptr.
const OpTemplate* find_template(const std::string& op_type);

// Registration, one function per family file.
using TemplateTable = std::vector<std::pair<std::string, OpTemplate>>;
void register_elementwise_templates(TemplateTable& t);
void register_data_movement_templates(TemplateTable& t);
void register_matmul_templates(TemplateTable& t);
void register_conv_templates(TemplateTable& t);
void register_pool_templates(TemplateTable& t);
void register_reduce_templates(TemplateTable& t);
void register_softmax_templates(TemplateTable& t);
void register_norm_templates(TemplateTable& t);
void register_index_templates(TemplateTable& t);
void register_loss_templates(TemplateTable& t);
void register_resize_templates(TemplateTable& t);
void register_conv_transpose_templates(TemplateTable& t);
void register_nn_misc_templates(TemplateTable& t);
void register_quantize_templates(TemplateTable& t);
void register_recurrent_templates(TemplateTable& t);
void register_signal_templates(TemplateTable& t);
void register_training_templates(TemplateTable& t);
void register_blocked_layout_templates(TemplateTable& t);
void register_blocked_depthwise_templates(TemplateTable& t);
void register_winograd_conv_templates(TemplateTable& t);

// ---- Helpers templates share ----
// The constant data of input i, or an error naming the node when it is not a constant.
Expected<const Tensor*> constant_input(const graph::Node& n, int i, const char* what);
// "unsupported: ..." errors name the node.
Status unsupported(const graph::Node& n, const std::string& why);
// An output-element reduction: for every index of `out` (loop nest, outermost parallel), runs
// `acc = init; for r in reduce_shape: acc = update(idx, r, acc)` on accumulators of dtype
// `acc_dtype` and writes finalize(idx, acc) as out's element.
using AccFn = std::function<std::vector<kir::Expr>(const Index& out_idx, const Index& red_idx,
                                                   const std::vector<kir::Expr>& acc)>;
using FinalFn = std::function<kir::Expr(const Index& out_idx, const std::vector<kir::Expr>& acc)>;
kir::Stmt reduce_nest(LowerContext& ctx, const graph::Value* out, const Shape& reduce_shape,
                      DType acc_dtype, const std::vector<double>& init, const AccFn& update,
                      const FinalFn& finalize);
// Multi-pass templates (softmax, layernorm) over the "rows" dims [first, last) of `shape`: a
// loop nest over the other dims (rows held at index 0; outermost parallel) around body(outer).
kir::Stmt row_nest(LowerContext& ctx, const Shape& shape, int64_t first, int64_t last,
                   const std::function<kir::Stmt(const Index& outer)>& body);
// `outer` with dims [first, first + inner.size()) replaced by `inner`.
Index with_row(const Index& outer, int64_t first, const Index& inner);
// One tap of a sliding window (conv, pooling): the clamped input position for output position o
// and kernel offset k in each spatial dim, and whether it lies inside the (unpadded) input.
struct WindowTap {
  Index pos;
  kir::Expr inside;
};
WindowTap window_tap(const graph::nn::WindowGeometry& g, const Shape& in_spatial, const Index& o,
                     const Index& k);
// The lowest value of a dtype (-inf for floats), as double (the identity of max).
double dtype_lowest(DType dtype);
// The highest value of a dtype (+inf for floats, true for bool), as double (the identity of min).
double dtype_highest(DType dtype);

}  // namespace stitch::lower
