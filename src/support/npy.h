// NumPy .npy files ↔ Tensor (format versions 1–3, little-endian, C order). Part of support/;
// the CLI's input and output format.
#pragma once

#include <string>

#include "support/tensor.h"

namespace stitch {

Expected<Tensor> read_npy(const std::string& path);
// Parses .npy bytes held in memory (fuzzing, tests).
Expected<Tensor> parse_npy(const std::string& bytes, const std::string& what);
Status write_npy(const std::string& path, const Tensor& t);

}  // namespace stitch
