// ONNX ModelProto → graph IR. Two passes per graph (define every value, then connect), so a
// node order that is not topological is repaired and a cycle is reported, not followed.
// Then each node is canonicalized for its opset and its output types inferred, in order.
// Part of frontend/onnx/, the first stage of the pipeline.
#include "frontend/onnx/onnx_importer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>
#include <filesystem>
#include <set>

#include "frontend/onnx/opset_canonicalize.h"
#include "frontend/onnx/tensor_proto.h"
#include "graph/op_registry.h"
#include "onnx/onnx_pb.h"

namespace stitch::frontend {
namespace {

using graph::Attribute;
using graph::Graph;
using graph::Node;
using graph::TensorType;
using graph::Value;

std::string normalize_domain(const std::string& d) { return d == "ai.onnx" ? "" : d; }

class Importer {
 public:
  explicit Importer(std::string base_dir) : base_dir_(std::move(base_dir)) {}

  Expected<std::unique_ptr<Graph>> import_model(const onnx::ModelProto& model);

 private:
  // Enclosing graphs, innermost last, for names a subgraph reads from outside.
  using Scope = std::vector<const Graph*>;

  Status import_graph(const onnx::GraphProto& proto, Graph& g, const Scope& outer, bool top);
  Status define_values(const onnx::GraphProto& proto, Graph& g, bool top);
  Status import_nodes(const onnx::GraphProto& proto, Graph& g, const Scope& outer);
  Status fold_constant_node(const onnx::NodeProto& np, Graph& g);
  Expected<Attribute> convert_attribute(const onnx::AttributeProto& ap, const Graph& g,
                                        const Scope& outer);
  Expected<TensorType> convert_type(const onnx::TypeProto& tp, const std::string& what,
                                    std::vector<std::string>* dim_params);
  Value* resolve(const std::string& name, Graph& g, const Scope& outer);
  Status check_and_infer(Graph& g, bool top);

