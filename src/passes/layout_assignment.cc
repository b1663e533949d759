// Layout assignment: NCHW -> NCHWc for conv chains, with weights pre-packed. Part of passes/.
#include "passes/layout_assignment.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "graph/ops/nn_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

// Elementwise ops that commute with any permutation of elements (so they can run on blocked
// tensors unchanged) and whose attributes, if any, are plain numbers.
const std::set<std::string>& layout_free_ops() {
  static const std::set<std::string> ops{
      "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu",
      "Selu", "Softplus",  "Mish", "Gelu",    "Add",         "Sub",       "Mul",  "Div",
      "Max",  "Min",       "Erf",  "Exp",     "Abs",         "Neg",       "Sqrt", "Identity"};
  return ops;
}

std::optional<graph::Attribute> copy_attribute(const graph::Attribute& a) {
  switch (a.kind) {
    case graph::Attribute::Kind::kFloat:
      return graph::Attribute::of_float(a.f);
    case graph::Attribute::Kind::kInt:
      return graph::Attribute::of_int(a.i);
    case graph::Attribute::Kind::kString:
      return graph::Attribute::of_string(a.s);
    case graph::Attribute::Kind::kFloats:
      return graph::Attribute::of_floats(a.floats);
    case graph::Attribute::Kind::kInts:
      return graph::Attribute::of_ints(a.ints);
    default:
      return std::nullopt;
  }
}

Shape blocked_shape(const Shape& plain, int64_t b) {
  return {plain[0], (plain[1] + b - 1) / b, plain[2], plain[3], b};
}

// W [M, C, KH, KW] -> [M/b, C/b, KH, KW, b (input channel), b (output channel)].
Tensor pack_weight(const Tensor& w, int64_t b) {
  const int64_t m = w.dim(0), c = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  Tensor packed(DType::kFloat32, {m / b, c / b, kh, kw, b, b});
  const float* src = w.data<float>();
  float* dst = packed.data<float>();
  for (int64_t mo = 0; mo < m; ++mo)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t p = 0; p < kh; ++p)
        for (int64_t q = 0; q < kw; ++q) {
          int64_t to =
              (((((mo / b) * (c / b) + ci / b) * kh + p) * kw + q) * b + ci % b) * b + mo % b;
          dst[to] = src[((mo * c + ci) * kh + p) * kw + q];
        }
  return packed;
}

// W [M, C, KH, KW] of a group-1 conv with C padded up to cp input channels (cp % b == 0):
// [M/b, cp/b, KH, KW, b (input channel), b (output channel)], zero where c >= C.
Tensor pack_weight_padded(const Tensor& w, int64_t cp, int64_t b) {
  if (cp == w.dim(1)) return pack_weight(w, b);
  const int64_t m = w.dim(0), c = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  Tensor wide(DType::kFloat32, {m, cp, kh, kw});
  float* dst = wide.data<float>();
  std::fill(dst, dst + wide.numel(), 0.0f);
  const float* src = w.data<float>();
  const int64_t taps = kh * kw;
  for (int64_t mo = 0; mo < m; ++mo)
    std::copy(src + mo * c * taps, src + (mo + 1) * c * taps, dst + mo * cp * taps);
  return pack_weight(wide, b);
}

// W [C, 1, KH, KW] of a depthwise conv -> [C/b, KH, KW, b (channel)].
Tensor pack_depthwise_weight(const Tensor& w, int64_t b) {
  const int64_t c = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  Tensor packed(DType::kFloat32, {c / b, kh, kw, b});
  const float* src = w.data<float>();
  float* dst = packed.data<float>();
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t t = 0; t < kh * kw; ++t)
      dst[((ch / b) * kh * kw + t) * b + ch % b] = src[ch * kh * kw + t];
  return packed;
}

// Winograd F(4x4, 3x3)'s kernel transform G (6 x 3, Lavin & Gray 2016, points 0, ±1, ±2, ∞).
constexpr double kWinogradG[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};

