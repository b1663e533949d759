// Training-mode BatchNormalization decomposition. Part of passes/.
//
// ONNX (opset 14+) defines training mode with batch statistics over every axis but 1:
//   mean = ReduceMean(X), var = ReduceMean((X - mean)^2)           (population variance)
//   Y = (X - mean) / sqrt(var + epsilon) * scale + B
//   running_mean = input_mean * momentum + mean * (1 - momentum)   (optional output 1)
//   running_var  = input_var * momentum + var * (1 - momentum)     (optional output 2)
// The statistics keep their reduced dims ([1, C, 1, ...]) so they broadcast against X; scale
// and B are reshaped to [C, 1, ...]; the running updates reshape the statistics to [C]. The
// BN's output values survive (names, users, graph-output status). Rewritten only for float32
// and float64 with X, scale, B, mean and var of one dtype and X of known rank >= 2; anything
// else is left to the templates (which report it unsupported).
#include "passes/decompose_batchnorm_training.h"

#include "passes/pass_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

class DecomposeBatchNormTraining : public Pass {
 public:
  std::string name() const override { return "decompose_batchnorm_training"; }
  Expected<bool> run(Graph& graph) override;
};

bool decomposable(const Node& n, const PinnedNames& pinned) {
  if (!n.domain().empty() || n.op_type() != "BatchNormalization") return false;
  if (n.attr_int("training_mode", 0) == 0 || n.num_inputs() != 5 || !n.output(0)) return false;
  for (int i = 3; i < n.num_outputs(); ++i) {  // opset < 14's saved_mean / saved_var
    if (n.output(i) && !is_unused(*n.output(i), pinned)) return false;
  }
  const Value* x = n.input(0);
  if (!x || !x->type().has_shape || x->shape().size() < 2) return false;
  if (x->dtype() != DType::kFloat32 && x->dtype() != DType::kFloat64) return false;
  for (int i = 1; i < 5; ++i) {
    if (!n.input(i) || n.input(i)->dtype() != x->dtype()) return false;
  }
  return true;
}

// Builds the decomposition's nodes, all named after the BN.
class Emitter {
 public:
  Emitter(Graph& g, const Node& bn) : g_(g), name_(bn.name()), dtype_(bn.input(0)->dtype()) {}

  Value* scalar(const std::string& hint, double v) {
    Tensor t(dtype_, {});
    if (dtype_ == DType::kFloat32) {
      t.data<float>()[0] = static_cast<float>(v);
    } else {
      t.data<double>()[0] = v;
    }
    return add_constant_value(g_, name_ + "_" + hint, std::move(t));
  }
  Value* ints(const std::string& hint, std::vector<int64_t> v) {
    const int64_t n = static_cast<int64_t>(v.size());
    return add_constant_value(g_, name_ + "_" + hint, Tensor::from_vector(v, {n}));
  }
  // A node of `op` writing `out`, or a new temporary when `out` is null.
  Value* op(const std::string& op, const std::string& hint, const std::vector<Value*>& ins,
            Value* out = nullptr, int opset = 15) {
    if (!out) out = add_temp_value(g_, name_ + "_" + hint, {});
    g_.add_node(op, g_.unique_name(name_ + "_" + hint), ins, {out}, "", opset);
    return out;
  }

 private:
  Graph& g_;
  std::string name_;
  DType dtype_;
};

// running = input * momentum + batch_stat * (1 - momentum), written to `out`.
void emit_running_update(Emitter& e, const std::string& hint, Value* input, Value* stat,
                         Value* channels_shape, double momentum, Value* out) {
  Value* flat = e.op("Reshape", hint + "_batch", {stat, channels_shape});
  Value* kept = e.op("Mul", hint + "_kept", {input, e.scalar(hint + "_momentum", momentum)});
  Value* added =
      e.op("Mul", hint + "_added", {flat, e.scalar(hint + "_one_minus", 1.0 - momentum)});
  e.op("Add", hint, {kept, added}, out);
}

bool decompose_one(Graph& g, Node* n, const PinnedNames& pinned) {
  if (!decomposable(*n, pinned)) return false;
  Value* x = n->input(0);
  std::vector<Value*> in(n->inputs().begin(), n->inputs().end());
  std::vector<Value*> out(3, nullptr);
  for (int i = 0; i < 3 && i < n->num_outputs(); ++i) {
    if (n->output(i) && !is_unused(*n->output(i), pinned)) out[i] = n->output(i);
  }
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  const double eps = n->attr_float("epsilon", 1e-5f), momentum = n->attr_float("momentum", 0.9f);
  Emitter e(g, *n);
  g.remove_node(n);
  std::vector<int64_t> axes = {0}, param_shape(static_cast<size_t>(rank - 1), 1);
  for (int64_t a = 2; a < rank; ++a) axes.push_back(a);
  param_shape[0] = -1;  // C, whatever it is
  Value* reduce_axes = e.ints("axes", axes);
  // ReduceMean in its opset-18 form: axes as an input, as the frontend canonicalizes it.
  Value* mean = e.op("ReduceMean", "mean", {x, reduce_axes}, nullptr, 18);
  Value* centered = e.op("Sub", "centered", {x, mean});
  Value* squared = e.op("Mul", "squared", {centered, centered});
  Value* var = e.op("ReduceMean", "var", {squared, reduce_axes}, nullptr, 18);
  Value* stddev = e.op("Sqrt", "stddev", {e.op("Add", "var_eps", {var, e.scalar("eps", eps)})});
  Value* normalized = e.op("Div", "normalized", {centered, stddev});
  Value* shape = e.ints("param_shape", param_shape);
  Value* scaled = e.op("Mul", "scaled", {normalized, e.op("Reshape", "scale", {in[1], shape})});
  e.op("Add", "shifted", {scaled, e.op("Reshape", "bias", {in[2], shape})}, out[0]);
  Value* channels = e.ints("channels", {-1});
  if (out[1]) emit_running_update(e, "running_mean", in[3], mean, channels, momentum, out[1]);
  if (out[2]) emit_running_update(e, "running_var", in[4], var, channels, momentum, out[2]);
  return true;
}

Expected<bool> DecomposeBatchNormTraining::run(Graph& graph) {
  return rewrite_nodes_until_fixed_point(graph, decompose_one);
}

}  // namespace

std::unique_ptr<Pass> make_decompose_batchnorm_training_pass() {
  return std::make_unique<DecomposeBatchNormTraining>();
}

}  // namespace stitch::passes
