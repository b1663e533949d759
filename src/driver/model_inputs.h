// Binding user-supplied input files (.npy or ONNX TensorProto .pb) or seeded random data to a
// graph's inputs. Part of driver/; shared by `stitch run`, `bench` and `check`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "support/tensor.h"

namespace stitch::driver {

// One --input argument: "NAME=FILE" or a bare "FILE" (bound by position).
struct InputSpec {
  std::string name;  // empty: positional
  std::string path;
};
InputSpec parse_input_spec(const std::string& arg);

// Reads a .npy or .pb tensor file (chosen by content, not by extension).
Expected<Tensor> load_tensor_file(const std::string& path);

// Binds specs to graph.inputs(): named ones by name, bare ones in order to the inputs not yet
// bound. Inputs left unbound are filled with random data when `random_seed` >= 0, otherwise
// they are an error naming each missing input. Dtypes and known dims are checked here so the
// error names the file.
Expected<std::vector<Tensor>> bind_inputs(const graph::Graph& graph,
                                          const std::vector<InputSpec>& specs, int64_t random_seed);

// Seeded random data for one input: floats uniform in [-1, 1), integers in [0, 10), bools
// random. Unknown (symbolic) dims become 1.
Tensor random_tensor(const graph::TensorType& type, uint64_t seed);

}  // namespace stitch::driver
