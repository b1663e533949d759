// plan.bin: an execution plan and the artifact's metadata as bytes, and back. Part of runtime/;
// the artifact writer and loader use it (format: docs/artifact.md).
//
// File layout (all integers little-endian):
//   0  magic "STITCHPL" (8 bytes)
//   8  u32 format version (kPlanFormatVersion)      12  u32 reserved, 0
//   16 u64 payload size (the file size - 32)        24  u64 checksum64 of the payload
//   32 payload: PlanFile's fields, in the order plan_serialization.cc lists them once.
// In the payload an integer is its fixed width, an enum an i32, a string or a vector a u64
// count then its elements, a struct its fields in order. A reader accepts exactly its own
// version: a field added to ExecutionPlan is one line in plan_serialization.cc plus a bump of
// kPlanFormatVersion, and older artifacts are refused with "compile again".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/execution_plan.h"
#include "support/status.h"

namespace stitch::runtime {

inline constexpr char kPlanMagic[8] = {'S', 'T', 'I', 'T', 'C', 'H', 'P', 'L'};
// 2: host steps (PlanStep's kind, host_op, num_inputs, attributes) and dynamic buffers.
inline constexpr uint32_t kPlanFormatVersion = 3;
inline constexpr size_t kPlanHeaderBytes = 32;

// What the runtime needs to know about how the kernels were built.
struct ArtifactMetadata {
  std::string producer;  // "stitch 0.1.0"
  std::string target;    // the ISA the kernels need, as toolchain::Target::name() spells it
};

struct PlanFile {
  ArtifactMetadata metadata;
  ExecutionPlan plan;
};

// The whole file: header and payload.
std::string serialize_plan_file(const PlanFile& file);
// Checks magic, version, size and checksum, then parses the payload; `what` names the file in
// errors. The plan is not validated against the constants here (validate_execution_plan is).
Expected<PlanFile> deserialize_plan_file(std::string_view bytes, const std::string& what);

// The payload alone, without header or checksum: exposed so tests can feed the parser
// truncated and corrupted payloads that a checksum would otherwise stop first.
std::string serialize_plan_payload(const PlanFile& file);
Expected<PlanFile> deserialize_plan_payload(std::string_view payload, const std::string& what);

}  // namespace stitch::runtime
