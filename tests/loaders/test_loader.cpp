// Tests of loading handlers of both ABIs, in this process (well-behaved symbols only).
#include "loaders/loader.hpp"

#include "runtime/util/clock.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::loaders;
using nlohmann::json;

namespace {

const std::string k_samples = LL_SAMPLES_DIR;
const std::string k_hello = k_samples + "/libhello_c.so";
const std::string k_echo = k_samples + "/libecho_cpp.so";
const std::string k_misbehaving = k_samples + "/libmisbehaving.so";

Context sample_context() {
    Context context;
    context.function_name = "echo_cpp";
    context.function_version = "$LATEST";
    context.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:echo_cpp";
    context.memory_limit_in_mb = "128";
    context.aws_request_id = "160788cd-45ff-4583-809f-c7e31127cb95";
    context.log_group_name = "/aws/lambda/echo_cpp";
    context.log_stream_name = "2024/05/15/[$LATEST]0123456789abcdef0123456789abcdef";
    context.deadline_ms = epoch_ms() + 60000;
    return context;
}

// Sends this process's stdout to a file while it lives (handlers print), and
// gives back what was written.
class CapturedStdout {
  public:
    CapturedStdout() {
        std::fflush(stdout);
        char path[] = "/tmp/ll-test-stdout-XXXXXX";
        m_file = ::mkstemp(path);
        REQUIRE(m_file >= 0);
        m_path = path;
        m_saved = ::dup(STDOUT_FILENO);
        REQUIRE(m_saved >= 0);
        REQUIRE(::dup2(m_file, STDOUT_FILENO) == STDOUT_FILENO);
    }
    CapturedStdout(const CapturedStdout&) = delete;
    CapturedStdout& operator=(const CapturedStdout&) = delete;
    ~CapturedStdout() {
        restore();
        if (!m_path.empty()) {
            ::unlink(m_path.c_str());
        }
    }

    // Stops capturing and returns the captured text.
    std::string text() {
        restore();
        std::ifstream in(m_path);
        std::stringstream buffer;
        buffer << in.rdbuf();
        return buffer.str();
    }

  private:
    void restore() {
        if (m_saved >= 0) {
            std::fflush(stdout);
            ::dup2(m_saved, STDOUT_FILENO);
            ::close(m_saved);
            m_saved = -1;
        }
        if (m_file >= 0) {
            ::close(m_file);
            m_file = -1;
        }
    }

    int m_file = -1;
    int m_saved = -1;
    std::string m_path;
};

// A fresh directory under /tmp, removed with the object.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char name[] = "/tmp/ll-test-loader-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

LoadResult load_quietly(const std::string& library, const std::string& symbol,
                        Abi abi = Abi::Auto) {
    CapturedStdout quiet;
    return load_handler(library, symbol, abi, sample_context());
}

Outcome invoke_quietly(Handler& handler, const std::string& event, const Context& context) {
    CapturedStdout quiet;
    return handler.invoke(event, context);
}

} // namespace

TEST_SUITE_BEGIN("loaders::loader");

TEST_CASE("a classic handler returning 0 succeeds with the payload 0") {
    LoadResult loaded = load_quietly(k_hello, "handle");
    REQUIRE_FALSE(loaded.error.has_value());
    REQUIRE(loaded.handler != nullptr);
    Context context = sample_context();
    Outcome outcome;
    std::string printed;
    {
        CapturedStdout captured;
        outcome = loaded.handler->invoke(R"({"key":"value"})", context);
        printed = captured.text();
    }
    CHECK(outcome.ok);
    CHECK(outcome.payload == "0");
    // The classic handler is given the event and the context as JSON text.
    CHECK(printed == "event: {\"key\":\"value\"}\ncontext: " + context.to_json() + "\n");
}

TEST_CASE("a classic handler returning non-zero is a HandlerError") {
    LoadResult loaded = load_quietly(k_misbehaving, "return_7");
    REQUIRE_FALSE(loaded.error.has_value());
    REQUIRE(loaded.handler != nullptr);
    Outcome outcome = invoke_quietly(*loaded.handler, "{}", sample_context());
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.type == "HandlerError");
    CHECK(outcome.error.message == "handler returned 7");
    CHECK(outcome.payload == "");
}

