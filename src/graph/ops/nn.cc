// Schemas of the nn op family (conv, matmul, pooling, normalization, quantization), and the
// helpers of nn_util.h. Part of graph/ops/; the op schemas live in nn_<part>.cc.
#include <algorithm>
#include <map>

#include "graph/ops/all_ops.h"
#include "graph/ops/nn_util.h"

namespace stitch::graph {

void register_nn_ops(OpRegistry& r) {
  register_nn_conv_ops(r);
  register_nn_matmul_ops(r);
  register_nn_pool_ops(r);
  register_nn_norm_ops(r);
  register_nn_quant_ops(r);
}

namespace nn {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Reads an attribute of per-spatial-dim values, `fallback` for each dim when absent.
Expected<Shape> spatial_attr(const Node& node, const char* name, size_t rank, int64_t fallback,
                             size_t multiple = 1) {
  Shape v = node.attr_ints(name, Shape(rank * multiple, fallback));
  if (v.size() != rank * multiple) {
    return error("attribute '", name, "' has ", v.size(), " values, expected ", rank * multiple);
  }
  return v;
}

// Fills strides, dilations, explicit pads and checks them; kernel must already be set.
Status read_window_attrs(const Node& node, WindowGeometry& g) {
  size_t n = g.kernel.size();
  STITCH_ASSIGN_OR_RETURN(g.strides, spatial_attr(node, "strides", n, 1));
  STITCH_ASSIGN_OR_RETURN(g.dilations, spatial_attr(node, "dilations", n, 1));
  STITCH_ASSIGN_OR_RETURN(Shape pads, spatial_attr(node, "pads", n, 0, 2));
  g.pads_begin.assign(pads.begin(), pads.begin() + n);
  g.pads_end.assign(pads.begin() + n, pads.end());
  for (size_t i = 0; i < n; ++i) {
    if (g.kernel[i] <= 0) return error("kernel dim ", i, " is ", g.kernel[i], ", must be > 0");
    if (g.strides[i] <= 0) return error("strides must be > 0, got ", g.strides[i]);
    if (g.dilations[i] <= 0) return error("dilations must be > 0, got ", g.dilations[i]);
    if (g.pads_begin[i] < 0 || g.pads_end[i] < 0) return error("pads must be >= 0");
  }
  return Status::ok();
}

Expected<std::string> read_auto_pad(const Node& node) {
  std::string a = node.attr_string("auto_pad", "NOTSET");
  if (a.empty()) a = "NOTSET";
  if (a != "NOTSET" && a != "SAME_UPPER" && a != "SAME_LOWER" && a != "VALID") {
    return error("unknown auto_pad '", a, "'");
  }
  return a;
}

// Splits a total padding between begin and end; `more_at_end` puts the odd element at the end.
void split_padding(int64_t total, bool more_at_end, int64_t& begin, int64_t& end) {
  begin = more_at_end ? total / 2 : total - total / 2;
  end = total - begin;
}

}  // namespace

Expected<WindowGeometry> window_geometry(const Node& node, const Shape& input_spatial,
                                         const Shape& kernel, bool ceil_mode) {
  WindowGeometry g;
  g.kernel = kernel;
  if (kernel.size() != input_spatial.size()) {
    return error("kernel has ", kernel.size(), " spatial dims, input has ", input_spatial.size());
  }
  STITCH_RETURN_IF_ERROR(read_window_attrs(node, g));
  STITCH_ASSIGN_OR_RETURN(std::string auto_pad, read_auto_pad(node));
  size_t n = kernel.size();
  g.output.assign(n, kUnknownDim);
  for (size_t i = 0; i < n; ++i) {
    int64_t in = input_spatial[i];
    int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t s = g.strides[i];
    if (auto_pad != "NOTSET") g.pads_begin[i] = g.pads_end[i] = 0;
    if (in < 0) continue;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.output[i] = ceil_div(in, s);
      int64_t total = std::max<int64_t>(0, (g.output[i] - 1) * s + extent - in);
      split_padding(total, auto_pad == "SAME_UPPER", g.pads_begin[i], g.pads_end[i]);
      continue;
    }
    int64_t span = in + g.pads_begin[i] + g.pads_end[i] - extent;
    if (span < 0) {
      return error("window extent ", extent, " is larger than the padded input (",
                   in + g.pads_begin[i] + g.pads_end[i], ") in spatial dim ", i);
    }
    int64_t out = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
    // A last window starting inside the end padding would see no input: drop it.
    if (ceil_mode && (out - 1) * s >= in + g.pads_begin[i]) --out;
    g.output[i] = out;
  }
  return g;
}

