// An execution environment: one sandboxed worker process serving invocations.
#pragma once

#include "runtime/cgroup.hpp"
#include "runtime/environment.hpp"
#include "runtime/function_spec.hpp"
#include "runtime/invocation.hpp"
#include "runtime/outbound_network.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/wire.hpp"

#include <sys/types.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime {

namespace runtime_api {
class Server;
}

// How execution environments are started.
struct EnvironmentOptions {
    std::string worker_path;                 // the lambda-local-worker executable
    bool sandbox = true;                     // false: no namespaces, sandbox user or cgroup
    int output_fd = STDERR_FILENO;           // where the handler's stdout and stderr go
    HostEnvironment host;                    // the host variables passed through
    int cancel_fd = -1;                      // when readable, stop waiting and end the environment
    NetworkMode network = NetworkMode::Host; // --network
};

// The worker beside this executable (or in ../libexec/lambda-local/), unless
// LAMBDA_LOCAL_WORKER names one. Throws lambda_local::Error when there is none.
std::string find_worker_executable();

// One execution environment, as in Lambda: started (cold) on its first
// invocation, reused while warm, one invocation at a time, and discarded after
// a timeout, crash or out-of-memory.
//
// For a custom runtime (FunctionSpec::bootstrap) the worker execs the bootstrap, and the
// environment serves it a Runtime API on 127.0.0.1 (runtime/runtime_api/): init ends at the
// runtime's first /next, and each invocation is handed to /next and ended by /response or
// /error. A runtime that ends between invocations makes the next invocation a cold start.
//
// Nothing a handler writes is trusted to act on the host: the environment is ended through the
// worker this object spawned (closing its control channel, or SIGKILL to the pid posix_spawn
// returned), never through a pid read from a frame; the handler process holds only its own
// channel, whose frames are read as its answers, within Lambda's sizes, and any frame there
// that is not the one expected ends the environment (docs/sandbox.md).
//
// The worker ends with the thread that started it (PR_SET_PDEATHSIG follows the
// spawning thread, not the process): start environments from threads that
// outlive them, such as the main thread or a pool's long-lived threads.
class ExecutionEnvironment {
  public:
    // Throws lambda_local::Error for options that cannot go together (an isolated network
    // without the sandbox).
    ExecutionEnvironment(FunctionSpec spec, EnvironmentOptions options);
    ExecutionEnvironment(const ExecutionEnvironment&) = delete;
    ExecutionEnvironment& operator=(const ExecutionEnvironment&) = delete;
    ~ExecutionEnvironment();

    // Runs one invocation, starting the environment first when it is not warm.
    // Throws lambda_local::Error only when the worker cannot be started at all.
    InvocationResult invoke(const InvocationRequest& request);

    // True when the next invocation reuses this environment's worker.
    bool warm() const { return m_worker_pid > 0; }
    // False when a warm environment's worker has ended while idle (killed from outside, or
    // because the thread that started it ended): its next invocation would fail.
    bool idle_worker_alive() const;
    // Starts the environment and runs its init now (`serve --warm`), unless it is warm already.
    // Returns false, with the failure in `result`, when it cannot start.
    bool start_now(InvocationResult& result);
    // What the sandbox does not enforce on this machine (known once started).
    const std::vector<std::string>& sandbox_notes() const { return m_notes; }
    // Ends the environment: all its processes killed and reaped, its /tmp gone.
    void shutdown();

  private:
    // What a wait for the environment ended with.
    enum class Wait {
        Frame,       // a frame of the handler channel (Ready, InitError or Result)
        Exited,      // the handler process ended (the first process's Exited frame)
        Timeout,     // the deadline passed
        Closed,      // the worker is gone (its control channel closed without an Exited)
        Broken,      // the handler wrote something other than the frame expected
        Cancelled,   // cancel_fd became readable
        OutOfMemory, // the environment's anonymous memory passed the memory size
        RuntimeApi,  // a custom runtime's Notices are waiting
    };
    struct Awaited {
        Wait what = Wait::Closed;
        wire::Frame frame;   // Wait::Frame
        int wait_status = 0; // Wait::Exited
    };

    // Starts the worker and runs init; fills `result` and returns false on failure.
    bool start(InvocationResult& result, const std::string& request_id);
    void spawn();
    // The next event of the environment, or (custom runtimes) Notices waiting in the Runtime
    // API, which come before a frame read with them. The handler channel's first frame (its
    // sandbox notes) and the control channel's Network frame are taken here.
    Awaited await_frame(MonotonicClock::time_point deadline);
    // Reads what the two channels have without blocking; false when the control channel has
    // closed.
    bool read_available();
    // The control channel's Network frame (`--network isolated`): adopts the Runtime API's
    // listening socket, starts pasta, and lets the worker go on. Throws lambda_local::Error
    // when the namespace could not be made.
    void connect_network(const wire::Frame& frame);
    // A custom runtime's invocation: handed to /next, ended by /response or /error.
    InvocationResult invoke_runtime(const InvocationRequest& request, InvocationResult result);
    // Fills `result` for an invocation that ended without an answer: timeout, Ctrl-C, a
    // lost worker, a broken protocol or out-of-memory.
    void abandoned(InvocationResult& result, const InvocationRequest& request,
                   const Awaited& awaited);
    // True when a warm custom runtime has ended since its last invocation.
    bool runtime_gone();
    // Updates m_peak_rss_kib from the custom runtime's own peak resident set (VmHWM).
    void measure_runtime_memory();
    // Classifies the end of the handler process (`awaited`: an Exited frame, a lost worker, a
    // broken protocol, or out-of-memory), and ends the environment.
    void runtime_exited(InvocationResult& result, const std::string& request_id,
                        const Awaited& awaited);
    bool over_memory_size() const;

    FunctionSpec m_spec;
    EnvironmentOptions m_options;
    std::string m_log_stream;
    Fd m_control; // the control channel: Config out; Network and Exited in
    Fd m_socket;  // Invoke frames to the handler process
    Fd m_frames;  // frames from the handler process (a pipe)
    pid_t m_worker_pid = -1;
    Fd m_worker_exit; // a pidfd of the worker: readable once it has ended
    std::unique_ptr<Cgroup> m_cgroup;
    std::int64_t m_oom_kills_at_start = 0;
    wire::FrameDecoder m_control_decoder;
    wire::FrameDecoder m_decoder;
    bool m_frames_open = false;              // the handler channel has not reached its end
    bool m_sandbox_reported = false;         // its first frame (the sandbox notes) has come
    std::optional<int> m_pending_exit;       // an Exited read before the handler's last frames
    std::optional<wire::Frame> m_held_frame; // read along with a Runtime API notice
    std::unique_ptr<runtime_api::Server> m_runtime_api; // a custom runtime's, while it lives
    OutboundNetwork m_outbound;                         // pasta, under --network isolated
    pid_t m_runtime_pid = -1;                           // the bootstrap process, as seen here
    std::vector<Fd> m_passed_fds; // descriptors the worker sent on the control channel
    std::vector<std::string> m_notes;
    std::int64_t m_peak_rss_kib = 0;
    MonotonicClock::time_point m_next_memory_check; // the next look at anonymous memory
    MonotonicClock::time_point m_init_started;      // after the network, under isolated
};

} // namespace lambda_local::runtime