TEST_CASE("a native handler responds with the event and the context it was given") {
    Abi abi = Abi::Auto;
    SUBCASE("detected") {
        abi = Abi::Auto;
    }
    SUBCASE("forced") {
        abi = Abi::Native;
    }
    LoadResult loaded = load_quietly(k_echo, "handle", abi);
    REQUIRE_FALSE(loaded.error.has_value());
    REQUIRE(loaded.handler != nullptr);
    Context context = sample_context();
    context.aws_request_id = "89894b68-4c17-4ea6-b6e6-91bca83ae5b1";
    Outcome outcome = invoke_quietly(*loaded.handler, R"({"name":"world","n":[1,2]})", context);
    REQUIRE(outcome.ok);
    json payload = json::parse(outcome.payload, nullptr, false);
    REQUIRE_FALSE(payload.is_discarded());
    CHECK(payload.at("event") == json::parse(R"({"name":"world","n":[1,2]})"));
    CHECK(payload.at("request_id") == "89894b68-4c17-4ea6-b6e6-91bca83ae5b1");
    CHECK(payload.at("function_name") == "echo_cpp");
    std::int64_t remaining = payload.at("remaining_time_ms").get<std::int64_t>();
    CHECK(remaining > 0);
    CHECK(remaining <= 60000);
}

TEST_CASE("a native handler's typed error is the function error") {
    LoadResult loaded = load_quietly(k_echo, "fail_typed");
    REQUIRE_FALSE(loaded.error.has_value());
    REQUIRE(loaded.handler != nullptr);
    Outcome outcome = invoke_quietly(*loaded.handler, "{}", sample_context());
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.type == "ValidationError");
    CHECK(outcome.error.message == "name is required");
}

TEST_CASE("a native library runs its init once at load") {
    std::string printed;
    LoadResult loaded;
    {
        CapturedStdout captured;
        loaded = load_handler(k_echo, "whoami", Abi::Auto, sample_context());
        printed = captured.text();
    }
    REQUIRE_FALSE(loaded.error.has_value());
    CHECK(printed == "init: cold start\n");
}

TEST_CASE("the native ABI forced on a classic library is an invalid entrypoint") {
    LoadResult loaded = load_quietly(k_hello, "handle", Abi::Native);
    CHECK(loaded.handler == nullptr);
    REQUIRE(loaded.error.has_value());
    CHECK(loaded.error->type == "Runtime.InvalidEntrypoint");
    CHECK(loaded.error->message ==
          "'libhello_c.so' does not export lambda_local_abi_version, which the native ABI "
          "requires");
}

TEST_CASE("a library that cannot be opened is an invalid entrypoint") {
    SUBCASE("a missing file") {
        LoadResult loaded = load_quietly(k_samples + "/libnot_there.so", "handle");
        CHECK(loaded.handler == nullptr);
        REQUIRE(loaded.error.has_value());
        CHECK(loaded.error->type == "Runtime.InvalidEntrypoint");
        CHECK(loaded.error->message.find("No such file") != std::string::npos);
        CHECK(loaded.error->message.find("libnot_there.so") != std::string::npos);
    }
    SUBCASE("a text file named .so") {
        TempDir dir;
        std::string path = (dir.path / "libfake.so").string();
        {
            std::ofstream out(path);
            out << "This is not a shared object, only text that happens to end in .so.\n"
                   "It is long enough for the loader to read a whole ELF header from it.\n";
        }
        LoadResult loaded = load_quietly(path, "handle");
        CHECK(loaded.handler == nullptr);
        REQUIRE(loaded.error.has_value());
        CHECK(loaded.error->type == "Runtime.InvalidEntrypoint");
        CHECK(loaded.error->message.find("libfake.so") != std::string::npos);
    }
    SUBCASE("a directory") {
        TempDir dir;
        LoadResult loaded = load_quietly(dir.path.string(), "handle");
        CHECK(loaded.handler == nullptr);
        REQUIRE(loaded.error.has_value());
        CHECK(loaded.error->type == "Runtime.InvalidEntrypoint");
    }
}

TEST_CASE("a missing handler symbol is Runtime.HandlerNotFound") {
    LoadResult loaded = load_quietly(k_hello, "nope");
    CHECK(loaded.handler == nullptr);
    REQUIRE(loaded.error.has_value());
    CHECK(loaded.error->type == "Runtime.HandlerNotFound");
    CHECK(loaded.error->message == "Handler 'nope' missing on module 'libhello_c.so'");
}

