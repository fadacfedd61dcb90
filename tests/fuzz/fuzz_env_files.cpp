// Fuzzes the user's environment files (runtime/function/env_files.hpp): dotenv, SAM's --env-vars,
// --env.
#include "runtime/function/env_files.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <set>

using namespace lambda_local;
using namespace lambda_local::runtime;

namespace {

// Variables written back as a dotenv file, every value double-quoted and escaped.
std::string to_dotenv(const EnvVars& vars) {
    std::string out;
    for (const auto& [key, value] : vars) {
        out += key + "=\"";
        for (char c : value) {
            switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '"':
            case '\\':
                out += '\\';
                out += c;
                break;
            default:
                out += c;
            }
        }
        out += "\"\n";
    }
    return out;
}

bool is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

void check_dotenv(std::string_view text) {
    EnvVars vars;
    try {
        vars = parse_dotenv(text, ".env");
    } catch (const Error&) {
        return;
    }
    // Names as dotenv allows them, each once; written back, the same variables read again.
    std::set<std::string> keys;
    for (const auto& [key, value] : vars) {
        FUZZ_CHECK(!key.empty());
        FUZZ_CHECK(std::all_of(key.begin(), key.end(), is_name_char));
        FUZZ_CHECK(keys.insert(key).second);
    }
    FUZZ_CHECK(parse_dotenv(to_dotenv(vars), "written.env") == vars);
}

void check_sam_env_vars(std::string_view text) {
    EnvVars vars;
    try {
        vars = parse_sam_env_vars(text, "env.json", "HelloFunction");
    } catch (const Error&) {
        return;
    }
    std::set<std::string> keys;
    for (const auto& [key, value] : vars) {
        FUZZ_CHECK(keys.insert(key).second);
    }
}

void check_assignment(std::string_view text) {
    std::pair<std::string, std::string> assignment;
    try {
        assignment = parse_env_assignment(text);
    } catch (const Error&) {
        return;
    }
    FUZZ_CHECK(!assignment.first.empty());
    FUZZ_CHECK(assignment.first.find('=') == std::string::npos);
    FUZZ_CHECK(assignment.first + "=" + assignment.second == text);
}

} // namespace

// The first byte picks the format; the rest is the file (or the flag's text).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        check_dotenv(text);
        break;
    case 1:
        check_sam_env_vars(text);
        break;
    default:
        check_assignment(text);
    }
    return 0;
}