// W [M, C, 3, 3] -> U [36, ceil(M/16), cp, 16]: element (6a + e, m / 16, c, m % 16) is
// (G g G^T)[a][e] of the filter g = W[m, c], computed in double and rounded once; zero for
// c >= C (padded input channels) and m >= M (the last panel's padding).
Tensor winograd_weight(const Tensor& w, int64_t cp) {
  const int64_t m = w.dim(0), c = w.dim(1), panels = (m + 15) / 16;
  Tensor u(DType::kFloat32, {36, panels, cp, 16});
  float* dst = u.data<float>();
  std::fill(dst, dst + u.numel(), 0.0f);
  const float* src = w.data<float>();
  for (int64_t mo = 0; mo < m; ++mo)
    for (int64_t ci = 0; ci < c; ++ci) {
      const float* g = src + (mo * c + ci) * 9;
      double gg[6][3];  // G g
      for (int a = 0; a < 6; ++a)
        for (int k = 0; k < 3; ++k)
          gg[a][k] =
              kWinogradG[a][0] * g[k] + kWinogradG[a][1] * g[3 + k] + kWinogradG[a][2] * g[6 + k];
      for (int a = 0; a < 6; ++a)
        for (int e = 0; e < 6; ++e) {
          const double v = gg[a][0] * kWinogradG[e][0] + gg[a][1] * kWinogradG[e][1] +
                           gg[a][2] * kWinogradG[e][2];
          dst[(((a * 6 + e) * panels + mo / 16) * cp + ci) * 16 + mo % 16] = static_cast<float>(v);
        }
    }
  return u;
}

const std::set<std::string>& pool_ops() {
  static const std::set<std::string> ops{"MaxPool", "AveragePool", "GlobalAveragePool",
                                         "GlobalMaxPool"};
  return ops;
}

class LayoutAssignment : public Pass {
 public:
  explicit LayoutAssignment(const LayoutAssignmentOptions& o) : b_(o.block), options_(o) {}
  std::string name() const override { return "layout_assignment"; }

  Expected<bool> run(Graph& graph) override {
    graph_ = &graph;
    blocked_.clear();
    padded_.clear();
    bool changed = false;
    for (Node* n : graph.nodes()) {
      if (n->op_type() == "Conv" && n->domain().empty()) {
        STITCH_ASSIGN_OR_RETURN(bool done, block_conv(n));
        changed |= done;
      } else if (n->domain().empty() && pool_ops().count(n->op_type())) {
        STITCH_ASSIGN_OR_RETURN(bool done, block_pool(n));
        changed |= done;
      } else if (n->domain().empty() && layout_free_ops().count(n->op_type())) {
        changed |= block_elementwise(n);
      } else if (n->domain().empty() && n->op_type() == "Concat") {
        changed |= block_channel_concat(n);
      }
    }
    if (changed) STITCH_RETURN_IF_ERROR(graph.topo_sort());
    return changed;
  }

 private:
  static bool is_4d_f32(const Value* v) {
    return v && v->dtype() == DType::kFloat32 && v->type().is_static() && v->shape().size() == 4;
  }
  bool is_plain_4d_f32(const Value* v) const { return is_4d_f32(v) && v->shape()[1] % b_ == 0; }

