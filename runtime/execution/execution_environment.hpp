// An execution environment: one sandboxed worker process serving invocations, on the loop.
#pragma once

#include "runtime/debugger/debug_port.hpp"
#include "runtime/debugger/debug_relay.hpp"
#include "runtime/execution/cgroup.hpp"
#include "runtime/execution/invocation.hpp"
#include "runtime/execution/outbound_network.hpp"
#include "runtime/execution/stream_relay.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/function/lambda_variables.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/protocol/wire.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/fd.hpp"

#include <sys/types.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime {

namespace runtime_api {
class Endpoint;
class Host;
struct StreamReceiver;
} // namespace runtime_api

// How execution environments are started.
struct EnvironmentOptions {
    std::string worker_path;                 // the lambda-local-worker executable
    bool sandbox = true;                     // false: no namespaces, sandbox user or cgroup
    int output_fd = STDERR_FILENO;           // where the handler's stdout and stderr go
    HostEnvironment host;                    // the host variables passed through
    int cancel_fd = -1;                      // when readable, stop waiting and end the environment
    NetworkMode network = NetworkMode::Host; // --network
    // Serves custom runtimes their Runtime API on the environment's loop; none in the
    // executable that runs only library handlers.
    runtime_api::Host* runtime_api = nullptr;
    // --debug: each environment's handler process starts gdbserver, attached to itself before
    // the function's init, reached through this port on 127.0.0.1 (docs/debugging.md). One
    // environment at a time may use it.
    std::shared_ptr<debugger::DebugPort> debug;
    // Response streaming's cap and bandwidth rule (stream_relay.hpp; serve --no-stream-limit).
    StreamLimits stream_limits;
};

// The worker beside this executable (or in ../libexec/lambda-local/), unless
// LAMBDA_LOCAL_WORKER names one. Throws lambda_local::Error when there is none.
std::string find_worker_executable();

// One execution environment, as in Lambda: started (cold) on its first invocation, reused
// while warm, one invocation at a time, and discarded after a timeout, crash or
// out-of-memory. It lives on an event loop: every call is made on the loop's thread, and
// answers come back as callbacks from the loop, once the environment has done what it was
// asked (an environment that had to end has ended: its processes are gone).
//
// For a custom runtime (FunctionSpec::bootstrap) the worker execs the bootstrap, and the
// environment serves it a Runtime API (EnvironmentOptions::runtime_api): init ends at the
// runtime's first /next, and each invocation is handed to /next and ended by /response or
// /error. A runtime that ends between invocations makes the next invocation a cold start.
//
// Nothing a handler writes is trusted to act on the host: the environment is ended through the
// worker this object spawned (closing its control channel, or SIGKILL to the pid posix_spawn
// returned), never through a pid read from a frame; the handler process holds only its own
// channel, whose frames are read as its answers, within Lambda's sizes, and any frame there
// that is not the one expected ends the environment (docs/sandbox.md).
//
// A native handler that streams its response (docs/streaming.md) sends its pieces as frames
// during the invocation; they go through the invocation's StreamRelay to the request's sink
// (or are gathered for the payload). While the sink is full the environment reads nothing
// more from the handler, which then blocks in its write; its deadline runs on.
//
// The worker ends with the thread that started it (PR_SET_PDEATHSIG follows the spawning
// thread, not the process): run the loop on a thread that outlives its environments.
class ExecutionEnvironment {
  public:
    using Done = std::function<void(InvocationResult)>;

    // Throws lambda_local::Error for options that cannot go together (an isolated network
    // without the sandbox).
    ExecutionEnvironment(loop::EventLoop& loop, FunctionSpec spec, EnvironmentOptions options);
    ExecutionEnvironment(const ExecutionEnvironment&) = delete;
    ExecutionEnvironment& operator=(const ExecutionEnvironment&) = delete;
    // Ends what is left at once (blocking briefly): prefer shutdown() and its callback.
    ~ExecutionEnvironment();

