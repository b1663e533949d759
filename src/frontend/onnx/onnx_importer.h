// The ONNX frontend: .onnx file (protobuf) → graph IR, with ops mapped per opset onto the
// canonical forms of the op registry. The first stage of the pipeline (DESIGN 3.1); protobuf
// and ONNX headers stay inside this folder.
#pragma once

#include <memory>
#include <string>

#include "graph/graph.h"
#include "support/status.h"
#include "support/tensor.h"

namespace stitch::frontend {

// Loads a model file; external data files are resolved relative to its folder. Every
// unsupported operator in the model is listed in one error (op, domain, opset, node).
Expected<std::unique_ptr<graph::Graph>> import_onnx_file(const std::string& path);

// Same, from bytes in memory (fuzzing, embedding). `base_dir` resolves external data; empty
// disables external data.
Expected<std::unique_ptr<graph::Graph>> import_onnx_bytes(const void* data, size_t size,
                                                          const std::string& base_dir);

// Reads a serialized ONNX TensorProto (the test-data .pb format) into a tensor.
Expected<Tensor> load_tensor_proto_file(const std::string& path);
// The TensorProto's `name` field of such a file ("" when unset).
Expected<std::string> tensor_proto_file_name(const std::string& path);

}  // namespace stitch::frontend
