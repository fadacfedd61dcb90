// The event loop and its handles: each handle lives on the heap until libuv has closed it, so
// that the object owning it can go at any time.
#include "runtime/loop/event_loop.hpp"

#include "runtime/util/error.hpp"

#include <utility>

namespace lambda_local::runtime::loop {
namespace {

template <typename Holder> void close_and_free(Holder* holder) {
    holder->handle.data = holder;
    uv_close(reinterpret_cast<uv_handle_t*>(&holder->handle),
             [](uv_handle_t* handle) { delete static_cast<Holder*>(handle->data); });
}

// A task for the thread pool and what follows it on the loop.
struct BlockingWork {
    uv_work_t request{};
    std::function<void()> work;
    std::function<void()> after;
};

} // namespace

EventLoop::EventLoop() {
    if (int rc = uv_loop_init(&m_loop); rc != 0) {
        throw Error(std::string("uv_loop_init failed: ") + uv_strerror(rc));
    }
    m_wake = new uv_async_t{};
    m_wake->data = this;
    uv_async_init(&m_loop, m_wake,
                  [](uv_async_t* async) { static_cast<EventLoop*>(async->data)->drain_posted(); });
    // Waking for posted tasks must not keep the loop running by itself.
    uv_unref(reinterpret_cast<uv_handle_t*>(m_wake));
}

EventLoop::~EventLoop() {
    uv_close(reinterpret_cast<uv_handle_t*>(m_wake),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); });
    // Handles whose owners are gone are closing already; any still open is closed here.
    uv_walk(
        &m_loop,
        [](uv_handle_t* handle, void*) {
            if (!uv_is_closing(handle)) {
                uv_close(handle, nullptr);
            }
        },
        nullptr);
    uv_run(&m_loop, UV_RUN_DEFAULT);
    uv_loop_close(&m_loop);
}

void EventLoop::run() {
    uv_run(&m_loop, UV_RUN_DEFAULT);
}

void EventLoop::run_until(const std::function<bool()>& done) {
    while (!done()) {
        // Posted tasks count as work while any are waiting.
        bool posted = false;
        {
            std::lock_guard lock(m_posted_mutex);
            posted = !m_posted.empty();
        }
        if (posted) {
            drain_posted();
            continue;
        }
        if (uv_run(&m_loop, UV_RUN_ONCE) == 0 && !done()) {
            std::lock_guard lock(m_posted_mutex);
            if (m_posted.empty()) {
                return; // nothing left that could make it happen
            }
        }
    }
}

void EventLoop::stop() {
    uv_stop(&m_loop);
}

void EventLoop::post(std::function<void()> task) {
    {
        std::lock_guard lock(m_posted_mutex);
        m_posted.push_back(std::move(task));
    }
    uv_async_send(m_wake);
}

void EventLoop::drain_posted() {
    std::deque<std::function<void()>> tasks;
    {
        std::lock_guard lock(m_posted_mutex);
        tasks.swap(m_posted);
    }
    for (auto& task : tasks) {
        task();
    }
}

void EventLoop::run_blocking(std::function<void()> work, std::function<void()> after) {
    auto* task = new BlockingWork{{}, std::move(work), std::move(after)};
    task->request.data = task;
    int rc = uv_queue_work(
        &m_loop, &task->request,
        [](uv_work_t* request) { static_cast<BlockingWork*>(request->data)->work(); },
        [](uv_work_t* request, int) {
            std::unique_ptr<BlockingWork> done(static_cast<BlockingWork*>(request->data));
            if (done->after) {
                done->after();
            }
        });
    if (rc != 0) {
        std::unique_ptr<BlockingWork> failed(task);
        failed->work();
        if (failed->after) {
            failed->after();
        }
    }
}

struct Timer::Handle {
    uv_timer_t handle{};
    std::function<void()> fired;
};

Timer::Timer(EventLoop& loop) : m_handle(new Handle) {
    uv_timer_init(loop.uv(), &m_handle->handle);
    m_handle->handle.data = m_handle;
}

Timer::~Timer() {
    uv_timer_stop(&m_handle->handle);
    m_handle->fired = nullptr;
    close_and_free(m_handle);
}

void Timer::start(std::chrono::milliseconds after, std::function<void()> fired) {
    m_handle->fired = std::move(fired);
    // The loop's clock is that of the start of its turn: from now, not from then, so that a
    // timer never fires early.
    uv_update_time(m_handle->handle.loop);
    uv_timer_start(
        &m_handle->handle,
        [](uv_timer_t* timer) {
            auto* self = static_cast<Handle*>(timer->data);
            // Taken out: a one-shot timer holds nothing once it fired (a callback that owns the
            // timer's owner would otherwise keep both alive), and the callback may restart or
            // destroy the timer.
            std::function<void()> fired = std::move(self->fired);
            self->fired = nullptr;
            if (fired) {
                fired();
            }
        },
        static_cast<std::uint64_t>(std::max<long long>(after.count(), 0)), 0);
}