    // Runs one invocation, starting the environment first when it is not warm; `done` gets
    // the result. One at a time. Throws lambda_local::Error only when the worker cannot be
    // started at all (then `done` is not called).
    void invoke(InvocationRequest request, Done done);
    // Starts the environment and runs its init now (`serve --warm`), unless it is warm
    // already; `done` gets a result that is ok() when it started, or the failure.
    void start_now(Done done);
    // Ends the invocation in progress now: its result is Cancelled, and the environment ends.
    void cancel();
    // Ends the environment: all its processes killed and reaped, its /tmp gone; `done` (if
    // any) once that is so. An invocation in progress ends Cancelled first.
    void shutdown(std::function<void()> done = {});

    // True when the next invocation reuses this environment's worker.
    bool warm() const { return m_phase == Phase::Idle; }
    // True while an invocation (or a start) is in progress.
    bool busy() const { return m_phase == Phase::Starting || m_phase == Phase::Invoking; }
    // False when a warm environment's worker has ended while idle, or sent something: its next
    // invocation would fail.
    bool idle_worker_alive() const;
    // What the sandbox does not enforce on this machine (known once started).
    const std::vector<std::string>& sandbox_notes() const { return m_notes; }

  private:
    enum class Phase { Cold, Starting, Idle, Invoking, Ending };
    // What happened in the environment, as far as the current phase cares.
    enum class Wait {
        Frame,       // a frame of the handler channel (Ready, InitError or Result)
        Exited,      // the handler process ended (the first process's Exited frame)
        Timeout,     // the deadline passed
        Closed,      // the worker is gone (its control channel closed without an Exited)
        Broken,      // the handler wrote something other than the frame expected
        Cancelled,   // cancel(), or cancel_fd became readable
        OutOfMemory, // the environment's anonymous memory passed the memory size
        RuntimeApi,  // a custom runtime's Notices are waiting
    };
    struct Awaited {
        Wait what = Wait::Closed;
        wire::Frame frame;   // Wait::Frame
        int wait_status = 0; // Wait::Exited
    };

