// Task mappings: worker -> tasks, concretely (tasks_of) and as kernel IR (emit).
// Part of kir/. The algebra is documented in task_mapping.h.
//
// Both tasks_of and emit follow the same recipe, so they agree by construction: for the atom
// list a_0 (outermost) .. a_{n-1}, atom i sees worker w_i = (w / P_i) % W_i with
// P_i = W_{i+1} * ... * W_{n-1}, and a task index is built Horner-style:
// task = (((t_0 ⊙ S_1) + t_1) ⊙ S_2 + t_2) ... where t_i is atom i's own task.
#include "kir/task_mapping.h"

#include <sstream>
#include <utility>

#include "support/status.h"

namespace stitch::kir {

int64_t TaskMapping::Atom::num_workers() const {
  if (!is_spatial) return 1;
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

TaskMapping TaskMapping::atom(bool is_spatial, std::vector<int64_t> dims) {
  STITCH_CHECK(!dims.empty(), "task mapping of rank 0");
  for (int64_t d : dims) STITCH_CHECK(d >= 1, "task mapping extent ", d);
  TaskMapping m;
  m.task_shape_ = dims;
  m.atoms_.push_back(Atom{is_spatial, std::move(dims)});
  m.num_workers_ = m.atoms_[0].num_workers();
  return m;
}

TaskMapping TaskMapping::spatial(std::vector<int64_t> dims) { return atom(true, std::move(dims)); }
TaskMapping TaskMapping::repeat(std::vector<int64_t> dims) { return atom(false, std::move(dims)); }

TaskMapping TaskMapping::operator*(const TaskMapping& inner) const {
  STITCH_CHECK(rank() == inner.rank(), "composing task mappings of rank ", rank(), " and ",
               inner.rank(), ": ", to_string(), " * ", inner.to_string());
  TaskMapping m = *this;
  m.atoms_.insert(m.atoms_.end(), inner.atoms_.begin(), inner.atoms_.end());
  for (int k = 0; k < rank(); ++k) m.task_shape_[k] *= inner.task_shape_[k];
  m.num_workers_ *= inner.num_workers_;
  return m;
}

namespace {

// All index tuples of a grid in row-major order.
std::vector<std::vector<int64_t>> grid_tasks(const std::vector<int64_t>& dims) {
  std::vector<std::vector<int64_t>> tasks{{}};
  for (int64_t d : dims) {
    std::vector<std::vector<int64_t>> next;
    for (const auto& prefix : tasks) {
      for (int64_t i = 0; i < d; ++i) {
        next.push_back(prefix);
        next.back().push_back(i);
      }
    }
    tasks = std::move(next);
  }
  return tasks;
}

// w written row-major in the grid dims.
std::vector<int64_t> unravel(int64_t w, const std::vector<int64_t>& dims) {
  std::vector<int64_t> index(dims.size());
  for (size_t k = dims.size(); k-- > 0;) {
    index[k] = w % dims[k];
    w /= dims[k];
  }
  return index;
}

}  // namespace

std::vector<std::vector<int64_t>> TaskMapping::tasks_of(int64_t worker) const {
  STITCH_CHECK(worker >= 0 && worker < num_workers_, "worker ", worker, " of ", num_workers_);
  std::vector<std::vector<int64_t>> tasks{std::vector<int64_t>(rank(), 0)};
  int64_t inner_workers = num_workers_;  // P_{i-1}, then P_i after the division below
  for (const Atom& a : atoms_) {
    inner_workers /= a.num_workers();
    const int64_t w = (worker / inner_workers) % a.num_workers();
    const auto own =
        a.is_spatial ? std::vector<std::vector<int64_t>>{unravel(w, a.dims)} : grid_tasks(a.dims);
    std::vector<std::vector<int64_t>> next;
    for (const auto& t : tasks) {
      for (const auto& o : own) {
        next.push_back(t);
        for (int k = 0; k < rank(); ++k) next.back()[k] = t[k] * a.dims[k] + o[k];
      }
    }
    tasks = std::move(next);
  }
  return tasks;
}

Stmt TaskMapping::emit(const Expr& worker, const BodyFn& body, ForKind repeat_kind) const {
  STITCH_CHECK(worker.defined() && worker->type.is_int() && !worker->type.is_vector(),
               "task mapping worker must be a scalar integer");
  const DType t = worker->type.dtype;
  std::vector<Expr> task(rank(), int_imm(0, t));
  std::vector<std::pair<Var, int64_t>> loops;  // outermost first
  int64_t inner_workers = num_workers_;
  for (const Atom& a : atoms_) {
    const int64_t atom_workers = a.num_workers();
    inner_workers /= atom_workers;
    Expr w = atom_workers == 1 ? int_imm(0, t) : worker / inner_workers;
    // No modulo where the atoms outside have one worker: worker < num_workers() is assumed.
    if (inner_workers * atom_workers < num_workers_) w = w % atom_workers;
    int64_t stride = atom_workers;  // workers left in dims k.. of a spatial atom
    for (int k = 0; k < rank(); ++k) {
      Expr own = int_imm(0, t);
      if (a.is_spatial && a.dims[k] > 1) {
        stride /= a.dims[k];
        own = w / stride;
        if (k > 0) own = own % a.dims[k];  // w < atom_workers bounds dimension 0
      } else if (!a.is_spatial && a.dims[k] > 1) {
        loops.emplace_back(make_var("r" + std::to_string(loops.size()), t), a.dims[k]);
        own = loops.back().first;
      }
      task[k] = task[k] * a.dims[k] + own;
    }
  }
  Stmt result = body(task);
  for (size_t i = loops.size(); i-- > 0;) {
    result = for_loop(loops[i].first, int_imm(0, t), int_imm(loops[i].second, t), repeat_kind,
                      std::move(result));
  }
  return result;
}

std::string TaskMapping::to_string() const {
  std::ostringstream os;
  for (size_t i = 0; i < atoms_.size(); ++i) {
    if (i) os << " * ";
    os << (atoms_[i].is_spatial ? "spatial(" : "repeat(");
    for (size_t k = 0; k < atoms_[i].dims.size(); ++k) os << (k ? ", " : "") << atoms_[i].dims[k];
    os << ")";
  }
  return os.str();
}

}  // namespace stitch::kir