Expected<WindowGeometry> conv_transpose_geometry(const Node& node, const Shape& input_spatial,
                                                 const Shape& kernel) {
  WindowGeometry g;
  g.kernel = kernel;
  size_t n = kernel.size();
  if (n != input_spatial.size()) {
    return error("kernel has ", n, " spatial dims, input has ", input_spatial.size());
  }
  STITCH_RETURN_IF_ERROR(read_window_attrs(node, g));
  STITCH_ASSIGN_OR_RETURN(std::string auto_pad, read_auto_pad(node));
  STITCH_ASSIGN_OR_RETURN(Shape out_pad, spatial_attr(node, "output_padding", n, 0));
  Shape out_shape = node.attr_ints("output_shape");
  if (out_shape.size() == n + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (!out_shape.empty() && out_shape.size() != n) {
    return error("output_shape has ", out_shape.size(), " values for ", n, " spatial dims");
  }
  g.output.assign(n, kUnknownDim);
  for (size_t i = 0; i < n; ++i) {
    int64_t in = input_spatial[i];
    int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (in < 0) continue;
    int64_t full = g.strides[i] * (in - 1) + out_pad[i] + extent;
    bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!out_shape.empty() || same) {
      g.output[i] = !out_shape.empty() ? out_shape[i] : in * g.strides[i];
      // An output larger than the full result is padded at the end (ONNX Runtime's rule).
      int64_t total = std::max<int64_t>(0, full - g.output[i]);
      split_padding(total, auto_pad == "SAME_UPPER", g.pads_begin[i], g.pads_end[i]);
    } else {
      if (auto_pad == "VALID") g.pads_begin[i] = g.pads_end[i] = 0;
      g.output[i] = full - g.pads_begin[i] - g.pads_end[i];
    }
    if (g.output[i] <= 0) return error("output spatial dim ", i, " would be ", g.output[i]);
  }
  return g;
}

namespace {

int letter_label(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -1;
}

// Parses one term into letter labels; `ellipsis_at` is where "..." sits (-1 when absent).
Status parse_einsum_term(const std::string& term, std::vector<int>& labels, int& ellipsis_at) {
  ellipsis_at = -1;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.compare(i, 3, "...") == 0) {
      if (ellipsis_at >= 0) return error("einsum term '", term, "' has two ellipses");
      ellipsis_at = static_cast<int>(labels.size());
      i += 2;
      continue;
    }
    int l = letter_label(term[i]);
    if (l < 0) return error("einsum term '", term, "' has an invalid character '", term[i], "'");
    labels.push_back(l);
  }
  return Status::ok();
}

// Inserts `count` ellipsis labels, right-aligned to `max_count`, at position `at`.
void expand_ellipsis(std::vector<int>& labels, int at, int count, int max_count) {
  std::vector<int> dims;
  for (int e = 0; e < count; ++e) dims.push_back(kEinsumFirstEllipsisLabel + max_count - count + e);
  labels.insert(labels.begin() + at, dims.begin(), dims.end());
}

}  // namespace

namespace {

std::vector<std::string> split_terms(const std::string& lhs) {
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) return terms;
    start = comma + 1;
  }
}

