// Where renewal work (signing) runs: off the timer thread.
#ifndef TOKEND_CORE_RENEWAL_EXECUTOR_H_
#define TOKEND_CORE_RENEWAL_EXECUTOR_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace tokend {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void Post(std::function<void()> task) = 0;
};

// Runs each task on the calling thread: deterministic tests.
class InlineExecutor final : public Executor {
 public:
  void Post(std::function<void()> task) override { task(); }
};

// A fixed pool of worker threads with one FIFO queue. Post is thread-safe;
// the destructor finishes queued tasks and joins.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool() override;
  void Post(std::function<void()> task) override;

 private:
  void Work();
  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_RENEWAL_EXECUTOR_H_
