// Loading and checking a test file: its cases, their events, requests and expectations.
#include "runtime/testing/test_file.hpp"

#include "runtime/invoke/event_file.hpp"
#include "runtime/testing/function_under_test.hpp"
#include "runtime/testing/snapshot.hpp"
#include "runtime/testing/yaml_reader.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"

#include <strings.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace lambda_local::runtime::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Percent-encodes all but RFC 3986's unreserved characters, for query strings.
std::string query_encode(std::string_view text) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

// A JSON value read from an expectation; `what` says which one.
json expected_json(const YamlReader& reader, const YamlEntry& entry) {
    return reader.json(entry); // ordered → sorted keys: comparisons ignore key order
}

ErrorExpectation read_error(const YamlReader& reader, const YamlEntry& entry) {
    ErrorExpectation error;
    for (const YamlEntry& e : reader.mapping(entry, {"type", "message"})) {
        if (e.name == "type") {
            error.type = reader.string(e);
        } else {
            error.message_pattern = reader.string(e);
            try {
                error.message = std::regex(*error.message_pattern, std::regex::ECMAScript);
            } catch (const std::regex_error& problem) {
                reader.fail(e, "message is not a valid regular expression: " +
                                   std::string(problem.what()));
            }
        }
    }
    if (!error.type && !error.message) {
        reader.fail(entry, "error needs a 'type' (errorType) and/or a 'message' (a pattern for "
                           "errorMessage)");
    }
    return error;
}

gateway::HeaderList read_headers(const YamlReader& reader, const YamlEntry& entry) {
    gateway::HeaderList headers;
    if (!entry.value.IsMap()) {
        reader.fail(entry, "headers must be a mapping of Name: value");
    }
    for (const auto& item : entry.value) {
        const std::string name = reader.string(item.first, "a header name");
        YamlEntry header{name, item.first, item.second};
        for (const std::string& value : reader.strings(header)) {
            headers.emplace_back(name, value);
        }
    }
    return headers;
}

StreamExpectation read_stream(const YamlReader& reader, const YamlEntry& entry) {
    StreamExpectation stream;
    for (const YamlEntry& e : reader.mapping(entry, {"body", "content_type", "prelude"})) {
        if (e.name == "body") {
            stream.body = reader.string(e);
        } else if (e.name == "content_type") {
            stream.content_type = reader.string(e);
        } else if (e.name == "prelude") {
            stream.prelude = expected_json(reader, e);
        }
    }
    return stream;
}

Expectation read_expectation(const YamlReader& reader, const YamlEntry& entry, bool http_case) {
    Expectation expect;
    const YamlEntries entries = reader.mapping(
        entry, {"response", "response_subset", "json_body", "stream", "ignore", "error",
                "logs_contain", "max_duration_ms", "max_memory_mb", "snapshot", "status", "headers",
                "body", "body_json", "body_subset"});
    for (const YamlEntry& e : entries) {
        const bool http_only = e.name == "status" || e.name == "headers" || e.name == "body" ||
                               e.name == "body_json" || e.name == "body_subset";
        const bool function_only = e.name == "response" || e.name == "response_subset" ||
                                   e.name == "json_body" || e.name == "stream";
        if (http_only && !http_case) {
            reader.fail(e, e.name + " is for HTTP cases (a case with 'request:'); expect "
                                    "'response' or 'response_subset' of the function instead");
        }
        if (function_only && http_case) {
            reader.fail(e, e.name + " is for function cases; an HTTP case expects status, "
                                    "headers, body, body_json or body_subset");
        }
        if (e.name == "response") {
            expect.response = expected_json(reader, e);
        } else if (e.name == "response_subset") {
            expect.response_subset = expected_json(reader, e);
        } else if (e.name == "json_body") {
            expect.json_body = reader.boolean(e);
        } else if (e.name == "stream") {
            expect.stream = read_stream(reader, e);
        } else if (e.name == "ignore") {
            for (std::string pointer : reader.strings(e)) {
                try {
                    (void)json::json_pointer(pointer);
                } catch (const json::exception&) {
                    reader.fail(e, "ignore: '" + pointer + "' is not a JSON pointer (/a/0/b)");
                }
                expect.ignore.push_back(std::move(pointer));
            }
        } else if (e.name == "error") {
            expect.error = read_error(reader, e);
        } else if (e.name == "logs_contain") {
            expect.logs_contain = reader.strings(e);
        } else if (e.name == "max_duration_ms") {
            expect.max_duration_ms = reader.number(e);
        } else if (e.name == "max_memory_mb") {
            expect.max_memory_mb = reader.integer(e);
        } else if (e.name == "snapshot") {
            expect.snapshot = reader.boolean(e);
        } else if (e.name == "status") {
            long long status = reader.integer(e);
            if (status < 100 || status > 599) {
                reader.fail(e, "status must be an HTTP status from 100 to 599");
            }
            expect.status = static_cast<int>(status);
        } else if (e.name == "headers") {
            expect.headers = read_headers(reader, e);
        } else if (e.name == "body") {
            expect.body = reader.string(e);
        } else if (e.name == "body_json") {
            expect.body_json = expected_json(reader, e);
        } else if (e.name == "body_subset") {
            expect.body_subset = expected_json(reader, e);
        }
    }
    auto count = [&](std::initializer_list<const char*> names) {
        int n = 0;
        for (const char* name : names) {
            n += find_entry(entries, name) != nullptr ? 1 : 0;
        }
        return n;
    };
    if (count({"response", "response_subset", "stream", "error"}) > 1) {
        reader.fail(entry, "expect one of response, response_subset, stream and error");
    }
    if (count({"body", "body_json", "body_subset"}) > 1) {
        reader.fail(entry, "expect one of body, body_json and body_subset");
    }
    return expect;
}

