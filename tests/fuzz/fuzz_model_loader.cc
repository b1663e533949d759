// libFuzzer target for the ONNX model loader: arbitrary bytes → import_onnx_bytes (protobuf
// parse, tensor conversion, opset canonicalization, shape inference). It must return an error
// or a graph, never crash, hang or exhaust memory. Part of tests/fuzz/; built with
// -DSTITCH_FUZZ=ON under clang, ASan and UBSan.
#include <cstddef>
#include <cstdint>

#include "frontend/onnx/onnx_importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto graph = stitch::frontend::import_onnx_bytes(data, size, "");
  if (graph.is_ok()) (void)(*graph)->to_string();  // walk every node and attribute
  return 0;
}