void Timer::repeat(std::chrono::milliseconds interval, std::function<void()> fired) {
    m_handle->fired = std::move(fired);
    auto every = static_cast<std::uint64_t>(std::max<long long>(interval.count(), 1));
    uv_timer_start(
        &m_handle->handle,
        [](uv_timer_t* timer) {
            auto* self = static_cast<Handle*>(timer->data);
            std::function<void()> fired = self->fired;
            if (fired) {
                fired();
            }
        },
        every, every);
}

void Timer::stop() {
    uv_timer_stop(&m_handle->handle);
    m_handle->fired = nullptr; // a repeating timer's callback, while it runs, keeps its copy
}

bool Timer::active() const {
    return uv_is_active(reinterpret_cast<const uv_handle_t*>(&m_handle->handle)) != 0;
}

struct FdWatch::Handle {
    uv_poll_t handle{};
    std::function<void(int)> ready;
    bool started = false;
    int events = 0;
};

FdWatch::FdWatch(EventLoop& loop, int fd) : m_handle(new Handle), m_fd(fd) {
    if (int rc = uv_poll_init(loop.uv(), &m_handle->handle, fd); rc != 0) {
        delete m_handle;
        m_handle = nullptr;
        throw Error("cannot watch descriptor " + std::to_string(fd) + ": " + uv_strerror(rc));
    }
    m_handle->handle.data = m_handle;
}

FdWatch::~FdWatch() {
    if (m_handle == nullptr) {
        return;
    }
    m_handle->ready = nullptr;
    // Closing takes the descriptor out of the kernel's interest list now: the owner may close
    // it right after this.
    close_and_free(m_handle);
}

void FdWatch::start(int events, std::function<void(int)> ready) {
    m_handle->ready = std::move(ready);
    if (m_handle->started && m_handle->events == events) {
        // Already watched for these: starting again would make libuv re-register the
        // descriptor with the kernel (two epoll_ctl calls) on its next turn.
        return;
    }
    m_handle->started = true;
    m_handle->events = events;
    uv_poll_start(&m_handle->handle, events, [](uv_poll_t* poll, int status, int happened) {
        auto* self = static_cast<Handle*>(poll->data);
        std::function<void(int)> ready = self->ready;
        if (ready) {
            ready(status < 0 ? status : happened);
        }
    });
}

void FdWatch::stop() {
    if (m_handle->started) {
        uv_poll_stop(&m_handle->handle);
        m_handle->started = false;
    }
}

struct DirectoryWatch::Handle {
    uv_fs_event_t handle{};
    std::function<void(const std::string&)> changed;
};

DirectoryWatch::DirectoryWatch(EventLoop& loop) : m_handle(new Handle) {
    uv_fs_event_init(loop.uv(), &m_handle->handle);
    m_handle->handle.data = m_handle;
}

DirectoryWatch::~DirectoryWatch() {
    uv_fs_event_stop(&m_handle->handle);
    m_handle->changed = nullptr;
    close_and_free(m_handle);
}

bool DirectoryWatch::start(const std::string& directory,
                           std::function<void(const std::string& name)> changed) {
    m_handle->changed = std::move(changed);
    int rc = uv_fs_event_start(
        &m_handle->handle,
        [](uv_fs_event_t* event, const char* name, int, int status) {
            auto* self = static_cast<Handle*>(event->data);
            std::function<void(const std::string&)> changed = self->changed;
            if (changed && status == 0) {
                changed(name != nullptr ? name : "");
            }
        },
        directory.c_str(), 0);
    return rc == 0;
}

void DirectoryWatch::stop() {
    uv_fs_event_stop(&m_handle->handle);
}

struct SignalWatch::Handle {
    uv_signal_t handle{};
    std::function<void()> received;
};

SignalWatch::SignalWatch(EventLoop& loop) : m_handle(new Handle) {
    uv_signal_init(loop.uv(), &m_handle->handle);
    m_handle->handle.data = m_handle;
}

SignalWatch::~SignalWatch() {
    uv_signal_stop(&m_handle->handle);
    m_handle->received = nullptr;
    close_and_free(m_handle);
}

void SignalWatch::start(int signal_number, std::function<void()> received) {
    m_handle->received = std::move(received);
    uv_signal_start(
        &m_handle->handle,
        [](uv_signal_t* signal, int) {
            auto* self = static_cast<Handle*>(signal->data);
            std::function<void()> received = self->received;
            if (received) {
                received();
            }
        },
        signal_number);
}

void SignalWatch::stop() {
    uv_signal_stop(&m_handle->handle);
}

} // namespace lambda_local::runtime::loop