    void begin_start();
    // begin_start() from a callback: a failure to start the worker becomes the result.
    void start_or_fail();
    void spawn();
    // The environment is ready: the invocation that waited is sent (or start_now() answered).
    void started();
    // pump() on the loop's next turn (from a call that must not see this object end).
    void schedule_pump();
    // Looks at what happened, and moves the phase on, until nothing more can be decided.
    void pump();
    // The next event of the environment, or nothing until a descriptor, timer or notice says
    // more. The handler channel's first frame (its sandbox notes) and the control channel's
    // Network frame are taken here.
    std::optional<Awaited> next_event();
    void on_start_event(Awaited awaited);
    void on_invoke_event(Awaited awaited);
    void on_runtime_invoke_event(Awaited awaited);
    // A native handler's StreamStart or StreamChunk, relayed through m_stream; false when it is
    // not one the protocol allows now (docs/sandbox.md).
    bool on_stream_frame(const wire::Frame& frame);
    // The relay can take more after a Wait: the handler's frames are read again.
    void stream_ready();
    // The result of an invocation whose handler streamed, from its Result frame's meta.
    void streamed_result(InvocationResult& result, const wire::ResultMeta& meta);
    // The stream's figures in `result`, once the invocation has ended, when the function
    // streamed (`why`: what ended the stream abnormally, for the log; "" when it ended
    // normally or says so itself).
    void stream_ended(InvocationResult& result, const std::string& why);
    // True while the handler's frames are not read: the relay waits for the caller, and the
    // handler process has not ended (its last frames are always read).
    bool stream_holds_frames() const { return m_stream_paused && !m_pending_exit; }
    // Sends the waiting invocation to the warm environment.
    void begin_invoke();
    // Writes what the handler channel takes of the Invoke frame, without blocking, and watches
    // for room for the rest. A handler process that does not read (stopped, say) holds only its
    // own invocation, until its deadline. One that is gone gets a second for its Exited frame
    // to say how, in place of the invocation's deadline.
    void send_invoke();
    // send_invoke()'s writes; false when the handler process is gone.
    bool send_invoke_now();
    // Whether the Runtime API connection from `ip`:`port` to the endpoint's `endpoint_port`
    // comes from a process of this environment (runtime/execution/process_sockets.hpp).
    bool connection_from_environment(const std::string& ip, int port, int endpoint_port);
    // Reads what the two channels have without blocking; false when the control channel has
    // closed.
    bool read_available();
    // A channel is readable: the invocation in progress goes on, or an idle environment is
    // marked as not to be used again.
    void channel_ready();
    // The control channel's Network frame (`--network isolated`): adopts the Runtime API's
    // listening socket, starts pasta, and lets the worker go on once it is connected.
    void connect_network(const wire::Frame& frame);
    void network_connected(const std::string& why);
    // Watches the channels, the deadline and the memory while starting or invoking. The
    // channels stay watched while the environment is idle: restarting a watch costs the loop
    // two epoll_ctl calls, at every invocation.
    void arm(MonotonicClock::time_point deadline);
    // Sets m_deadline_passed at `deadline`, never before.
    void arm_deadline(MonotonicClock::time_point deadline);
    void disarm();
    // --debug: a debugger's session holds the time limits off (from the start: the handler
    // process waits for the debugger, stopped).
    bool debugger_holds() const { return m_debug_relay && m_debug_relay->active(); }
    // The debugger's session is over (gdbserver ended): the time limits apply again, the
    // current one afresh from now, and the environment ends after the invocation in progress
    // (the next one starts anew, waiting for a debugger).
    void debugger_left();
    // Ends the invocation (or start) with `result`: the environment ends first when
    // `end_environment` (a timeout, crash, out-of-memory), else it stays warm.
    void finish(InvocationResult result, bool end_environment);
    // The result for an invocation that ended without an answer: timeout, cancel, a lost
    // worker, a broken protocol or out-of-memory. Sets whether the environment must end.
    void abandoned(InvocationResult& result, const Awaited& awaited);
    // Classifies the end of the handler process (`awaited`: an Exited frame, a lost worker, a
    // broken protocol, or out-of-memory).
    void runtime_exited(InvocationResult& result, const Awaited& awaited);
    bool over_memory_size() const;
    // True when a warm custom runtime has ended since its last invocation.
    bool runtime_gone();
    // Updates m_peak_rss_kib from the custom runtime's own peak resident set (VmHWM).
    void measure_runtime_memory();
    // Where a custom runtime's streamed /response goes as it arrives: m_stream.
    runtime_api::StreamReceiver runtime_stream_receiver();
    // The cap of the invocation's stream: Lambda's buffered limit when its bytes are gathered
    // for the payload (no sink), else stream_limits'.
    StreamLimits stream_limits() const;
    // Ends the worker and everything of the environment; `then` once its processes are gone
    // and its cgroup removed.
    void end_environment(std::function<void()> then);
    void worker_ended(int status);
    // Frees what the environment held once its processes are gone.
    void release();

    loop::EventLoop& m_loop;
    FunctionSpec m_spec;
    EnvironmentOptions m_options;
    Phase m_phase = Phase::Cold;
    std::string m_log_stream;

    // The invocation in progress (or waiting for the start), and who gets its result.
    std::optional<InvocationRequest> m_request;
    std::string m_outgoing;          // the Invoke frame's header and meta; its body is the event
    std::size_t m_outgoing_sent = 0; // of the whole frame
    Done m_done;
    bool m_start_only = false;          // start_now(): no invocation follows the start
    InvocationResult m_result;          // filled as the invocation goes (init duration, memory)
    MonotonicClock::time_point m_begin; // of the invocation, or of init
    MonotonicClock::time_point m_init_started; // after the network, under isolated
    bool m_answered = false;            // a custom runtime answered the invocation in progress
    bool m_invoke_write_failed = false; // the handler process was gone as it was invoked
    bool m_pumping = false;             // pump() is on the stack
    bool m_ending = false;              // end_environment() has begun
    std::function<void()> m_completed;  // the caller's callback, called as pump() returns