  Value* int64_constant(const std::string& hint, const std::vector<int64_t>& values) {
    Tensor t(DType::kInt64, {static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) t.data<int64_t>()[i] = values[i];
    return graph_->add_constant(graph_->unique_name(hint), std::move(t));
  }

  // x [N, C, H, W] with C % b != 0 as [N, ceil(C/b), H, W, b], the channels past C zero: a
  // stitch.ReorderNCHWc, which lowering materializes (the conv then reads a buffer, not a
  // padded gather per tap). Kept apart from blocked_ (only convs, whose packed weights have
  // zero rows there, may read the padded channels).
  Value* to_blocked_padded(Value* x) {
    if (x->shape()[1] % b_ == 0) return to_blocked(x);
    if (auto it = padded_.find(x); it != padded_.end()) return it->second;
    const Shape& s = x->shape();
    Value* xb = graph_->add_value(graph_->unique_name(x->name() + "_blocked"),
                                  {DType::kFloat32, blocked_shape(s, b_), true});
    Node* r = graph_->add_node("ReorderNCHWc", graph_->unique_name(x->name() + "_to_blocked"), {x},
                               {xb}, "stitch", 1);
    r->set_attr("block", graph::Attribute::of_int(b_));
    padded_[x] = xb;
    return xb;
  }

  // x [N, C, H, W] as [N, C/b, H, W, b]: Reshape to [N, C/b, b, H, W], then move b last.
  Value* to_blocked(Value* x) {
    if (auto it = blocked_.find(x); it != blocked_.end()) return it->second;
    const Shape& s = x->shape();
    Value* split = graph_->add_value(graph_->unique_name(x->name() + "_split"),
                                     {DType::kFloat32, {s[0], s[1] / b_, b_, s[2], s[3]}, true});
    graph_->add_node("Reshape", graph_->unique_name(x->name() + "_to_blocked_reshape"),
                     {x, int64_constant(x->name() + "_split_shape", split->shape())}, {split});
    Value* xb = graph_->add_value(graph_->unique_name(x->name() + "_blocked"),
                                  {DType::kFloat32, blocked_shape(s, b_), true});
    Node* t = graph_->add_node("Transpose", graph_->unique_name(x->name() + "_to_blocked"), {split},
                               {xb});
    t->set_attr("perm", graph::Attribute::of_ints({0, 1, 3, 4, 2}));
    blocked_[x] = xb;
    return xb;
  }

  // Makes `plain` (whose producer was removed) the plain-layout view of `xb`.
  void define_from_blocked(Value* xb, Value* plain) {
    const Shape& s = plain->shape();
    Value* moved = graph_->add_value(graph_->unique_name(plain->name() + "_unblocked"),
                                     {DType::kFloat32, {s[0], s[1] / b_, b_, s[2], s[3]}, true});
    Node* t = graph_->add_node("Transpose", graph_->unique_name(plain->name() + "_from_blocked"),
                               {xb}, {moved});
    t->set_attr("perm", graph::Attribute::of_ints({0, 1, 4, 2, 3}));
    graph_->add_node("Reshape", graph_->unique_name(plain->name() + "_from_blocked_reshape"),
                     {moved, int64_constant(plain->name() + "_plain_shape", s)}, {plain});
    blocked_[plain] = xb;
  }

  Expected<bool> block_conv(Node* n) {
    Value* x = n->input(0);
    Value* w = n->input(1);
    Value* bias = n->has_input(2) ? n->input(2) : nullptr;
    Value* y = n->output(0);
    if (!is_4d_f32(x) || !is_plain_4d_f32(y)) return false;
    if (!w || !w->is_constant() || w->dtype() != DType::kFloat32 || w->shape().size() != 4 ||
        w->shape()[0] % b_ != 0) {
      return false;
    }
    if (bias && (bias->dtype() != DType::kFloat32 || !bias->type().is_static())) return false;
    const int64_t group = n->attr_int("group", 1), c = x->shape()[1];
    const bool depthwise =
        group == c && group > 1 && w->shape()[0] == c && w->shape()[1] == 1 && c % b_ == 0;
    if (group != 1 && !depthwise) return false;
    const Shape& xs = x->shape();
    const Shape& ws = w->shape();
    STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                            graph::nn::window_geometry(*n, {xs[2], xs[3]}, {ws[2], ws[3]}, false));
    Value* xb = depthwise ? to_blocked(x) : to_blocked_padded(x);
    const int64_t cp = xb->shape()[1] * b_;
    Value* wp = graph_->add_constant(graph_->unique_name(w->name() + "_packed"),
                                     depthwise ? pack_depthwise_weight(*w->constant(), b_)
                                               : pack_weight_padded(*w->constant(), cp, b_));
    Value* yb = graph_->add_value(graph_->unique_name(y->name() + "_blocked"),
                                  {DType::kFloat32, blocked_shape(y->shape(), b_), true});
    std::vector<Value*> inputs{xb, wp};
    const bool winograd = !depthwise && use_winograd(c, cp, ws, g);
    if (winograd) {
      // X, U, W (the reference kernel's), bias.
      inputs.insert(inputs.begin() + 1,
                    graph_->add_constant(graph_->unique_name(w->name() + "_winograd"),
                                         winograd_weight(*w->constant(), cp)));
    }
    if (bias) inputs.push_back(bias);
    const std::string name = n->name();
    graph_->remove_node(n);
    const char* op =
        depthwise ? "DepthwiseConvNCHWc" : (winograd ? "ConvWinogradNCHWc" : "ConvNCHWc");
    Node* blocked =
        graph_->add_node(op, graph_->unique_name(name + "_nchwc"), inputs, {yb}, "stitch", 1);
    set_window_attrs(blocked, g);
    define_from_blocked(yb, y);
    return true;
  }

