// End-to-end numeric tests of the templates of index*.cc and loss.cc (gathers, scatters,
// one-hot, triangular masks, cumulative sums, arg-reductions, top-k, the losses): small graphs
// compiled (policies none and arbitrary) and compared with the reference interpreter (floats:
// relative L2 <= 1e-4; integers and bools: exact). They go past the ONNX cases: negative and
// duplicate indices under every scatter reduction, ties (integer data in [0, 4)), axes read at
// run time, fused consumers. Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

const DType f32 = DType::kFloat32;
const DType i64 = DType::kInt64;

// An input: random data, or the given values (as a graph input, or a constant).
struct In {
  DType dtype;
  Shape shape;
  std::vector<double> values = {};
  bool constant = false;
};

Tensor make_tensor(const In& in, uint32_t seed) {
  if (in.values.empty()) return testing::random_tensor(in.dtype, in.shape, seed);
  if (in.dtype == f32) {
    std::vector<float> v(in.values.begin(), in.values.end());
    return Tensor::from_vector<float>(v, in.shape);
  }
  std::vector<int64_t> v;
  for (double d : in.values) v.push_back(static_cast<int64_t>(d));
  Tensor t = Tensor::from_vector<int64_t>(v, in.shape);
  if (in.dtype == DType::kInt32) {
    std::vector<int32_t> w(v.begin(), v.end());
    t = Tensor::from_vector<int32_t>(w, in.shape);
  }
  return t;
}

// op(inputs) with attrs; its first `outputs` outputs are graph outputs, and `then` (when set)
// is applied to the first one (a consumer that fusion may absorb).
void check_op(const std::string& op, const std::vector<In>& ins,
              const std::vector<Attr>& attrs = {}, int outputs = 1, const char* then = nullptr) {
  SCOPED_TRACE(op);
  GraphBuilder b;
  std::vector<graph::Value*> values;
  std::vector<Tensor> feeds;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (ins[i].dtype == DType::kUndefined) {
      values.push_back(nullptr);
    } else if (ins[i].constant) {
      values.push_back(b.constant(name, make_tensor(ins[i], 100 + i)));
    } else {
      values.push_back(b.input(name, ins[i].dtype, ins[i].shape));
      feeds.push_back(make_tensor(ins[i], 100 + i));
    }
  }
  graph::Value* out = b.node(op, values, attrs, outputs);
  b.output(then ? b.node(then, {out}) : out);
  auto g = b.finish();
  for (int k = 1; k < outputs; ++k) g->add_output(g->nodes()[0]->output(k));
  testing::expect_compiled_matches_reference(*g, feeds);
}

Attr reduction(const char* r) { return Attr::of("reduction", std::string(r)); }

TEST(LowerIndexOps, GatherElements) {
  const In idx{i64, {2, 3}, {0, -1, 2, -3, 1, 1}};
  check_op("GatherElements", {{f32, {3, 4}}, idx});
  check_op("GatherElements", {{f32, {3, 4}}, idx}, {Attr::of("axis", int64_t{1})}, 1, "Relu");
  check_op("GatherElements", {{i64, {4, 3}}, {i64, {4, 2}, {1, -1, 0, 2, -2, 0, 1, 1}}},
           {Attr::of("axis", int64_t{-1})});
}

TEST(LowerIndexOps, GatherND) {
  check_op("GatherND", {{f32, {3, 4, 2}}, {i64, {2, 2}, {0, 1, -1, 3}}});
  check_op("GatherND", {{f32, {3, 4, 2}}, {i64, {3, 1}, {2, -3, 1}}}, {}, 1, "Neg");
  check_op("GatherND", {{i64, {2, 3, 4}}, {i64, {2, 2, 1}, {0, 2, 1, -1}}},
           {Attr::of("batch_dims", int64_t{1})});
}

TEST(LowerIndexOps, ScatterElementsEveryReduction) {
  // Duplicate positions (0 twice in the first row, -1 = 2 in the second): order matters.
  const In idx{i64, {2, 3}, {0, 0, 1, -1, 2, 0}};
  for (const char* r : {"none", "add", "mul", "max", "min"}) {
    SCOPED_TRACE(r);
    check_op("ScatterElements", {{f32, {3, 3}}, idx, {f32, {2, 3}}},
             {Attr::of("axis", int64_t{0}), reduction(r)});
    check_op("ScatterElements", {{i64, {2, 4}}, idx, {i64, {2, 3}}},
             {Attr::of("axis", int64_t{1}), reduction(r)}, 1, "Neg");
  }
  check_op("Scatter", {{f32, {3, 3}}, idx, {f32, {2, 3}}});
}

