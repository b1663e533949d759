// Picks the source of a microkernel for a target (see microkernels.h). Part of codegen/cpp/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

std::string microkernel_definition(const std::string& name, const toolchain::Target& target) {
  if (name == "stitch_gemm_f32_6x16") {
    if (target.has_avx512()) return kGemmF32x6x16Avx512;
    if (target.has_avx2()) return std::string(kGemmF32x6x16TileAvx2) + kGemmF32x6x16Avx2;
    return kGemmF32x6x16Generic;
  }
  if (name == "stitch_gemm_f32_6x16_rows") {
    if (target.has_avx2()) return std::string(kGemmF32x6x16TileAvx2) + kGemmF32x6x16RowsAvx2;
    return kGemmF32x6x16RowsGeneric;
  }
  if (name == "stitch_conv_f32_nchw8c") {
    return target.has_avx2() ? kConvF32Nchw8cAvx2 : kConvF32Nchw8cGeneric;
  }
  return "";
}

}  // namespace stitch::codegen::cpp
