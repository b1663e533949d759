// End-to-end numeric tests of the recurrent, signal, linear-algebra and optimizer templates
// (lower/templates/{recurrent,signal,linalg,training}.cc) on the cases the ONNX conformance data
// leaves out: bidirectional and reverse layers, sequence_lens, clip, non-default activations,
// GRU's linear_before_reset, LSTM peepholes and input_forget, onesided / inverse / padded DFTs,
// windowed complex STFTs, singular and batched Det. Each single-op graph runs compiled (policy
// none) and in the reference interpreter; outputs agree within relative L2 1e-6 (both compute in
// double). Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "graph/op_registry.h"
#include "lower_test_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

// An input tensor (copies clone it: Tensor is move-only) and whether it is a graph constant.
struct In {
  Tensor data;
  bool constant = false;
  In(Tensor t, bool c = false) : data(std::move(t)), constant(c) {}
  In(const In& o) : data(o.data.clone()), constant(o.constant) {}
  In(In&&) = default;
};

using AttrSetter = std::function<void(graph::Node&)>;

Tensor random(const Shape& shape, uint32_t seed) {
  return testing::random_tensor(DType::kFloat32, shape, seed);
}
Tensor ints(DType dtype, const std::vector<int64_t>& values, const Shape& shape) {
  Tensor t(dtype, shape);
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::kInt32) {
      t.data<int32_t>()[i] = static_cast<int32_t>(values[i]);
    } else {
      t.data<int64_t>()[i] = values[i];
    }
  }
  return t;
}
Tensor scalar_f(float v) { return Tensor::from_vector<float>({v}, {}); }

void set_strings(graph::Node& n, const std::string& name, std::vector<std::string> values) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kStrings;
  a.strings = std::move(values);
  n.set_attr(name, std::move(a));
}

// Builds op(inputs) (nullopt: an absent optional input), every output a graph output, and
// compares the compiled outputs with the interpreter's.
void check(const std::string& op, std::vector<std::optional<In>> inputs, int num_outputs,
           const AttrSetter& attrs = {}, const std::string& domain = "", int opset = 17) {
  SCOPED_TRACE(op);
  auto g = std::make_unique<graph::Graph>();
  std::vector<graph::Value*> values;
  std::vector<Tensor> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      values.push_back(nullptr);
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    Tensor& t = inputs[i]->data;
    if (inputs[i]->constant) {
      values.push_back(g->add_constant(name, t.clone()));
      continue;
    }
    graph::Value* v = g->add_value(name, graph::make_type(t.dtype(), t.shape()));
    g->add_input(v);
    values.push_back(v);
    feeds.push_back(t.clone());
  }
  std::vector<graph::Value*> outs;
  for (int k = 0; k < num_outputs; ++k) outs.push_back(g->add_value("out" + std::to_string(k)));
  graph::Node* n = g->add_node(op, op, values, outs, domain, opset);
  if (attrs) attrs(*n);
  for (graph::Value* v : outs) g->add_output(v);
  Status s = graph::infer_graph_types(*g);
  ASSERT_TRUE(s.is_ok()) << s.message();
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : feeds) ptrs.push_back(&t);
  auto interp = reference::Interpreter::create(*g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, ptrs);
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  ASSERT_EQ(got->size(), ref->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    ASSERT_EQ((*got)[i].shape(), (*ref)[i].shape()) << "output " << i;
    auto err = relative_l2_error((*got)[i], (*ref)[i]);
    ASSERT_TRUE(err.is_ok()) << err.status().message();
    EXPECT_LE(*err, 1e-6) << "output " << i;
  }
}

// X, W, R, B, sequence_lens, initial_h (initial_c, P) of a layer; layout 1 swaps X's and the
// states' first two dims.
std::vector<std::optional<In>> layer_inputs(int gates, int64_t dirs, int64_t seq, int64_t batch,
                                            int64_t input, int64_t hidden, bool layout1, bool lens,
                                            bool states, bool peepholes) {
  const Shape x = layout1 ? Shape{batch, seq, input} : Shape{seq, batch, input};
  const Shape state = layout1 ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden};
  std::vector<std::optional<In>> in{In{random(x, 1)}, In{random({dirs, gates * hidden, input}, 2)},
                                    In{random({dirs, gates * hidden, hidden}, 3)},
                                    In{random({dirs, 2 * gates * hidden}, 4)}};
  std::vector<int64_t> len_values;
  for (int64_t b = 0; b < batch; ++b) len_values.push_back((b * 2 + 1) % (seq + 1));
  in.push_back(lens ? std::optional<In>(In{ints(DType::kInt32, len_values, {batch})})
                    : std::nullopt);
  in.push_back(states ? std::optional<In>(In{random(state, 5)}) : std::nullopt);
  if (gates == 4) {
    in.push_back(states ? std::optional<In>(In{random(state, 6)}) : std::nullopt);
    in.push_back(peepholes ? std::optional<In>(In{random({dirs, 3 * hidden}, 7)}) : std::nullopt);
  }
  return in;
}

