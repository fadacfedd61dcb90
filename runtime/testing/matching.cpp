// JSON equality and subset matching with the places they differ, and header matching.
#include "runtime/testing/matching.hpp"

#include "runtime/testing/diff.hpp"
#include "runtime/util/json_depth.hpp"

#include <algorithm>
#include <cstdlib>

namespace lambda_local::runtime::testing {
namespace {

using nlohmann::json;

std::string escape_token(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string type_word(const json& value) {
    switch (value.type()) {
    case json::value_t::object:
        return "an object";
    case json::value_t::array:
        return "an array";
    case json::value_t::string:
        return "a string";
    case json::value_t::boolean:
        return "a boolean";
    case json::value_t::null:
        return "null";
    default:
        return "a number";
    }
}

class Comparer {
  public:
    Comparer(bool subset, std::size_t limit) : m_subset(subset), m_limit(limit) {}

    void compare(const json& expected, const json& actual, const std::string& pointer) {
        if (m_found.size() >= m_limit) {
            return;
        }
        if (expected.is_object() && actual.is_object()) {
            for (const auto& [key, value] : expected.items()) {
                const std::string at = pointer + "/" + escape_token(key);
                auto found = actual.find(key);
                if (found == actual.end()) {
                    add(at, "missing (expected " + short_json(value) + ")");
                } else {
                    compare(value, *found, at);
                }
            }
            if (!m_subset) {
                for (const auto& [key, value] : actual.items()) {
                    if (!expected.contains(key)) {
                        add(pointer + "/" + escape_token(key),
                            "not expected (got " + short_json(value) + ")");
                    }
                }
            }
            return;
        }
        if (expected.is_array() && actual.is_array()) {
            if (expected.size() != actual.size()) {
                add(pointer, "expected " + std::to_string(expected.size()) + " elements, got " +
                                 std::to_string(actual.size()));
            }
            for (std::size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
                compare(expected[i], actual[i], pointer + "/" + std::to_string(i));
            }
            return;
        }
        if (expected != actual) {
            std::string problem =
                "expected " + short_json(expected) + ", got " + short_json(actual);
            if (expected.type() != actual.type() && !(expected.is_number() && actual.is_number())) {
                problem += " (" + type_word(actual) + ")";
            }
            add(pointer, problem);
        }
    }

    std::vector<Mismatch> take() { return std::move(m_found); }

  private:
    void add(const std::string& pointer, std::string problem) {
        if (m_found.size() < m_limit) {
            m_found.push_back({pointer, std::move(problem)});
        }
    }

    bool m_subset;
    std::size_t m_limit;
    std::vector<Mismatch> m_found;
};

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), lower);
    return text;
}

} // namespace

std::vector<Mismatch> equal_mismatches(const json& expected, const json& actual,
                                       std::size_t limit) {
    Comparer comparer(false, limit);
    comparer.compare(expected, actual, "");
    return comparer.take();
}

std::vector<Mismatch> subset_mismatches(const json& expected, const json& actual,
                                        std::size_t limit) {
    Comparer comparer(true, limit);
    comparer.compare(expected, actual, "");
    return comparer.take();
}

json project_onto(const json& expected, const json& actual) {
    if (expected.is_object() && actual.is_object()) {
        json out = json::object();
        for (const auto& [key, value] : expected.items()) {
            auto found = actual.find(key);
            if (found != actual.end()) {
                out[key] = project_onto(value, *found);
            }
        }
        return out;
    }
    if (expected.is_array() && actual.is_array()) {
        json out = json::array();
        for (std::size_t i = 0; i < actual.size(); ++i) {
            out.push_back(i < expected.size() ? project_onto(expected[i], actual[i]) : actual[i]);
        }
        return out;
    }
    return actual;
}

std::string describe_mismatches(const std::vector<Mismatch>& mismatches) {
    std::string out;
    for (const Mismatch& m : mismatches) {
        out += "  at " + (m.pointer.empty() ? std::string("the top") : m.pointer) + ": " +
               m.problem + "\n";
    }
    return out;
}

json payload_json(std::string_view payload) {
    json value = parse_json_bounded<json>(payload);
    if (value.is_discarded()) {
        return json(std::string(payload));
    }
    return value;
}

json with_json_body(json value) {
    if (value.is_object()) {
        auto body = value.find("body");
        if (body != value.end() && body->is_string()) {
            json parsed = parse_json_bounded<json>(body->get<std::string>());
            if (!parsed.is_discarded()) {
                *body = std::move(parsed);
            }
        }
    }
    return value;
}

void remove_pointers(json& value, const std::vector<std::string>& pointers) {
    for (const std::string& text : pointers) {
        json::json_pointer pointer(text);
        if (pointer.empty()) {
            value = nullptr;
            continue;
        }
        const json::json_pointer parent = pointer.parent_pointer();
        const std::string last = pointer.back();
        if (!value.contains(parent)) {
            continue;
        }
        json& container = value.at(parent);
        if (container.is_object()) {
            container.erase(last);
        } else if (container.is_array()) {
            char* end = nullptr;
            const unsigned long index = std::strtoul(last.c_str(), &end, 10);
            if (!last.empty() && *end == '\0' && index < container.size()) {
                container.erase(index);
            }
        }
    }
}

std::vector<std::string> header_mismatches(const gateway::HeaderList& expected,
                                           const gateway::HeaderList& actual) {
    std::vector<std::string> problems;
    for (const auto& [name, value] : expected) {
        const std::string want = lowercase(name);
        std::vector<std::string> values;
        for (const auto& [actual_name, actual_value] : actual) {
            if (lowercase(actual_name) == want) {
                values.push_back(actual_value);
            }
        }
        if (values.empty()) {
            problems.push_back("header " + name + ": missing (expected '" + value + "')");
        } else if (std::find(values.begin(), values.end(), value) == values.end()) {
            std::string got;
            for (const std::string& v : values) {
                got += (got.empty() ? "'" : ", '") + v + "'";
            }
            problems.push_back("header " + name + ": expected '" + value + "', got " + got);
        }
    }
    return problems;
}

json headers_json(const gateway::HeaderList& headers) {
    json out = json::object();
    for (const auto& [name, value] : headers) {
        const std::string key = lowercase(name);
        auto found = out.find(key);
        if (found == out.end()) {
            out[key] = value;
        } else if (found->is_array()) {
            found->push_back(value);
        } else {
            *found = json::array({*found, value});
        }
    }
    return out;
}

} // namespace lambda_local::runtime::testing
