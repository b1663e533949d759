// lower_subgraph: checks, the fusion plan (what is inlined, what an anchor's epilogue absorbs,
// what needs a buffer), then one statement per remaining node. Part of lower/.
//
// ---- The plan's invariants ----
// A value produced inside is exactly one of: inlined (no buffer; its ExprFn answers reads),
// epilogue-fused anchor output (no buffer; its writes store the chain end instead), or
// materialized (a buffer: output when read outside or a graph output, scratch otherwise).
// An epilogue chain a -> v1 -> ... -> z may only read, besides the chain, values that are
// ready when the anchor runs (ready_pos < the anchor's position), because z is written inside
// the anchor's loops. A chain value read by several nodes continues the chain when those nodes
// meet again in one value (a diamond: GELU, SiLU); the diamond's values are inlined, so each
// read recomputes them at the same index, and only the value where it closes goes on.
#include "lower/lower_subgraph.h"

#include <algorithm>
#include <map>
#include <set>

#include "kir/hoist_divisions.h"
#include "kir/simplify.h"
#include "lower/lower_context.h"
#include "lower/templates/template_registry.h"
#include "lower/workspace.h"

namespace stitch::lower {
namespace {

// Every numeric type and bool. Strings have no fixed-size element to put in a buffer; the
// reference interpreter runs the ops that move them.
bool supported_dtype(DType t) { return dtype_size(t) > 0; }

Status check_value(const graph::Value* v, const std::string& kernel_name) {
  if (!v->type().is_static()) {
    // Input shapes are specialized before compiling, so what is left depends on input *data*
    // (a Reshape whose shape is a graph input, NonZero…): code is generated per shape.
    return error("unsupported: value '", v->name(), "' has a data-dependent shape (",
                 v->type().to_string(), "); compiled code needs shapes known at compile time (in ",
                 kernel_name, ")");
  }
  if (v->dtype() == DType::kString) {
    return error("unsupported: string value '", v->name(), "' in ", kernel_name,
                 " (compiled code has no string type; the reference engine runs string ops)");
  }
  if (!supported_dtype(v->dtype())) {
    return error("unsupported: dtype ", dtype_name(v->dtype()), " of value '", v->name(), "' in ",
                 kernel_name);
  }
  return Status::ok();
}

Status check_subgraph(const partition::GraphSubgraph& sg, const std::string& kernel_name) {
  for (const graph::Node* n : sg.nodes) {
    // Templates are looked up by op type; the non-default domains with templates are the
    // training optimizers' (Adagrad, Momentum, Adam) and stitch's own (ops passes introduce,
    // like layout assignment's blocked conv).
    const bool known_domain =
        n->domain().empty() || n->domain() == "ai.onnx.preview.training" || n->domain() == "stitch";
    if (find_template(n->op_type()) == nullptr || !known_domain) {
      return error("unsupported: no lowering for ", n->op_type(), " (node '", n->name(), "')");
    }
    for (const graph::Value* v : n->inputs()) {
      if (v) STITCH_RETURN_IF_ERROR(check_value(v, kernel_name));
    }
    for (const graph::Value* v : n->outputs()) {
      if (v) STITCH_RETURN_IF_ERROR(check_value(v, kernel_name));
    }
  }
  return Status::ok();
}

class Lowering {
 public:
  Lowering(const partition::GraphSubgraph& sg, std::string name, const LowerOptions& options)
      : sg_(sg), name_(std::move(name)), options_(options) {}

  Expected<LoweredKernel> run() {
    index_nodes();
    STITCH_RETURN_IF_ERROR(bind_injective());
    plan_inlining();
    if (options_.fuse_injective) {
      for (const graph::Node* n : sg_.nodes) plan_epilogue(n);
    }
    bind_buffers();
    STITCH_ASSIGN_OR_RETURN(kir::Stmt body, emit_body());
    return finish(body);
  }

