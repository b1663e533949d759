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
  if (name == "stitch_gemm_f32_few_rows") {
    return target.has_avx2() ? kGemmF32FewRowsAvx2 : kGemmF32FewRowsGeneric;
  }
  if (name == "stitch_reorder_f32_nchw8c") {
    return target.has_avx2() ? kReorderF32Nchw8cAvx2 : kReorderF32Nchw8cGeneric;
  }
  if (name == "stitch_conv_f32_nchw8c") {
    return target.has_avx2() ? kConvF32Nchw8cAvx2 : kConvF32Nchw8cGeneric;
  }
  if (name == "stitch_winograd_f32_4x4_3x3_input") {
    return target.has_avx2()
               ? std::string(kWinogradF32x4x4x3x3CommonAvx2) + kWinogradF32x4x4x3x3InputAvx2
               : std::string(kWinogradF32x4x4x3x3CommonGeneric) + kWinogradF32x4x4x3x3InputGeneric;
  }
  if (name == "stitch_winograd_f32_4x4_3x3_output") {
    return target.has_avx2()
               ? std::string(kWinogradF32x4x4x3x3CommonAvx2) + kWinogradF32x4x4x3x3OutputAvx2
               : std::string(kWinogradF32x4x4x3x3CommonGeneric) + kWinogradF32x4x4x3x3OutputGeneric;
  }
  return "";
}

}  // namespace stitch::codegen::cpp