  std::string base_dir_;
  std::map<std::string, int> opsets_;
  std::vector<std::string> unsupported_;
  int anonymous_nodes_ = 0;
};

Expected<TensorType> Importer::convert_type(const onnx::TypeProto& tp, const std::string& what,
                                            std::vector<std::string>* dim_params) {
  if (!tp.has_tensor_type()) {
    const char* kind = tp.has_sequence_type()   ? "a sequence"
                       : tp.has_optional_type() ? "an optional"
                       : tp.has_map_type()      ? "a map"
                                                : "a non-tensor";
    return error(what, " has ", kind, " type, which is unsupported (tensors only)");
  }
  const auto& tt = tp.tensor_type();
  TensorType t;
  if (!dtype_is_valid(tt.elem_type())) {
    return error(what, " has unsupported element type ", tt.elem_type());
  }
  t.dtype = static_cast<DType>(tt.elem_type());
  if (tt.has_shape()) {
    t.has_shape = true;
    for (const auto& d : tt.shape().dim()) {
      bool known = d.has_dim_value() && d.dim_value() >= 0;
      t.shape.push_back(known ? d.dim_value() : kUnknownDim);
      if (dim_params) dim_params->push_back(d.has_dim_param() ? d.dim_param() : "");
    }
    Shape known_dims;
    for (int64_t d : t.shape) known_dims.push_back(d < 0 ? 1 : d);
    if (shape_numel(known_dims) > kMaxElements) {
      return error(what, " declares shape ", shape_to_string(t.shape), ", more than 2^40 elements");
    }
  }
  return t;
}

Value* Importer::resolve(const std::string& name, Graph& g, const Scope& outer) {
  if (Value* v = g.find_value(name)) return v;
  for (auto it = outer.rbegin(); it != outer.rend(); ++it) {
    if (Value* o = (*it)->find_value(name)) {
      Value* v = g.add_value(name, o->type());
      g.add_outer_scope_value(v);
      return v;
    }
  }
  return nullptr;
}

Status Importer::define_values(const onnx::GraphProto& proto, Graph& g, bool top) {
  std::set<std::string> initializer_names;
  for (const auto& tp : proto.initializer()) {
    if (g.find_value(tp.name())) return error("initializer '", tp.name(), "' is defined twice");
    STITCH_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(tp, base_dir_));
    g.add_constant(tp.name(), std::move(t));
    initializer_names.insert(tp.name());
  }
  if (proto.sparse_initializer_size() > 0) return error("sparse initializers are unsupported");
  for (const auto& vi : proto.input()) {
    if (initializer_names.count(vi.name())) continue;  // IR < 4 lists initializers as inputs
    if (vi.name().empty()) return error("a graph input has no name");
    if (g.find_value(vi.name())) return error("graph input '", vi.name(), "' is defined twice");
    if (!top && !vi.has_type()) {  // subgraph inputs may leave their type to the caller
      g.add_input(g.add_value(vi.name()));
      continue;
    }
    std::vector<std::string> dim_params;
    STITCH_ASSIGN_OR_RETURN(TensorType t,
                            convert_type(vi.type(), "input '" + vi.name() + "'", &dim_params));
    Value* v = g.add_value(vi.name(), t);
    v->dim_params() = dim_params;
    g.add_input(v);
  }
  return Status::ok();
}

Status Importer::fold_constant_node(const onnx::NodeProto& np, Graph& g) {
  if (np.output_size() != 1 || np.attribute_size() != 1) {
    return error("Constant node '", np.name(), "' needs exactly one output and one attribute");
  }
  const auto& a = np.attribute(0);
  Tensor t;
  if (a.name() == "value" && a.has_t()) {
    STITCH_ASSIGN_OR_RETURN(t, tensor_from_proto(a.t(), base_dir_));
  } else if (a.name() == "value_float") {
    t = Tensor::scalar<float>(a.f());
  } else if (a.name() == "value_int") {
    t = Tensor::scalar<int64_t>(a.i());
  } else if (a.name() == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    t = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  } else if (a.name() == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    t = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  } else if (a.name() == "value_string") {
    t = Tensor(DType::kString, {});
    t.strings()[0] = a.s();
  } else if (a.name() == "value_strings") {
    t = Tensor(DType::kString, {a.strings_size()});
    for (int i = 0; i < a.strings_size(); ++i) t.strings()[i] = a.strings(i);
  } else {
    return error("Constant node '", np.name(), "' has unsupported attribute '", a.name(), "'");
  }
  Value* out = g.find_value(np.output(0));
  g.set_constant(out, std::move(t));
  return Status::ok();
}

Expected<Attribute> Importer::convert_attribute(const onnx::AttributeProto& ap, const Graph& g,
                                                const Scope& outer) {
  using K = Attribute::Kind;
  Attribute a;
  auto type = ap.type();
  if (type == onnx::AttributeProto::UNDEFINED) {  // very old files omit the type
    if (ap.has_f())
      type = onnx::AttributeProto::FLOAT;
    else if (ap.has_i())
      type = onnx::AttributeProto::INT;
    else if (ap.has_s())
      type = onnx::AttributeProto::STRING;
    else if (ap.has_t())
      type = onnx::AttributeProto::TENSOR;
    else if (ap.has_g())
      type = onnx::AttributeProto::GRAPH;
    else if (ap.floats_size())
      type = onnx::AttributeProto::FLOATS;
    else if (ap.ints_size())
      type = onnx::AttributeProto::INTS;
    else if (ap.strings_size())
      type = onnx::AttributeProto::STRINGS;
  }
  switch (type) {
    case onnx::AttributeProto::FLOAT:
      a.kind = K::kFloat;
      a.f = ap.f();
      break;
    case onnx::AttributeProto::INT:
      a.kind = K::kInt;
      a.i = ap.i();
      break;
    case onnx::AttributeProto::STRING:
      a.kind = K::kString;
      a.s = ap.s();
      break;
    case onnx::AttributeProto::FLOATS:
      a.kind = K::kFloats;
      a.floats.assign(ap.floats().begin(), ap.floats().end());
      break;
    case onnx::AttributeProto::INTS:
      a.kind = K::kInts;
      a.ints.assign(ap.ints().begin(), ap.ints().end());
      break;
    case onnx::AttributeProto::STRINGS:
      a.kind = K::kStrings;
      a.strings.assign(ap.strings().begin(), ap.strings().end());
      break;
    case onnx::AttributeProto::TENSOR: {
      a.kind = K::kTensor;
      STITCH_ASSIGN_OR_RETURN(a.t, tensor_from_proto(ap.t(), base_dir_));
      break;
    }
    case onnx::AttributeProto::TENSORS: {
      a.kind = K::kTensors;
      for (const auto& tp : ap.tensors()) {
        STITCH_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(tp, base_dir_));
        a.tensors.push_back(std::move(t));
      }
      break;
    }
    case onnx::AttributeProto::GRAPH: {
      a.kind = K::kGraph;
      a.g = std::make_unique<Graph>();
      a.g->set_name(ap.g().name());
      Scope inner = outer;
      inner.push_back(&g);
      STITCH_RETURN_IF_ERROR(import_graph(ap.g(), *a.g, inner, false)
                                 .with_context("in subgraph attribute '" + ap.name() + "'"));
      break;
    }
    default:
      return error("attribute '", ap.name(), "' has an unsupported kind (", ap.type(), ")");
  }
  return a;
}

