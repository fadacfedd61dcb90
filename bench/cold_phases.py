#!/usr/bin/env python3
"""Where a sandboxed cold `invoke` spends its time, phase by phase.

Runs `lambda-local invoke -q -l libhello_c.so -d {}` N times under `perf record` with a few
scheduler and system-call tracepoints (cheap enough not to change the picture), then prints the
median time between consecutive landmarks of each run:

    exec            lambda-local starts (sched_process_exec)
    vfork           its posix_spawn of the worker (the last clone3 before the worker's exec)
    worker_exec     the worker's exec done
    unshare         the worker enters its namespaces
    fork_reaper     the worker forks the environment's first process
    fork_handler    that process forks the handler process
    seccomp         the handler process loads its system-call filter
    dlopen          its first open after that: loading the function's library
    handler_exit    the handler process exits (the invocation is answered before)
    reaper_exit     the first process exits
    ll_exit         lambda-local calls exit_group
    ll_gone         lambda-local is gone

Not a test: it prints numbers. Needs root (or perf_event_paranoid -1) and perf.

    bench/cold_phases.py [build-dir] [runs]     (defaults: build/ beside bench/, 100)
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build"))
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
ORDER = ["exec", "vfork", "worker_exec", "unshare", "fork_reaper", "fork_handler", "seccomp",
         "dlopen", "handler_exit", "reaper_exit", "ll_exit", "ll_gone"]
EVENTS = ["sched:sched_process_exec", "sched:sched_process_fork", "sched:sched_process_exit",
          "syscalls:sys_enter_unshare", "syscalls:sys_enter_seccomp",
          "syscalls:sys_enter_exit_group", "syscalls:sys_enter_openat",
          "syscalls:sys_enter_clone3"]
LINE = re.compile(r"\s*(\S.*?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)")


def landmarks(script_lines):
    """One dict of landmark -> time (ms) per lambda-local run."""
    runs, run = [], None
    for line in script_lines:
        match = LINE.match(line)
        if not match:
            continue
        comm, pid, _tid, when, event, rest = match.groups()
        when, pid = float(when) * 1000, int(pid)
        worker = comm.startswith("lambda-local-wo")
        if event == "sched:sched_process_exec" and not worker and \
                rest.startswith("filename=") and rest.split()[0].endswith("/lambda-local"):
            run = {"exec": when, "pid": pid}
            runs.append(run)
            continue
        if run is None:
            continue

        def mark(name):
            run.setdefault(name, when)

        if event == "syscalls:sys_enter_clone3" and pid == run["pid"] and "worker_exec" not in run:
            run["vfork"] = when
        elif event == "sched:sched_process_exec" and worker:
            mark("worker_exec")
        elif event == "syscalls:sys_enter_unshare" and "worker_exec" in run:
            mark("unshare")
        elif event == "sched:sched_process_fork" and worker:
            mark("fork_handler" if "fork_reaper" in run else "fork_reaper")
        elif event == "syscalls:sys_enter_seccomp":
            mark("seccomp")
        elif event == "syscalls:sys_enter_openat" and worker and "seccomp" in run:
            mark("dlopen")
        elif event == "syscalls:sys_enter_exit_group" and worker:
            mark("reaper_exit" if "handler_exit" in run else "handler_exit")
        elif event == "syscalls:sys_enter_exit_group" and pid == run["pid"]:
            mark("ll_exit")
        elif event == "sched:sched_process_exit" and pid == run["pid"] and "group_dead=true" in rest:
            mark("ll_gone")
    return runs


def main():
    lambda_local = os.path.join(BUILD, "lambda-local")
    library = os.path.join(BUILD, "samples", "libhello_c.so")
    for path in (lambda_local, library):
        if not os.path.exists(path):
            sys.exit(f"bench/cold_phases.py: {path} not found: build first")
    with tempfile.TemporaryDirectory(prefix="lambda-local-phases.") as work:
        data = os.path.join(work, "perf.data")
        loop = f'for i in $(seq {RUNS}); do "{lambda_local}" invoke -q -l "{library}" -d {{}} ' \
               '>/dev/null 2>&1; done'
        record = ["perf", "record", "-q", "-a", "-o", data]
        for event in EVENTS:
            record += ["-e", event]
        subprocess.run(record + ["--", "sh", "-c", loop], check=True)
        script = subprocess.run(["perf", "script", "-i", data, "-F",
                                 "comm,pid,tid,time,event,trace"],
                                check=True, capture_output=True, text=True).stdout
    runs = [run for run in landmarks(script.splitlines()) if all(k in run for k in ORDER)]
    if not runs:
        sys.exit("bench/cold_phases.py: no complete run in the trace")
    print(f"{len(runs)} complete runs of {RUNS}; medians in ms")
    for first, second in zip(ORDER, ORDER[1:]):
        gaps = [run[second] - run[first] for run in runs]
        print(f"{first + ' -> ' + second:30} {statistics.median(gaps):7.3f}")
    print(f"{'total':30} {statistics.median(run['ll_gone'] - run['exec'] for run in runs):7.3f}")


if __name__ == "__main__":
    main()
