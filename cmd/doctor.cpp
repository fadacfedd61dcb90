// `lambda-local doctor`: what the sandbox enforces on this machine.
#include "runtime/doctor.hpp"
#include "cmd/commands.hpp"
#include "runtime/execution_environment.hpp"

#include <cstdio>

namespace lambda_local::cmd {

Runner add_doctor(CLI::App& app) {
    app.add_subcommand("doctor", "Show which sandbox mechanisms are active here, and why not");
    return [] {
        std::string worker;
        try {
            worker = runtime::find_worker_executable();
        } catch (const std::exception& e) {
            worker = e.what();
        }
        std::string report = "lambda-local " LAMBDA_LOCAL_VERSION "\n  worker                " +
                             worker + "\n" +
                             runtime::format_mechanisms(runtime::check_mechanisms());
        std::fputs(report.c_str(), stdout);
        return 0;
    };
}

} // namespace lambda_local::cmd
