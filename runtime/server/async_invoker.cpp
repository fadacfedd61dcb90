// Asynchronous invocations: a bounded queue served by long-lived threads.
#include "runtime/server/async_invoker.hpp"

#include <exception>

namespace lambda_local::runtime::server {

AsyncInvoker::AsyncInvoker(int threads, std::size_t max_queued) : m_max_queued(max_queued) {
    for (int i = 0; i < threads; ++i) {
        m_threads.emplace_back([this] { run(); });
    }
}

AsyncInvoker::~AsyncInvoker() {
    stop();
}

bool AsyncInvoker::submit(std::function<void()> job) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || m_jobs.size() >= m_max_queued) {
            return false;
        }
        m_jobs.push_back(std::move(job));
    }
    m_ready.notify_one();
    return true;
}

void AsyncInvoker::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_stopping = true;
        m_jobs.clear();
    }
    m_ready.notify_all();
    for (auto& thread : m_threads) {
        thread.join();
    }
}

void AsyncInvoker::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_ready.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_stopping) {
                return;
            }
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        try {
            job();
        } catch (const std::exception&) {
            // A job reports its own failures in the log; one failing must not end the thread.
        }
    }
}

} // namespace lambda_local::runtime::server
