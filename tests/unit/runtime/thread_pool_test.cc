// Tests of the thread pool: every task exactly once, guided chunks, inline cases
// (one thread, nesting), sleeping workers, many dispatches, several outside callers.
// Part of tests/unit/runtime; no timing assertions (bench/thread_pool_overhead measures speed).
#include "runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace stitch::runtime {
namespace {

struct Share {
  int64_t begin = -1, end = -1;
};

// Runs one dispatch and checks coverage, thread ids and the guided chunking: the ranges are
// non-empty and tile [0, n) in order of their starts; a range is at most a quarter of the
// tasks left per thread where it starts (or the minimum chunk, n / (16 * threads), and 1) and
// at least that minimum unless it is the last; so their lengths never grow. A single thread
// runs the whole range inline.
void check_dispatch(ThreadPool& pool, int64_t n) {
  std::vector<std::atomic<int>> visits(n);
  std::vector<int> written(n, 0);  // plain writes: the join must make them visible
  std::mutex ranges_mutex;
  std::vector<Share> ranges;
  std::atomic<int> bad_ids{0};
  const int participants = static_cast<int>(std::min<int64_t>(n, pool.num_threads()));
  pool.parallel_for(n, [&](int64_t begin, int64_t end, int tid) {
    if (tid < 0 || tid >= pool.num_threads()) bad_ids.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(ranges_mutex);
      ranges.push_back({begin, end});
    }
    for (int64_t i = begin; i < end; ++i) {
      visits[i].fetch_add(1);
      written[i] = static_cast<int>(i) + 1;
    }
  });
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(visits[i].load(), 1) << "n=" << n << " task " << i;
    ASSERT_EQ(written[i], i + 1);
  }
  EXPECT_EQ(bad_ids.load(), 0) << "n=" << n;
  if (n <= 0) {
    EXPECT_TRUE(ranges.empty());
    return;
  }
  if (pool.num_threads() == 1) {
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].begin, 0);
    EXPECT_EQ(ranges[0].end, n);
    return;
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Share& a, const Share& b) { return a.begin < b.begin; });
  const int64_t min_chunk = std::max<int64_t>(1, n / (16 * participants));
  int64_t at = 0, previous = n;
  for (const Share& r : ranges) {
    ASSERT_EQ(r.begin, at) << "n=" << n;
    const int64_t len = r.end - r.begin, left = n - r.begin;
    ASSERT_GT(len, 0) << "n=" << n;
    EXPECT_LE(len, std::max(min_chunk, left / (4 * participants))) << "n=" << n << " at " << at;
    EXPECT_TRUE(len >= min_chunk || r.end == n) << "n=" << n << " at " << at;
    EXPECT_LE(len, previous) << "n=" << n << " at " << at;
    previous = len;
    at = r.end;
  }
  EXPECT_EQ(at, n);
}

// A thread that is slow (here: the caller's first chunk sleeps) leaves the remaining chunks to
// the others instead of holding a fixed share.
TEST(ThreadPool, SlowThreadsWorkIsTakenByTheOthers) {
  ThreadPool pool(2);
  std::atomic<int> by_worker{0};
  std::atomic<bool> first{true};
  pool.parallel_for(64, [&](int64_t begin, int64_t end, int tid) {
    if (tid == 0 && first.exchange(false)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (tid != 0) by_worker.fetch_add(static_cast<int>(end - begin));
  });
  // The caller's sleep covers the worker's whole run: it takes every chunk but the one slept on
  // (at most 64 / 8 tasks, the first and longest chunk).
  EXPECT_GE(by_worker.load(), 64 - 64 / 8);
}

TEST(ThreadPool, EveryTaskExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.num_threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 64, 1000, 4097}) check_dispatch(pool, n);
  }
}

