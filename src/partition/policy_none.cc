// The `none` fusion policy: every op is its own kernel (the baseline every fusion is measured
// against). Part of partition/.
#include <numeric>

#include "partition/partition.h"

namespace stitch::partition {

Partition partition_none(const OpDag& dag) {
  std::vector<int> cluster_of(dag.num_nodes());
  std::iota(cluster_of.begin(), cluster_of.end(), 0);
  return make_partition(dag, cluster_of);
}

}  // namespace stitch::partition
