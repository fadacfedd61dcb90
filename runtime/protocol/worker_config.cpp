// (De)serialization of the worker's configuration frame.
#include "runtime/protocol/worker_config.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace lambda_local {

nlohmann::json to_json(const WorkerConfig& config) {
    return {
        {"library", config.library},
        {"handler", config.handler},
        {"bootstrap", config.bootstrap},
        {"abi", loaders::to_string(config.abi)},
        {"task_root", config.task_root},
        {"layers", config.layers},
        {"layer_mount", config.layer_mount},
        {"tmp_mb", config.tmp_mb},
        {"sandboxed_environment", config.sandboxed_environment},
        {"sandbox",
         {{"isolate", config.sandbox.isolate},
          {"memory_rlimit", config.sandbox.memory_rlimit},
          {"memory_bytes", config.sandbox.memory_bytes},
          {"isolated_network", config.sandbox.isolated_network},
          {"cgroup_tasks", config.sandbox.cgroup_tasks}}},
        {"gdbserver", config.gdbserver},
        {"function_name", config.function_name},
        {"function_version", config.function_version},
        {"invoked_function_arn", config.invoked_function_arn},
        {"memory_mb", config.memory_mb},
        {"log_group_name", config.log_group_name},
        {"log_stream_name", config.log_stream_name},
    };
}

WorkerConfig worker_config_from_json(const nlohmann::json& json) {
    try {
        WorkerConfig config;
        config.library = json.at("library").get<std::string>();
        config.handler = json.at("handler").get<std::string>();
        config.bootstrap = json.at("bootstrap").get<std::string>();
        auto abi = loaders::parse_abi(json.at("abi").get<std::string>());
        if (!abi) {
            throw std::runtime_error("worker configuration: unknown abi '" +
                                     json.at("abi").get<std::string>() + "'");
        }
        config.abi = *abi;
        config.task_root = json.at("task_root").get<std::string>();
        config.layers = json.at("layers").get<std::vector<std::string>>();
        config.layer_mount = json.at("layer_mount").get<std::string>();
        config.tmp_mb = json.at("tmp_mb").get<int>();
        config.sandboxed_environment =
            json.at("sandboxed_environment").get<std::vector<std::string>>();
        const auto& sandbox = json.at("sandbox");
        config.sandbox.isolate = sandbox.at("isolate").get<bool>();
        config.sandbox.memory_rlimit = sandbox.at("memory_rlimit").get<bool>();
        config.sandbox.memory_bytes = sandbox.at("memory_bytes").get<std::uint64_t>();
        config.sandbox.isolated_network = sandbox.at("isolated_network").get<bool>();
        config.sandbox.cgroup_tasks = sandbox.at("cgroup_tasks").get<std::vector<std::string>>();
        config.gdbserver = json.at("gdbserver").get<std::string>();
        config.function_name = json.at("function_name").get<std::string>();
        config.function_version = json.at("function_version").get<std::string>();
        config.invoked_function_arn = json.at("invoked_function_arn").get<std::string>();
        config.memory_mb = json.at("memory_mb").get<int>();
        config.log_group_name = json.at("log_group_name").get<std::string>();
        config.log_stream_name = json.at("log_stream_name").get<std::string>();
        return config;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("worker configuration: ") + e.what());
    }
}

} // namespace lambda_local
