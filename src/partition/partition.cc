// Building a Partition from cluster labels, and the checks every policy's result must pass
// (exactly-once cover, acyclic graph of subgraphs). Part of partition/.
#include "partition/partition.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

namespace stitch::partition {
namespace {

// Edges of the graph of subgraphs, deduplicated: succs[i] = subgraphs that read from i.
std::vector<std::set<int>> subgraph_edges(const Partition& p, const OpDag& dag) {
  std::vector<std::set<int>> succs(p.subgraphs.size());
  for (int v = 0; v < dag.num_nodes(); ++v) {
    for (int s : dag.node(v).succs) {
      int a = p.subgraph_of[v];
      int b = p.subgraph_of[s];
      if (a != b) succs[a].insert(b);
    }
  }
  return succs;
}

// Kahn's algorithm; ties go to the subgraph with the smallest first node. Returns the order
// found, shorter than the number of subgraphs when there is a cycle.
std::vector<int> topo_order(const std::vector<std::set<int>>& succs,
                            const std::vector<int>& first_node) {
  std::vector<int> pending(succs.size(), 0);
  for (const auto& s : succs) {
    for (int b : s) ++pending[b];
  }
  using Item = std::pair<int, int>;  // (first node, subgraph)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> ready;
  for (size_t i = 0; i < succs.size(); ++i) {
    if (pending[i] == 0) ready.push({first_node[i], static_cast<int>(i)});
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top().second;
    ready.pop();
    order.push_back(i);
    for (int b : succs[i]) {
      if (--pending[b] == 0) ready.push({first_node[b], b});
    }
  }
  return order;
}

void fill_boundary(const OpDag& dag, const std::vector<int>& subgraph_of, int id, Subgraph& sg) {
  std::set<int> inputs;
  for (int v : sg.nodes) {
    if (dag.is_anchor(v)) sg.anchors.push_back(v);
    for (int t : dag.node(v).inputs) {
      int p = dag.tensor(t).producer;
      if (p < 0 || subgraph_of[p] != id) inputs.insert(t);
    }
    for (int t : dag.node(v).outputs) {
      const DagTensor& tensor = dag.tensor(t);
      bool escapes = tensor.is_graph_output;
      for (int c : tensor.consumers) escapes = escapes || subgraph_of[c] != id;
      if (escapes) sg.outputs.push_back(t);
    }
  }
  sg.inputs.assign(inputs.begin(), inputs.end());
  std::sort(sg.outputs.begin(), sg.outputs.end());
}

}  // namespace

Partition make_partition(const OpDag& dag, const std::vector<int>& cluster_of) {
  Partition p;
  std::map<int, int> index_of_label;
  p.subgraph_of.resize(dag.num_nodes());
  std::vector<Subgraph> groups;
  for (int v = 0; v < dag.num_nodes(); ++v) {
    auto [it, inserted] = index_of_label.emplace(cluster_of[v], static_cast<int>(groups.size()));
    if (inserted) groups.emplace_back();
    groups[it->second].nodes.push_back(v);
    p.subgraph_of[v] = it->second;
  }
  // Renumber the groups in a topological order of the graph they form.
  std::vector<int> first_node;
  for (const auto& g : groups) first_node.push_back(g.nodes.front());
  Partition unordered{p.subgraph_of, groups};
  std::vector<int> order = topo_order(subgraph_edges(unordered, dag), first_node);
  std::vector<char> placed(groups.size(), 0);
  for (int i : order) placed[i] = 1;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (!placed[i]) order.push_back(static_cast<int>(i));  // on a cycle: validate() says so
  }
  std::vector<int> new_index(groups.size());
  for (size_t k = 0; k < order.size(); ++k) new_index[order[k]] = static_cast<int>(k);
  for (int& s : p.subgraph_of) s = new_index[s];
  for (int i : order) p.subgraphs.push_back(std::move(groups[i]));
  for (size_t k = 0; k < p.subgraphs.size(); ++k) {
    fill_boundary(dag, p.subgraph_of, static_cast<int>(k), p.subgraphs[k]);
  }
  return p;
}

