// Unit tests of the host ops (runtime/host_ops/) on plain data: NonZero, Compress, Unique and
// NonMaxSuppression against hand-computed ONNX results (the backend tests' examples), the
// registry's attribute adapters, and errors on bad inputs. Part of tests/unit/runtime.
#include "runtime/host_ops/host_ops.h"

#include <gtest/gtest.h>

#include "runtime/host_ops/control_flow.h"

namespace stitch::runtime::host_ops {
namespace {

template <typename T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

TEST(HostOps, NonZeroGivesCoordinatesColumnByColumn) {
  Tensor x = Tensor::from_vector<float>({1, 0, 1, 1}, {2, 2});
  auto r = non_zero(view_of(x));
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>(*r), (std::vector<int64_t>{0, 1, 1, 0, 0, 1}));
  Tensor none = Tensor::from_vector<int32_t>({0, 0, 0}, {3});
  auto empty = non_zero(view_of(none));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty->shape(), (Shape{1, 0}));
}

TEST(HostOps, CompressWithAndWithoutAxis) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor cond = Tensor::from_vector<bool>({false, true, true}, {3});
  auto rows = compress(view_of(x), view_of(cond), 0);
  ASSERT_TRUE(rows.is_ok()) << rows.status().message();
  EXPECT_EQ(rows->shape(), (Shape{2, 2}));
  EXPECT_EQ(values<float>(*rows), (std::vector<float>{3, 4, 5, 6}));
  Tensor cond2 = Tensor::from_vector<bool>({false, true}, {2});
  auto cols = compress(view_of(x), view_of(cond2), -1);
  ASSERT_TRUE(cols.is_ok());
  EXPECT_EQ(cols->shape(), (Shape{3, 1}));
  EXPECT_EQ(values<float>(*cols), (std::vector<float>{2, 4, 6}));
  auto flat = compress(view_of(x), view_of(cond), std::nullopt);
  ASSERT_TRUE(flat.is_ok());
  EXPECT_EQ(flat->shape(), (Shape{2}));
  EXPECT_EQ(values<float>(*flat), (std::vector<float>{2, 3}));
  Tensor too_long = Tensor::from_vector<bool>({false, false, false, true}, {4});
  EXPECT_FALSE(compress(view_of(x), view_of(too_long), 0).is_ok());
}

