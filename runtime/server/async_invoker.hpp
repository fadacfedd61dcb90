// Asynchronous invocations (the Invoke API's Event type, scheduled rules): a queue served by
// long-lived threads (each waits for the function pool to run its invocation).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lambda_local::runtime::server {

// Runs queued jobs on a fixed set of threads that live as long as it does.
class AsyncInvoker {
  public:
    AsyncInvoker(int threads, std::size_t max_queued);
    AsyncInvoker(const AsyncInvoker&) = delete;
    AsyncInvoker& operator=(const AsyncInvoker&) = delete;
    ~AsyncInvoker();

    // Queues `job`; false when the queue is full or stop() has begun.
    bool submit(std::function<void()> job);
    // Drops the jobs not started, waits for those running, joins the threads. Idempotent.
    void stop();

  private:
    void run();
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::function<void()>> m_jobs;
    std::size_t m_max_queued;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

} // namespace lambda_local::runtime::server