bool is_acyclic(const Partition& partition, const OpDag& dag) {
  std::vector<int> first_node(partition.subgraphs.size(), 0);
  auto order = topo_order(subgraph_edges(partition, dag), first_node);
  return order.size() == partition.subgraphs.size();
}

namespace {

// Every node in exactly one subgraph, agreeing with subgraph_of, ascending within each.
Status check_cover(const Partition& p, const OpDag& dag) {
  int n = dag.num_nodes();
  if (static_cast<int>(p.subgraph_of.size()) != n) {
    return error("partition: subgraph_of has ", p.subgraph_of.size(), " entries for ", n, " nodes");
  }
  std::vector<int> seen(n, 0);
  for (size_t i = 0; i < p.subgraphs.size(); ++i) {
    const auto& nodes = p.subgraphs[i].nodes;
    if (nodes.empty()) return error("partition: subgraph ", i, " is empty");
    for (size_t k = 0; k < nodes.size(); ++k) {
      int v = nodes[k];
      if (v < 0 || v >= n) return error("partition: subgraph ", i, " holds bad node ", v);
      if (k > 0 && nodes[k - 1] >= v) {
        return error("partition: nodes of subgraph ", i, " are not ascending");
      }
      if (++seen[v] > 1) return error("partition: node ", v, " is in two subgraphs");
      if (p.subgraph_of[v] != static_cast<int>(i)) {
        return error("partition: node ", v, " is listed in subgraph ", i, " but subgraph_of says ",
                     p.subgraph_of[v]);
      }
    }
  }
  for (int v = 0; v < n; ++v) {
    if (seen[v] == 0) return error("partition: node ", v, " is in no subgraph");
  }
  return Status::ok();
}

}  // namespace

Status validate(const Partition& p, const OpDag& dag) {
  STITCH_RETURN_IF_ERROR(check_cover(p, dag));
  if (!is_acyclic(p, dag)) return error("partition: the graph of subgraphs has a cycle");
  for (int v = 0; v < dag.num_nodes(); ++v) {
    for (int s : dag.node(v).succs) {
      if (p.subgraph_of[v] > p.subgraph_of[s]) {
        return error("partition: subgraph ", p.subgraph_of[s], " reads from later subgraph ",
                     p.subgraph_of[v]);
      }
    }
  }
  return Status::ok();
}

int64_t working_set_bytes(const OpDag& dag, const std::vector<int>& nodes,
                          const std::function<bool(int)>& in_set) {
  std::vector<int> sorted = nodes;
  std::sort(sorted.begin(), sorted.end());
  // after_anchor[k]: sorted[k] is an anchor or reads, inside the set, from one that is.
  std::vector<char> after_anchor(sorted.size(), 0);
  auto position = [&](int v) {
    return std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin();
  };
  int64_t total = 0;
  std::vector<int> external;
  for (size_t k = 0; k < sorted.size(); ++k) {
    int v = sorted[k];
    after_anchor[k] = dag.is_anchor(v);
    for (int p : dag.node(v).preds) {
      if (in_set(p) && after_anchor[position(p)]) after_anchor[k] = 1;
    }
    for (int t : dag.node(v).inputs) {
      int p = dag.tensor(t).producer;
      if (!dag.tensor(t).is_constant && (p < 0 || !in_set(p))) external.push_back(t);
    }
    for (int t : dag.node(v).outputs) {
      const DagTensor& tensor = dag.tensor(t);
      bool held = tensor.is_graph_output;
      for (int c : tensor.consumers) {
        held = held || !in_set(c) || (after_anchor[k] && dag.is_anchor(c));
      }
      if (held) total += tensor.bytes;
    }
  }
  std::sort(external.begin(), external.end());
  external.erase(std::unique(external.begin(), external.end()), external.end());
  for (int t : external) total += dag.tensor(t).bytes;
  return total;
}

int64_t working_set_bytes(const OpDag& dag, const std::vector<int>& nodes) {
  std::vector<char> member(dag.num_nodes(), 0);
  for (int v : nodes) member[v] = 1;
  return working_set_bytes(dag, nodes, [&](int v) { return member[v] != 0; });
}

}  // namespace stitch::partition