gateway::HttpRequest read_request(const YamlReader& reader, const YamlEntry& entry) {
    gateway::HttpRequest request;
    request.method = "GET";
    const YamlEntries entries =
        reader.mapping(entry, {"method", "path", "query", "headers", "body"});
    const YamlEntry* path = find_entry(entries, "path");
    if (path == nullptr) {
        reader.fail(entry, "request needs a 'path' (/items/42, without the stage)");
    }
    request.path = reader.string(*path);
    if (request.path.empty() || request.path.front() != '/') {
        reader.fail(*path, "path must start with '/'");
    }
    if (auto question = request.path.find('?'); question != std::string::npos) {
        request.raw_query = request.path.substr(question + 1);
        request.path.resize(question);
    }
    for (const YamlEntry& e : entries) {
        if (e.name == "method") {
            request.method = reader.string(e);
        } else if (e.name == "query") {
            if (!request.raw_query.empty()) {
                reader.fail(e, "the query is given twice: in path (after '?') and in query");
            }
            if (e.value.IsScalar()) {
                request.raw_query = e.value.Scalar();
            } else if (e.value.IsMap()) {
                for (const auto& item : e.value) {
                    const std::string key = reader.string(item.first, "a query parameter name");
                    YamlEntry parameter{key, item.first, item.second};
                    for (const std::string& value : reader.strings(parameter)) {
                        request.raw_query += (request.raw_query.empty() ? "" : "&") +
                                             query_encode(key) + "=" + query_encode(value);
                    }
                }
            } else {
                reader.fail(e, "query must be a string (a=1&b=2) or a mapping of name: value");
            }
        } else if (e.name == "headers") {
            request.headers = read_headers(reader, e);
        } else if (e.name == "body") {
            if (e.value.IsScalar()) {
                request.body = e.value.Scalar();
            } else if (e.value.IsMap() || e.value.IsSequence()) {
                request.body = reader.json(e).dump();
                bool typed = false;
                for (const auto& [name, value] : request.headers) {
                    typed = typed || strcasecmp(name.c_str(), "content-type") == 0;
                }
                if (!typed) {
                    request.headers.emplace_back("content-type", "application/json");
                }
            }
        }
    }
    return request;
}

std::string read_event(const YamlReader& reader, const YamlEntries& entries,
                       const std::string& dir) {
    const YamlEntry* inline_event = find_entry(entries, "event");
    const YamlEntry* event_file = find_entry(entries, "event_file");
    if (inline_event != nullptr && event_file != nullptr) {
        reader.fail(*event_file, "a case has either 'event' or 'event_file', not both");
    }
    if (inline_event != nullptr) {
        return reader.json(*inline_event).dump();
    }
    if (event_file != nullptr) {
        std::string name;
        try {
            name = expand_variables(reader.string(*event_file));
        } catch (const Error& e) {
            reader.fail(*event_file, "event_file: " + std::string(e.what()));
        }
        fs::path path(name);
        if (path.is_relative()) {
            path = fs::path(dir) / path;
        }
        std::istringstream no_stdin;
        try {
            return load_event({EventSource::Kind::File, path.lexically_normal().string()},
                              no_stdin);
        } catch (const Error& e) {
            reader.fail(*event_file, e.what());
        }
    }
    return "{}";
}

