#!/usr/bin/env python3
"""Response streaming through `lambda-local serve`: time to first byte and throughput.

    cmake --build build -j2 --target lambda-local-serve lambda-local-worker samples stream_stamp
    bench/streaming.py [BUILD_DIR]        # default: build

Starts `lambda-local serve` (bound to 127.0.0.1, a free port, --no-stream-limit, one warm
environment per function) on a SAM template of its own, runs, then stops it:

1. time to first byte, measured in the handler's clock: bench/stream_stamp.cpp writes lines
   holding the CLOCK_MONOTONIC time of their write; the client reads each as it comes (a raw
   socket, function URL in RESPONSE_STREAM mode) and subtracts it from its own
   CLOCK_MONOTONIC at receipt;
2. stream_then_sleep (samples/cpp-streaming): the first chunk's arrival against the second's,
   written 1 s later: streamed, they are ~1000 ms apart; gathered, they would arrive together;
3. throughput of a 100 MB stream (stream_bytes, 64 KiB writes, through InvokeWithResponseStream)
   read with curl, next to the
   same size of plain file served over loopback by Python's http.server, read with curl.

It prints numbers; it asserts nothing. Figures depend on the machine's load: quote them with it.
"""
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.server
import functools

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
SERVE = os.path.join(BUILD, "lambda-local-serve")
SAMPLES = os.path.join(BUILD, "samples")
BENCH = os.path.join(BUILD, "bench")
STREAM_BYTES = 100 * 1024 * 1024


def template(path):
    functions = [
        ("Stamp", BENCH, "libstream_stamp.so:stamps", 60),
        ("Sleep", SAMPLES, "libstream_cpp.so:stream_then_sleep", 10),
        ("Bytes", SAMPLES, "libstream_cpp.so:stream_bytes", 300),
    ]
    text = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
    for name, code, handler, timeout in functions:
        text += (f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                 f"      CodeUri: {code}\n      Handler: {handler}\n      Runtime: provided.al2023\n"
                 f"      Timeout: {timeout}\n      MemorySize: 1024\n"
                 f"      FunctionUrlConfig:\n        AuthType: NONE\n"
                 f"        InvokeMode: RESPONSE_STREAM\n")
    with open(path, "w") as f:
        f.write(text)


def start_serve(template_path):
    proc = subprocess.Popen(
        [SERVE, "serve", "--template", template_path, "--host", "127.0.0.1", "--port", "0",
         "-q", "--no-stream-limit", "--no-schedules", "--no-watch", "--warm", "1"],
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    log = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        log += line
        found = re.search(r"serving \d+ function\(s\) on http://127\.0\.0\.1:(\d+)", line)
        if found:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, int(found.group(1))
    proc.kill()
    sys.exit("lambda-local serve did not start:\n" + log)


def request(port, path, body):
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data


def read_chunks(sock, on_bytes):
    """Reads a chunked response, calling on_bytes(data, monotonic_ns) as body bytes arrive."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, buffer = buffer.split(b"\r\n\r\n", 1)
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(head.decode())
    while True:
        while b"\r\n" not in buffer:
            more = sock.recv(65536)
            if not more:
                return
            buffer += more
        size_text, buffer = buffer.split(b"\r\n", 1)
        size = int(size_text, 16)
        if size == 0:
            return
        while len(buffer) < size + 2:
            more = sock.recv(65536)
            if not more:
                return
            buffer += more
        on_bytes(buffer[:size], time.monotonic_ns())
        buffer = buffer[size + 2:]


def time_to_first_byte(port, runs=5):
    first, rest = [], []
    for _ in range(runs):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The function URL's event carries the body as a string: the handler's defaults apply
        # (20 lines, 50 ms apart).
        sock.sendall(request(port, "/_lambda-url/Stamp/", {}))
        pending = [b""]
        latencies = []

        def on_bytes(data, now):
            pending[0] += data
            while b"\n" in pending[0]:
                line, pending[0] = pending[0].split(b"\n", 1)
                latencies.append((now - int(line)) / 1e6)
        read_chunks(sock, on_bytes)
        sock.close()
        first.append(latencies[0])
        rest.extend(latencies[1:])
    return first, rest


def then_sleep(port, runs=3):
    out = []
    for _ in range(runs):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sent = time.monotonic_ns()
        sock.sendall(request(port, "/_lambda-url/Sleep/", {}))  # its default: 1000 ms
        arrivals = []
        read_chunks(sock, lambda data, now: arrivals.append((data, now)))
        sock.close()
        out.append(((arrivals[0][1] - sent) / 1e6, (arrivals[-1][1] - arrivals[0][1]) / 1e6))
    return out


def curl_throughput(url, data=None):
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}"]
    if data is not None:
        argv += ["-H", "Content-Type: application/json", "--data", data]
    result = subprocess.run(argv + [url], capture_output=True, text=True, check=True)
    seconds, size = result.stdout.split()
    return float(seconds), int(size)


def plain_file_server(directory):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    for needed in [SERVE, os.path.join(BENCH, "libstream_stamp.so"),
                   os.path.join(SAMPLES, "libstream_cpp.so")]:
        if not os.path.exists(needed):
            sys.exit(f"missing {needed}: build lambda-local-serve, samples and stream_stamp")
    work = tempfile.mkdtemp(prefix="ll-stream-bench-")
    try:
        template(os.path.join(work, "template.yaml"))
        proc, port = start_serve(os.path.join(work, "template.yaml"))
        try:
            print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
            first, rest = time_to_first_byte(port)
            print("time to first byte (handler's write -> client's read, ms):")
            print(f"  first line of each stream: median {statistics.median(first):.3f}, "
                  f"max {max(first):.3f} over {len(first)} streams")
            qs = statistics.quantiles(rest, n=100)
            print(f"  later lines: median {statistics.median(rest):.3f}, p90 {qs[89]:.3f}, "
                  f"p99 {qs[98]:.3f}, max {max(rest):.3f} over {len(rest)} lines")
            for ttfb, gap in then_sleep(port):
                print(f"stream_then_sleep: first chunk {ttfb:.2f} ms after the request, "
                      f"second {gap:.2f} ms after the first (handler sleeps 1000 ms)")
            # Through InvokeWithResponseStream, whose event is the payload as sent (a function
            # URL's event would carry it as a string the sample does not read).
            url = (f"http://127.0.0.1:{port}/2021-11-15/functions/Bytes/"
                   "response-streaming-invocations")
            seconds, size = curl_throughput(url, json.dumps({"bytes": STREAM_BYTES,
                                                             "chunk": 65536}))
            print(f"stream_bytes {STREAM_BYTES / 1e6:.1f} MB (InvokeWithResponseStream, "
                  f"--no-stream-limit; {size / 1e6:.1f} MB with the event-stream framing): "
                  f"{seconds:.3f} s, {STREAM_BYTES / seconds / 1e6:.1f} MB/s")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with open(os.path.join(work, "plain.bin"), "wb") as f:
            f.write(os.urandom(1 << 20) * (STREAM_BYTES >> 20))
        server = plain_file_server(work)
        try:
            seconds, size = curl_throughput(
                f"http://127.0.0.1:{server.server_address[1]}/plain.bin")
            print(f"plain file {size / 1e6:.1f} MB (Python http.server, loopback): "
                  f"{seconds:.3f} s, {size / seconds / 1e6:.1f} MB/s")
        finally:
            server.shutdown()
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