TEST(HostOps, UniqueSortedAndUnsortedWithoutAxis) {
  Tensor x = Tensor::from_vector<float>({2, 1, 1, 3, 4, 3}, {6});
  auto s = unique(view_of(x), std::nullopt, true);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(values<float>(s->values), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(values<int64_t>(s->indices), (std::vector<int64_t>{1, 0, 3, 4}));
  EXPECT_EQ(values<int64_t>(s->inverse), (std::vector<int64_t>{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(values<int64_t>(s->counts), (std::vector<int64_t>{2, 1, 2, 1}));
  auto u = unique(view_of(x), std::nullopt, false);
  ASSERT_TRUE(u.is_ok());
  EXPECT_EQ(values<float>(u->values), (std::vector<float>{2, 1, 3, 4}));
  EXPECT_EQ(values<int64_t>(u->indices), (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(values<int64_t>(u->inverse), (std::vector<int64_t>{0, 1, 1, 2, 3, 2}));
  EXPECT_EQ(values<int64_t>(u->counts), (std::vector<int64_t>{1, 2, 2, 1}));
}

TEST(HostOps, UniqueSlicesAlongAnAxis) {
  // Columns of [[1, 0, 0], [1, 0, 0], [2, 3, 3]]... as ONNX's sorted_with_axis example (rows).
  Tensor x = Tensor::from_vector<float>({1, 0, 0, 1, 0, 0, 2, 3, 4}, {3, 3});
  auto r = unique(view_of(x), 0, true);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->values.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<float>(r->values), (std::vector<float>{1, 0, 0, 2, 3, 4}));
  EXPECT_EQ(values<int64_t>(r->indices), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(values<int64_t>(r->inverse), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(values<int64_t>(r->counts), (std::vector<int64_t>{2, 1}));
  auto cols = unique(view_of(x), -1, true);  // columns (1,1,2), (0,0,3), (0,0,4)
  ASSERT_TRUE(cols.is_ok());
  EXPECT_EQ(cols->values.shape(), (Shape{3, 3}));
  EXPECT_EQ(values<int64_t>(cols->indices), (std::vector<int64_t>{1, 2, 0}));
  EXPECT_EQ(values<float>(cols->values), (std::vector<float>{0, 0, 1, 0, 0, 1, 3, 4, 2}));
}

// Two boxes per batch and class, one suppressed by IoU unless the threshold says otherwise.
TEST(HostOps, NonMaxSuppressionSuppressesByIouAndScore) {
  Tensor boxes = Tensor::from_vector<float>(
      {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 10, 1, 11, 0, 100, 1, 101}, {1, 4, 4});
  Tensor scores = Tensor::from_vector<float>({0.9f, 0.75f, 0.6f, 0.3f}, {1, 1, 4});
  Tensor max_out = Tensor::from_vector<int64_t>({3}, {1});
  Tensor iou = Tensor::from_vector<float>({0.5f}, {1});
  Tensor score = Tensor::from_vector<float>({0.4f}, {1});
  TensorView vm = view_of(max_out), vi = view_of(iou), vs = view_of(score);
  NmsParams p;
  p.max_output_boxes_per_class = &vm;
  p.iou_threshold = &vi;
  auto r = non_max_suppression(view_of(boxes), view_of(scores), p);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->shape(), (Shape{3, 3}));
  EXPECT_EQ(values<int64_t>(*r), (std::vector<int64_t>{0, 0, 0, 0, 0, 2, 0, 0, 3}));
  p.score_threshold = &vs;
  auto thresholded = non_max_suppression(view_of(boxes), view_of(scores), p);
  ASSERT_TRUE(thresholded.is_ok());
  EXPECT_EQ(values<int64_t>(*thresholded), (std::vector<int64_t>{0, 0, 0, 0, 0, 2}));
  p = NmsParams{};  // max_output_boxes_per_class defaults to 0: nothing selected
  auto none = non_max_suppression(view_of(boxes), view_of(scores), p);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->shape(), (Shape{0, 3}));
}

TEST(HostOps, NonMaxSuppressionCenterPointBoxes) {
  // [x_center, y_center, width, height]: boxes 0 and 1 overlap with IoU 0.81.
  Tensor boxes = Tensor::from_vector<float>({0.5f, 0.5f, 1, 1, 0.5f, 0.6f, 1, 1}, {1, 2, 4});
  Tensor scores = Tensor::from_vector<float>({0.5f, 0.9f}, {1, 1, 2});
  Tensor max_out = Tensor::from_vector<int64_t>({5}, {1});
  Tensor iou = Tensor::from_vector<float>({0.5f}, {1});
  TensorView vm = view_of(max_out), vi = view_of(iou);
  NmsParams p{&vm, &vi, nullptr, true};
  auto r = non_max_suppression(view_of(boxes), view_of(scores), p);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(values<int64_t>(*r), (std::vector<int64_t>{0, 0, 1}));
  Tensor bad_boxes(DType::kFloat32, {1, 3, 4});
  EXPECT_FALSE(non_max_suppression(view_of(bad_boxes), view_of(scores), p).is_ok());
}

TEST(HostOps, RegistryReadsAttributesAndFillsOutputs) {
  ASSERT_NE(find_host_op("Unique"), nullptr);
  EXPECT_EQ(find_host_op("Relu"), nullptr);
  EXPECT_EQ(host_op_attribute_names("Unique"), (std::vector<std::string>{"axis", "sorted"}));
  Tensor x = Tensor::from_vector<int64_t>({5, 5, 4}, {3});
  TensorView v = view_of(x);
  std::vector<HostAttribute> attrs = {{"sorted", 0}};
  std::vector<Tensor> outs(4);
  HostOpCall call{attrs, {&v}, &outs};
  ASSERT_TRUE(find_host_op("Unique")(call).is_ok());
  EXPECT_EQ(values<int64_t>(outs[0]), (std::vector<int64_t>{5, 4}));
  EXPECT_EQ(values<int64_t>(outs[3]), (std::vector<int64_t>{2, 1}));
  std::vector<Tensor> one(1);
  HostOpCall missing{attrs, {nullptr}, &one};
  EXPECT_FALSE(find_host_op("NonZero")(missing).is_ok());
}

// A while loop (no trip count): counts up until the body's condition turns false, collecting
// each count; the body is a C++ function here, as the executor's compiled bodies are.
TEST(HostOps, LoopWithoutTripCountRunsUntilTheConditionFails) {
  Tensor start = Tensor::scalar<int64_t>(10);
  LoopArgs args;
  args.carried = {&start};
  args.num_scan_outputs = 1;
  BodyFn body = [](const std::vector<const Tensor*>& in) -> Expected<std::vector<Tensor>> {
    const int64_t it = in[0]->as_int64(0);
    std::vector<Tensor> out;
    out.push_back(Tensor::scalar<bool>(it < 3));
    out.push_back(Tensor::scalar<int64_t>(in[2]->as_int64(0) + 1));
    out.push_back(Tensor::from_vector<int64_t>({it, it * it}, {2}));
    return out;
  };
  auto r = run_loop(args, body);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].as_int64(0), 14);  // iterations 0..3
  ASSERT_EQ((*r)[1].shape(), (Shape{4, 2}));
  EXPECT_EQ((*r)[1].as_int64(7), 9);
  // Zero iterations: the scan output takes the type the caller knows, or it is an error.
  Tensor zero = Tensor::scalar<int64_t>(0);
  args.trip_count = &zero;
  EXPECT_FALSE(run_loop(args, body).is_ok());
  args.scan_output_types = {IterationType{DType::kInt64, {2}}};
  r = run_loop(args, body);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[1].shape(), (Shape{0, 2}));
}

TEST(HostOps, ScanRejectsShortSequenceLengthsAndMismatchedAxes) {
  Tensor state = Tensor::from_vector<float>({0, 0}, {2, 1});
  Tensor xs = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3, 1});
  Tensor lens = Tensor::from_vector<int64_t>({3, 2}, {2});
  ScanArgs args;
  args.states = {&state};
  args.scan_inputs = {&xs};
  args.input_axes = {0};
  args.input_reverse = {0};
  args.batched = true;
  args.sequence_lens = &lens;
  BodyFn sum = [](const std::vector<const Tensor*>& in) -> Expected<std::vector<Tensor>> {
    std::vector<Tensor> out;
    out.push_back(Tensor::scalar<float>(0));
    out.back() =
        Tensor::from_vector<float>({in[0]->data<float>()[0] + in[1]->data<float>()[0]}, {1});
    return out;
  };
  auto r = run_scan(args, sum);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("sequence_lens shorter"), std::string::npos);
  lens.data<int64_t>()[1] = 3;
  r = run_scan(args, sum);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].data<float>()[1], 15.0f);
  args.input_reverse.clear();
  EXPECT_FALSE(run_scan(args, sum).is_ok());
}

TEST(HostOps, StringCastsBothWays) {
  Tensor x = Tensor::from_vector<float>({0.5f, -3, 1e-5f, 1e20f}, {4});
  auto s = cast_string(view_of(x), DType::kString);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(s->strings(), (std::vector<std::string>{"0.5", "-3.0", "1e-05", "1e+20"}));
  auto back = cast_string(view_of(*s), DType::kFloat32);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(back->data<float>()[i], x.data<float>()[i]);
  auto ints = cast_string(view_of(*s), DType::kInt32);  // floats truncate toward zero
  ASSERT_TRUE(ints.is_ok()) << ints.status().message();
  EXPECT_EQ(ints->data<int32_t>()[1], -3);
  EXPECT_FALSE(cast_string(view_of(x), DType::kInt32).is_ok());  // no string on either side
  Tensor b = Tensor::scalar<bool>(true);
  EXPECT_FALSE(cast_string(view_of(b), DType::kString).is_ok());
}

}  // namespace
}  // namespace stitch::runtime::host_ops
