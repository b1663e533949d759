// Thread pool: guided self-scheduling of [0, n) over the caller and workers, spin-then-futex
// wake-up.
// Part of runtime/; the protocol and its memory ordering are described in thread_pool.h.
#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <system_error>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace stitch::runtime {
namespace {

// The pool whose task the current thread is running (nullptr outside any task), and its id
// there. Lets a nested parallel_for run inline instead of deadlocking on its own pool.
thread_local const ThreadPool* t_pool = nullptr;
thread_local int t_thread_id = 0;

// Pauses between two reads of the clock while spinning (a clock read costs about 20 ns).
constexpr int kPausesPerClockRead = 16;
// Spinning without yielding: covers the usual wait for a hot worker or a balanced join.
constexpr int64_t kPureSpinNanoseconds = 1000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "futex needs a plain 32-bit word");

// Polls ready() for up to `budget_ns`; true as soon as it holds. After the first
// microsecond of pure spinning it also yields between polls: on a machine with more runnable
// threads than cores the thread we wait for may be queued behind us, and a pure spinner would
// keep it off the core for the whole budget.
template <typename Ready>
bool spin_until(int64_t budget_ns, Ready ready) {
  if (ready()) return true;
  if (budget_ns <= 0) return false;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point yield_from = start + std::chrono::nanoseconds(kPureSpinNanoseconds);
  const Clock::time_point deadline = start + std::chrono::nanoseconds(budget_ns);
  for (Clock::time_point now = start; now < deadline; now = Clock::now()) {
    if (now >= yield_from) std::this_thread::yield();
    for (int i = 0; i < kPausesPerClockRead; ++i) {
      cpu_relax();
      if (ready()) return true;
    }
  }
  return false;
}

// Sleeps while *word == expected; may return spuriously (callers loop).
void wait_while_equal(std::atomic<uint32_t>& word, uint32_t expected) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
#else
  word.wait(expected, std::memory_order_seq_cst);
#endif
}

void wake_all(std::atomic<uint32_t>& word) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
#else
  word.notify_all();
#endif
}

// Guided self-scheduling: a thread takes (tasks left) / (kGuidedDivisor * participants) tasks at
// a time, at least min_chunk_ = n / (kMinChunkDivisor * participants) (and 1). The first chunks
// are long and contiguous (neighbouring tasks often share inputs in cache, and a grab costs an
// atomic on a shared line); the last are short, so two threads finish within about one short
// chunk of each other, and a thread slowed down (a descheduled vCPU, a busy sibling) leaves
// its later chunks to the others. Fixed chunks of n / (4 * participants) ended up to a whole
// chunk apart: 36 tasks on 2 threads ran as 5 + 4 chunks of 4, 20 tasks against 16.
constexpr int64_t kGuidedDivisor = 4;
constexpr int64_t kMinChunkDivisor = 16;

}  // namespace

ThreadPool::ThreadPool(const ThreadPoolOptions& options)
    : spin_nanoseconds_(int64_t{std::max(0, options.spin_microseconds)} * 1000) {
  int n = options.num_threads;
  if (n <= 0) n = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(n - 1);
  for (int id = 1; id < n; ++id) {
    // std::thread reports a refused thread by exception; it stops here and the pool keeps the
    // workers it has (ids stay contiguous), so no exception leaves the constructor.
    try {
      workers_.emplace_back([this, id] { worker_main(id); });
    } catch (const std::system_error&) {
      break;
    }
  }
}

ThreadPool::~ThreadPool() {
  std::lock_guard<std::mutex> lock(dispatch_mutex_);
  stop_ = true;
  generation_.fetch_add(1, std::memory_order_seq_cst);
  wake_all(generation_);
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::run(int64_t n, TaskRef task) noexcept {
  if (n <= 0) return;
  if (t_pool == this) {  // nested: serial, keeps the id of the task that called it
    task.call(task.fn, 0, n, t_thread_id);
    return;
  }
  if (workers_.empty() || n == 1) {
    task.call(task.fn, 0, n, 0);
    return;
  }
  std::lock_guard<std::mutex> lock(dispatch_mutex_);
  task_ = task;
  num_tasks_ = n;
  participants_ = static_cast<int>(std::min<int64_t>(n, num_threads()));
  min_chunk_ = std::max<int64_t>(1, n / (participants_ * kMinChunkDivisor));
  next_.store(0, std::memory_order_relaxed);  // published by the generation bump below
  pending_.store(static_cast<uint32_t>(workers_.size()), std::memory_order_relaxed);
  // Publishes the job (release) and orders against the read of sleepers_ (seq_cst; see header).
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) wake_all(generation_);

  const ThreadPool* outer_pool = t_pool;
  const int outer_id = t_thread_id;
  t_pool = this;
  t_thread_id = 0;
  run_share(0);
  t_pool = outer_pool;
  t_thread_id = outer_id;
  wait_for_workers();
}

// Guided self-scheduling: each participant claims the next chunk (its length a function of
// where it starts, see kGuidedDivisor) until none is left.
void ThreadPool::run_share(int thread_id) noexcept {
  if (thread_id >= participants_) return;
  int64_t begin = next_.load(std::memory_order_relaxed);
  while (begin < num_tasks_) {
    const int64_t left = num_tasks_ - begin;
    const int64_t take =
        std::min(left, std::max(min_chunk_, left / (kGuidedDivisor * participants_)));
    // On failure `begin` is reloaded with the chunk another thread left, and the loop retries.
    if (next_.compare_exchange_weak(begin, begin + take, std::memory_order_relaxed)) {
      task_.call(task_.fn, begin, begin + take, thread_id);
      begin = next_.load(std::memory_order_relaxed);
    }
  }
}

void ThreadPool::wait_for_workers() noexcept {
  uint32_t left = 0;
  // Acquire pairs with the workers' decrements: their writes are visible on return.
  if (spin_until(spin_nanoseconds_, [&] {
        left = pending_.load(std::memory_order_acquire);
        return left == 0;
      })) {
    return;
  }
  caller_waiting_.store(true, std::memory_order_seq_cst);
  while ((left = pending_.load(std::memory_order_seq_cst)) != 0) wait_while_equal(pending_, left);
  caller_waiting_.store(false, std::memory_order_relaxed);
}

void ThreadPool::finish_share() noexcept {
  if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      caller_waiting_.load(std::memory_order_seq_cst)) {
    wake_all(pending_);
  }
}

uint32_t ThreadPool::wait_for_generation(uint32_t seen) noexcept {
  uint32_t generation = seen;
  if (spin_until(spin_nanoseconds_, [&] {
        generation = generation_.load(std::memory_order_acquire);
        return generation != seen;
      })) {
    return generation;
  }
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  while ((generation = generation_.load(std::memory_order_seq_cst)) == seen) {
    wait_while_equal(generation_, seen);
  }
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return generation;
}

void ThreadPool::worker_main(int thread_id) noexcept {
  t_pool = this;
  t_thread_id = thread_id;
  uint32_t seen = 0;
  for (;;) {
    seen = wait_for_generation(seen);
    if (stop_) return;
    run_share(thread_id);
    finish_share();
  }
}

}  // namespace stitch::runtime
