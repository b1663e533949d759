// Rewrite helpers the graph passes share: which values subgraphs read, single-use checks,
// structural equality of attributes and tensors, re-emitting a node with new inputs/outputs,
// bypassing a no-op node while keeping graph-output names, and a graph verifier.
// Part of passes/.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace stitch::passes {

// Names that If/Loop/Scan bodies (at any depth) read from this graph by name. Such values have
// uses that no use-list shows, so passes must neither drop nor rename them.
using PinnedNames = std::set<std::string>;
PinnedNames names_read_by_subgraphs(const graph::Graph& graph);

// True when `v` feeds exactly one node input, is no graph output and no subgraph reads it.
bool has_single_use(const graph::Value& v, const PinnedNames& pinned);
// True when nothing reads `v`: no node, no graph output, no subgraph.
bool is_unused(const graph::Value& v, const PinnedNames& pinned);
// True when some attribute of `n` is a subgraph (such nodes are never copied or compared).
bool has_graph_attribute(const graph::Node& n);

// Structural equality: same kind and contents (tensors by dtype, shape and bytes); graph
// attributes never compare equal.
bool tensors_equal(const Tensor& a, const Tensor& b);
bool attributes_equal(const graph::Attribute& a, const graph::Attribute& b);
// A deep copy; nullopt for graph-valued attributes.
std::optional<graph::Attribute> clone_attribute(const graph::Attribute& a);

// Replaces `n` by a node of the same op, name and attributes that reads `inputs` and writes
// `outputs`. The outputs must have no producer other than `n`. Precondition: no graph
// attributes on `n`. Returns the new node (appended: call finish_edits to restore the order).
graph::Node* reemit_node(graph::Graph& g, graph::Node* n, const std::vector<graph::Value*>& inputs,
                         const std::vector<graph::Value*>& outputs);

// Removes `n`, a node whose output `from` equals its input `to`, and makes every reader of
// `from` read `to`. When `from` is a graph output its name is kept: the producer of `to` is
// re-emitted to write `from` when `to` has no other use; otherwise nothing changes. The other
// outputs of `n` must be unused. Returns whether the node was removed.
bool bypass_node(graph::Graph& g, graph::Node* n, graph::Value* from, graph::Value* to,
                 const PinnedNames& pinned);

// A new intermediate value named after `hint`, of type `type`.
graph::Value* add_temp_value(graph::Graph& g, const std::string& hint, graph::TensorType type);
// A new constant named after `hint`.
graph::Value* add_constant_value(graph::Graph& g, const std::string& hint, Tensor data);
// New data for constant `c` as read by `user`: rewritten in place (keeping the name) when
// `user` is its only reader, else a fresh constant that `user` then reads at `input_index`.
void replace_constant_input(graph::Graph& g, graph::Node* user, int input_index, Tensor data,
                            const PinnedNames& pinned);

// Restores topological order and drops values nothing reads or defines (unless a subgraph
// reads them by name). Every pass calls it after editing.
Status finish_edits(graph::Graph& g);

// Applies `rewrite` to nodes until no node changes: a rewrite may remove nodes other than the
// one at hand, so the scan restarts after every change. Calls finish_edits if anything changed.
using NodeRewrite = bool (*)(graph::Graph&, graph::Node*, const PinnedNames&);
Expected<bool> rewrite_nodes_until_fixed_point(graph::Graph& g, NodeRewrite rewrite);

// Checks the graph's invariants: use-lists match node inputs, producers match node outputs,
// nodes are in topological order, graph outputs are defined. For tests and the pipeline's
// verify option; the error names the first broken value or node.
Status verify_graph(const graph::Graph& g);

// True for a Dropout known to run in inference mode (training_mode absent or a false constant,
// or ratio a zero constant): it is then the identity with an all-true mask.
bool dropout_is_identity(const graph::Node& n);
// Ops whose result may differ between runs (random ops, training-mode Dropout) or whose
// semantics we do not know (non-default domains); never folded or merged.
bool is_nondeterministic(const graph::Node& n);

}  // namespace stitch::passes
