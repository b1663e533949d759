// Reference kernels of the recurrent ops RNN, GRU and LSTM. Part of reference/kernels/
// (sequence family); the signal ops are in sequence_signal.cc.
//
// Everything is computed in double on "time-major" copies of the inputs (X as [seq, batch,
// input], states as [dirs, batch, hidden]); layout 1 is transposed on the way in and out.
// Batch entries are independent, so each runs its own time loop of sequence_lens[b] steps;
// Y stays zero past a sequence's end and Y_h / Y_c hold the state after its last step.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "graph/ops/rnn_util.h"
#include "reference/kernels/reduce_util.h"

namespace stitch::reference {

void register_sequence_signal_kernels(KernelRegistry& r);  // sequence_signal.cc

namespace {

struct Activation {
  std::string name;  // lower case
  double alpha = 0;
  double beta = 0;

  double operator()(double x) const {
    if (name == "sigmoid") return 1 / (1 + std::exp(-x));
    if (name == "tanh") return std::tanh(x);
    if (name == "relu") return std::max(x, 0.0);
    if (name == "affine") return alpha * x + beta;
    if (name == "leakyrelu") return x >= 0 ? x : alpha * x;
    if (name == "thresholdedrelu") return x > alpha ? x : 0;
    if (name == "scaledtanh") return alpha * std::tanh(beta * x);
    if (name == "hardsigmoid") return std::clamp(alpha * x + beta, 0.0, 1.0);
    if (name == "elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (name == "softsign") return x / (1 + std::abs(x));
    if (name == "softplus") return std::log1p(std::exp(x));
    return x;
  }
};

// Default alpha / beta of the activations that take them (as the ONNX ops define them), and
// whether each uses them; unknown names are an error.
Status make_activation(const std::string& raw, Activation& a, bool& uses_alpha, bool& uses_beta) {
  STITCH_ASSIGN_OR_RETURN(graph::rnn::ActivationSpec spec, graph::rnn::activation_spec(raw));
  a.name = spec.name;
  a.alpha = spec.alpha;
  a.beta = spec.beta;
  uses_alpha = spec.uses_alpha;
  uses_beta = spec.uses_beta;
  return Status::ok();
}

// A recurrent layer's inputs in time-major double form.
struct Layer {
  int gates = 1;
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1;
  bool batch_major = false;
  double clip = 0;  // 0: no clipping
  bool linear_before_reset = false;
  bool input_forget = false;
  std::vector<double> x, w, r, b, h0, c0, p;
  std::vector<int64_t> lens;
  std::vector<Activation> acts;  // acts_per_dir per direction
  int acts_per_dir = 1;