Status Importer::import_nodes(const onnx::GraphProto& proto, Graph& g, const Scope& outer) {
  // Pass 1: every node output becomes a value, so inputs may refer to later nodes.
  for (const auto& np : proto.node()) {
    for (const auto& out : np.output()) {
      if (out.empty()) continue;
      if (g.find_value(out)) {
        return error("value '", out, "' is produced twice (second producer: node '", np.name(),
                     "', ", np.op_type(), ")");
      }
      g.add_value(out);
    }
  }
  // Pass 2: connect.
  for (const auto& np : proto.node()) {
    std::string domain = normalize_domain(np.domain());
    if (domain.empty() && np.op_type() == "Constant") {
      STITCH_RETURN_IF_ERROR(fold_constant_node(np, g));
      continue;
    }
    std::string name =
        np.name().empty() ? np.op_type() + "_" + std::to_string(anonymous_nodes_++) : np.name();
    std::vector<Value*> inputs;
    for (const auto& in : np.input()) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      Value* v = resolve(in, g, outer);
      if (!v) {
        return error("node '", name, "' (", np.op_type(), ") reads '", in,
                     "', which no node, input or initializer defines");
      }
      inputs.push_back(v);
    }
    std::vector<Value*> outputs;
    for (const auto& out : np.output())
      outputs.push_back(out.empty() ? nullptr : g.find_value(out));
    auto it = opsets_.find(domain);
    int opset = it == opsets_.end() ? 0 : it->second;
    Node* n = g.add_node(np.op_type(), name, inputs, outputs, domain, opset);
    for (const auto& ap : np.attribute()) {
      STITCH_ASSIGN_OR_RETURN(Attribute a, convert_attribute(ap, g, outer));
      n->set_attr(ap.name(), std::move(a));
    }
    if (it == opsets_.end()) {
      return error(n->describe(), ": the model imports no opset for domain '", np.domain(), "'");
    }
  }
  return Status::ok();
}

Status Importer::import_graph(const onnx::GraphProto& proto, Graph& g, const Scope& outer,
                              bool top) {
  STITCH_RETURN_IF_ERROR(define_values(proto, g, top));
  STITCH_RETURN_IF_ERROR(import_nodes(proto, g, outer));
  for (const auto& vi : proto.output()) {
    Value* v = resolve(vi.name(), g, outer);
    if (!v) return error("graph output '", vi.name(), "' is not produced by any node");
    if (!v->type().has_shape && vi.has_type() && vi.type().has_tensor_type()) {
      auto t = convert_type(vi.type(), "output '" + vi.name() + "'", nullptr);
      if (t.is_ok()) v->set_type(*t);
    }
    g.add_output(v);
  }
  if (g.outputs().empty()) return error("the graph has no outputs");
  STITCH_RETURN_IF_ERROR(g.topo_sort());
  return check_and_infer(g, top);
}