TEST(LowerIndexOps, ScatterNDEveryReduction) {
  const In idx{i64, {3, 1}, {1, -3, 1}};  // row 1 twice, row 0 as -3
  for (const char* r : {"none", "add", "mul", "max", "min"}) {
    SCOPED_TRACE(r);
    check_op("ScatterND", {{f32, {3, 2, 2}}, idx, {f32, {3, 2, 2}}}, {reduction(r)}, 1, "Relu");
  }
  check_op("ScatterND", {{i64, {3, 4}}, {i64, {2, 2}, {0, 3, -1, -4}}, {i64, {2}}},
           {reduction("add")});
}

TEST(LowerIndexOps, TriluWithRuntimeK) {
  for (int64_t upper : {0, 1}) {
    for (double k : {-2.0, 0.0, 3.0}) {
      check_op("Trilu", {{f32, {2, 4, 5}}, {i64, {}, {k}}}, {Attr::of("upper", upper)});
    }
    check_op("Trilu", {{i64, {3, 3}}}, {Attr::of("upper", upper)}, 1, "Neg");
  }
}

TEST(LowerIndexOps, OneHot) {
  const In depth{i64, {}, {5}, true};
  const In values{f32, {2}, {-1, 3}};
  const In indices{i64, {2, 3}, {0, -1, 4, 7, -6, 2}};  // 7 and -6 are outside: all off
  check_op("OneHot", {indices, depth, values});
  check_op("OneHot", {indices, depth, values}, {Attr::of("axis", int64_t{0})});
  check_op("OneHot", {{f32, {4}, {1.5, -2.2, 0, 3.9}}, depth, {i64, {2}, {0, 1}}},
           {Attr::of("axis", int64_t{-2})});
}

TEST(LowerIndexOps, DepthToSpaceAndBack) {
  for (const char* mode : {"DCR", "CRD"}) {
    check_op("DepthToSpace", {{f32, {2, 8, 3, 2}}},
             {Attr::of("blocksize", int64_t{2}), Attr::of("mode", std::string(mode))});
  }
  check_op("SpaceToDepth", {{f32, {2, 3, 4, 6}}}, {Attr::of("blocksize", int64_t{2})}, 1, "Relu");
}

TEST(LowerIndexOps, CreationOps) {
  for (int64_t k : {-2, 0, 3}) check_op("EyeLike", {{f32, {3, 5}}}, {Attr::of("k", k)});
  check_op("EyeLike", {{i64, {4, 2}}}, {Attr::of("k", int64_t{-1})});
  check_op("Range", {{f32, {}, {1.5}, true}, {f32, {}, {-3}, true}, {f32, {}, {-0.7}, true}});
  check_op("Range", {{i64, {}, {10}, true}, {i64, {}, {-3}, true}, {i64, {}, {-4}, true}});
}

TEST(LowerIndexOps, ReverseSequence) {
  check_op("ReverseSequence", {{f32, {4, 3, 2}}, {i64, {3}, {4, 0, 2}}},
           {Attr::of("time_axis", int64_t{0}), Attr::of("batch_axis", int64_t{1})});
  check_op("ReverseSequence", {{i64, {3, 5}}, {i64, {3}, {1, 5, 3}}},
           {Attr::of("time_axis", int64_t{1}), Attr::of("batch_axis", int64_t{0})});
}

TEST(LowerIndexOps, CumSum) {
  for (int64_t exclusive : {0, 1}) {
    for (int64_t reverse : {0, 1}) {
      const std::vector<Attr> attrs{Attr::of("exclusive", exclusive), Attr::of("reverse", reverse)};
      for (double axis : {0.0, 1.0, -1.0}) {
        check_op("CumSum", {{f32, {3, 4, 2}}, {i64, {}, {axis}}}, attrs);  // axis at run time
      }
      check_op("CumSum", {{i64, {5, 3}}, {i64, {1}, {0}, true}}, attrs, 1, "Neg");
    }
  }
}

