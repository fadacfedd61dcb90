// lambda-local-bootstrap: the `bootstrap` of a packaged function (a Runtime API client that
// serves a .so handler). `lambda-local package` puts it in the zip.
#include "runtime/bootstrap/bootstrap.hpp"

#include <cstdio>
#include <exception>

int main() {
    try {
        return lambda_local::runtime::bootstrap::run_bootstrap(
            lambda_local::runtime::bootstrap::BootstrapSettings::from_environment());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambda-local-bootstrap: %s\n", e.what());
        return 1;
    }
}
