// Templates of the recurrent ops RNN, GRU and LSTM. Part of lower/templates/; sequence anchors
// (a serial loop over time steps carrying a state).
//
// As the reference (reference/kernels/sequence.cc): each (direction, batch entry) runs its own
// time loop in double, on state held in scratch buffers; a step is the reference's
// matrix-vector products, then the gate updates. Directions are unrolled at lowering time (so
// "reverse" is a constant) and batch entries are the parallel loop. sequence_lens is read at run
// time and clamped to [0, seq] (the reference rejects lengths outside; clamping keeps every
// access inside its buffer): step s < len computes time t = s (len - 1 - s in reverse) and step
// s >= len writes Y's zero row t = s, so every row of Y is written exactly once.

#include "graph/ops/rnn_util.h"
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

constexpr DType kAcc = DType::kFloat64;

Expr f64(const Expr& e) { return kir::cast(scalar_type(kAcc), e); }
Expr dconst(double v) { return constant(kAcc, v); }

struct Activation {
  std::string name;  // lower case
  double alpha = 0, beta = 0;
};

Expr apply(const Activation& a, const Expr& x) {
  const kir::Type t = scalar_type(kAcc);
  const Expr zero = dconst(0), one = dconst(1);
  if (a.name == "sigmoid") return one / (one + kir::call("exp", t, {zero - x}));
  if (a.name == "tanh") return kir::call("tanh", t, {x});
  if (a.name == "relu") return kir::max(x, zero);
  if (a.name == "affine") return dconst(a.alpha) * x + dconst(a.beta);
  if (a.name == "leakyrelu") return kir::select(kir::ge(x, zero), x, dconst(a.alpha) * x);
  if (a.name == "thresholdedrelu") return kir::select(kir::gt(x, dconst(a.alpha)), x, zero);
  if (a.name == "scaledtanh") {
    return dconst(a.alpha) * kir::call("tanh", t, {dconst(a.beta) * x});
  }
  if (a.name == "hardsigmoid") {
    return kir::min(kir::max(dconst(a.alpha) * x + dconst(a.beta), zero), one);
  }
  if (a.name == "elu") {
    return kir::select(kir::ge(x, zero), x, dconst(a.alpha) * (kir::call("exp", t, {x}) - one));
  }
  if (a.name == "softsign") return x / (one + kir::call("fabs", t, {x}));
  return kir::call("log1p", t, {kir::call("exp", t, {x})});  // softplus
}

// The ONNX defaults of alpha / beta (graph/ops/rnn_util.h, shared with the reference).
Status make_activation(const graph::Node& n, const std::string& raw, Activation& a,
                       bool& uses_alpha, bool& uses_beta) {
  Expected<graph::rnn::ActivationSpec> spec = graph::rnn::activation_spec(raw);
  if (!spec.is_ok()) return unsupported(n, str_cat("activation function '", raw, "'"));
  a.name = spec->name;
  a.alpha = spec->alpha;
  a.beta = spec->beta;
  uses_alpha = spec->uses_alpha;
  uses_beta = spec->uses_beta;
  return Status::ok();
}

// What the node says about the layer, resolved at lowering time.
struct Layer {
  int gates = 1;
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1;
  bool batch_major = false, reverse_only = false;
  double clip = 0;  // 0: no clipping
  bool linear_before_reset = false, input_forget = false;
  std::vector<Activation> acts;  // acts_per_dir per direction
  int acts_per_dir = 1;
  const graph::Value *x = nullptr, *w = nullptr, *r = nullptr, *b = nullptr, *lens = nullptr;
  const graph::Value *h0 = nullptr, *c0 = nullptr, *p = nullptr;

  const Activation& act(int64_t d, int k) const { return acts[d * acts_per_dir + k]; }
  Expr clipped(const Expr& v) const {
    return clip > 0 ? kir::min(kir::max(v, dconst(-clip)), dconst(clip)) : v;
  }
  Index x_index(const Expr& t, const Expr& b, const Expr& k) const {
    return batch_major ? Index{b, t, k} : Index{t, b, k};
  }
  Index state_index(int64_t d, const Expr& b, const Expr& j) const {
    return batch_major ? Index{b, index_const(d), j} : Index{index_const(d), b, j};
  }
  Index y_index(const Expr& t, int64_t d, const Expr& b, const Expr& j) const {
    return batch_major ? Index{b, t, index_const(d), j} : Index{t, index_const(d), b, j};
  }
};

