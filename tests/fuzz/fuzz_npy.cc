// libFuzzer target for the .npy reader the CLI uses for inputs. Part of tests/fuzz/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "support/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)stitch::parse_npy(bytes, "fuzz input");
  return 0;
}
