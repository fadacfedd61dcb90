// The ceiling for bench/serve.sh: a bare cpp-httplib server that answers "ok" to every GET,
// tuned as the issue describes (TCP_NODELAY, a pool sized for the connections, long keep-alive).
// Built by the script on its own, outside lambda-local (which does not link cpp-httplib).
#include <httplib.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    int port = argc > 1 ? std::atoi(argv[1]) : 3901;
    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000000);
    server.set_keep_alive_timeout(60);
    server.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server.Get(".*", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("ok", "text/plain");
    });
    if (!server.listen("127.0.0.1", port)) {
        std::fprintf(stderr, "httplib_ceiling: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    return 0;
}