Status read_activations(const graph::Node& n, const std::vector<std::string>& defaults, Layer& m) {
  std::vector<std::string> names = n.attr_strings("activations");
  if (names.empty()) {
    for (int64_t d = 0; d < m.dirs; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  }
  m.acts_per_dir = static_cast<int>(defaults.size());
  if (static_cast<int64_t>(names.size()) != m.acts_per_dir * m.dirs) {
    return error("expects ", m.acts_per_dir * m.dirs, " activations, got ", names.size(),
                 " (node '", n.name(), "')");
  }
  const std::vector<float> alphas = n.attr_floats("activation_alpha");
  const std::vector<float> betas = n.attr_floats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    Activation a;
    bool uses_alpha = false, uses_beta = false;
    STITCH_RETURN_IF_ERROR(make_activation(n, name, a, uses_alpha, uses_beta));
    if (uses_alpha && next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
    if (uses_beta && next_beta < betas.size()) a.beta = betas[next_beta++];
    m.acts.push_back(a);
  }
  return Status::ok();
}

const graph::Value* optional_input(const graph::Node& n, int i) {
  const graph::Value* v = n.input(i);
  return v != nullptr && shape_numel(v->shape()) > 0 ? v : nullptr;
}

Expected<Layer> read_layer(const graph::Node& n, int gates,
                           const std::vector<std::string>& default_acts) {
  Layer m;
  m.gates = gates;
  m.x = n.input(0);
  m.w = n.input(1);
  m.r = n.input(2);
  const Shape &xs = m.x->shape(), &ws = m.w->shape(), &rs = m.r->shape();
  if (xs.size() != 3 || ws.size() != 3 || rs.size() != 3) return unsupported(n, "X, W, R not 3-D");
  m.batch_major = n.attr_int("layout", 0) == 1;
  m.seq = xs[m.batch_major ? 1 : 0];
  m.batch = xs[m.batch_major ? 0 : 1];
  m.input = xs[2];
  m.hidden = rs[2];
  const std::string direction = n.attr_string("direction", "forward");
  m.reverse_only = direction == "reverse";
  m.dirs = direction == "bidirectional" ? 2 : 1;
  if (ws[0] != m.dirs || rs[0] != m.dirs || ws[1] != gates * m.hidden ||
      rs[1] != gates * m.hidden || ws[2] != m.input) {
    return error("W / R do not fit X (node '", n.name(), "')");
  }
  m.clip = n.attr_float("clip", 0.0f);
  m.linear_before_reset = n.attr_int("linear_before_reset", 0) != 0;
  m.input_forget = n.attr_int("input_forget", 0) != 0;
  m.b = optional_input(n, 3);
  m.lens = optional_input(n, 4);
  m.h0 = optional_input(n, 5);
  m.c0 = gates == 4 ? optional_input(n, 6) : nullptr;
  m.p = gates == 4 ? optional_input(n, 7) : nullptr;
  const int64_t state = m.dirs * m.batch * m.hidden;
  if ((m.b && shape_numel(m.b->shape()) != m.dirs * 2 * gates * m.hidden) ||
      (m.lens && shape_numel(m.lens->shape()) != m.batch) ||
      (m.h0 && shape_numel(m.h0->shape()) != state) ||
      (m.c0 && shape_numel(m.c0->shape()) != state) ||
      (m.p && shape_numel(m.p->shape()) != m.dirs * 3 * m.hidden)) {
    return error("B / sequence_lens / initial states / P sizes do not fit (node '", n.name(), "')");
  }
  STITCH_RETURN_IF_ERROR(read_activations(n, default_acts, m));
  return m;
}

bool output_used(const graph::Node& n, int i) {
  const graph::Value* v = n.output(i);
  return v != nullptr && (!v->users().empty() || v->is_graph_output());
}

Stmt loop(LowerContext& ctx, const std::string& name, int64_t extent,
          const std::function<Stmt(const Expr&)>& body) {
  kir::Var v = ctx.var(name);
  return kir::for_loop(v, index_const(0), index_const(extent), kir::ForKind::kSerial, body(v));
}

// One product term of a gate pre-activation: sum over k < cols of mat(j, k) * vec(k).
struct Term {
  std::function<Expr(const Expr& j, const Expr& k)> mat;
  int64_t cols;
  std::function<Expr(const Expr& k)> vec;
};

// dst[off + j] = init(j) + the terms at j, for j < rows.
Stmt matvec(LowerContext& ctx, const kir::Buffer& dst, int64_t off, int64_t rows,
            const std::function<Expr(const Expr& j)>& init, const std::vector<Term>& terms) {
  return loop(ctx, "j", rows, [&](const Expr& j) {
    const Expr at = j + off;
    std::vector<Stmt> body{kir::store(dst, at, init(j))};
    for (const Term& term : terms) {
      body.push_back(loop(ctx, "k", term.cols, [&](const Expr& k) {
        return kir::store(dst, at, kir::load(dst, at) + term.mat(j, k) * term.vec(k));
      }));
    }
    return kir::seq(std::move(body));
  });
}

// The state of one (direction, batch entry) and the scratch one step needs.
struct StepState {
  kir::Buffer h, c, pre, hh, rh;
};

class RecurrentLowering {
 public:
  RecurrentLowering(LowerContext& ctx, const graph::Node& n, const Layer& m)
      : ctx_(ctx), n_(n), m_(m), dt_(n.output(0) ? n.output(0)->dtype() : m.x->dtype()) {}

  Stmt run() {
    std::vector<Stmt> dirs;
    for (int64_t d = 0; d < m_.dirs; ++d) {
      kir::Var b = ctx_.var("b");
      dirs.push_back(kir::for_loop(b, index_const(0), index_const(m_.batch),
                                   kir::ForKind::kParallel, sequence(d, b)));
    }
    return kir::seq(std::move(dirs));
  }

 private:
  int64_t hidden() const { return m_.hidden; }

  // W[d, row, k] and R[d, row, k] as doubles.
  Expr w_at(int64_t d, const Expr& row, const Expr& k) {
    return f64(ctx_.read(m_.w, {index_const(d), row, k}));
  }
  Expr r_at(int64_t d, const Expr& row, const Expr& k) {
    return f64(ctx_.read(m_.r, {index_const(d), row, k}));
  }
  // The input bias (recurrent: the second half of B) of gate row `row`, 0 without B.
  Expr bias(int64_t d, const Expr& row, bool recurrent) {
    if (!m_.b) return dconst(0);
    const Expr col = recurrent ? row + m_.gates * hidden() : row;
    return f64(ctx_.read(m_.b, {index_const(d), col}));
  }
  Expr peephole(int64_t d, int64_t gate, const Expr& j) {
    return f64(ctx_.read(m_.p, {index_const(d), j + gate * hidden()}));
  }

  Term x_term(int64_t d, int64_t row0, const Expr& t, const Expr& b) {
    return Term{[=, this](const Expr& j, const Expr& k) { return w_at(d, j + row0, k); }, m_.input,
                [=, this](const Expr& k) { return f64(ctx_.read(m_.x, m_.x_index(t, b, k))); }};
  }
  Term h_term(int64_t d, int64_t row0, const kir::Buffer& vec) {
    return Term{[=, this](const Expr& j, const Expr& k) { return r_at(d, j + row0, k); }, hidden(),
                [vec](const Expr& k) { return kir::load(vec, k); }};
  }

  Stmt write_y(int64_t d, const Expr& t, const Expr& b, const Expr& j, const Expr& v) {
    if (!output_used(n_, 0)) return kir::seq({});
    return ctx_.write(n_.output(0), m_.y_index(t, d, b, j), kir::cast(scalar_type(dt_), v));
  }

  Stmt rnn_step(int64_t d, const Expr& t, const Expr& b, const StepState& s) {
    const int64_t n = hidden();
    auto both = [&](const Expr& j) { return bias(d, j, false) + bias(d, j, true); };
    return kir::seq(
        {matvec(ctx_, s.pre, 0, n, both, {x_term(d, 0, t, b), h_term(d, 0, s.h)}),
         loop(ctx_, "j", n, [&](const Expr& j) {
           const Expr h = apply(m_.act(d, 0), m_.clipped(kir::load(s.pre, j)));
           return kir::seq({kir::store(s.h, j, h), write_y(d, t, b, j, kir::load(s.h, j))});
         })});
  }

  // Gates z, r, h: pre[0, 2n) the activated z and r, pre[2n, 3n) x W_h + Wb_h, hh the
  // recurrent part of h (R_h h + Rb_h with linear_before_reset, else R_h (r * h) + Rb_h).
  Stmt gru_step(int64_t d, const Expr& t, const Expr& b, const StepState& s) {
    const int64_t n = hidden();
    const Activation& f = m_.act(d, 0);
    const Activation& g = m_.act(d, 1);
    const bool lbr = m_.linear_before_reset;
    auto both = [&](const Expr& j) { return bias(d, j, false) + bias(d, j, true); };
    auto w_bias = [&](const Expr& j) { return bias(d, j + 2 * n, false); };
    auto r_bias = [&](const Expr& j) { return bias(d, j + 2 * n, true); };
    std::vector<Stmt> body{
        matvec(ctx_, s.pre, 0, 2 * n, both, {x_term(d, 0, t, b), h_term(d, 0, s.h)}),
        matvec(ctx_, s.pre, 2 * n, n, w_bias, {x_term(d, 2 * n, t, b)}),
        loop(ctx_, "j", n,
             [&](const Expr& j) {
               auto gate = [&](int64_t off) {
                 return kir::store(s.pre, j + off, apply(f, m_.clipped(kir::load(s.pre, j + off))));
               };
               std::vector<Stmt> gates{gate(0), gate(n)};
               if (!lbr)
                 gates.push_back(kir::store(s.rh, j, kir::load(s.pre, j + n) * kir::load(s.h, j)));
               return kir::seq(std::move(gates));
             }),
        matvec(ctx_, s.hh, 0, n, r_bias, {h_term(d, 2 * n, lbr ? s.h : s.rh)}),
        loop(ctx_, "j", n, [&](const Expr& j) {
          const Expr z = kir::load(s.pre, j);
          const Expr hh = lbr ? kir::load(s.pre, j + n) * kir::load(s.hh, j) : kir::load(s.hh, j);
          const Expr cand = apply(g, m_.clipped(kir::load(s.pre, j + 2 * n) + hh));
          const Expr h = (dconst(1) - z) * cand + z * kir::load(s.h, j);
          return kir::seq({kir::store(s.h, j, h), write_y(d, t, b, j, kir::load(s.h, j))});
        })};
    return kir::seq(std::move(body));
  }

  // Gates i, o, f, c (pre-activations at pre[g n + j]); peepholes P = [p_i, p_o, p_f].
  Stmt lstm_step(int64_t d, const Expr& t, const Expr& b, const StepState& s) {
    const int64_t n = hidden();
    const Activation& f = m_.act(d, 0);
    const Activation& g = m_.act(d, 1);
    const Activation& ha = m_.act(d, 2);
    auto both = [&](const Expr& j) { return bias(d, j, false) + bias(d, j, true); };
    auto peep = [&](int64_t gate, const Expr& j, const Expr& c) {
      return m_.p ? peephole(d, gate, j) * c : dconst(0);
    };
    return kir::seq(
        {matvec(ctx_, s.pre, 0, 4 * n, both, {x_term(d, 0, t, b), h_term(d, 0, s.h)}),
         loop(ctx_, "j", n, [&](const Expr& j) {
           const Expr c_old = kir::load(s.c, j);
           auto pre = [&](int64_t gate) { return kir::load(s.pre, j + gate * n); };
           const Expr i_gate = apply(f, m_.clipped(pre(0) + peep(0, j, c_old)));
           const Expr f_gate = m_.input_forget ? dconst(1) - pre(0)
                                               : apply(f, m_.clipped(pre(2) + peep(2, j, c_old)));
           const Expr cand = apply(g, m_.clipped(pre(3)));
           const Expr c_new = kir::load(s.c, j);
           const Expr o_gate = apply(f, m_.clipped(pre(1) + peep(1, j, c_new)));
           return kir::seq({kir::store(s.pre, j, i_gate), kir::store(s.pre, j + 2 * n, f_gate),
                            kir::store(s.c, j, pre(2) * c_old + pre(0) * cand),
                            kir::store(s.h, j, o_gate * apply(ha, c_new)),
                            write_y(d, t, b, j, kir::load(s.h, j))});
         })});
  }

  Stmt step(int64_t d, const Expr& t, const Expr& b, const StepState& s) {
    if (m_.gates == 3) return gru_step(d, t, b, s);
    if (m_.gates == 4) return lstm_step(d, t, b, s);
    return rnn_step(d, t, b, s);
  }

  // Loads the initial state (zero without the input).
  Stmt init_state(int64_t d, const Expr& b, const kir::Buffer& buf, const graph::Value* init) {
    return loop(ctx_, "j", hidden(), [&](const Expr& j) {
      return kir::store(buf, j, init ? f64(ctx_.read(init, m_.state_index(d, b, j))) : dconst(0));
    });
  }

  Stmt write_state(int64_t d, const Expr& b, const kir::Buffer& buf, int out) {
    if (!output_used(n_, out)) return kir::seq({});
    return loop(ctx_, "j", hidden(), [&](const Expr& j) {
      return ctx_.write(n_.output(out), m_.state_index(d, b, j),
                        kir::cast(scalar_type(dt_), kir::load(buf, j)));
    });
  }

  // The time loop of direction d for batch entry b.
  Stmt time_loop(int64_t d, const Expr& b, const StepState& s) {
    const bool reverse = m_.reverse_only || d == 1;
    kir::Var len = ctx_.var("len");
    kir::Var t = ctx_.var("t");
    Stmt body = loop(ctx_, "s", m_.seq, [&](const Expr& step_no) {
      const Expr t_value = reverse ? len - 1 - step_no : step_no;
      Stmt active = kir::let_stmt(t, t_value, step(d, t, b, s));
      if (!m_.lens) return active;
      Stmt zero_row = loop(ctx_, "j", hidden(),
                           [&](const Expr& j) { return write_y(d, step_no, b, j, dconst(0)); });
      return kir::if_then_else(kir::lt(step_no, len), active, zero_row);
    });
    Expr len_value = index_const(m_.seq);
    if (m_.lens) {
      const Expr raw = kir::cast(scalar_type(kir::kIndexType), ctx_.read(m_.lens, {b}));
      len_value = kir::min(kir::max(raw, index_const(0)), index_const(m_.seq));
    }
    return kir::let_stmt(len, len_value, body);
  }

  Stmt sequence(int64_t d, const Expr& b) {
    const int64_t n = hidden();
    StepState s{ctx_.scratch("h", kAcc, {n}), ctx_.scratch("c", kAcc, {n}),
                ctx_.scratch("pre", kAcc, {m_.gates * n}), ctx_.scratch("hh", kAcc, {n}),
                ctx_.scratch("rh", kAcc, {n})};
    std::vector<Stmt> body{init_state(d, b, s.h, m_.h0)};
    if (m_.gates == 4) body.push_back(init_state(d, b, s.c, m_.c0));
    body.push_back(time_loop(d, b, s));
    body.push_back(write_state(d, b, s.h, 1));
    if (m_.gates == 4) body.push_back(write_state(d, b, s.c, 2));
    Stmt stmt = kir::allocate(s.pre, kir::seq(std::move(body)));
    if (m_.gates == 3) stmt = kir::allocate(s.hh, kir::allocate(s.rh, stmt));
    if (m_.gates == 4) stmt = kir::allocate(s.c, stmt);
    return kir::allocate(s.h, stmt);
  }

  LowerContext& ctx_;
  const graph::Node& n_;
  const Layer& m_;
  DType dt_;
};

AnchorFn recurrent(int gates, std::vector<std::string> default_acts) {
  return [gates, default_acts](LowerContext& ctx, const graph::Node& n) -> Expected<Stmt> {
    STITCH_ASSIGN_OR_RETURN(Layer m, read_layer(n, gates, default_acts));
    return RecurrentLowering(ctx, n, m).run();
  };
}

}  // namespace

void register_recurrent_templates(TemplateTable& t) {
  t.push_back({"RNN", OpTemplate{nullptr, recurrent(1, {"Tanh"})}});
  t.push_back({"GRU", OpTemplate{nullptr, recurrent(3, {"Sigmoid", "Tanh"})}});
  t.push_back({"LSTM", OpTemplate{nullptr, recurrent(4, {"Sigmoid", "Tanh", "Tanh"})}});
}

}  // namespace stitch::lower