TEST_CASE("a library whose dependencies cannot be resolved is Runtime.ImportModuleError") {
    SUBCASE("an undefined symbol") {
        LoadResult loaded = load_quietly(k_samples + "/libundefined_symbol.so", "handle");
        CHECK(loaded.handler == nullptr);
        REQUIRE(loaded.error.has_value());
        CHECK(loaded.error->type == "Runtime.ImportModuleError");
        CHECK(loaded.error->message.find("undefined symbol: ll_this_symbol_does_not_exist") !=
              std::string::npos);
    }
    SUBCASE("a missing shared library") {
        LoadResult loaded = load_quietly(k_samples + "/libmissing_dep.so", "handle");
        CHECK(loaded.handler == nullptr);
        REQUIRE(loaded.error.has_value());
        CHECK(loaded.error->type == "Runtime.ImportModuleError");
        CHECK(loaded.error->message.find("libll_gone.so: cannot open shared object file") !=
              std::string::npos);
    }
}

TEST_CASE("a native init that fails gives its own error") {
    LoadResult loaded = load_quietly(k_samples + "/libinit_fails.so", "handle");
    CHECK(loaded.handler == nullptr);
    REQUIRE(loaded.error.has_value());
    CHECK(loaded.error->type == "ConfigError");
    CHECK(loaded.error->message == "missing DATABASE_URL");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("loaders::Context");

TEST_CASE("the context JSON has the classic keys in order") {
    Context context = sample_context();
    context.deadline_ms = 1715817599123;
    SUBCASE("without a trace id") {
        CHECK(
            context.to_json() ==
            R"({"function_name":"echo_cpp","function_version":"$LATEST",)"
            R"("invoked_function_arn":"arn:aws:lambda:us-east-1:123456789012:function:echo_cpp",)"
            R"("memory_limit_in_mb":"128","aws_request_id":"160788cd-45ff-4583-809f-c7e31127cb95",)"
            R"("log_group_name":"/aws/lambda/echo_cpp",)"
            R"("log_stream_name":"2024/05/15/[$LATEST]0123456789abcdef0123456789abcdef",)"
            R"("deadline_ms":1715817599123})");
    }
    SUBCASE("with a trace id") {
        context.xray_trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
        json parsed = json::parse(context.to_json());
        CHECK(parsed.size() == 9);
        CHECK(parsed.at("xray_trace_id") == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
        CHECK(parsed.at("deadline_ms") == 1715817599123);
    }
    SUBCASE("with characters JSON must escape") {
        context.function_name = "a\"b\\c\n";
        json parsed = json::parse(context.to_json());
        CHECK(parsed.at("function_name") == "a\"b\\c\n");
    }
}

TEST_CASE("a context value is found by its classic key") {
    Context context = sample_context();
    context.deadline_ms = 1715817599123;
    context.xray_trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
    std::string scratch;
    auto value = [&](const char* key) -> std::string {
        const char* found = context.value(key, scratch);
        return found == nullptr ? "(null)" : found;
    };
    CHECK(value("function_name") == "echo_cpp");
    CHECK(value("function_version") == "$LATEST");
    CHECK(value("invoked_function_arn") ==
          "arn:aws:lambda:us-east-1:123456789012:function:echo_cpp");
    CHECK(value("memory_limit_in_mb") == "128");
    CHECK(value("aws_request_id") == "160788cd-45ff-4583-809f-c7e31127cb95");
    CHECK(value("log_group_name") == "/aws/lambda/echo_cpp");
    CHECK(value("log_stream_name") == "2024/05/15/[$LATEST]0123456789abcdef0123456789abcdef");
    CHECK(value("xray_trace_id") == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
    CHECK(value("deadline_ms") == "1715817599123");
    CHECK(scratch == "1715817599123");
    CHECK(context.value("no_such_key", scratch) == nullptr);
    CHECK(context.value("", scratch) == nullptr);
    CHECK(context.value("Function_Name", scratch) == nullptr);
}

TEST_CASE("an empty context value is absent") {
    Context context = sample_context();
    context.xray_trace_id.clear();
    std::string scratch;
    CHECK(context.value("xray_trace_id", scratch) == nullptr);
}

TEST_SUITE_END();