    // The worker and its channels.
    Fd m_control; // the control channel: Config out; Network and Exited in
    Fd m_socket;  // Invoke frames to the handler process
    Fd m_frames;  // frames from the handler process (a pipe)
    pid_t m_worker_pid = -1;
    // The sockets found held by the environment's processes, last first out: its runtime's
    // connections to the Runtime API (connection_from_environment).
    std::vector<unsigned long> m_admitted_sockets;
    Fd m_worker_exit;                   // a pidfd of the worker: readable once it has ended
    std::optional<int> m_worker_status; // once reaped
    std::unique_ptr<Cgroup> m_cgroup;
    std::int64_t m_oom_kills_at_start = 0;
    wire::FrameDecoder m_control_decoder;
    wire::FrameDecoder m_decoder;
    bool m_frames_open = false;        // the handler channel has not reached its end
    bool m_control_readable = true;    // the control channel may hold bytes not read yet
    bool m_idle_disturbed = false;     // a channel was readable while the environment was idle
    bool m_sandbox_reported = false;   // its first frame (the sandbox notes) has come
    std::optional<int> m_pending_exit; // an Exited read before the handler's last frames
    std::vector<Fd> m_passed_fds;      // descriptors the worker sent on the control channel
    bool m_connecting_network = false; // pasta is starting: the worker waits for Proceed

    // Custom runtimes.
    std::unique_ptr<runtime_api::Endpoint> m_runtime_api; // while the runtime lives
    std::optional<wire::Frame> m_held_frame;              // read along with a Runtime API notice
    pid_t m_runtime_pid = -1;                             // the bootstrap process, as seen here

    OutboundNetwork m_outbound; // pasta, under --network isolated

    // The invocation's streamed response (docs/streaming.md): its relay to the request's sink
    // (or gathered for the payload), made when the invocation begins.
    std::unique_ptr<StreamRelay> m_stream;
    bool m_stream_paused = false;        // the relay said Wait: the handler's frames wait too
    bool m_stream_too_large = false;     // the stream passed its cap: the rest is dropped
    std::size_t m_stream_turn_bytes = 0; // streamed in this pump(): past a bound it yields

    // --debug: the relay of this environment's debugging session, and whether it is over.
    std::unique_ptr<debugger::DebugRelay> m_debug_relay;
    bool m_debug_session_over = false;

    // What is being waited for.
    std::unique_ptr<loop::FdWatch> m_control_watch;
    std::unique_ptr<loop::FdWatch> m_frames_watch;
    std::unique_ptr<loop::FdWatch> m_invoke_watch; // the handler channel's room for m_outgoing
    std::unique_ptr<loop::FdWatch> m_cancel_watch;
    std::unique_ptr<loop::FdWatch> m_exit_watch;
    std::unique_ptr<loop::FdWatch> m_network_watch; // pasta's readiness
    loop::Timer m_deadline;
    loop::Timer m_memory_timer;
    loop::Timer m_kill_timer;    // the worker's time to end the environment
    loop::Timer m_network_timer; // pasta's time to configure the namespace
    loop::Timer m_soon;          // schedule_pump(), and the end's callbacks
    bool m_deadline_passed = false;
    bool m_memory_check_due = false;
    bool m_cancelled = false;
    std::vector<std::function<void()>> m_ended; // called once the environment has ended

    std::vector<std::string> m_notes;
    std::int64_t m_peak_rss_kib = 0;
    // Expires with this object: for callbacks that may outlive it (the thread pool's).
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

// invoke(), running `loop` until the result is there: for commands that run one environment
// at a time on a loop of their own (invoke, test).
InvocationResult invoke_and_wait(loop::EventLoop& loop, ExecutionEnvironment& environment,
                                 InvocationRequest request);
// shutdown(), running `loop` until the environment has ended.
void shutdown_and_wait(loop::EventLoop& loop, ExecutionEnvironment& environment);

} // namespace lambda_local::runtime
