// Unit tests of the ONNX frontend on models built here with the protobuf API: valid import,
// opset canonicalization, external data, and every kind of bad input the loader must reject
// with a clear error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "frontend/onnx/onnx_importer.h"
#include "onnx/onnx_pb.h"

namespace stitch::frontend {
namespace {

namespace fs = std::filesystem;

void add_tensor_value(onnx::ValueInfoProto* vi, const std::string& name, std::vector<int64_t> dims,
                      int elem = onnx::TensorProto::FLOAT) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                          std::vector<std::string> in, std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (auto& s : in) n->add_input(s);
  for (auto& s : out) n->add_output(s);
  return n;
}

onnx::ModelProto make_model(int opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  return m;
}

// x[2,3] -> Relu -> y
onnx::ModelProto relu_model() {
  onnx::ModelProto m = make_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", {2, 3});
  add_node(g, "Relu", "relu", {"x"}, {"y"});
  add_tensor_value(g->add_output(), "y", {2, 3});
  return m;
}

Expected<std::unique_ptr<graph::Graph>> import(const onnx::ModelProto& m,
                                               const std::string& dir = "") {
  std::string bytes = m.SerializeAsString();
  return import_onnx_bytes(bytes.data(), bytes.size(), dir);
}

void expect_error(const Expected<std::unique_ptr<graph::Graph>>& g, const std::string& fragment) {
  ASSERT_FALSE(g.is_ok());
  EXPECT_NE(g.status().message().find(fragment), std::string::npos) << g.status().message();
}

TEST(Frontend, ImportsAndInfersTypes) {
  auto g = import(relu_model());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ((*g)->num_nodes(), 1);
  EXPECT_EQ((*g)->outputs()[0]->type().to_string(), "float32[2, 3]");
}

TEST(Frontend, ListsEveryUnsupportedOperatorAtOnce) {
  onnx::ModelProto m = make_model();
  auto* op = m.add_opset_import();
  op->set_domain("com.example");
  op->set_version(3);
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", {2});
  add_node(g, "FancyOp", "first_bad", {"x"}, {"a"});
  add_node(g, "Relu", "fine", {"a"}, {"b"});
  add_node(g, "Frobnicate", "second_bad", {"b"}, {"c"})->set_domain("com.example");
  add_tensor_value(g->add_output(), "c", {2});
  auto r = import(m);
  expect_error(r, "2 unsupported operators");
  expect_error(r, "FancyOp (domain 'ai.onnx', opset 17) in node 'first_bad'");
  expect_error(r, "Frobnicate (domain 'com.example', opset 3) in node 'second_bad'");
}

TEST(Frontend, RejectsCycles) {
  onnx::ModelProto m = make_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", {2});
  add_node(g, "Add", "a", {"x", "c"}, {"b"});
  add_node(g, "Relu", "r", {"b"}, {"c"});
  add_tensor_value(g->add_output(), "c", {2});
  expect_error(import(m), "cycle");
}

TEST(Frontend, RejectsDanglingInputsAndOutputs) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_node(0)->set_input(0, "ghost");
  expect_error(import(m), "reads 'ghost', which no node, input or initializer defines");
  onnx::ModelProto m2 = relu_model();
  m2.mutable_graph()->mutable_output(0)->set_name("nowhere");
  expect_error(import(m2), "graph output 'nowhere' is not produced");
}

TEST(Frontend, RejectsDoubleProducers) {
  onnx::ModelProto m = relu_model();
  add_node(m.mutable_graph(), "Relu", "again", {"x"}, {"y"});
  expect_error(import(m), "produced twice");
}

TEST(Frontend, RejectsTruncatedAndCorruptBytes) {
  std::string bytes = relu_model().SerializeAsString();
  for (size_t cut : {size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    auto g = import_onnx_bytes(bytes.data(), cut, "");
    EXPECT_FALSE(g.is_ok()) << "cut at " << cut;
  }
  std::string garbage(256, '\xff');
  EXPECT_FALSE(import_onnx_bytes(garbage.data(), garbage.size(), "").is_ok());
}

TEST(Frontend, RejectsInitializerWithWrongDataSize) {
  onnx::ModelProto m = relu_model();
  auto* init = m.mutable_graph()->add_initializer();
  init->set_name("w");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(1000000);
  init->set_raw_data(std::string(12, '\0'));
  expect_error(import(m), "needs 4000000 bytes of data but has 12");
}

TEST(Frontend, RejectsShapeMismatchAtImport) {
  onnx::ModelProto m = make_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "a", {2, 3});
  add_tensor_value(g->add_input(), "b", {4, 5});
  add_node(g, "Add", "add", {"a", "b"}, {"c"});
  add_tensor_value(g->add_output(), "c", {2, 3});
  expect_error(import(m), "node 'add' (Add, opset 17)");
}

TEST(Frontend, MovesOldReshapeAttributeToInput) {
  onnx::ModelProto m = make_model(1);
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", {2, 3});
  auto* n = add_node(g, "Reshape", "r", {"x"}, {"y"});
  auto* a = n->add_attribute();
  a->set_name("shape");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(3);
  a->add_ints(2);
  add_tensor_value(g->add_output(), "y", {3, 2});
  auto r = import(m);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const graph::Node* node = (*r)->nodes()[0];
  ASSERT_EQ(node->num_inputs(), 2);
  ASSERT_TRUE(node->input(1)->is_constant());
  EXPECT_EQ(node->input(1)->constant()->to_int64_vector(), (std::vector<int64_t>{3, 2}));
  EXPECT_FALSE(node->has_attr("shape"));
}

TEST(Frontend, LoadsExternalDataAndRefusesEscapingPaths) {
  fs::path dir = fs::temp_directory_path() / "stitch_external_test";
  fs::create_directories(dir);
  std::vector<float> w = {1, 2, 3, 4, 5, 6};
  std::ofstream(dir / "weights.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(w.data()), 24);
  onnx::ModelProto m = make_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", {2, 3});
  auto* init = g->add_initializer();
  init->set_name("w");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(2);
  init->add_dims(3);
  init->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = init->add_external_data();
  loc->set_key("location");
  loc->set_value("weights.bin");
  add_node(g, "Add", "add", {"x", "w"}, {"y"});
  add_tensor_value(g->add_output(), "y", {2, 3});
  auto r = import(m, dir.string());
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const Tensor* t = (*r)->find_value("w")->constant();
  EXPECT_EQ(t->data<float>()[5], 6.0f);

  loc->set_value("../../etc/passwd");
  expect_error(import(m, dir.string()), "must be a relative path inside the model's folder");
  loc->set_value("missing.bin");
  expect_error(import(m, dir.string()), "cannot open external data file");
  fs::remove_all(dir);
}

TEST(Frontend, RejectsNonTensorInputs) {
  onnx::ModelProto m = relu_model();
  auto* in = m.mutable_graph()->mutable_input(0);
  in->mutable_type()->clear_tensor_type();
  in->mutable_type()->mutable_sequence_type();
  expect_error(import(m), "sequence type, which is unsupported");
}

}  // namespace
}  // namespace stitch::frontend
