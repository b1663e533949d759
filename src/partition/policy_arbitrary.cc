// The `arbitrary` fusion policy (AGO, DESIGN 3.4): subgraphs of any structure, several complex
// ops allowed, grown by greedily merging the pair of clusters that saves the most memory
// traffic. Part of partition/.
//
// Cost model: a subgraph reads each outside tensor once and writes each tensor that leaves it
// once. Merging a and b saves (a) one read of every non-constant tensor both read (siblings),
// (b) b's read of every tensor a produces and b reads, plus its write when nobody else reads it
// (the intermediate no longer goes through memory); symmetrically for b -> a. A tensor of
// unknown size weighs 1 byte, so structure alone still drives fusion.
//
// Invariants of the loop: the queue holds candidate pairs tagged with both clusters' versions;
// an entry is stale once either cluster merged again. A pair's gain and budgets depend only on
// its two clusters, so they are computed when pushed. Legality is checked when popped: merging
// other clusters only adds paths, so a pair once illegal stays illegal until one side changes
// (and is then pushed anew). Opaque ops never enter a pair.
#include <algorithm>
#include <iterator>
#include <queue>

#include "partition/cluster_graph.h"
#include "partition/partition.h"

namespace stitch::partition {
namespace {

// A tensor read by more consumers than this offers sibling merges to the first ones only, so
// a tensor read everywhere (a mask, a position table) cannot make the queue quadratic.
constexpr int kMaxSiblingsPerTensor = 16;

struct Candidate {
  int64_t gain;
  int a;  // a < b
  int b;
  uint32_t version_a;
  uint32_t version_b;
  // Largest gain first; ties to the smallest pair, for deterministic results.
  bool operator<(const Candidate& o) const {
    if (gain != o.gain) return gain < o.gain;
    if (a != o.a) return a > o.a;
    return b > o.b;
  }
};

class ArbitraryPartitioner {
 public:
  ArbitraryPartitioner(const OpDag& dag, const ArbitraryOptions& options);
  Partition run();

 private:
  int64_t weight(int t) const { return std::max<int64_t>(dag_.tensor(t).bytes, 1); }
  bool internal_after(int t, int a, int b) const;
  int64_t gain(int a, int b) const;
  int64_t union_working_set(int a, int b) const;
  bool within_budget(int a, int b) const;
  std::vector<int> partners(int r) const;
  void push_pairs(int r, bool only_larger);
  void merge(int a, int b);

