// Per-channel affine maps and their absorption into Conv and MatMul weights. Part of passes/.
//
// Invariant of every rewrite here: for the output channel c,
//   Conv:   conv(x, W * s)[c] + (b * s + t)[c]  ==  (conv(x, W)[c] + b[c]) * s[c] + t[c]
//   MatMul: x @ (W * s) + (b * s + t)           ==  (x @ W + b) * s + t      (s on W's columns)
// up to float rounding; the products are formed in double and rounded once.
#include "passes/affine_util.h"

namespace stitch::passes {

using graph::Graph;
using graph::Node;
using graph::Value;

namespace {

bool is_op(const Node* n, const char* op) { return n && n->domain().empty() && n->op_type() == op; }

bool float_constant(const Value* v) {
  return v && v->is_constant() && v->dtype() == DType::kFloat32;
}

std::optional<LinearOp> match_conv(Node* p, Value* v) {
  const Value* w = p->input(1);
  if (!float_constant(w) || w->constant()->rank() < 3 || !p->has_input(0)) return std::nullopt;
  int64_t oc = w->shape()[0];
  const Value* b = p->input(2);
  if (b && (!float_constant(b) || b->constant()->numel() != oc)) return std::nullopt;
  if (v->shape().size() != w->shape().size() || v->shape()[1] != oc) return std::nullopt;
  return LinearOp{p, nullptr, -1, v, 1, oc};
}

std::optional<LinearOp> match_matmul(Node* p, Value* v) {
  const Value* w = p->input(1);
  if (!float_constant(w) || w->constant()->rank() < 2 || !p->has_input(0)) return std::nullopt;
  int64_t n = w->shape().back();
  auto rank = static_cast<int64_t>(v->shape().size());
  if (rank < 1 || v->shape().back() != n) return std::nullopt;
  return LinearOp{p, nullptr, -1, v, rank - 1, n};
}

// Add(MatMul(x, W), bias) with a per-channel constant bias.
std::optional<LinearOp> match_bias_add(Node* p, Value* v, const PinnedNames& pinned) {
  int bias = float_constant(p->input(1)) ? 1 : float_constant(p->input(0)) ? 0 : -1;
  if (bias < 0 || p->num_inputs() != 2) return std::nullopt;
  Value* m = p->input(1 - bias);
  if (!m || !is_op(m->producer(), "MatMul") || m->shape() != v->shape()) return std::nullopt;
  if (!has_single_use(*m, pinned)) return std::nullopt;
  std::optional<LinearOp> mm = match_matmul(m->producer(), m);
  if (!mm) return std::nullopt;
  const Tensor& c = *p->input(bias)->constant();
  auto rank = static_cast<int64_t>(v->shape().size());
  if (!channel_vector(c, rank, mm->channel_axis, mm->channels)) return std::nullopt;
  return LinearOp{mm->op, p, bias, v, mm->channel_axis, mm->channels};
}

}  // namespace

std::optional<LinearOp> match_linear(Value* v, const PinnedNames& pinned) {
  if (!v || v->dtype() != DType::kFloat32 || !v->type().is_static()) return std::nullopt;
  if (!has_single_use(*v, pinned) || !v->producer()) return std::nullopt;
  Node* p = v->producer();
  if (is_op(p, "Conv")) return match_conv(p, v);
  if (is_op(p, "MatMul")) return match_matmul(p, v);
  if (is_op(p, "Add")) return match_bias_add(p, v, pinned);
  return std::nullopt;
}

std::optional<std::vector<double>> channel_vector(const Tensor& c, int64_t rank, int64_t axis,
                                                  int64_t channels) {
  if (c.dtype() != DType::kFloat32 || c.rank() > rank) return std::nullopt;
  int64_t offset = rank - c.rank();
  for (int64_t j = 0; j < c.rank(); ++j) {
    bool ok = c.dim(j) == 1 || (j + offset == axis && c.dim(j) == channels);
    if (!ok) return std::nullopt;
  }
  std::vector<double> out(channels);
  const float* p = c.data<float>();
  for (int64_t i = 0; i < channels; ++i) out[i] = p[c.numel() == 1 ? 0 : i];
  return out;
}

namespace {

// W * scale along `axis` of W (0 for Conv's output channels, last for MatMul's columns).
Tensor scale_weights(const Tensor& w, int64_t axis, const std::vector<double>& scale) {
  Tensor out(DType::kFloat32, w.shape());
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
  int64_t channels = w.dim(axis);
  const float* src = w.data<float>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < w.numel(); ++i) {
    dst[i] = static_cast<float>(src[i] * scale[(i / inner) % channels]);
  }
  return out;
}

// bias * scale + shift, as a [channels] tensor; an absent bias is zero.
Tensor scale_bias(const std::vector<double>& bias, const ChannelAffine& a) {
  Tensor out(DType::kFloat32, {static_cast<int64_t>(a.scale.size())});
  float* dst = out.data<float>();
  for (size_t c = 0; c < a.scale.size(); ++c) {
    dst[c] = static_cast<float>((bias.empty() ? 0.0 : bias[c]) * a.scale[c] + a.shift[c]);
  }
  return out;
}

bool all_zero(const std::vector<double>& v) {
  for (double x : v) {
    if (x != 0.0) return false;
  }
  return true;
}

void absorb_conv(Graph& g, const LinearOp& lin, const ChannelAffine& a, Value* out,
                 const PinnedNames& pinned) {
  Node* conv = lin.op;
  replace_constant_input(g, conv, 1, scale_weights(*conv->input(1)->constant(), 0, a.scale),
                         pinned);
  const Value* b = conv->input(2);
  std::vector<double> bias;
  if (b) bias = *channel_vector(*b->constant(), 1, 0, lin.channels);
  if (b) {
    replace_constant_input(g, conv, 2, scale_bias(bias, a), pinned);
  } else if (!all_zero(a.shift)) {
    g.set_node_input(conv, 2, add_constant_value(g, conv->name() + "_bias", scale_bias({}, a)));
  }
  reemit_node(g, conv, conv->inputs(), {out});
}

void absorb_matmul(Graph& g, const LinearOp& lin, const ChannelAffine& a, Value* out,
                   const PinnedNames& pinned) {
  Node* mm = lin.op;
  int64_t axis = mm->input(1)->constant()->rank() - 1;
  replace_constant_input(g, mm, 1, scale_weights(*mm->input(1)->constant(), axis, a.scale), pinned);
  if (lin.bias_add) {
    const Tensor& c = *lin.bias_add->input(lin.bias_input)->constant();
    auto rank = static_cast<int64_t>(lin.output->shape().size());
    std::vector<double> bias = *channel_vector(c, rank, lin.channel_axis, lin.channels);
    replace_constant_input(g, lin.bias_add, lin.bias_input, scale_bias(bias, a), pinned);
    reemit_node(g, lin.bias_add, lin.bias_add->inputs(), {out});
  } else if (all_zero(a.shift)) {
    reemit_node(g, mm, mm->inputs(), {out});
  } else {
    Value* bias = add_constant_value(g, mm->name() + "_bias", scale_bias({}, a));
    g.add_node("Add", mm->name() + "_bias", {lin.output, bias}, {out}, "", mm->opset());
  }
}

}  // namespace

void absorb_affine(Graph& g, const LinearOp& lin, const ChannelAffine& affine, Value* out,
                   const PinnedNames& pinned) {
  if (lin.op->op_type() == "Conv") {
    absorb_conv(g, lin, affine, out, pinned);
  } else {
    absorb_matmul(g, lin, affine, out, pinned);
  }
}

}  // namespace stitch::passes