 private:
  const OpTemplate& tmpl(const graph::Node* n) const { return *find_template(n->op_type()); }
  bool produced_here(const graph::Value* v) const {
    return v && v->producer() && pos_.count(v->producer());
  }

  void index_nodes() {
    for (size_t i = 0; i < sg_.nodes.size(); ++i) pos_[sg_.nodes[i]] = static_cast<int>(i);
    for (const graph::Value* v : sg_.outputs) outputs_.insert(v);
  }

  Status bind_injective() {
    for (const graph::Node* n : sg_.nodes) {
      if (!tmpl(n).injective) continue;
      STITCH_ASSIGN_OR_RETURN(std::vector<ExprFn> fns, tmpl(n).injective(ctx_, *n));
      STITCH_CHECK(fns.size() == n->outputs().size(), "lower: template of ", n->op_type(), " gave ",
                   fns.size(), " outputs");
      for (size_t k = 0; k < fns.size(); ++k) {
        if (n->output(k)) compute_[n->output(k)] = fns[k];
      }
    }
    return Status::ok();
  }

  // Injective values read by at most one consumer (any number for pure remaps) are inlined.
  void plan_inlining() {
    for (const auto& [v, fn] : compute_) {
      const bool free_remap = tmpl(v->producer()).free_remap;
      if (options_.fuse_injective && !outputs_.count(v) && (free_remap || v->users().size() <= 1)) {
        inlined_.insert(v);
      }
    }
  }

  // The position after which v can be read (-1: from outside).
  int ready_pos(const graph::Value* v) {
    if (!produced_here(v)) return -1;
    if (auto it = ready_.find(v); it != ready_.end()) return it->second;
    int r = pos_.at(v->producer());
    if (inlined_.count(v)) {
      r = -1;
      for (const graph::Value* in : v->producer()->inputs()) r = std::max(r, ready_pos(in));
    }
    ready_[v] = r;
    return r;
  }

  // The next link of an epilogue chain after `cur`, or nullptr.
  const graph::Node* chain_next(const graph::Value* cur, const graph::Value* a, int anchor_pos) {
    if (outputs_.count(cur) || cur->users().empty()) return nullptr;
    const graph::Node* next = cur->users()[0];
    for (const graph::Node* u : cur->users()) {
      if (u != next) return nullptr;
    }
    if (!pos_.count(next) || !tmpl(next).injective || !tmpl(next).elementwise) return nullptr;
    if (next->num_outputs() != 1 || next->output(0)->shape() != a->shape()) return nullptr;
    for (const graph::Value* in : next->inputs()) {
      if (in && in != cur && ready_pos(in) >= anchor_pos) return nullptr;
    }
    return next;
  }

  // An elementwise node that may join the epilogue of anchor output `a`: in this subgraph,
  // a's shape, every input either in `region` or ready before the anchor runs.
  bool joins_region(const graph::Node* n, const std::set<const graph::Value*>& region,
                    const graph::Value* a, int anchor_pos) {
    if (!pos_.count(n) || !tmpl(n).injective || !tmpl(n).elementwise) return false;
    if (n->num_outputs() != 1 || !n->output(0) || n->output(0)->shape() != a->shape()) {
      return false;
    }
    for (const graph::Value* in : n->inputs()) {
      if (in && !region.count(in) && ready_pos(in) >= anchor_pos) return false;
    }
    return true;
  }