AttrSetter layer_attrs(int64_t hidden, const std::string& direction, bool layout1,
                       const AttrSetter& more = {}) {
  return [=](graph::Node& n) {
    n.set_attr("hidden_size", graph::Attribute::of_int(hidden));
    n.set_attr("direction", graph::Attribute::of_string(direction));
    if (layout1) n.set_attr("layout", graph::Attribute::of_int(1));
    if (more) more(n);
  };
}

TEST(LowerSequenceOps, RnnDirectionsLayoutsAndLengths) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    for (bool layout1 : {false, true}) {
      const int64_t dirs = std::string(dir) == "bidirectional" ? 2 : 1;
      check("RNN", layer_inputs(1, dirs, 5, 3, 4, 6, layout1, true, true, false), 2,
            layer_attrs(6, dir, layout1));
    }
  }
}

TEST(LowerSequenceOps, RnnActivationsWithAlphaBetaAndClip) {
  for (const char* act : {"LeakyRelu", "HardSigmoid", "Affine", "ScaledTanh", "Elu",
                          "ThresholdedRelu", "Softsign", "Softplus", "Relu", "Sigmoid"}) {
    SCOPED_TRACE(act);
    auto more = [act](graph::Node& n) {
      set_strings(n, "activations", {act, "Tanh"});
      n.set_attr("activation_alpha", graph::Attribute::of_floats({0.3f}));
      n.set_attr("activation_beta", graph::Attribute::of_floats({0.2f}));
      n.set_attr("clip", graph::Attribute::of_float(1.5f));
    };
    check("RNN", layer_inputs(1, 2, 4, 2, 3, 5, false, false, false, false), 2,
          layer_attrs(5, "bidirectional", false, more));
  }
}

TEST(LowerSequenceOps, GruLinearBeforeResetBidirectional) {
  for (int lbr : {0, 1}) {
    for (bool layout1 : {false, true}) {
      auto more = [lbr](graph::Node& n) {
        n.set_attr("linear_before_reset", graph::Attribute::of_int(lbr));
      };
      check("GRU", layer_inputs(3, 2, 5, 3, 4, 6, layout1, true, true, false), 2,
            layer_attrs(6, "bidirectional", layout1, more));
    }
  }
  check("GRU", layer_inputs(3, 1, 4, 2, 3, 5, false, false, false, false), 2,
        layer_attrs(5, "reverse", false));
}

TEST(LowerSequenceOps, LstmPeepholesStatesLengths) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    const int64_t dirs = std::string(dir) == "bidirectional" ? 2 : 1;
    check("LSTM", layer_inputs(4, dirs, 5, 3, 4, 6, false, true, true, true), 3,
          layer_attrs(6, dir, false));
    check("LSTM", layer_inputs(4, dirs, 3, 2, 5, 4, true, false, true, true), 3,
          layer_attrs(4, dir, true));
  }
}

TEST(LowerSequenceOps, LstmInputForgetClipAndActivations) {
  auto more = [](graph::Node& n) {
    n.set_attr("input_forget", graph::Attribute::of_int(1));
    n.set_attr("clip", graph::Attribute::of_float(0.7f));
    set_strings(n, "activations", {"HardSigmoid", "LeakyRelu", "Softsign"});
    n.set_attr("activation_alpha", graph::Attribute::of_floats({0.25f, 0.1f}));
    n.set_attr("activation_beta", graph::Attribute::of_floats({0.4f}));
  };
  check("LSTM", layer_inputs(4, 1, 4, 2, 3, 5, false, true, false, true), 3,
        layer_attrs(5, "forward", false, more));
}