  // Winograd F(4x4, 3x3) for a group-1 conv with C input channels (cp once padded to the block)
  // and weight shape ws [M, C, KH, KW]: the rule of LayoutAssignmentOptions.
  bool use_winograd(int64_t c, int64_t cp, const Shape& ws,
                    const graph::nn::WindowGeometry& g) const {
    if (!options_.winograd || b_ != 8) return false;
    if (ws[2] != 3 || ws[3] != 3 || g.strides != Shape{1, 1} || g.dilations != Shape{1, 1}) {
      return false;
    }
    const int64_t m = ws[0];
    if (c < options_.winograd_min_channels || m < options_.winograd_min_channels) return false;
    const int64_t oh = g.output[0], ow = g.output[1];
    const int64_t tiles = ((oh + 3) / 4) * ((ow + 3) / 4);
    const int64_t gemm_rows = (tiles + 5) / 6 * 6;
    // Multiply-adds per (input, output) channel pair: 9 per output pixel, 36 per GEMM row.
    if (9.0 * oh * ow < options_.winograd_min_gain * 36.0 * gemm_rows) return false;
    const int64_t u_bytes = 36 * ((m + 15) / 16) * 16 * cp * 4;
    return u_bytes <= options_.winograd_max_weight_bytes;
  }

  static void set_window_attrs(Node* n, const graph::nn::WindowGeometry& g) {
    n->set_attr("strides", graph::Attribute::of_ints(g.strides));
    n->set_attr("dilations", graph::Attribute::of_ints(g.dilations));
    Shape pads = g.pads_begin;
    pads.insert(pads.end(), g.pads_end.begin(), g.pads_end.end());
    n->set_attr("pads", graph::Attribute::of_ints(pads));
  }

  // MaxPool (without an Indices output), AveragePool and their Global forms on a blocked input
  // run blocked: stitch.PoolNCHWc, the Global forms as one window over the whole plane.
  Expected<bool> block_pool(Node* n) {
    Value* x = n->input(0);
    Value* y = n->output(0);
    auto it = blocked_.find(x);
    if (it == blocked_.end() || !is_plain_4d_f32(y)) return false;
    if (Value* indices = n->output(1);
        indices && (!indices->users().empty() || indices->is_graph_output())) {
      return false;
    }
    const std::string op = n->op_type();
    const bool global = op.rfind("Global", 0) == 0;
    const bool is_max = op == "MaxPool" || op == "GlobalMaxPool";
    const Shape& xs = x->shape();
    const Shape kernel = global ? Shape{xs[2], xs[3]} : n->attr_ints("kernel_shape");
    if (kernel.size() != 2) return false;
    const bool ceil_mode = !global && n->attr_int("ceil_mode", 0) != 0;
    graph::nn::WindowGeometry g;
    if (global) {
      g.kernel = kernel;
      g.strides = g.dilations = {1, 1};
      g.pads_begin = g.pads_end = {0, 0};
    } else {
      STITCH_ASSIGN_OR_RETURN(g, graph::nn::window_geometry(*n, {xs[2], xs[3]}, kernel, ceil_mode));
    }
    const int64_t include_pad = global ? 0 : n->attr_int("count_include_pad", 0);
    Value* yb = graph_->add_value(graph_->unique_name(y->name() + "_blocked"),
                                  {DType::kFloat32, blocked_shape(y->shape(), b_), true});
    Value* xb = it->second;
    const std::string name = n->name();
    graph_->remove_node(n);
    Node* p = graph_->add_node("PoolNCHWc", graph_->unique_name(name + "_nchwc"), {xb}, {yb},
                               "stitch", 1);
    p->set_attr("mode", graph::Attribute::of_string(is_max ? "max" : "average"));
    p->set_attr("kernel_shape", graph::Attribute::of_ints(kernel));
    set_window_attrs(p, g);
    p->set_attr("ceil_mode", graph::Attribute::of_int(ceil_mode ? 1 : 0));
    p->set_attr("count_include_pad", graph::Attribute::of_int(include_pad));
    define_from_blocked(yb, y);
    return true;
  }

