// LowerContext: what a template sees while one subgraph is lowered — how to read a value at an
// index and how to write one. Part of lower/; lower_subgraph.cc fills it, templates/ use it.
//
// ---- Reads and writes (post-scheduling fusion, Hidet) ----
// Templates never touch buffers of graph values directly. read(v, idx) yields v's element at a
// multi-dimensional index: a Load from v's buffer when v is materialized, or the producer's
// expression (its ExprFn, called at idx) when v was inlined into its consumers (prologue
// fusion). write(v, idx, x) stores an anchor's result; when an elementwise chain was fused as
// the anchor's epilogue, it stores chain_end(idx) into the chain end's buffer instead, with every
// read of v in the chain answered by x. That is sound because each chain value has v's shape, so
// the chain reads v exactly at idx.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "kir/kir.h"
#include "support/status.h"

namespace stitch::lower {

using Index = std::vector<kir::Expr>;
// The element of one value at an index (of that value's rank).
using ExprFn = std::function<kir::Expr(const Index&)>;

class LowerContext {
 public:
  // v's element at idx (idx has v's rank; a scalar value takes {}).
  kir::Expr read(const graph::Value* v, const Index& idx);
  // v's element at a row-major linear index (cheap for buffers: reshapes cost nothing).
  kir::Expr read_linear(const graph::Value* v, const kir::Expr& linear);
  // Stores x as v's element at idx (through v's epilogue when it has one).
  kir::Stmt write(const graph::Value* v, const Index& idx, const kir::Expr& x);

  // A fresh loop variable; printed names are made unique by the printer.
  kir::Var var(const std::string& name) { return kir::make_var(name); }
  // A scratch buffer for accumulators, allocated by the template around its use.
  kir::Buffer scratch(const std::string& name, DType dtype, const std::vector<int64_t>& shape);

  // ---- Set up by lower_subgraph ----
  void bind_buffer(const graph::Value* v, kir::Buffer b) { buffers_[v] = std::move(b); }
  void bind_inline(const graph::Value* v, ExprFn fn) { inlined_[v] = std::move(fn); }
  // The element expression of v's producer (injective producers only), used for epilogues.
  void bind_compute(const graph::Value* v, ExprFn fn) { compute_[v] = std::move(fn); }
  // Writes of `anchor_out` store `chain_end`'s expression into chain_end's buffer.
  void bind_epilogue(const graph::Value* anchor_out, const graph::Value* chain_end) {
    epilogue_[anchor_out] = chain_end;
  }
  const kir::Buffer* find_buffer(const graph::Value* v) const;
  // v's buffer for a template that indexes it directly (vector loads of a pre-packed weight),
  // recorded as read; nullptr when v is inlined (it has no buffer to load from).
  const kir::Buffer* buffer_to_load(const graph::Value* v);
  bool is_inlined(const graph::Value* v) const { return inlined_.count(v) != 0; }
  // Whether writes of v go through an epilogue (a template that stores v's buffer directly,
  // bypassing write(), must not be used then).
  bool has_epilogue(const graph::Value* v) const { return epilogue_.count(v) != 0; }
  // Values whose buffer some Load reads (so the kernel needs that buffer as a parameter).
  const std::set<const graph::Value*>& loaded() const { return loaded_; }

 private:
  std::map<const graph::Value*, kir::Buffer> buffers_;
  std::map<const graph::Value*, ExprFn> inlined_;
  std::map<const graph::Value*, ExprFn> compute_;
  std::map<const graph::Value*, const graph::Value*> epilogue_;
  // While an epilogue is built: the anchor value whose reads yield `override_value_`.
  const graph::Value* override_of_ = nullptr;
  kir::Expr override_value_;
  std::set<const graph::Value*> loaded_;
};

// ---- Index helpers shared by templates ----
kir::Type scalar_type(DType dtype);
kir::Expr constant(DType dtype, double value);
kir::Expr index_const(int64_t value);
// Row-major linear index of idx in shape.
kir::Expr linearize(const Shape& shape, const Index& idx);
// The index into shape of a row-major linear index (div/mod per dim).
Index delinearize(const Shape& shape, const kir::Expr& linear);
// NumPy broadcasting: the index into `in` that output index `out_idx` (of out's rank) reads.
Index broadcast_index(const Shape& in, const Shape& out, const Index& out_idx);
// An all-zero index of the given rank (reads of scalars and one-element tensors).
Index zero_index(size_t rank);
// clamp(x, 0, extent - 1): keeps speculative loads (selects the emitter may evaluate eagerly)
// inside their buffer.
kir::Expr clamp_index(const kir::Expr& x, int64_t extent);

// A loop nest over `shape` (dims of extent 1 get no loop: their index is 0). The outermost loop
// is parallel and the innermost, when it is another loop, vectorized: the iterations of an
// output-element nest are independent and the last dim is contiguous.
kir::Stmt loop_nest(LowerContext& ctx, const Shape& shape,
                    const std::function<kir::Stmt(const Index&)>& body, bool parallel = true,
                    bool vectorize = true);

}  // namespace stitch::lower
