// The supervisor's event loop (libuv) and the few kinds of event it waits for.
#pragma once

#include <uv.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace lambda_local::runtime::loop {

// One libuv loop. Everything of the supervisor that waits (descriptors of execution
// environments, timers, signals, connections) waits here, on the thread that runs it; nothing
// else blocks that thread, and work that must block runs on libuv's thread pool
// (run_blocking()). Objects of this file are used on the loop's thread only, but post().
class EventLoop {
  public:
    EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;
    // Closes what is left open and lets the loop finish closing it.
    ~EventLoop();

    uv_loop_t* uv() { return &m_loop; }

    // Runs until stop() or until nothing is left to wait for.
    void run();
    // Runs until `done()` holds, looked at after each turn of the loop; returns early when
    // nothing is left to wait for (then `done()` may still be false).
    void run_until(const std::function<bool()>& done);
    // Makes run() return after the current turn.
    void stop();

    // Calls `task` on the loop's thread soon; safe from any thread.
    void post(std::function<void()> task);
    // Runs `work` on libuv's thread pool, then `after` on the loop's thread.
    void run_blocking(std::function<void()> work, std::function<void()> after);

  private:
    void drain_posted();

    uv_loop_t m_loop{};
    uv_async_t* m_wake = nullptr; // heap: freed by its close callback
    std::mutex m_posted_mutex;
    std::deque<std::function<void()>> m_posted;
};

// A one-shot or repeating timer. Destroying it cancels it.
class Timer {
  public:
    explicit Timer(EventLoop& loop);
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    ~Timer();

    // Calls `fired` once after `after` (0: on the next turn), replacing what was set; the
    // timer lets go of `fired` as it calls it.
    void start(std::chrono::milliseconds after, std::function<void()> fired);
    // Calls `fired` every `interval`, the first time after `interval`.
    void repeat(std::chrono::milliseconds interval, std::function<void()> fired);
    // Cancels, and lets go of the callback (and whatever it captured).
    void stop();
    bool active() const;

  private:
    struct Handle;
    Handle* m_handle; // freed by its close callback
};

// Readiness of a descriptor the caller owns (it must outlive the watch, or be closed only after
// the watch is stopped or destroyed). Destroying it stops it.
class FdWatch {
  public:
    FdWatch(EventLoop& loop, int fd);
    FdWatch(const FdWatch&) = delete;
    FdWatch& operator=(const FdWatch&) = delete;
    ~FdWatch();

    // Calls `ready` with UV_READABLE/UV_WRITABLE (or a negative libuv error) while `events`
    // hold; replaces what was set.
    void start(int events, std::function<void(int events)> ready);
    void stop();
    int fd() const { return m_fd; }

  private:
    struct Handle;
    Handle* m_handle;
    int m_fd;
};

// Changes in a directory (inotify through libuv): the name of each entry that changed.
// Destroying it stops it.
class DirectoryWatch {
  public:
    explicit DirectoryWatch(EventLoop& loop);
    DirectoryWatch(const DirectoryWatch&) = delete;
    DirectoryWatch& operator=(const DirectoryWatch&) = delete;
    ~DirectoryWatch();

    // Watches `directory`; false (with nothing watched) when it cannot be watched, e.g. it
    // does not exist.
    bool start(const std::string& directory, std::function<void(const std::string& name)> changed);
    void stop();

  private:
    struct Handle;
    Handle* m_handle;
};

// A signal, delivered on the loop's thread. Destroying it restores nothing: the signal's
// disposition is libuv's until the process ends.
class SignalWatch {
  public:
    explicit SignalWatch(EventLoop& loop);
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;
    ~SignalWatch();

    void start(int signal_number, std::function<void()> received);
    void stop();

  private:
    struct Handle;
    Handle* m_handle;
};

} // namespace lambda_local::runtime::loop
