// Helpers for the partitioner tests: a builder for hand-made DAGs (one output tensor per op)
// and a seeded generator of random DAGs. Part of tests/unit/partition/.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "partition/op_dag.h"

namespace stitch::partition::testing {

// Builds DAGs where each op has one output tensor; ops name their inputs by op index.
class DagBuilder {
 public:
  // An op reading the outputs of `input_ops` (and `extra_tensors`); returns the op index.
  int op(OpClass c, const std::vector<int>& input_ops, int64_t out_bytes = 100,
         const std::vector<int>& extra_tensors = {});
  int inj(const std::vector<int>& in, int64_t bytes = 100) {
    return op(OpClass::kInjective, in, bytes);
  }
  int complex(const std::vector<int>& in, int64_t bytes = 100) {
    return op(OpClass::kComplex, in, bytes);
  }
  int reduce(const std::vector<int>& in, int64_t bytes = 100) {
    return op(OpClass::kReduce, in, bytes);
  }
  int opaque(const std::vector<int>& in, int64_t bytes = 100) {
    return op(OpClass::kOpaque, in, bytes);
  }
  // An external tensor (graph input or constant); returns the tensor id.
  int input(int64_t bytes, bool is_constant = false) {
    return dag_.add_external_tensor(bytes, is_constant);
  }
  int output_of(int op) const { return outputs_[op]; }
  void mark_output(int op) { dag_.mark_graph_output(outputs_[op]); }
  // Marks ops whose output nobody reads as graph outputs, and returns the DAG.
  OpDag finish();
  OpDag& dag() { return dag_; }

 private:
  OpDag dag_;
  std::vector<int> outputs_;
};

struct RandomDagOptions {
  int min_nodes = 1;
  int max_nodes = 60;
};

// A random DAG: op classes with a per-DAG mix, chains, diamonds, skip connections, shared
// inputs, multi-output ops, sizes from 0 (unknown) to megabytes. Deterministic for an rng state.
OpDag random_dag(std::mt19937& rng, const RandomDagOptions& options = {});

}  // namespace stitch::partition::testing