  const double* w_gate(int64_t d, int g) const { return &w[((d * gates + g) * hidden) * input]; }
  const double* r_gate(int64_t d, int g) const { return &r[((d * gates + g) * hidden) * hidden]; }
  double wb(int64_t d, int g, int64_t j) const { return b[(d * 2 * gates + g) * hidden + j]; }
  double rb(int64_t d, int g, int64_t j) const {
    return b[(d * 2 * gates + gates + g) * hidden + j];
  }
  const Activation& act(int64_t d, int k) const { return acts[d * acts_per_dir + k]; }
  double clipped(double v) const { return clip > 0 ? std::clamp(v, -clip, clip) : v; }
};

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = t.as_double(i);
  return v;
}

// Swaps the first two dims of a rank-3 tensor's data (layout 1 <-> layout 0).
std::vector<double> swap01(const std::vector<double>& v, int64_t a, int64_t b, int64_t c) {
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < a; ++i) {
    for (int64_t j = 0; j < b; ++j) {
      for (int64_t k = 0; k < c; ++k) out[(j * a + i) * c + k] = v[(i * b + j) * c + k];
    }
  }
  return out;
}

Status read_activations(const graph::Node& node, Layer& m,
                        const std::vector<std::string>& defaults) {
  std::vector<std::string> names = node.attr_strings("activations");
  if (names.empty()) {
    for (int64_t d = 0; d < m.dirs; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  }
  m.acts_per_dir = static_cast<int>(defaults.size());
  if (static_cast<int64_t>(names.size()) != m.acts_per_dir * m.dirs) {
    return error("expects ", m.acts_per_dir * m.dirs, " activations, got ", names.size());
  }
  std::vector<float> alphas = node.attr_floats("activation_alpha");
  std::vector<float> betas = node.attr_floats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    Activation a;
    bool ua = false, ub = false;
    STITCH_RETURN_IF_ERROR(make_activation(name, a, ua, ub));
    if (ua && next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
    if (ub && next_beta < betas.size()) a.beta = betas[next_beta++];
    m.acts.push_back(a);
  }
  return Status::ok();
}

Status read_layer(const KernelContext& ctx, int gates, const std::vector<std::string>& acts,
                  Layer& m) {
  const graph::Node& node = ctx.node();
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor& r = ctx.input(2);
  if (x.rank() != 3 || w.rank() != 3 || r.rank() != 3) return error("X, W, R must be 3-D");
  m.gates = gates;
  m.batch_major = node.attr_int("layout", 0) == 1;
  m.seq = x.dim(m.batch_major ? 1 : 0);
  m.batch = x.dim(m.batch_major ? 0 : 1);
  m.input = x.dim(2);
  m.hidden = r.dim(2);
  std::string direction = node.attr_string("direction", "forward");
  m.dirs = direction == "bidirectional" ? 2 : 1;
  if (w.dim(0) != m.dirs || r.dim(0) != m.dirs || w.dim(1) != gates * m.hidden ||
      r.dim(1) != gates * m.hidden || w.dim(2) != m.input) {
    return error("W ", w.type_string(), " / R ", r.type_string(), " do not fit X ",
                 x.type_string());
  }
  m.clip = node.attr_float("clip", 0.0f);
  m.linear_before_reset = node.attr_int("linear_before_reset", 0) != 0;
  m.input_forget = node.attr_int("input_forget", 0) != 0;
  m.x = to_doubles(x);
  if (m.batch_major) m.x = swap01(m.x, m.batch, m.seq, m.input);
  m.w = to_doubles(w);
  m.r = to_doubles(r);
  size_t bias = static_cast<size_t>(m.dirs * 2 * gates * m.hidden);
  m.b = ctx.has_input(3) ? to_doubles(ctx.input(3)) : std::vector<double>(bias, 0.0);
  if (m.b.size() != bias) return error("B must have ", bias, " elements");
  m.lens.assign(static_cast<size_t>(m.batch), m.seq);
  if (ctx.has_input(4)) {
    m.lens = ctx.input(4).to_int64_vector();
    if (static_cast<int64_t>(m.lens.size()) != m.batch) return error("sequence_lens size");
    for (int64_t len : m.lens) {
      if (len < 0 || len > m.seq)
        return error("sequence length ", len, " outside [0, ", m.seq, "]");
    }
  }
  size_t state = static_cast<size_t>(m.dirs * m.batch * m.hidden);
  for (int i : {5, 6}) {
    std::vector<double>& dst = i == 5 ? m.h0 : m.c0;
    dst.assign(state, 0.0);
    if (!ctx.has_input(i)) continue;
    if (static_cast<size_t>(ctx.input(i).numel()) != state) return error("initial state size");
    dst = to_doubles(ctx.input(i));
    if (m.batch_major) dst = swap01(dst, m.batch, m.dirs, m.hidden);
  }
  m.p.assign(static_cast<size_t>(m.dirs * 3 * m.hidden), 0.0);
  if (ctx.has_input(7)) {
    if (ctx.input(7).numel() != static_cast<int64_t>(m.p.size())) return error("P size");
    m.p = to_doubles(ctx.input(7));
  }
  return read_activations(node, m, acts);
}

// out[j] = bias + sum_k mat[j, k] * v[k] for the `rows` rows of one gate.
void matvec(const double* mat, int64_t rows, int64_t cols, const double* v, double* out) {
  for (int64_t j = 0; j < rows; ++j) {
    double s = 0;
    for (int64_t k = 0; k < cols; ++k) s += mat[j * cols + k] * v[k];
    out[j] = s;
  }
}

// One time step of one batch entry: updates h (and c for LSTM) in place from x_t.
using StepFn = std::function<void(const Layer&, int64_t d, const double* x_t,
                                  std::vector<double>& h, std::vector<double>& c)>;

void rnn_step(const Layer& m, int64_t d, const double* x_t, std::vector<double>& h,
              std::vector<double>& c) {
  int64_t n = m.hidden;
  std::vector<double> xw(n), hr(n);
  matvec(m.w_gate(d, 0), n, m.input, x_t, xw.data());
  matvec(m.r_gate(d, 0), n, n, h.data(), hr.data());
  for (int64_t j = 0; j < n; ++j) {
    h[j] = m.act(d, 0)(m.clipped(xw[j] + hr[j] + m.wb(d, 0, j) + m.rb(d, 0, j)));
  }
}

// GRU gates z, r, h; linear_before_reset applies r after R_h's product instead of before.
void gru_step(const Layer& m, int64_t d, const double* x_t, std::vector<double>& h,
              std::vector<double>& c) {
  int64_t n = m.hidden;
  std::vector<double> xw(3 * n), hr(3 * n), z(n), r(n), rh(n), rh_r(n);
  for (int g = 0; g < 3; ++g) {
    matvec(m.w_gate(d, g), n, m.input, x_t, &xw[g * n]);
    matvec(m.r_gate(d, g), n, n, h.data(), &hr[g * n]);
  }
  const Activation& f = m.act(d, 0);
  const Activation& gact = m.act(d, 1);
  for (int64_t j = 0; j < n; ++j) {
    z[j] = f(m.clipped(xw[j] + hr[j] + m.wb(d, 0, j) + m.rb(d, 0, j)));
    r[j] = f(m.clipped(xw[n + j] + hr[n + j] + m.wb(d, 1, j) + m.rb(d, 1, j)));
    rh[j] = r[j] * h[j];
  }
  matvec(m.r_gate(d, 2), n, n, rh.data(), rh_r.data());
  for (int64_t j = 0; j < n; ++j) {
    double pre = m.linear_before_reset
                     ? xw[2 * n + j] + m.wb(d, 2, j) + r[j] * (hr[2 * n + j] + m.rb(d, 2, j))
                     : xw[2 * n + j] + m.wb(d, 2, j) + rh_r[j] + m.rb(d, 2, j);
    double cand = gact(m.clipped(pre));
    h[j] = (1 - z[j]) * cand + z[j] * h[j];
  }
}

// LSTM gates i, o, f, c with peepholes P = [p_i, p_o, p_f].
void lstm_step(const Layer& m, int64_t d, const double* x_t, std::vector<double>& h,
               std::vector<double>& c) {
  int64_t n = m.hidden;
  std::vector<double> pre(4 * n), hr(4 * n);
  for (int g = 0; g < 4; ++g) {
    matvec(m.w_gate(d, g), n, m.input, x_t, &pre[g * n]);
    matvec(m.r_gate(d, g), n, n, h.data(), &hr[g * n]);
    for (int64_t j = 0; j < n; ++j) pre[g * n + j] += hr[g * n + j] + m.wb(d, g, j) + m.rb(d, g, j);
  }
  const double* p = &m.p[d * 3 * n];
  const Activation& f = m.act(d, 0);
  const Activation& g = m.act(d, 1);
  const Activation& ha = m.act(d, 2);
  for (int64_t j = 0; j < n; ++j) {
    double i_gate = f(m.clipped(pre[j] + p[j] * c[j]));
    double f_gate =
        m.input_forget ? 1 - i_gate : f(m.clipped(pre[2 * n + j] + p[2 * n + j] * c[j]));
    double cand = g(m.clipped(pre[3 * n + j]));
    double c_new = f_gate * c[j] + i_gate * cand;
    double o_gate = f(m.clipped(pre[n + j] + p[n + j] * c_new));
    c[j] = c_new;
    h[j] = o_gate * ha(c_new);
  }
}

Status write_doubles(const std::vector<double>& values, Tensor& out) {
  return visit_float(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < out.numel(); ++i) {
      out.data<T>()[i] = static_cast<T>(static_cast<ComputeType<T>>(values[i]));
    }
    return Status::ok();
  });
}