// `authorization:` run, {output: <the authorizer's output>} or {error: <its error message>}.
CaseAuthorization read_authorization(const YamlReader& reader, const YamlEntry& entry) {
    CaseAuthorization authorization;
    if (entry.value.IsScalar()) {
        if (reader.string(entry) != "run") {
            reader.fail(entry, "authorization must be 'run' (the route's authorizer runs), or "
                               "a mapping with 'output' or 'error'");
        }
        authorization.run = true;
        return authorization;
    }
    const YamlEntries entries = reader.mapping(entry, {"output", "error"});
    const YamlEntry* output = find_entry(entries, "output");
    const YamlEntry* error = find_entry(entries, "error");
    if ((output == nullptr) == (error == nullptr)) {
        reader.fail(entry, "authorization needs one of 'output' (what the authorizer returns) "
                           "or 'error' (the message it fails with)");
    }
    if (output != nullptr) {
        authorization.output = nlohmann::json::parse(reader.json(*output).dump());
    } else {
        authorization.error = reader.string(*error);
    }
    return authorization;
}

TestCase read_case(const YamlReader& reader, const YAML::Node& node, const std::string& dir,
                   bool has_http) {
    TestCase test;
    test.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
    const YamlEntries entries = reader.mapping(
        node, "a case",
        {"name", "event", "event_file", "request", "authorization", "expect", "skip", "cold"});
    const YamlEntry* name = find_entry(entries, "name");
    if (name == nullptr) {
        reader.fail(node, "a case needs a 'name'");
    }
    test.name = reader.string(*name);
    if (test.name.empty()) {
        reader.fail(*name, "a case's name is empty");
    }
    const YamlEntry* request = find_entry(entries, "request");
    if (request != nullptr) {
        if (!has_http) {
            reader.fail(*request, "an HTTP case needs 'api: rest' or 'api: http' at the top of "
                                  "the file, or a template function with Api/HttpApi events");
        }
        for (const char* key : {"event", "event_file"}) {
            if (const YamlEntry* e = find_entry(entries, key)) {
                reader.fail(*e, std::string(key) + " and request exclude each other: the "
                                                   "gateway builds an HTTP case's event");
            }
        }
        test.request = read_request(reader, *request);
        if (const YamlEntry* e = find_entry(entries, "authorization")) {
            test.authorization = read_authorization(reader, *e);
        }
    } else {
        if (const YamlEntry* e = find_entry(entries, "authorization")) {
            reader.fail(*e, "authorization is for HTTP cases (a case with 'request:')");
        }
        test.event = read_event(reader, entries, dir);
    }
    if (const YamlEntry* e = find_entry(entries, "expect")) {
        if (!e->value.IsNull()) {
            test.expect = read_expectation(reader, *e, request != nullptr);
        }
    }
    if (const YamlEntry* e = find_entry(entries, "skip")) {
        std::string reason = reader.string(*e);
        if (reason == "false") {
            // skip: false runs the case
        } else {
            test.skip = reason == "true" || reason.empty() ? "skipped" : reason;
        }
    }
    if (const YamlEntry* e = find_entry(entries, "cold")) {
        test.cold = reader.boolean(*e);
    }
    return test;
}

YAML::Node parse_document(const std::string& path, const std::string& text) {
    if (path.ends_with(".json")) {
        if (auto problem = json_syntax_error(text)) {
            // "line L, column C: reason" → "<path>:L: reason (column C)"
            const std::string& p = *problem;
            const auto comma = p.find(", column ");
            const auto colon = p.find(": ");
            if (p.rfind("line ", 0) == 0 && comma != std::string::npos &&
                colon != std::string::npos) {
                throw Error(path + ":" + p.substr(5, comma - 5) +
                            ": not valid JSON: " + p.substr(colon + 2) + " (" +
                            p.substr(comma + 2, colon - comma - 2) + ")");
            }
            throw Error(path + ": not valid JSON: " + p);
        }
    }
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        const std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
        throw Error(path + line + ": not valid YAML: " + e.msg);
    }
}

} // namespace

