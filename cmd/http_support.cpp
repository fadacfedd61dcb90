// What lambda-local-serve has and lambda-local has not: an HTTP server for custom runtimes'
// Runtime API (and for `serve`, which only lambda-local-serve runs). Compiled into both, with
// LL_SERVES_HTTP set for lambda-local-serve only: libh2o and the TLS libraries it loads stay out
// of every cold `invoke` of a library handler.
#include "cmd/commands.hpp"

#include "runtime/util/error.hpp"

#if LL_SERVES_HTTP
#include "runtime/runtime_api/http_host.hpp"
#endif

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>

namespace lambda_local::cmd {

runtime::runtime_api::HostFactory runtime_api_host_factory() {
#if LL_SERVES_HTTP
    return [](runtime::loop::EventLoop& loop) -> std::unique_ptr<runtime::runtime_api::Host> {
        return std::make_unique<runtime::runtime_api::HttpHost>(loop);
    };
#else
    return {};
#endif
}

void run_in_serve_executable(char** argv) {
    char path[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    std::string dir = n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string(".");
    dir = dir.substr(0, dir.rfind('/'));
    for (const std::string& candidate :
         {dir + "/lambda-local-serve", dir + "/../libexec/lambda-local/lambda-local-serve"}) {
        if (::access(candidate.c_str(), X_OK) == 0) {
            ::execv(candidate.c_str(), argv);
            throw Error("cannot run " + candidate + ": " + os_error("execv"));
        }
    }
    throw Error("this needs lambda-local-serve, which is not beside " + dir +
                "/lambda-local (reinstall)");
}

} // namespace lambda_local::cmd
