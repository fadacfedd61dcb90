// What lambda-local-serve has and lambda-local has not: an HTTP server for custom runtimes'
// Runtime API (and for `serve`, which only lambda-local-serve runs), and the JWT verification
// of `test`'s authorizers. Compiled into both, with LL_SERVES_HTTP set for lambda-local-serve
// only: libh2o and the TLS libraries it loads stay out of every cold `invoke` of a library
// handler.
#include "cmd/commands.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"

#if LL_SERVES_HTTP
#include "runtime/runtime_api/http_host.hpp"
#include "runtime/server/jwt_authorizer.hpp"
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

runtime::testing::TokenAuthorizers token_authorizers() {
#if LL_SERVES_HTTP
    return
        [](runtime::loop::EventLoop& loop, const std::vector<runtime::testing::JwksFile>& files) {
            std::vector<std::pair<std::string, std::string>> pairs;
            for (const runtime::testing::JwksFile& file : files) {
                pairs.emplace_back(file.issuer, file.path);
            }
            return runtime::server::test_token_authorizers(loop, pairs);
        };
#else
    return {};
#endif
}

void run_in_serve_executable(char** argv) {
    std::string serve = find_companion("lambda-local-serve", X_OK);
    if (serve.empty()) {
        throw Error("this needs lambda-local-serve, which is not beside " + own_executable_dir() +
                    "/lambda-local (reinstall)");
    }
    ::execv(serve.c_str(), argv);
    throw Error("cannot run " + serve + ": " + os_error("execv"));
}

} // namespace lambda_local::cmd
