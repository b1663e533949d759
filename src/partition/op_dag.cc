// OpDag construction: keeps the topological numbering and the neighbour lists right as nodes,
// tensors and uses are added. Part of partition/.
#include "partition/op_dag.h"

#include <algorithm>

#include "support/status.h"

namespace stitch::partition {
namespace {

// Inserts `x` into the ascending vector `v` unless present.
void insert_sorted(std::vector<int>& v, int x) {
  auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it == v.end() || *it != x) v.insert(it, x);
}

}  // namespace

int OpDag::add_node(OpClass op_class) {
  DagNode n;
  n.op_class = op_class;
  nodes_.push_back(std::move(n));
  return num_nodes() - 1;
}

int OpDag::add_external_tensor(int64_t bytes, bool is_constant) {
  DagTensor t;
  t.bytes = bytes;
  t.is_constant = is_constant;
  tensors_.push_back(std::move(t));
  return num_tensors() - 1;
}

int OpDag::add_output_tensor(int producer, int64_t bytes) {
  STITCH_CHECK(producer >= 0 && producer < num_nodes(), "producer ", producer);
  DagTensor t;
  t.producer = producer;
  t.bytes = bytes;
  tensors_.push_back(std::move(t));
  nodes_[producer].outputs.push_back(num_tensors() - 1);
  return num_tensors() - 1;
}

void OpDag::add_use(int node, int tensor) {
  STITCH_CHECK(node >= 0 && node < num_nodes(), "node ", node);
  STITCH_CHECK(tensor >= 0 && tensor < num_tensors(), "tensor ", tensor);
  DagTensor& t = tensors_[tensor];
  STITCH_CHECK(t.producer < node, "node ", node, " uses tensor ", tensor, " of later node ",
               t.producer, ": nodes must be added in topological order");
  DagNode& n = nodes_[node];
  if (std::find(n.inputs.begin(), n.inputs.end(), tensor) != n.inputs.end()) return;
  n.inputs.push_back(tensor);
  insert_sorted(t.consumers, node);
  if (t.producer >= 0) {
    insert_sorted(n.preds, t.producer);
    insert_sorted(nodes_[t.producer].succs, node);
  }
}

void OpDag::mark_graph_output(int tensor) {
  STITCH_CHECK(tensor >= 0 && tensor < num_tensors(), "tensor ", tensor);
  tensors_[tensor].is_graph_output = true;
}

bool OpDag::is_anchor(int i) const {
  OpClass c = nodes_[i].op_class;
  return c == OpClass::kComplex || c == OpClass::kReduce;
}

int64_t OpDag::edge_bytes(int src, int dst) const {
  int64_t total = 0;
  for (int t : nodes_[src].outputs) {
    const auto& c = tensors_[t].consumers;
    if (std::binary_search(c.begin(), c.end(), dst)) total += tensors_[t].bytes;
  }
  return total;
}

}  // namespace stitch::partition