  // When `v` (a chain value read by several nodes) starts a diamond of elementwise nodes that
  // all meet again in one value t (GELU's x * (erf(x / sqrt 2) + 1) * 0.5, SiLU's x *
  // sigmoid(x)), the value t; the diamond's values before t, v included, become inlined, so
  // the epilogue recomputes the cheap ones (v: a bias add) instead of storing them. Nothing
  // read outside the diamond, or written out of the kernel, may be inlined.
  const graph::Value* absorb_diamond(const graph::Value* v, const graph::Value* a, int anchor_pos) {
    constexpr int kMaxDiamondNodes = 16;
    std::set<const graph::Value*> region{v};
    std::set<const graph::Node*> nodes;
    std::vector<const graph::Value*> order{v};
    for (int step = 0; step <= kMaxDiamondNodes; ++step) {
      // Values read by some node outside `nodes`, or by the kernel's caller.
      std::vector<const graph::Value*> pending;
      for (const graph::Value* x : order) {
        if (outputs_.count(x)) {
          pending.push_back(x);
          continue;
        }
        for (const graph::Node* u : x->users()) {
          if (!nodes.count(u)) {
            pending.push_back(x);
            break;
          }
        }
      }
      if (pending.size() == 1 && pending[0] != v) {
        const graph::Value* t = pending[0];
        for (const graph::Value* x : order) {
          if (x != t && x != a && !compute_.count(x)) return nullptr;
        }
        for (const graph::Value* x : order) {
          if (x != t && x != a) inlined_.insert(x);
        }
        return t;
      }
      if (pending.empty() || step == kMaxDiamondNodes) return nullptr;
      const graph::Node* pick = nullptr;
      for (const graph::Value* x : pending) {
        for (const graph::Node* u : x->users()) {
          if (!nodes.count(u) && joins_region(u, region, a, anchor_pos)) {
            pick = u;
            break;
          }
        }
        if (pick) break;
      }
      if (!pick) return nullptr;
      nodes.insert(pick);
      region.insert(pick->output(0));
      order.push_back(pick->output(0));
    }
    return nullptr;
  }

  void plan_epilogue(const graph::Node* anchor) {
    // An absent first output (LSTM with only Y_h wanted) has no epilogue.
    if (!tmpl(anchor).anchor || anchor->output(0) == nullptr) return;
    const graph::Value* a = anchor->output(0);
    const int anchor_pos = pos_.at(anchor);
    const graph::Value* cur = a;
    while (true) {
      // A value read by several nodes ends the chain unless they meet again in one value.
      if (cur->users().size() > 1 && !outputs_.count(cur) && (cur == a || !inlined_.count(cur))) {
        // Where it closes goes on like any chain value: an output ends the chain there (the
        // chain never passes an output), another fork is tried as a diamond again.
        const graph::Value* t = absorb_diamond(cur, a, anchor_pos);
        if (!t) break;
        cur = t;
        continue;
      }
      const graph::Node* next = chain_next(cur, a, anchor_pos);
      if (!next) break;
      cur = next->output(0);
      if (!inlined_.count(cur) && cur->users().size() <= 1) break;
    }
    if (cur == a) return;
    inlined_.erase(cur);  // the chain end is stored by the anchor
    fused_anchor_outputs_.insert(a);
    epilogue_tails_.insert(cur->producer());
    ready_[cur] = anchor_pos;
    ready_[a] = anchor_pos;
    ctx_.bind_epilogue(a, cur);
  }

  kir::Buffer make_buffer(const graph::Value* v, kir::BufferKind kind) {
    return kir::make_buffer(identifier_of(v->name()), v->dtype(), v->shape(), kind);
  }

  void bind_buffers() {
    for (const graph::Value* v : sg_.inputs) {
      ctx_.bind_buffer(v, make_buffer(v, v->is_constant() ? kir::BufferKind::kConstant
                                                          : kir::BufferKind::kInput));
    }
    for (const graph::Value* v : sg_.outputs) {
      ctx_.bind_buffer(v, make_buffer(v, kir::BufferKind::kOutput));
    }
    for (const graph::Node* n : sg_.nodes) {
      for (const graph::Value* v : n->outputs()) {
        if (!v || outputs_.count(v)) continue;
        if (inlined_.count(v)) {
          ctx_.bind_inline(v, compute_.at(v));
        } else if (!fused_anchor_outputs_.count(v) && !v->users().empty()) {
          kir::Buffer b = make_buffer(v, kir::BufferKind::kScratch);
          ctx_.bind_buffer(v, b);
          scratch_.push_back(b);
        }
      }
    }
    for (const auto& [v, fn] : compute_) ctx_.bind_compute(v, fn);
  }

