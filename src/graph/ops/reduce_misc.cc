// Schemas of the rest of the reduce family: TopK, the NLL / softmax cross-entropy losses,
// NonMaxSuppression and the training-domain optimizers. Part of graph/ops/.
#include <string>

#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_reduce_misc_ops(OpRegistry& r);

namespace {

constexpr const char* kTrainingDomain = "ai.onnx.preview.training";

Status infer_topk(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (dtype == DType::kString || dtype == DType::kBool) {
    return error("TopK takes numeric inputs, got ", dtype_name(dtype));
  }
  if (ctx.input_dtype(1) != DType::kInt64) return error("k must be int64");
  outputs[0].dtype = dtype;
  outputs[1].dtype = DType::kInt64;
  if (!ctx.input_has_shape(0)) return Status::ok();
  Shape shape = ctx.input_shape(0);
  STITCH_ASSIGN_OR_RETURN(int64_t axis,
                          normalize_axis(ctx.node().attr_int("axis", -1), ctx.input_rank(0)));
  const Tensor* k = ctx.input_value(1);
  if (k) {
    if (k->numel() != 1) return error("k must hold one value, got ", k->type_string());
    int64_t kv = k->as_int64(0);
    if (kv < 0) return error("k must be >= 0, got ", kv);
    if (shape[axis] != kUnknownDim && kv > shape[axis]) {
      return error("k = ", kv, " exceeds the axis length ", shape[axis]);
    }
    shape[axis] = kv;
  } else {
    shape[axis] = kUnknownDim;
  }
  outputs[0] = TensorType{dtype, shape, true};
  outputs[1] = TensorType{DType::kInt64, shape, true};
  return Status::ok();
}

// Shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: input (N, C, d...),
// target (N, d...), optional weight (C).
Status infer_loss(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (!dtype_is_float(dtype)) return error("input must be floating-point");
  DType target = ctx.input_dtype(1);
  if (target != DType::kInt32 && target != DType::kInt64) {
    return error("target must be int32 or int64, got ", dtype_name(target));
  }
  std::string reduction = ctx.node().attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    return error("reduction must be none, sum or mean, got '", reduction, "'");
  }
  if (ctx.has_input(2) && ctx.input_dtype(2) != dtype) return error("weight must match input");
  for (auto& o : outputs) o.dtype = dtype;
  if (outputs.size() > 1) outputs[1] = ctx.input_type(0);
  if (reduction != "none") outputs[0] = make_type(dtype, {});
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) return Status::ok();
  const Shape& in = ctx.input_shape(0);
  const Shape& tg = ctx.input_shape(1);
  if (in.size() < 2) return error("input must have rank >= 2, got ", shape_to_string(in));
  if (tg.size() + 1 != in.size()) {
    return error("target shape ", shape_to_string(tg), " does not fit input ", shape_to_string(in));
  }
  for (size_t i = 0; i < tg.size(); ++i) {
    int64_t a = in[i == 0 ? 0 : i + 1];
    if (a != kUnknownDim && tg[i] != kUnknownDim && a != tg[i]) {
      return error("target shape ", shape_to_string(tg), " does not fit input ",
                   shape_to_string(in));
    }
  }
  if (ctx.input_has_shape(2)) {
    const Shape& w = ctx.input_shape(2);
    if (w.size() != 1 || (w[0] != kUnknownDim && in[1] != kUnknownDim && w[0] != in[1])) {
      return error("weight must have shape [C] = [", in[1], "], got ", shape_to_string(w));
    }
  }
  if (reduction == "none") outputs[0] = TensorType{dtype, tg, true};
  return Status::ok();
}

Status infer_nms(const InferContext& ctx, std::vector<TensorType>& outputs) {
  if (ctx.input_dtype(0) != DType::kFloat32 || ctx.input_dtype(1) != DType::kFloat32) {
    return error("boxes and scores must be float32");
  }
  if (ctx.input_has_shape(0) && ctx.input_has_shape(1)) {
    const Shape& b = ctx.input_shape(0);
    const Shape& s = ctx.input_shape(1);
    if (b.size() != 3 || b[2] != 4) return error("boxes must be [batch, boxes, 4]");
    if (s.size() != 3) return error("scores must be [batch, classes, boxes]");
    if (b[0] != s[0] || b[1] != s[2]) {
      return error("boxes ", shape_to_string(b), " and scores ", shape_to_string(s), " disagree");
    }
  }
  if (ctx.node().attr_int("center_point_box", 0) > 1) return error("center_point_box must be 0/1");
  // How many boxes survive is data-dependent.
  outputs[0] = TensorType{DType::kInt64, {kUnknownDim, 3}, true};
  return Status::ok();
}