  const OpDag& dag_;
  ArbitraryOptions options_;
  ClusterGraph cg_;
  std::vector<std::vector<int>> inputs_;    // per root: tensors read from outside, ascending
  std::vector<std::vector<int>> produced_;  // per root: tensors produced inside, ascending
  std::vector<int64_t> working_set_;
  std::vector<uint32_t> version_;
  std::priority_queue<Candidate> queue_;
};

ArbitraryPartitioner::ArbitraryPartitioner(const OpDag& dag, const ArbitraryOptions& options)
    : dag_(dag), options_(options), cg_(dag) {
  int n = dag.num_nodes();
  inputs_.resize(n);
  produced_.resize(n);
  working_set_.resize(n);
  version_.assign(n, 0);
  for (int v = 0; v < n; ++v) {
    inputs_[v] = dag.node(v).inputs;
    std::sort(inputs_[v].begin(), inputs_[v].end());
    produced_[v] = dag.node(v).outputs;
    std::sort(produced_[v].begin(), produced_[v].end());
    working_set_[v] = working_set_bytes(dag, {v});
  }
}

bool ArbitraryPartitioner::internal_after(int t, int a, int b) const {
  const DagTensor& tensor = dag_.tensor(t);
  if (tensor.is_graph_output) return false;
  for (int c : tensor.consumers) {
    int r = cg_.root(c);
    if (r != a && r != b) return false;
  }
  return true;
}

int64_t ArbitraryPartitioner::gain(int a, int b) const {
  int64_t saved = 0;
  // Walks two ascending tensor lists and calls `f` on each tensor in both.
  auto common = [](const std::vector<int>& x, const std::vector<int>& y, auto f) {
    for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
      if (x[i] < y[j]) {
        ++i;
      } else if (y[j] < x[i]) {
        ++j;
      } else {
        f(x[i]);
        ++i, ++j;
      }
    }
  };
  common(inputs_[a], inputs_[b], [&](int t) {
    if (!dag_.tensor(t).is_constant) saved += weight(t);
  });
  auto produced_then_read = [&](int t) {
    saved += weight(t) + (internal_after(t, a, b) ? weight(t) : 0);
  };
  common(produced_[a], inputs_[b], produced_then_read);
  common(produced_[b], inputs_[a], produced_then_read);
  return saved;
}

int64_t ArbitraryPartitioner::union_working_set(int a, int b) const {
  std::vector<int> nodes = cg_.members(a);
  nodes.insert(nodes.end(), cg_.members(b).begin(), cg_.members(b).end());
  return working_set_bytes(dag_, nodes, [&](int v) {
    int r = cg_.root(v);
    return r == a || r == b;
  });
}

bool ArbitraryPartitioner::within_budget(int a, int b) const {
  if (cg_.num_complex(a) + cg_.num_complex(b) > options_.max_complex_per_subgraph) return false;
  if (cg_.size(a) + cg_.size(b) > options_.max_nodes_per_subgraph) return false;
  int64_t limit = std::max({options_.max_working_set_bytes, working_set_[a], working_set_[b]});
  return union_working_set(a, b) <= limit;
}

// Clusters that `r` reads from, that read from `r`, or that share a non-constant input with it.
std::vector<int> ArbitraryPartitioner::partners(int r) const {
  std::vector<int> out = cg_.successors(r);
  std::vector<int> preds = cg_.predecessors(r);
  out.insert(out.end(), preds.begin(), preds.end());
  for (int t : inputs_[r]) {
    const DagTensor& tensor = dag_.tensor(t);
    if (tensor.is_constant) continue;
    int n = std::min<int>(static_cast<int>(tensor.consumers.size()), kMaxSiblingsPerTensor);
    for (int k = 0; k < n; ++k) out.push_back(cg_.root(tensor.consumers[k]));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ArbitraryPartitioner::push_pairs(int r, bool only_larger) {
  if (cg_.has_opaque(r)) return;
  for (int p : partners(r)) {
    if (p == r || (only_larger && p < r) || cg_.has_opaque(p)) continue;
    int a = std::min(r, p);
    int b = std::max(r, p);
    int64_t g = gain(a, b);
    if (g <= 0 || !within_budget(a, b)) continue;
    queue_.push({g, a, b, version_[a], version_[b]});
  }
}

void ArbitraryPartitioner::merge(int a, int b) {
  int64_t ws = union_working_set(a, b);
  int keep = cg_.merge(a, b);
  int gone = keep == a ? b : a;
  std::vector<int> produced;
  std::merge(produced_[a].begin(), produced_[a].end(), produced_[b].begin(), produced_[b].end(),
             std::back_inserter(produced));
  std::vector<int> inputs;
  std::merge(inputs_[a].begin(), inputs_[a].end(), inputs_[b].begin(), inputs_[b].end(),
             std::back_inserter(inputs));
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  std::vector<int> outside;
  std::set_difference(inputs.begin(), inputs.end(), produced.begin(), produced.end(),
                      std::back_inserter(outside));
  inputs_[keep] = std::move(outside);
  produced_[keep] = std::move(produced);
  inputs_[gone].clear();
  produced_[gone].clear();
  working_set_[keep] = ws;
  ++version_[keep];
  ++version_[gone];
}

Partition ArbitraryPartitioner::run() {
  for (int v = 0; v < dag_.num_nodes(); ++v) push_pairs(v, /*only_larger=*/true);
  while (!queue_.empty()) {
    Candidate c = queue_.top();
    queue_.pop();
    bool fresh = cg_.root(c.a) == c.a && cg_.root(c.b) == c.b && version_[c.a] == c.version_a &&
                 version_[c.b] == c.version_b;
    if (!fresh || !cg_.can_merge(c.a, c.b)) continue;
    merge(c.a, c.b);
    push_pairs(c.a, /*only_larger=*/false);
  }
  return make_partition(dag_, cg_.assignment());
}

}  // namespace

Partition partition_arbitrary(const OpDag& dag, const ArbitraryOptions& options) {
  return ArbitraryPartitioner(dag, options).run();
}

}  // namespace stitch::partition