// Parses the input terms into spec.inputs with the ellipses expanded; returns the widest
// ellipsis.
Expected<int> parse_einsum_inputs(const std::vector<std::string>& terms,
                                  const std::vector<int64_t>& ranks, EinsumSpec& spec) {
  std::vector<int> ellipsis_at(terms.size()), ellipsis_rank(terms.size(), 0);
  int max_ellipsis = 0;
  spec.inputs.resize(terms.size());
  for (size_t t = 0; t < terms.size(); ++t) {
    STITCH_RETURN_IF_ERROR(parse_einsum_term(terms[t], spec.inputs[t], ellipsis_at[t]));
    int64_t letters = static_cast<int64_t>(spec.inputs[t].size());
    if (ellipsis_at[t] < 0 ? letters != ranks[t] : letters > ranks[t]) {
      return error("einsum term '", terms[t], "' does not match input ", t, " of rank ", ranks[t]);
    }
    if (ellipsis_at[t] >= 0) ellipsis_rank[t] = static_cast<int>(ranks[t] - letters);
    max_ellipsis = std::max(max_ellipsis, ellipsis_rank[t]);
  }
  for (size_t t = 0; t < terms.size(); ++t) {
    if (ellipsis_at[t] >= 0) {
      expand_ellipsis(spec.inputs[t], ellipsis_at[t], ellipsis_rank[t], max_ellipsis);
    }
  }
  return max_ellipsis;
}

// Implicit output (NumPy): the broadcast ellipsis dims, then the letters used exactly once, in
// ASCII order (upper case first).
std::vector<int> implicit_einsum_output(const std::vector<int>& count, int max_ellipsis) {
  std::vector<int> out;
  for (int e = 0; e < max_ellipsis; ++e) out.push_back(kEinsumFirstEllipsisLabel + e);
  std::vector<std::pair<char, int>> once;
  for (int l = 0; l < kEinsumFirstEllipsisLabel; ++l) {
    if (count[l] == 1) once.push_back({static_cast<char>(l < 26 ? 'a' + l : 'A' + l - 26), l});
  }
  std::sort(once.begin(), once.end());
  for (auto& [c, l] : once) out.push_back(l);
  return out;
}

}  // namespace

Expected<EinsumSpec> parse_einsum(const std::string& equation, const std::vector<int64_t>& ranks) {
  std::string eq;
  for (char c : equation) {
    if (c != ' ') eq += c;
  }
  size_t arrow = eq.find("->");
  std::vector<std::string> terms = split_terms(eq.substr(0, arrow));
  if (terms.size() != ranks.size()) {
    return error("einsum equation '", equation, "' has ", terms.size(), " operands, got ",
                 ranks.size(), " inputs");
  }
  EinsumSpec spec;
  STITCH_ASSIGN_OR_RETURN(int max_ellipsis, parse_einsum_inputs(terms, ranks, spec));
  spec.num_labels = kEinsumFirstEllipsisLabel + max_ellipsis;
  std::vector<int> count(spec.num_labels, 0);
  for (const auto& labels : spec.inputs) {
    for (int l : labels) ++count[l];
  }
  if (arrow == std::string::npos) {
    spec.output = implicit_einsum_output(count, max_ellipsis);
    return spec;
  }
  int out_ellipsis = -1;
  STITCH_RETURN_IF_ERROR(parse_einsum_term(eq.substr(arrow + 2), spec.output, out_ellipsis));
  if (out_ellipsis >= 0) expand_ellipsis(spec.output, out_ellipsis, max_ellipsis, max_ellipsis);
  std::vector<bool> seen(spec.num_labels, false);
  for (int l : spec.output) {
    if (count[l] == 0) return error("einsum output label not present in any input: ", equation);
    if (seen[l]) return error("einsum output repeats a label: ", equation);
    seen[l] = true;
  }
  return spec;
}

Expected<std::vector<int64_t>> einsum_label_sizes(const EinsumSpec& spec,
                                                  const std::vector<Shape>& shapes) {
  std::vector<int64_t> size(spec.num_labels, 1);
  std::vector<bool> fixed(spec.num_labels, false);
  for (size_t t = 0; t < spec.inputs.size(); ++t) {
    for (size_t d = 0; d < spec.inputs[t].size(); ++d) {
      int l = spec.inputs[t][d];
      int64_t dim = shapes[t][d];
      if (!fixed[l] || size[l] == 1) {
        if (!fixed[l] || dim != 1) size[l] = dim;
        fixed[l] = true;
      } else if (dim != 1 && dim != size[l]) {
        if (dim < 0 || size[l] < 0) {
          size[l] = std::max(dim, size[l]);
          continue;
        }
        return error("einsum dimension mismatch: input ", t, " dim ", d, " is ", dim,
                     ", other operands have ", size[l]);
      }
    }
  }
  return size;
}

}  // namespace nn
}  // namespace stitch::graph