TEST(LowerSequenceOps, LstmOnlyLastStateUsed) {
  // Y and Y_c absent: the kernel must compute the state without writing them.
  auto g_inputs = layer_inputs(4, 1, 3, 2, 3, 4, false, false, false, false);
  SCOPED_TRACE("LSTM Y_h only");
  auto g = std::make_unique<graph::Graph>();
  std::vector<graph::Value*> values;
  std::vector<Tensor> feeds;
  for (size_t i = 0; i < g_inputs.size(); ++i) {
    if (!g_inputs[i]) {
      values.push_back(nullptr);
      continue;
    }
    graph::Value* v = g->add_value("in" + std::to_string(i),
                                   graph::make_type(DType::kFloat32, g_inputs[i]->data.shape()));
    g->add_input(v);
    values.push_back(v);
    feeds.push_back(g_inputs[i]->data.clone());
  }
  graph::Value* y_h = g->add_value("y_h");
  graph::Node* n = g->add_node("LSTM", "lstm", values, {nullptr, y_h, nullptr}, "", 17);
  layer_attrs(4, "forward", false)(*n);
  g->add_output(y_h);
  ASSERT_TRUE(graph::infer_graph_types(*g).is_ok());
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : feeds) ptrs.push_back(&t);
  auto interp = reference::Interpreter::create(*g);
  ASSERT_TRUE(interp.is_ok());
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, ptrs);
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  auto err = relative_l2_error((*got)[0], (*ref)[0]);
  ASSERT_TRUE(err.is_ok());
  EXPECT_LE(*err, 1e-6);
}

TEST(LowerSequenceOps, UnknownActivationIsUnsupported) {
  auto g = std::make_unique<graph::Graph>();
  auto in = layer_inputs(1, 1, 2, 1, 2, 2, false, false, false, false);
  std::vector<graph::Value*> values;
  for (size_t i = 0; i < in.size(); ++i) {
    values.push_back(in[i] ? g->add_constant("in" + std::to_string(i), in[i]->data.clone())
                           : nullptr);
  }
  graph::Value* y = g->add_value("y");
  graph::Node* n = g->add_node("RNN", "rnn", values, {y}, "", 17);
  layer_attrs(2, "forward", false,
              [](graph::Node& node) { set_strings(node, "activations", {"Mish"}); })(*n);
  g->add_output(y);
  ASSERT_TRUE(graph::infer_graph_types(*g).is_ok());
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, {});
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("unsupported"), std::string::npos)
      << got.status().message();
}

AttrSetter ints_attrs(std::vector<std::pair<std::string, int64_t>> values) {
  return [values](graph::Node& n) {
    for (const auto& [name, v] : values) n.set_attr(name, graph::Attribute::of_int(v));
  };
}

TEST(LowerSequenceOps, DftVariants) {
  // Real input, axis 1, full and onesided, cut and zero-padded lengths.
  for (int onesided : {0, 1}) {
    check("DFT", {In{random({2, 7, 3, 1}, 1)}}, 1, ints_attrs({{"onesided", onesided}}));
    for (int64_t len : {5, 10}) {
      check("DFT", {In{random({2, 7, 3, 1}, 1)}, In{ints(DType::kInt64, {len}, {}), true}}, 1,
            ints_attrs({{"onesided", onesided}, {"axis", 2}}));
    }
  }
  // Complex input, inverse, on the second signal dim.
  check("DFT", {In{random({2, 3, 6, 2}, 2)}}, 1, ints_attrs({{"inverse", 1}, {"axis", -2}}));
  check("DFT", {In{random({1, 9, 2}, 3)}}, 1);
}

TEST(LowerSequenceOps, DftLengthMustBeConstant) {
  auto g = std::make_unique<graph::Graph>();
  graph::Value* x = g->add_value("x", graph::make_type(DType::kFloat32, {1, 4, 1}));
  graph::Value* len = g->add_value("len", graph::make_type(DType::kInt64, {}));
  g->add_input(x);
  g->add_input(len);
  graph::Value* y = g->add_value("y");
  g->add_node("DFT", "dft", {x, len}, {y}, "", 17);
  g->add_output(y);
  ASSERT_TRUE(graph::infer_graph_types(*g).is_ok());
  // Without the length's value the output shape is unknown: compiling must refuse, not guess.
  Tensor xt = random({1, 4, 1}, 1), lt = ints(DType::kInt64, {4}, {});
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, {&xt, &lt});
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("unsupported"), std::string::npos)
      << got.status().message();
}

TEST(LowerSequenceOps, StftWindowsAndSides) {
  const Tensor step = ints(DType::kInt64, {3}, {});
  const Tensor frame = ints(DType::kInt64, {8}, {});
  for (int onesided : {0, 1}) {
    check("STFT",
          {In{random({2, 20, 1}, 1)}, In{step.clone(), true}, In{random({8}, 2)}, std::nullopt}, 1,
          ints_attrs({{"onesided", onesided}}));
    check(
        "STFT",
        {In{random({2, 20, 1}, 1)}, In{step.clone(), true}, std::nullopt, In{frame.clone(), true}},
        1, ints_attrs({{"onesided", onesided}}));
  }
  check("STFT",
        {In{random({1, 17, 2}, 3)}, In{step.clone(), true}, In{random({8}, 4)},
         In{frame.clone(), true}},
        1, ints_attrs({{"onesided", 0}}));
}