  // An elementwise op whose tensor operands all have blocked versions (or are scalars) runs on
  // those; its output gets a blocked version in turn.
  bool block_elementwise(Node* n) {
    Value* y = n->output(0);
    if (n->num_outputs() != 1 || !is_plain_4d_f32(y)) return false;
    std::vector<Value*> inputs;
    bool any_blocked = false;
    for (Value* in : n->inputs()) {
      if (!in) {
        inputs.push_back(nullptr);
      } else if (auto it = blocked_.find(in); it != blocked_.end() && in->shape() == y->shape()) {
        inputs.push_back(it->second);
        any_blocked = true;
      } else if (in->type().is_static() && shape_numel(in->shape()) == 1 &&
                 in->shape().size() <= 1) {
        inputs.push_back(in);  // a scalar broadcasts the same in any layout
      } else {
        return false;
      }
    }
    if (!any_blocked) return false;
    std::map<std::string, graph::Attribute> attrs;
    for (const auto& [key, a] : n->attributes()) {
      auto copy = copy_attribute(a);
      if (!copy) return false;
      attrs.emplace(key, std::move(*copy));
    }
    Value* yb = graph_->add_value(graph_->unique_name(y->name() + "_blocked"),
                                  {DType::kFloat32, blocked_shape(y->shape(), b_), true});
    const std::string op = n->op_type(), name = n->name();
    const int opset = n->opset();
    graph_->remove_node(n);
    Node* e = graph_->add_node(op, graph_->unique_name(name + "_nchwc"), inputs, {yb}, "", opset);
    for (auto& [key, a] : attrs) e->set_attr(key, std::move(a));
    define_from_blocked(yb, y);
    return true;
  }

  // A Concat over channels (axis 1) of blocked inputs whose channel counts are multiples of the
  // block is the same Concat of the blocked tensors over their block axis (1 of
  // [N, C/b, H, W, b]): SqueezeNet's fire modules then stay blocked from the expand convs
  // through the concat into the next squeeze conv and pooling, with no reorder between.
  bool block_channel_concat(Node* n) {
    Value* y = n->output(0);
    if (n->num_outputs() != 1 || !is_plain_4d_f32(y)) return false;
    const int64_t axis = n->attr_int("axis", 0);
    if (axis != 1 && axis != -3) return false;
    std::vector<Value*> inputs;
    for (Value* in : n->inputs()) {
      auto it = in ? blocked_.find(in) : blocked_.end();
      if (it == blocked_.end()) return false;
      inputs.push_back(it->second);
    }
    Value* yb = graph_->add_value(graph_->unique_name(y->name() + "_blocked"),
                                  {DType::kFloat32, blocked_shape(y->shape(), b_), true});
    const std::string name = n->name();
    const int opset = n->opset();
    graph_->remove_node(n);
    Node* c =
        graph_->add_node("Concat", graph_->unique_name(name + "_nchwc"), inputs, {yb}, "", opset);
    c->set_attr("axis", graph::Attribute::of_int(1));
    define_from_blocked(yb, y);
    return true;
  }

  int64_t b_;
  LayoutAssignmentOptions options_;
  Graph* graph_ = nullptr;
  std::map<Value*, Value*> blocked_;  // plain value -> its blocked version
  std::map<Value*, Value*> padded_;   // plain value (C % b != 0) -> its zero-padded blocked one
};

}  // namespace

std::unique_ptr<Pass> make_layout_assignment_pass(const LayoutAssignmentOptions& options) {
  return std::make_unique<LayoutAssignment>(options);
}

}  // namespace stitch::passes
