// Reference kernels: one obviously-correct implementation per op, the numerical oracle of every
// later test. Part of reference/; kernels are registered by family (reference/kernels/<family>.cc,
// listed in reference/kernels/all_kernels.cc), keyed like the op registry by (domain, op_type).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "support/tensor.h"

namespace stitch::reference {

class Interpreter;

// What a kernel sees. Outputs arrive allocated with the shapes inference produced; where
// inference could not fix a shape (data-dependent ops: NonZero, Unique…) the output is
// undefined and the kernel assigns it: `ctx.output(i) = Tensor(dtype, shape)`.
class KernelContext {
 public:
  KernelContext(const graph::Node& node, std::vector<const Tensor*> inputs,
                std::vector<Tensor>& outputs, const Interpreter* interpreter)
      : node_(node), inputs_(std::move(inputs)), outputs_(outputs), interpreter_(interpreter) {}
  const graph::Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[i] != nullptr; }
  const Tensor& input(int i) const { return *inputs_[i]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Tensor& output(int i) { return outputs_[i]; }
  // For control flow: runs subgraphs with the enclosing scope visible.
  const Interpreter* interpreter() const { return interpreter_; }

 private:
  const graph::Node& node_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor>& outputs_;
  const Interpreter* interpreter_;
};

// Returns an error (without the node prefix; the interpreter adds it) for inputs it cannot
// handle: "unsupported: ..." for valid-but-unimplemented cases.
using KernelFn = std::function<Status(KernelContext&)>;

class KernelRegistry {
 public:
  static const KernelRegistry& global();
  void add(const std::string& domain, const std::string& op_type, KernelFn fn);
  const KernelFn* find(const std::string& domain, const std::string& op_type) const;

 private:
  std::map<std::pair<std::string, std::string>, KernelFn> kernels_;
};

void register_elementwise_kernels(KernelRegistry& r);
void register_tensor_kernels(KernelRegistry& r);
void register_nn_kernels(KernelRegistry& r);
void register_reduce_kernels(KernelRegistry& r);
void register_sequence_kernels(KernelRegistry& r);
void register_control_flow_kernels(KernelRegistry& r);
void register_layout_kernels(KernelRegistry& r);  // stitch-domain blocked-layout ops

}  // namespace stitch::reference
