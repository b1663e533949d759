// Hand-made and random DAGs for the partitioner tests. Part of tests/unit/partition/.
#include "dag_test_util.h"

#include <algorithm>

namespace stitch::partition::testing {

int DagBuilder::op(OpClass c, const std::vector<int>& input_ops, int64_t out_bytes,
                   const std::vector<int>& extra_tensors) {
  int id = dag_.add_node(c);
  for (int p : input_ops) dag_.add_use(id, outputs_[p]);
  for (int t : extra_tensors) dag_.add_use(id, t);
  outputs_.push_back(dag_.add_output_tensor(id, out_bytes));
  return id;
}

OpDag DagBuilder::finish() {
  for (int t = 0; t < dag_.num_tensors(); ++t) {
    if (dag_.tensor(t).producer >= 0 && dag_.tensor(t).consumers.empty()) {
      dag_.mark_graph_output(t);
    }
  }
  return dag_;
}

namespace {

int64_t random_bytes(std::mt19937& rng) {
  static const int64_t kSizes[] = {0, 64, 4096, 65536, 262144, 600000, 2 << 20};
  return kSizes[std::uniform_int_distribution<int>(0, 6)(rng)];
}

OpClass random_class(std::mt19937& rng, const std::vector<int>& weights) {
  std::discrete_distribution<int> d(weights.begin(), weights.end());
  static const OpClass kClasses[] = {OpClass::kInjective, OpClass::kReduce, OpClass::kComplex,
                                     OpClass::kOpaque};
  return kClasses[d(rng)];
}

// Picks one tensor for node `v` to read: mostly a recent node's output (chains), sometimes any
// earlier one (skip connections, diamonds), sometimes an external tensor.
int random_input(std::mt19937& rng, int v, const std::vector<std::vector<int>>& outs,
                 const std::vector<int>& externals) {
  int kind = std::uniform_int_distribution<int>(0, 99)(rng);
  if (v == 0 || kind < 12) {
    return externals[std::uniform_int_distribution<size_t>(0, externals.size() - 1)(rng)];
  }
  int lo = kind < 70 ? std::max(0, v - 3) : 0;
  int p = std::uniform_int_distribution<int>(lo, v - 1)(rng);
  const auto& o = outs[p];
  return o[std::uniform_int_distribution<size_t>(0, o.size() - 1)(rng)];
}

}  // namespace

OpDag random_dag(std::mt19937& rng, const RandomDagOptions& options) {
  OpDag dag;
  int n = std::uniform_int_distribution<int>(options.min_nodes, options.max_nodes)(rng);
  std::vector<int> weights;
  for (int i = 0; i < 4; ++i) weights.push_back(std::uniform_int_distribution<int>(0, 10)(rng));
  weights[0] += 1;  // at least some injective ops
  std::vector<int> externals;
  int num_ext = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < num_ext; ++i) {
    externals.push_back(dag.add_external_tensor(random_bytes(rng), /*is_constant=*/i % 2 == 1));
  }
  std::vector<std::vector<int>> outs;
  for (int v = 0; v < n; ++v) {
    dag.add_node(random_class(rng, weights));
    int num_in = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < num_in; ++k) dag.add_use(v, random_input(rng, v, outs, externals));
    int num_out = std::uniform_int_distribution<int>(0, 9)(rng) == 0 ? 2 : 1;
    outs.emplace_back();
    for (int k = 0; k < num_out; ++k)
      outs.back().push_back(dag.add_output_tensor(v, random_bytes(rng)));
  }
  for (int t = 0; t < dag.num_tensors(); ++t) {
    const DagTensor& tensor = dag.tensor(t);
    bool unread = tensor.producer >= 0 && tensor.consumers.empty();
    if (unread || (tensor.producer >= 0 && std::uniform_int_distribution<int>(0, 19)(rng) == 0)) {
      dag.mark_graph_output(t);
    }
  }
  return dag;
}

}  // namespace stitch::partition::testing