TEST(LowerIndexOps, ArgMaxArgMinWithTies) {
  for (const char* op : {"ArgMax", "ArgMin"}) {
    for (int64_t last : {0, 1}) {
      for (int64_t keepdims : {0, 1}) {
        for (int64_t axis : {0, 1, -1}) {
          const std::vector<Attr> attrs{Attr::of("axis", axis), Attr::of("keepdims", keepdims),
                                        Attr::of("select_last_index", last)};
          check_op(op, {{i64, {4, 5, 3}}}, attrs);  // values in [0, 4): many ties
        }
        check_op(op, {{f32, {3, 7}}},
                 {Attr::of("keepdims", keepdims), Attr::of("select_last_index", last)});
      }
    }
  }
}

TEST(LowerIndexOps, Hardmax) {
  for (int64_t axis : {0, 1, -1}) check_op("Hardmax", {{f32, {3, 4, 5}}}, {Attr::of("axis", axis)});
  check_op("Hardmax", {{f32, {2, 6}, {1, 3, 3, 0, -1, 2, 5, 5, 5, 5, 5, 5}}});  // ties: the first
}

TEST(LowerIndexOps, TopK) {
  for (int64_t largest : {0, 1}) {
    for (int64_t axis : {0, -1}) {
      const std::vector<Attr> attrs{Attr::of("axis", axis), Attr::of("largest", largest)};
      check_op("TopK", {{i64, {6, 7}}, {i64, {1}, {3}, true}}, attrs, 2);  // ties: lower first
      check_op("TopK", {{f32, {6, 5}}, {i64, {1}, {5}, true}}, attrs, 2);
    }
  }
  // Only the indices used: the values output has no buffer.
  GraphBuilder b;
  graph::Value* x = b.input("x", f32, {4, 9});
  graph::Value* k = b.constant("k", Tensor::from_vector<int64_t>({2}, {1}));
  b.node("TopK", {x, k}, {}, 2);
  auto g = b.finish();
  g->add_output(g->nodes()[0]->output(1));
  std::vector<Tensor> feeds;
  feeds.push_back(testing::random_tensor(f32, {4, 9}, 3));
  testing::expect_compiled_matches_reference(*g, feeds);
}

const In kOmitted{DType::kUndefined, {}};

TEST(LowerLossOps, NegativeLogLikelihoodLoss) {
  // Targets in [0, 4): class 3 of 4 exists, ignore_index 1 drops some.
  const In target{i64, {3, 2, 5}};
  const In weight{f32, {4}, {0.5, 2, 1, 0.25}};
  for (const char* r : {"none", "sum", "mean"}) {
    SCOPED_TRACE(r);
    check_op("NegativeLogLikelihoodLoss", {{f32, {3, 4, 2, 5}}, target}, {reduction(r)});
    check_op("NegativeLogLikelihoodLoss", {{f32, {3, 4, 2, 5}}, target, weight},
             {reduction(r), Attr::of("ignore_index", int64_t{1})});
  }
  // An ignore_index outside the classes, and targets of rank 1.
  check_op("NegativeLogLikelihoodLoss", {{f32, {5, 3}}, {i64, {5}, {0, 2, -7, 1, -7}}},
           {Attr::of("ignore_index", int64_t{-7})}, 1, "Neg");
}

TEST(LowerLossOps, SoftmaxCrossEntropyLoss) {
  const In target{i64, {2, 3, 2}};
  const In weight{f32, {4}, {1, 0.5, 3, 2}};
  for (const char* r : {"none", "sum", "mean"}) {
    SCOPED_TRACE(r);
    check_op("SoftmaxCrossEntropyLoss", {{f32, {2, 4, 3, 2}}, target}, {reduction(r)}, 2);
    check_op("SoftmaxCrossEntropyLoss", {{f32, {2, 4, 3, 2}}, target, weight},
             {reduction(r), Attr::of("ignore_index", int64_t{2})});
  }
  check_op("SoftmaxCrossEntropyLoss", {{f32, {6, 4}}, {i64, {6}}, kOmitted}, {}, 2);
}

}  // namespace
}  // namespace stitch::lower
