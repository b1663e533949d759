// Per-kernel times of a compiled run as a Chrome trace (chrome://tracing, Perfetto).
// Part of driver/; `stitch run|bench --profile FILE` writes it.
#pragma once

#include <string>

#include "runtime/executor.h"

namespace stitch::driver {

// Writes the executor's last profile: one complete event ("ph": "X") per kernel, named by its
// symbol, with the buffers it touched as arguments.
Status write_chrome_trace(const runtime::Executor& executor, const std::string& path);

}  // namespace stitch::driver
