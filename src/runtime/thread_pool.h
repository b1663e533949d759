// Thread pool for kernel parallelism: a fixed set of workers that a kernel of a few microseconds
// can use without paying tens of microseconds to wake them. Part of runtime/; kernels call it.
//
// ---- Wake-up protocol ----
// Thread 0 is the caller of parallel_for; threads 1..N-1 are workers created once. The caller
// writes the job (function, task count, pending_ = N-1), then increments generation_
// (seq_cst, which includes release: a worker that sees the new generation with an acquire load
// also sees the job). Workers spin on generation_ for a while (pause between loads, and a
// yield between polls after the first microsecond, for oversubscribed machines), then sleep on it:
// they bump sleepers_ and wait in futex(generation_, seen) (or std::atomic::wait off Linux), which
// returns at once if the generation has already moved. The caller issues a wake only when sleepers_
// is non-zero. No wake is lost: both sides do a seq_cst write then a seq_cst read of the other's
// variable (Dekker), so either the caller sees the sleeper and wakes it or the sleeper sees the new
// generation and does not sleep. Join mirrors it: each worker runs the chunks it claims, then
// decrements pending_ (seq_cst, so it releases their writes). The caller runs its chunks, spins
// on pending_ (acquire), and if a worker is late (preempted on a busy machine) sleeps on pending_
// after setting caller_waiting_; the worker that takes pending_ to zero wakes it when it sees that
// flag (Dekker again).
//
// Every worker acknowledges every dispatch, also when it has no tasks (n < threads). This keeps
// the job fields stable until all workers have read them and makes a missed generation
// impossible (no ABA on the counter); the price is that a small dispatch waits for idle workers
// to notice it, well under a microsecond while they spin.
//
// ---- Calls that run inline ----
// With one thread, with one task, or with n <= 0 no other thread is involved. A parallel_for
// called from inside a task of the same pool (nested) runs serially in the calling thread with
// that thread's id, so per-thread scratch indexed by thread id stays private. Calls from several
// outside threads at once are serialized by a mutex. (Only a cycle across pools can deadlock:
// a task of pool B calling pool A while A's caller waits inside B; the runtime uses one pool.)
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace stitch::runtime {

struct ThreadPoolOptions {
  int num_threads = 0;  // threads including the caller; <= 0 means one per hardware thread
  // How long an idle thread spins before it sleeps (0: sleep at once). Long enough to bridge the
  // gap between consecutive kernels of a model (workers stay hot: no syscall on dispatch), short
  // enough not to burn a core after the model has finished or to starve other processes on an
  // oversubscribed machine (there, spinning threads delay the very threads they wait for).
  // Measured in time, not in pause instructions, whose cost varies from 3 to 40 ns by core.
  int spin_microseconds = 50;
};

class ThreadPool {
 public:
  explicit ThreadPool(const ThreadPoolOptions& options = {});
  explicit ThreadPool(int num_threads) : ThreadPool(ThreadPoolOptions{num_threads}) {}
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that run tasks, the caller included. Fewer than asked only if the system refused
  // to create threads (the pool then runs with what it got rather than failing).
  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(task_begin, task_end, thread_id) on disjoint ranges that together cover [0, n)
  // and returns when all are done. The ranges are contiguous chunks that the threads (0 = the
  // caller) claim in order as each finishes its last one, guided: a chunk is a fixed fraction
  // of the tasks still left (at least n / (16 * the threads taking part), and 1), so chunks
  // shrink towards the end and the threads finish close together; a thread that runs slow (a
  // descheduled vCPU) does not hold up the join with a fixed half of the work. A thread may get
  // several chunks, or none. fn must not throw: an exception escaping a task terminates the
  // program (it cannot cross threads here).
  template <typename Fn>
  void parallel_for(int64_t n, Fn&& fn) noexcept {
    using F = std::remove_reference_t<Fn>;
    run(n, TaskRef{const_cast<void*>(static_cast<const void*>(&fn)),
                   [](void* f, int64_t begin, int64_t end, int tid) {
                     (*static_cast<F*>(f))(begin, end, tid);
                   }});
  }

 private:
  // A non-owning reference to the caller's callable; valid for the duration of one dispatch.
  struct TaskRef {
    void* fn;
    void (*call)(void* fn, int64_t begin, int64_t end, int thread_id);
  };

  void run(int64_t n, TaskRef task) noexcept;
  void run_share(int thread_id) noexcept;
  void worker_main(int thread_id) noexcept;
  uint32_t wait_for_generation(uint32_t seen) noexcept;
  void finish_share() noexcept;
  void wait_for_workers() noexcept;

  // Written by the caller before a generation bump; read by workers after seeing it.
  TaskRef task_{};
  int64_t num_tasks_ = 0;
  int64_t min_chunk_ = 1;
  int participants_ = 0;
  bool stop_ = false;

  int64_t spin_nanoseconds_;
  std::vector<std::thread> workers_;
  std::mutex dispatch_mutex_;  // serializes callers from different outside threads

  // Each on its own cache line: workers poll generation_ while they decrement pending_.
  alignas(64) std::atomic<uint32_t> generation_{0};
  alignas(64) std::atomic<uint32_t> pending_{0};  // workers yet to finish this dispatch
  std::atomic<bool> caller_waiting_{false};       // the caller sleeps on pending_
  alignas(64) std::atomic<int> sleepers_{0};      // workers asleep on generation_
  alignas(64) std::atomic<int64_t> next_{0};      // the first task not yet taken
};

}  // namespace stitch::runtime