TEST(ThreadPool, NegativeCountDoesNothing) {
  ThreadPool pool(3);
  bool called = false;
  pool.parallel_for(-4, [&](int64_t, int64_t, int) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ThreadPool, DefaultSizeIsTheHardware) {
  ThreadPool pool;
  EXPECT_GE(pool.num_threads(), 1);
  check_dispatch(pool, 100);
}

TEST(ThreadPool, OneThreadRunsInlineInOneCall) {
  ThreadPool pool(1);
  const std::thread::id caller = std::this_thread::get_id();
  int calls = 0;
  pool.parallel_for(10, [&](int64_t begin, int64_t end, int tid) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 10);
    EXPECT_EQ(tid, 0);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPool, NestedCallsRunSeriallyWithTheOuterThreadId) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> inner_visits(3 * 50);
  std::atomic<int> mismatched_ids{0};
  pool.parallel_for(3, [&](int64_t begin, int64_t end, int outer_tid) {
    const std::thread::id me = std::this_thread::get_id();
    for (int64_t i = begin; i < end; ++i) {
      int inner_calls = 0;
      pool.parallel_for(50, [&](int64_t b, int64_t e, int tid) {
        if (tid != outer_tid || std::this_thread::get_id() != me) mismatched_ids.fetch_add(1);
        ++inner_calls;
        for (int64_t k = b; k < e; ++k) inner_visits[i * 50 + k].fetch_add(1);
      });
      EXPECT_EQ(inner_calls, 1);
    }
  });
  EXPECT_EQ(mismatched_ids.load(), 0);
  for (auto& v : inner_visits) EXPECT_EQ(v.load(), 1);
}

TEST(ThreadPool, HundredThousandDispatchesDoNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  for (int i = 0; i < 100000; ++i) {
    const int64_t n = 1 + i % 5;  // n = 1 runs inline; the others wake the worker
    pool.parallel_for(n, [&](int64_t b, int64_t e, int) { total.fetch_add(e - b); });
  }
  EXPECT_EQ(total.load(), 100000 / 5 * (1 + 2 + 3 + 4 + 5));
}

// More threads than tasks on most dispatches: idle workers must still acknowledge each one.
TEST(ThreadPool, ManyDispatchesWithMoreThreadsThanTasks) {
  ThreadPool pool(4);
  std::atomic<int64_t> total{0};
  for (int i = 0; i < 20000; ++i) {
    pool.parallel_for(2 + i % 2, [&](int64_t b, int64_t e, int) { total.fetch_add(e - b); });
  }
  EXPECT_EQ(total.load(), 10000 * (2 + 3));
}

// spin_microseconds = 0 sends workers to the futex after every dispatch: the sleep/wake
// handshake is exercised on every call.
TEST(ThreadPool, WorkersThatAlwaysSleepStillWake) {
  ThreadPoolOptions options;
  options.num_threads = 3;
  options.spin_microseconds = 0;
  ThreadPool pool(options);
  std::atomic<int64_t> total{0};
  for (int i = 0; i < 20000; ++i) {
    pool.parallel_for(3, [&](int64_t b, int64_t e, int) { total.fetch_add(e - b); });
  }
  EXPECT_EQ(total.load(), 60000);
}

TEST(ThreadPool, WakesWorkersAfterIdle) {
  ThreadPoolOptions options;
  options.num_threads = 2;
  options.spin_microseconds = 1;
  ThreadPool pool(options);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    check_dispatch(pool, 8);
  }
}

TEST(ThreadPool, CallersOnSeveralThreadsAreSerialized) {
  ThreadPool pool(3);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int i = 0; i < 3000; ++i) {
        pool.parallel_for(7, [&](int64_t b, int64_t e, int) { total.fetch_add(e - b); });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 3 * 3000 * 7);
}

TEST(ThreadPool, CreateAndDestroyRepeatedly) {
  for (int i = 0; i < 200; ++i) {
    ThreadPoolOptions options;
    options.num_threads = 1 + i % 4;
    options.spin_microseconds = i % 2 == 0 ? 0 : 20;
    ThreadPool pool(options);
    if (i % 3 != 0) check_dispatch(pool, 5);
  }
}

// No exceptions: parallel_for promises not to throw, whatever the task type.
TEST(ThreadPool, DispatchIsNoexcept) {
  ThreadPool pool(2);
  auto task = [](int64_t, int64_t, int) {};
  static_assert(noexcept(pool.parallel_for(4, task)));
  const auto const_task = [](int64_t, int64_t, int) {};
  static_assert(noexcept(pool.parallel_for(4, const_task)));
  pool.parallel_for(4, const_task);
}

}  // namespace
}  // namespace stitch::runtime