std::string expand_variables(const std::string& text) {
    std::string out;
    std::size_t at = 0;
    for (;;) {
        const auto start = text.find("${", at);
        if (start == std::string::npos) {
            return out + text.substr(at);
        }
        const auto end = text.find('}', start);
        if (end == std::string::npos) {
            throw Error("'${' without its '}' in '" + text + "'");
        }
        out += text.substr(at, start - at);
        std::string name = text.substr(start + 2, end - start - 2);
        std::optional<std::string> fallback;
        if (auto dash = name.find(":-"); dash != std::string::npos) {
            fallback = name.substr(dash + 2);
            name.resize(dash);
        }
        const char* value = std::getenv(name.c_str());
        if (value != nullptr && *value != '\0') {
            out += value;
        } else if (fallback) {
            out += *fallback;
        } else {
            throw Error("${" + name + "} is not set");
        }
        at = end + 1;
    }
}

TestFile load_test_file(const std::string& path) {
    const std::string text = read_file(path, path, k_max_config_file);
    const YAML::Node root = parse_document(path, text);
    const YamlReader reader(path);
    if (!root.IsDefined() || root.IsNull()) {
        throw Error(path + ":1: the test file is empty");
    }
    const YamlEntries top = reader.mapping(
        root, "the test file",
        {"function", "api", "payload", "route", "stage", "network", "jwks", "cases"});
    const std::string dir = fs::absolute(path).parent_path().string();

    TestFile file;
    file.path = path;
    FunctionUnderTest function = read_function_under_test(reader, top, dir);
    file.function = std::move(function.spec);
    file.http = std::move(function.http);
    file.own_logging = function.own_logging;
    if (const YamlEntry* network = find_entry(top, "network")) {
        NetworkMode mode = NetworkMode::Host;
        if (!parse_network_mode(reader.string(*network), mode)) {
            reader.fail(*network, "network must be 'host' or 'isolated'");
        }
        file.network = mode;
    }

    if (const YamlEntry* jwks = find_entry(top, "jwks")) {
        if (!file.http) {
            reader.fail(*jwks, "jwks is for the authorizers of a template's API");
        }
        if (!jwks->value.IsMap()) {
            reader.fail(*jwks, "jwks must be a mapping of ISSUER: FILE (a JWKS file)");
        }
        for (const auto& item : jwks->value) {
            std::string issuer = reader.string(item.first, "an issuer");
            fs::path key_file(reader.string(item.second, "a JWKS file"));
            if (issuer.empty() || key_file.empty()) {
                reader.fail(item.first, "jwks: an issuer and its JWKS file may not be empty");
            }
            if (key_file.is_relative()) {
                key_file = fs::path(dir) / key_file;
            }
            file.http->jwks_files.push_back({issuer, key_file.lexically_normal().string()});
        }
    }

    const YamlEntry* cases = find_entry(top, "cases");
    if (cases == nullptr) {
        throw Error(path + ":1: the test file needs 'cases:', a list of cases");
    }
    std::set<std::string> names;
    bool any_snapshot = false;
    for (const YAML::Node& node : reader.sequence(*cases)) {
        TestCase test = read_case(reader, node, dir, file.http.has_value());
        if (!names.insert(test.name).second) {
            reader.fail(node, "a case named '" + test.name + "' appears twice");
        }
        any_snapshot = any_snapshot || test.expect.snapshot;
        if (test.authorization && test.authorization->run) {
            bool any_authorizer = false;
            for (const config::ApiConfig& api : file.http->apis) {
                any_authorizer = any_authorizer || !api.authorizers.empty();
            }
            if (!any_authorizer) {
                reader.fail(node, "authorization: run needs an authorizer to run: a template "
                                  "whose API has one (Auth) on the case's route");
            }
            file.runs_authorizers = true;
        }
        file.cases.push_back(std::move(test));
    }
    if (file.cases.empty()) {
        reader.fail(cases->key, "cases is empty");
    }
    file.snapshot_path = snapshot_path(path);
    if (any_snapshot) {
        file.snapshots = load_snapshots(file.snapshot_path);
    }
    return file;
}

} // namespace lambda_local::runtime::testing
