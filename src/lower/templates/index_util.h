// Helpers of the index-op template files (index*.cc): index values read from tensors, and the
// registration functions index.cc calls. Part of lower/templates/.
#pragma once

#include "lower/templates/template_registry.h"

namespace stitch::lower {

// An index element (any integer dtype) as an in-bounds position along a dim of `dim`:
// negative values count from the end (ONNX), and the result is clamped so that a bad index
// (which the reference rejects) never loads or stores outside the buffer.
inline kir::Expr wrapped_index(const kir::Expr& raw, int64_t dim) {
  kir::Expr i = kir::cast(scalar_type(kir::kIndexType), raw);
  i = kir::select(kir::lt(i, index_const(0)), i + dim, i);
  return clamp_index(i, dim);
}

// Whether output i exists and someone reads it (an unread output has no buffer to write).
inline bool output_used(const graph::Node& n, int i) {
  const graph::Value* v = n.output(i);
  return v != nullptr && (!v->users().empty() || v->is_graph_output());
}

void register_index_scatter_templates(TemplateTable& t);
void register_index_select_templates(TemplateTable& t);
void register_index_scan_templates(TemplateTable& t);

}  // namespace stitch::lower