  Expected<kir::Stmt> emit_node(const graph::Node* n) {
    if (tmpl(n).anchor) return tmpl(n).anchor(ctx_, *n);
    std::vector<kir::Stmt> stmts;
    for (const graph::Value* v : n->outputs()) {
      if (!v || inlined_.count(v) || !ctx_.find_buffer(v)) continue;
      const ExprFn& fn = compute_.at(v);
      stmts.push_back(loop_nest(ctx_, v->shape(),
                                [&](const Index& idx) { return ctx_.write(v, idx, fn(idx)); }));
    }
    return kir::seq(std::move(stmts));
  }

  Expected<kir::Stmt> emit_body() {
    std::vector<kir::Stmt> stmts;
    for (const graph::Node* n : sg_.nodes) {
      if (epilogue_tails_.count(n)) continue;
      STITCH_ASSIGN_OR_RETURN(kir::Stmt s, emit_node(n));
      stmts.push_back(s);
    }
    kir::Stmt body = kir::seq(std::move(stmts));
    for (size_t i = scratch_.size(); i-- > 0;) body = kir::allocate(scratch_[i], body);
    return body;
  }

  LoweredKernel finish(const kir::Stmt& body) {
    LoweredKernel out;
    std::vector<kir::Buffer> params;
    for (graph::Value* v : sg_.inputs) {
      if (!ctx_.loaded().count(v)) continue;  // e.g. a Reshape's shape: read at compile time
      params.push_back(*ctx_.find_buffer(v));
      out.bindings.push_back(v);
    }
    for (graph::Value* v : sg_.outputs) {
      params.push_back(*ctx_.find_buffer(v));
      out.bindings.push_back(v);
    }
    kir::Stmt kernel_body = hoist_workspace(body, &out.workspace);
    params.insert(params.end(), out.workspace.begin(), out.workspace.end());
    // Index maps composed by templates and fusion leave divisions and bounds that the loop
    // ranges decide; the C++ compiler cannot see those ranges, so fold them here.
    out.kernel = kir::simplify_kernel(kir::make_kernel(name_, std::move(params), {}, kernel_body));
    // Then the divisions left (a parallel unit's decomposition) are bound once per iteration of
    // the outermost loop that knows their variables, not recomputed in every element loop.
    out.kernel = kir::hoist_invariant_divisions(out.kernel);
    return out;
  }

  const partition::GraphSubgraph& sg_;
  std::string name_;
  LowerOptions options_;
  LowerContext ctx_;
  std::map<const graph::Node*, int> pos_;
  std::set<const graph::Value*> outputs_;
  std::map<const graph::Value*, ExprFn> compute_;
  std::set<const graph::Value*> inlined_;
  std::set<const graph::Value*> fused_anchor_outputs_;
  std::set<const graph::Node*> epilogue_tails_;
  std::map<const graph::Value*, int> ready_;
  std::vector<kir::Buffer> scratch_;
};

}  // namespace

std::string identifier_of(const std::string& name) {
  std::string id;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (ok) {
      id += c;
    } else if (!id.empty() && id.back() != '_') {
      id += '_';
    }
  }
  while (!id.empty() && id.back() == '_') id.pop_back();
  if (id.empty() || (id[0] >= '0' && id[0] <= '9')) id = "v" + id;
  return id;
}

Expected<LoweredKernel> lower_subgraph(const graph::Graph& g, const partition::GraphSubgraph& sg,
                                       const std::string& kernel_name,
                                       const LowerOptions& options) {
  (void)g;  // the subgraph's nodes and values carry everything lowering needs
  STITCH_RETURN_IF_ERROR(check_subgraph(sg, kernel_name));
  return Lowering(sg, kernel_name, options).run();
}

}  // namespace stitch::lower