TEST(LowerSequenceOps, WindowsPeriodicAndSymmetric) {
  for (const char* op : {"HannWindow", "HammingWindow", "BlackmanWindow"}) {
    for (int periodic : {0, 1}) {
      for (int64_t size : {1, 2, 10}) {
        check(op, {In{ints(DType::kInt64, {size}, {}), true}}, 1,
              ints_attrs({{"periodic", periodic}}));
      }
    }
    check(op, {In{ints(DType::kInt64, {7}, {}), true}}, 1, ints_attrs({{"output_datatype", 11}}));
  }
}

TEST(LowerSequenceOps, MelWeightMatrix) {
  auto scalar_i = [](int64_t v) { return In{ints(DType::kInt64, {v}, {}), true}; };
  check(
      "MelWeightMatrix",
      {scalar_i(8), scalar_i(16), scalar_i(8192), In{scalar_f(0), true}, In{scalar_f(4096), true}},
      1);
  check("MelWeightMatrix",
        {scalar_i(20), scalar_i(512), scalar_i(16000), In{scalar_f(100), true},
         In{scalar_f(7000), true}},
        1);
  // Rate and edges known only at run time: the kernel computes the filter points itself.
  check("MelWeightMatrix",
        {scalar_i(12), scalar_i(400), In{ints(DType::kInt64, {16000}, {})}, In{scalar_f(133)},
         In{scalar_f(6500)}},
        1);
}

TEST(LowerSequenceOps, DetBatchedAndSingular) {
  check("Det", {In{random({4, 4}, 1)}}, 1);
  check("Det", {In{random({2, 3, 5, 5}, 2)}}, 1);
  check("Det", {In{random({3, 1, 1}, 3)}}, 1);
  // Rank-deficient (two equal rows, a zero column) and needing row swaps (zero diagonal).
  check("Det",
        {In{Tensor::from_vector<float>({1, 2, 3, 1, 2, 3, 4, 5, 6,  //
                                        0, 1, 2, 0, 3, 4, 0, 5, 7,  //
                                        0, 1, 0, 1, 0, 0, 0, 0, 2},
                                       {3, 3, 3})}},
        1);
}

const char* kTraining = "ai.onnx.preview.training";

std::vector<std::optional<In>> optimizer_inputs(int groups, int tensors, int64_t t) {
  std::vector<std::optional<In>> in{In{scalar_f(0.1f)}, In{ints(DType::kInt64, {t}, {})}};
  const Shape shapes[] = {{3, 4}, {5}};
  for (int g = 0; g < groups; ++g) {
    for (int k = 0; k < tensors; ++k) {
      Tensor v = random(shapes[k], 10 * g + k);
      // The state squared-gradient accumulators are non-negative.
      if (g >= 2) {
        for (int64_t e = 0; e < v.numel(); ++e) v.data<float>()[e] = std::abs(v.data<float>()[e]);
      }
      in.push_back(In{std::move(v)});
    }
  }
  return in;
}

TEST(LowerSequenceOps, Optimizers) {
  for (int64_t t : {0, 3}) {
    for (int tensors : {1, 2}) {
      check(
          "Adagrad", optimizer_inputs(3, tensors, t), 2 * tensors,
          [](graph::Node& n) {
            n.set_attr("decay_factor", graph::Attribute::of_float(0.1f));
            n.set_attr("norm_coefficient", graph::Attribute::of_float(0.01f));
          },
          kTraining, 1);
      for (const char* mode : {"standard", "nesterov"}) {
        check(
            "Momentum", optimizer_inputs(3, tensors, t), 2 * tensors,
            [mode](graph::Node& n) {
              n.set_attr("alpha", graph::Attribute::of_float(0.9f));
              n.set_attr("beta", graph::Attribute::of_float(0.5f));
              n.set_attr("norm_coefficient", graph::Attribute::of_float(0.02f));
              n.set_attr("mode", graph::Attribute::of_string(mode));
            },
            kTraining, 1);
      }
      check(
          "Adam", optimizer_inputs(4, tensors, t), 3 * tensors,
          [](graph::Node& n) {
            n.set_attr("alpha", graph::Attribute::of_float(0.8f));
            n.set_attr("norm_coefficient", graph::Attribute::of_float(0.01f));
            n.set_attr("norm_coefficient_post", graph::Attribute::of_float(0.05f));
          },
          kTraining, 1);
    }
  }
}

}  // namespace
}  // namespace stitch::lower
