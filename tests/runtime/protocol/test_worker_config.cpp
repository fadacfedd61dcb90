// Tests of the worker's configuration frame.
#include "runtime/protocol/worker_config.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using nlohmann::json;

namespace {

WorkerConfig sample_config() {
    WorkerConfig config;
    config.library = "/srv/build/samples/libecho_cpp.so";
    config.handler = "tmp_use";
    config.abi = loaders::Abi::Native;
    config.task_root = "/srv/build/samples";
    config.tmp_mb = 1024;
    config.sandbox.isolate = false;
    config.sandbox.memory_rlimit = true;
    config.sandbox.memory_bytes = 10240ull << 20;
    config.sandbox.isolated_network = true;
    config.function_name = "echo_cpp";
    config.function_version = "7";
    config.invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:echo_cpp";
    config.memory_mb = 10240;
    config.log_group_name = "/aws/lambda/echo_cpp";
    config.log_stream_name = "2024/05/15/[$LATEST]0123456789abcdef0123456789abcdef";
    return config;
}

// What worker_config_from_json throws, or "" when it accepts the JSON.
std::string parse_error(const json& config) {
    try {
        worker_config_from_json(config);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("runtime::worker_config");

TEST_CASE("a configuration survives to_json and back") {
    WorkerConfig config = sample_config();
    SUBCASE("the native ABI") {}
    SUBCASE("the classic ABI") {
        config.abi = loaders::Abi::Classic;
    }
    SUBCASE("the ABI detected") {
        config.abi = loaders::Abi::Auto;
    }
    SUBCASE("the defaults") {
        config = WorkerConfig();
    }
    SUBCASE("a custom runtime") {
        config.library.clear();
        config.bootstrap = "/srv/build/samples/bootstrap-cpp/bootstrap";
    }
    SUBCASE("under --debug") {
        config.gdbserver = "/usr/bin/gdbserver";
    }
    SUBCASE("variables for the sandboxed handler process") {
        config.sandboxed_environment = {"LD_PRELOAD=/var/task/libtrace.so", "TMPDIR="};
    }

    // Through the text of the frame, as the worker receives it.
    WorkerConfig back = worker_config_from_json(json::parse(to_json(config).dump()));
    CHECK(back.library == config.library);
    CHECK(back.handler == config.handler);
    CHECK(back.bootstrap == config.bootstrap);
    CHECK(back.abi == config.abi);
    CHECK(back.task_root == config.task_root);
    CHECK(back.tmp_mb == config.tmp_mb);
    CHECK(back.sandboxed_environment == config.sandboxed_environment);
    CHECK(back.sandbox.isolate == config.sandbox.isolate);
    CHECK(back.sandbox.memory_rlimit == config.sandbox.memory_rlimit);
    CHECK(back.sandbox.memory_bytes == config.sandbox.memory_bytes);
    CHECK(back.sandbox.isolated_network == config.sandbox.isolated_network);
    CHECK(back.function_name == config.function_name);
    CHECK(back.function_version == config.function_version);
    CHECK(back.invoked_function_arn == config.invoked_function_arn);
    CHECK(back.memory_mb == config.memory_mb);
    CHECK(back.log_group_name == config.log_group_name);
    CHECK(back.log_stream_name == config.log_stream_name);
    CHECK(back.gdbserver == config.gdbserver);
}

TEST_CASE("the ABI is written by name") {
    WorkerConfig config = sample_config();
    CHECK(to_json(config).at("abi") == "native");
    config.abi = loaders::Abi::Classic;
    CHECK(to_json(config).at("abi") == "classic");
    config.abi = loaders::Abi::Auto;
    CHECK(to_json(config).at("abi") == "auto");
}

TEST_CASE("a missing key is a worker configuration error") {
    for (const char* key : {"library", "handler", "bootstrap", "abi", "task_root", "tmp_mb",
                            "sandbox", "function_name", "function_version", "invoked_function_arn",
                            "memory_mb", "log_group_name", "log_stream_name"}) {
        CAPTURE(key);
        json config = to_json(sample_config());
        config.erase(key);
        std::string error = parse_error(config);
        CHECK(error.rfind("worker configuration: ", 0) == 0);
        CHECK(error.find(key) != std::string::npos);
    }
    for (const char* key : {"isolate", "memory_rlimit", "memory_bytes", "isolated_network"}) {
        CAPTURE(key);
        json config = to_json(sample_config());
        config["sandbox"].erase(key);
        std::string error = parse_error(config);
        CHECK(error.rfind("worker configuration: ", 0) == 0);
        CHECK(error.find(key) != std::string::npos);
    }
}

TEST_CASE("a mistyped key is a worker configuration error") {
    json config = to_json(sample_config());
    SUBCASE("a number for a string") {
        config["library"] = 42;
    }
    SUBCASE("a string for a number") {
        config["tmp_mb"] = "512";
    }
    SUBCASE("a string for a boolean") {
        config["sandbox"]["isolate"] = "yes";
    }
    SUBCASE("a sandbox that is not an object") {
        config["sandbox"] = true;
    }
    SUBCASE("a configuration that is not an object") {
        config = json::array({1, 2});
    }
    std::string error = parse_error(config);
    CAPTURE(error);
    CHECK(error.rfind("worker configuration: ", 0) == 0);
}

TEST_CASE("an unknown ABI name is a worker configuration error") {
    json config = to_json(sample_config());
    config["abi"] = "fortran";
    std::string error = parse_error(config);
    CAPTURE(error);
    CHECK(error.rfind("worker configuration: ", 0) == 0);
    CHECK(error.find("abi") != std::string::npos);
}

TEST_SUITE_END();