// Optimizers: inputs R, T, then `groups` lists of n tensors (X, G, and the states); outputs
// `groups - 1` lists (X_new and the new states), each shaped like the matching X.
Status infer_optimizer(const InferContext& ctx, std::vector<TensorType>& outputs, int groups) {
  int rest = ctx.num_inputs() - 2;
  if (rest <= 0 || rest % groups != 0) {
    return error("expects R, T and ", groups, " tensors per optimized input, got ",
                 ctx.num_inputs(), " inputs");
  }
  int n = rest / groups;
  if (static_cast<int>(outputs.size()) != n * (groups - 1)) {
    return error("expects ", n * (groups - 1), " outputs for ", n, " optimized tensors");
  }
  if (!dtype_is_float(ctx.input_dtype(0))) return error("R must be floating-point");
  for (int i = 0; i < rest; ++i) {
    if (!ctx.has_input(2 + i)) return error("input ", 2 + i, " is missing");
    int x = 2 + i % n;
    if (ctx.input_dtype(2 + i) != ctx.input_dtype(x)) return error("input ", 2 + i, " dtype");
    if (ctx.input_has_shape(2 + i) && ctx.input_has_shape(x) &&
        ctx.input_shape(2 + i) != ctx.input_shape(x)) {
      return error("input ", 2 + i, " has shape ", shape_to_string(ctx.input_shape(2 + i)),
                   ", its tensor has ", shape_to_string(ctx.input_shape(x)));
    }
  }
  for (size_t o = 0; o < outputs.size(); ++o) outputs[o] = ctx.input_type(2 + o % n);
  return Status::ok();
}

OpSchema make(const std::string& op_type, int min_in, int max_in, int min_out, int max_out,
              OpClass cls, InferFn infer) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = min_in;
  s.max_inputs = max_in;
  s.min_outputs = min_out;
  s.max_outputs = max_out;
  s.op_class = cls;
  s.infer = std::move(infer);
  return s;
}

int64_t flops_input_numel(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (!ctx.input_has_shape(0) || !shape_is_static(ctx.input_shape(0))) return 0;
  return shape_numel(ctx.input_shape(0));
}

void add_optimizer(OpRegistry& r, const std::string& op_type, int groups) {
  OpSchema s = make(op_type, 2 + groups, -1, groups - 1, -1, OpClass::kOpaque,
                    [groups](const InferContext& ctx, std::vector<TensorType>& outputs) {
                      return infer_optimizer(ctx, outputs, groups);
                    });
  s.domain = kTrainingDomain;
  r.add(std::move(s));
}

}  // namespace

void register_reduce_misc_ops(OpRegistry& r) {
  OpSchema topk = make("TopK", 2, 2, 2, 2, OpClass::kOpaque, infer_topk);
  topk.flops = flops_input_numel;
  r.add(std::move(topk));
  OpSchema nll = make("NegativeLogLikelihoodLoss", 2, 3, 1, 1, OpClass::kReduce, infer_loss);
  nll.flops = flops_input_numel;
  r.add(std::move(nll));
  OpSchema sce = make("SoftmaxCrossEntropyLoss", 2, 3, 1, 2, OpClass::kReduce, infer_loss);
  sce.flops = flops_input_numel;
  r.add(std::move(sce));
  r.add(make("NonMaxSuppression", 2, 5, 1, 1, OpClass::kOpaque, infer_nms));
  add_optimizer(r, "Adagrad", 3);   // X, G, H
  add_optimizer(r, "Momentum", 3);  // X, G, V
  add_optimizer(r, "Adam", 4);      // X, G, V, H
}

}  // namespace stitch::graph