Status recurrent_kernel(KernelContext& ctx, int gates, const std::vector<std::string>& acts,
                        const StepFn& step) {
  Layer m;
  STITCH_RETURN_IF_ERROR(read_layer(ctx, gates, acts, m));
  bool reverse_only = ctx.node().attr_string("direction", "forward") == "reverse";
  int64_t n = m.hidden;
  std::vector<double> y(static_cast<size_t>(m.seq * m.dirs * m.batch * n), 0.0);
  std::vector<double> yh(m.h0.size()), yc(m.c0.size());
  for (int64_t d = 0; d < m.dirs; ++d) {
    bool reverse = reverse_only || d == 1;
    for (int64_t b = 0; b < m.batch; ++b) {
      size_t s0 = static_cast<size_t>((d * m.batch + b) * n);
      std::vector<double> h(m.h0.begin() + s0, m.h0.begin() + s0 + n);
      std::vector<double> c(m.c0.begin() + s0, m.c0.begin() + s0 + n);
      int64_t len = m.lens[b];
      for (int64_t s = 0; s < len; ++s) {
        int64_t t = reverse ? len - 1 - s : s;
        step(m, d, &m.x[(t * m.batch + b) * m.input], h, c);
        std::copy(h.begin(), h.end(), y.begin() + ((t * m.dirs + d) * m.batch + b) * n);
      }
      std::copy(h.begin(), h.end(), yh.begin() + s0);
      std::copy(c.begin(), c.end(), yc.begin() + s0);
    }
  }
  DType dtype = ctx.input(0).dtype();
  if (m.batch_major) {  // Y [seq, dirs, batch, H] -> [batch, seq, dirs, H]
    std::vector<double> t(y.size());
    for (int64_t s = 0; s < m.seq; ++s) {
      for (int64_t d = 0; d < m.dirs; ++d) {
        for (int64_t b = 0; b < m.batch; ++b) {
          for (int64_t j = 0; j < n; ++j) {
            t[((b * m.seq + s) * m.dirs + d) * n + j] = y[((s * m.dirs + d) * m.batch + b) * n + j];
          }
        }
      }
    }
    y = std::move(t);
    yh = swap01(yh, m.dirs, m.batch, n);
    yc = swap01(yc, m.dirs, m.batch, n);
  }
  Shape y_shape =
      m.batch_major ? Shape{m.batch, m.seq, m.dirs, n} : Shape{m.seq, m.dirs, m.batch, n};
  Shape s_shape = m.batch_major ? Shape{m.batch, m.dirs, n} : Shape{m.dirs, m.batch, n};
  if (Tensor* o = prepare_output(ctx, 0, dtype, y_shape))
    STITCH_RETURN_IF_ERROR(write_doubles(y, *o));
  if (Tensor* o = prepare_output(ctx, 1, dtype, s_shape))
    STITCH_RETURN_IF_ERROR(write_doubles(yh, *o));
  if (gates == 4) {
    if (Tensor* o = prepare_output(ctx, 2, dtype, s_shape)) {
      STITCH_RETURN_IF_ERROR(write_doubles(yc, *o));
    }
  }
  return Status::ok();
}

}  // namespace

void register_sequence_kernels(KernelRegistry& r) {
  r.add("", "RNN", [](KernelContext& ctx) { return recurrent_kernel(ctx, 1, {"Tanh"}, rnn_step); });
  r.add("", "GRU", [](KernelContext& ctx) {
    return recurrent_kernel(ctx, 3, {"Sigmoid", "Tanh"}, gru_step);
  });
  r.add("", "LSTM", [](KernelContext& ctx) {
    return recurrent_kernel(ctx, 4, {"Sigmoid", "Tanh", "Tanh"}, lstm_step);
  });
  register_sequence_signal_kernels(r);
}

}  // namespace stitch::reference
