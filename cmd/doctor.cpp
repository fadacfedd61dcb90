// `lambda-local doctor`: what the sandbox enforces on this machine, or (--library) whether a
// handler library would load on an AWS Lambda runtime.
#include "runtime/doctor/doctor.hpp"
#include "cmd/commands.hpp"
#include "runtime/deploy/deploy_check.hpp"
#include "runtime/execution/execution_environment.hpp"

#include <cstdio>
#include <memory>

namespace lambda_local::cmd {

Runner add_doctor(CLI::App& app) {
    auto check = std::make_shared<runtime::deploy::CheckOptions>();
    auto library = std::make_shared<std::string>();
    auto network = std::make_shared<runtime::NetworkMode>(runtime::NetworkMode::Host);
    auto* sub = app.add_subcommand(
        "doctor", "Show which sandbox mechanisms are active here, and why not; with --library, "
                  "whether a library would load on AWS Lambda");
    auto* library_option =
        sub->add_option("--library", *library,
                        "Check a handler library (.so) against a Lambda runtime instead: "
                        "architecture, glibc symbol versions, dependencies");
    sub->add_option("--target", check->target,
                    "With --library: provided.al2023 (glibc 2.34) or provided.al2 (glibc 2.26)")
        ->check(CLI::IsMember(runtime::deploy::target_runtime_names()))
        ->capture_default_str()
        ->needs(library_option);
    sub->add_option("--arch", check->arch,
                    "With --library: x86_64 or arm64 (default: the library's)")
        ->check(CLI::IsMember({"x86_64", "arm64"}))
        ->needs(library_option);
    add_network_option(sub, *network);
    sub->footer("With --library, the exit status is 0 when the library would load on the target, "
                "1 when it would not, 2 when it cannot be read or is not an ELF file.");
    return [check, library, network] {
        if (!library->empty()) {
            runtime::deploy::DeploymentCheck result =
                runtime::deploy::check_library(*library, *check);
            std::fputs(runtime::deploy::format_check(result).c_str(), stdout);
            return result.loads() ? 0 : 1;
        }
        std::string worker;
        try {
            worker = runtime::find_worker_executable();
        } catch (const std::exception& e) {
            worker = e.what();
        }
        std::string report = "lambda-local " LAMBDA_LOCAL_VERSION "\n  worker                " +
                             worker + "\n" +
                             runtime::format_mechanisms(runtime::check_mechanisms(*network));
        std::fputs(report.c_str(), stdout);
        return 0;
    };
}

} // namespace lambda_local::cmd