// Canonicalizes each node for its opset, records unsupported ops, and infers output types.
// Inference errors are fatal only where every input shape is known: with symbolic dims the
// interpreter infers again once inputs fix them.
Status Importer::check_and_infer(Graph& g, bool top) {
  const graph::OpRegistry& registry = graph::OpRegistry::global();
  for (Node* n : g.nodes()) {
    STITCH_RETURN_IF_ERROR(canonicalize_node(g, n).with_context(n->describe()));
    const graph::OpSchema* schema = registry.find(n->domain(), n->op_type());
    if (!schema || n->opset() < schema->min_opset) {
      unsupported_.push_back(str_cat(n->op_type(), " (domain '",
                                     n->domain().empty() ? "ai.onnx" : n->domain(), "', opset ",
                                     n->opset(), ") in node '", n->name(), "'"));
      continue;
    }
    if (!top || !unsupported_.empty()) continue;
    std::vector<const TensorType*> types;
    std::vector<const Tensor*> values;
    bool all_static = true;
    for (Value* in : n->inputs()) {
      types.push_back(in ? &in->type() : nullptr);
      values.push_back(in ? in->constant() : nullptr);
      if (in && !in->type().is_static()) all_static = false;
    }
    graph::InferContext ctx(*n, types, values);
    ctx.set_scope(&g);
    std::vector<TensorType> outs;
    Status s = graph::infer_node(*schema, ctx, outs);
    if (!s.is_ok()) {
      if (all_static) return s;
      continue;
    }
    for (int i = 0; i < n->num_outputs(); ++i) {
      if (n->output(i)) n->output(i)->set_type(outs[i]);
    }
  }
  return Status::ok();
}

Expected<std::unique_ptr<Graph>> Importer::import_model(const onnx::ModelProto& model) {
  if (!model.has_graph()) return error("the model has no graph");
  for (const auto& op : model.opset_import()) {
    opsets_[normalize_domain(op.domain())] = static_cast<int>(op.version());
  }
  if (model.opset_import_size() == 0) opsets_[""] = 1;  // IR version 1–2 models
  auto g = std::make_unique<Graph>();
  g->set_name(model.graph().name());
  g->opset_imports() = opsets_;
  STITCH_RETURN_IF_ERROR(import_graph(model.graph(), *g, {}, true));
  if (!unsupported_.empty()) {
    std::string msg = str_cat("the model uses ", unsupported_.size(), " unsupported operator",
                              unsupported_.size() > 1 ? "s" : "", ":");
    for (const auto& u : unsupported_) msg += "\n  " + u;
    return Status::error(msg);
  }
  return g;
}

}  // namespace

Expected<std::unique_ptr<graph::Graph>> import_onnx_bytes(const void* data, size_t size,
                                                          const std::string& base_dir) {
  if (size > static_cast<size_t>(INT_MAX)) {
    return error("the model is larger than 2 GB; store its weights as external data");
  }
  onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream raw(data, static_cast<int>(size));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    return error("not a valid ONNX model (protobuf parse failed; truncated or corrupt file?)");
  }
  Importer importer(base_dir);
  return importer.import_model(model);
}

Expected<std::unique_ptr<graph::Graph>> import_onnx_file(const std::string& path) {
  STITCH_ASSIGN_OR_RETURN(std::string bytes, read_file_bytes(path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  auto g = import_onnx_bytes(bytes.data(), bytes.size(), dir);
  if (!g.is_ok()) return g.status().with_context(path);
  return g;
}

namespace {
Expected<onnx::TensorProto> parse_tensor_file(const std::string& path) {
  STITCH_ASSIGN_OR_RETURN(std::string bytes, read_file_bytes(path));
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    return error("'", path, "' is not a valid ONNX TensorProto file");
  }
  return proto;
}
}  // namespace

Expected<Tensor> load_tensor_proto_file(const std::string& path) {
  STITCH_ASSIGN_OR_RETURN(onnx::TensorProto proto, parse_tensor_file(path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  auto t = tensor_from_proto(proto, dir.empty() ? "." : dir);
  if (!t.is_ok()) return t.status().with_context(path);
  return t;
}

Expected<std::string> tensor_proto_file_name(const std::string& path) {
  STITCH_ASSIGN_OR_RETURN(onnx::TensorProto proto, parse_tensor_file(path));
  return proto.name();
}

}  // namespace stitch::frontend
