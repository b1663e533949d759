// Chrome-trace JSON writer for kernel profiles. Part of driver/.
#include "driver/profile_trace.h"

#include <fstream>

namespace stitch::driver {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

}  // namespace

Status write_chrome_trace(const runtime::Executor& executor, const std::string& path) {
  const auto& profile = executor.last_profile();
  if (profile.empty()) return error("no profile recorded (run the model with profiling on)");
  std::ofstream out(path);
  if (!out) return error("cannot write profile '", path, "'");
  const runtime::ExecutionPlan& plan = executor.plan();
  out << "{\"traceEvents\": [\n";
  for (size_t i = 0; i < profile.size(); ++i) {
    const auto& t = profile[i];
    const runtime::PlanStep& step = plan.steps[t.step];
    std::string buffers;
    for (int32_t b : step.buffers) {
      if (b >= 0) buffers += (buffers.empty() ? "" : ", ") + plan.buffers[b].name;
    }
    out << "  {\"name\": " << json_string(runtime::step_name(step))
        << ", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": " << t.start_us
        << ", \"dur\": " << t.duration_us << ", \"args\": {\"step\": " << t.step
        << ", \"buffers\": " << json_string(buffers) << "}}"
        << (i + 1 < profile.size() ? ",\n" : "\n");
  }
  out << "], \"displayTimeUnit\": \"ms\"}\n";
  if (!out) return error("cannot write profile '", path, "'");
  return Status::ok();
}

}  // namespace stitch::driver
