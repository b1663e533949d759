// Row reductions over 8 partial accumulators (see lane_reduce.h). Part of lower/templates/.
#include "lower/templates/lane_reduce.h"

#include <vector>

namespace stitch::lower {

using kir::Expr;
using kir::Stmt;

kir::Stmt lane_reduce(LowerContext& ctx, const Shape& row, DType dt, double identity,
                      const ExprFn& value, const CombineFn& combine, const kir::Buffer& result,
                      int64_t slot, const RecordFn& record) {
  kir::Buffer lanes = ctx.scratch("lanes", dt, {kReduceLanes});
  auto update = [&](const Index& idx, const Expr& lane) {
    if (!record) return kir::store(lanes, lane, combine(kir::load(lanes, lane), value(idx)));
    kir::Var v = kir::make_var("element", dt);
    return kir::let_stmt(
        v, value(idx),
        kir::seq({record(idx, Expr(v)),
                  kir::store(lanes, lane, combine(kir::load(lanes, lane), Expr(v)))}));
  };
  // The split dim: the last one with extent > 1 (or the last one, of extent 1).
  int64_t split = static_cast<int64_t>(row.size()) - 1;
  while (split > 0 && row[split] == 1) --split;
  const int64_t extent = split >= 0 ? row[split] : 1;
  const int64_t chunks = extent / kReduceLanes, tail = extent % kReduceLanes;
  Shape outer = row;
  if (split >= 0) outer[split] = 1;

  kir::Var init_lane = ctx.var("lane");
  std::vector<Stmt> body{kir::for_loop(init_lane, index_const(0), index_const(kReduceLanes),
                                       kir::ForKind::kVectorized,
                                       kir::store(lanes, init_lane, constant(dt, identity)))};
  body.push_back(loop_nest(
      ctx, outer,
      [&](const Index& o) {
        if (split < 0) return update(o, index_const(0));  // a rank-0 row: one element
        std::vector<Stmt> passes;
        if (chunks > 0) {
          kir::Var c = ctx.var("chunk"), l = ctx.var("lane");
          Index idx = o;
          idx[split] = Expr(c) * kReduceLanes + Expr(l);
          passes.push_back(kir::for_loop(c, index_const(0), index_const(chunks),
                                         kir::ForKind::kSerial,
                                         kir::for_loop(l, index_const(0), index_const(kReduceLanes),
                                                       kir::ForKind::kVectorized, update(idx, l))));
        }
        if (tail > 0) {
          kir::Var t = ctx.var("lane");
          Index idx = o;
          idx[split] = Expr(t) + chunks * kReduceLanes;
          passes.push_back(kir::for_loop(t, index_const(0), index_const(tail),
                                         kir::ForKind::kSerial, update(idx, t)));
        }
        return passes.size() == 1 ? passes[0] : kir::seq(std::move(passes));
      },
      /*parallel=*/false, /*vectorize=*/false));
  Expr total = kir::load(lanes, index_const(0));
  for (int64_t k = 1; k < kReduceLanes; ++k)
    total = combine(total, kir::load(lanes, index_const(k)));
  body.push_back(kir::store(result, index_const(slot), total));
  return kir::allocate(lanes, kir::seq(std::move(body)));
}

}  // namespace stitch::lower
