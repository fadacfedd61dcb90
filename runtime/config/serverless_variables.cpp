// Resolving serverless.yml variables: sources, fallbacks, nesting and interpolation.
#include "runtime/config/serverless_variables.hpp"

#include "runtime/function/function_spec.hpp"

#include <cstdlib>
#include <vector>

namespace lambda_local::runtime::config {

// A variable's value: text, or a node of the file (`${self:custom.env}`).
struct ServerlessVariables::Resolved {
    std::optional<YAML::Node> node;
    std::string text;
};

namespace {

// Nesting deeper than this is a circular reference (`a: ${self:b}`, `b: ${self:a}`).
constexpr int k_max_variable_depth = 32;
// A value that refers to another twice, which refers to another twice, and so on, doubles
// with each level: past these, a file is refused rather than resolved for hours.
constexpr std::size_t k_max_interpolations = 100000;
constexpr std::size_t k_max_text = std::size_t{1} << 20;

std::string_view trim(std::string_view text) {
    std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return {};
    }
    return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

// The index of the '}' closing the variable whose "${" starts at `start`, or npos.
std::size_t variable_end(std::string_view text, std::size_t start) {
    int depth = 0;
    char quote = 0;
    for (std::size_t i = start; i < text.size(); ++i) {
        char c = text[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if ((c == '\'' || c == '"') && depth > 0) {
            quote = c;
        } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            ++depth;
            ++i;
        } else if (c == '}' && --depth == 0) {
            return i;
        }
    }
    return std::string_view::npos;
}

// The comma-separated alternatives of a variable: "opt:stage, 'dev'" → "opt:stage", "'dev'".
std::vector<std::string_view> alternatives(std::string_view expression) {
    std::vector<std::string_view> parts;
    int depth = 0;
    char quote = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < expression.size(); ++i) {
        char c = expression[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && i + 1 < expression.size() && expression[i + 1] == '{') {
            ++depth;
            ++i;
        } else if (c == '}') {
            --depth;
        } else if (c == ',' && depth == 0) {
            parts.push_back(trim(expression.substr(start, i - start)));
            start = i + 1;
        }
    }
    parts.push_back(trim(expression.substr(start)));
    return parts;
}

bool is_whole_variable(std::string_view text) {
    return text.starts_with("${") && variable_end(text, 0) == text.size() - 1;
}

} // namespace

ServerlessVariables::ServerlessVariables(const YamlDocument& doc, const ProjectOptions& options)
    : m_doc(doc), m_options(options) {
    std::optional<YAML::Node> provider = find(doc.root(), "provider");
    auto setting = [&](const char* option, const char* key, const char* fallback) {
        if (auto given = options.opt.find(option);
            given != options.opt.end() && !given->second.empty()) {
            return given->second;
        }
        std::optional<YAML::Node> node = provider ? find(*provider, key) : std::nullopt;
        std::optional<std::string> value =
            node ? text(*node, std::string("provider.") + key) : std::nullopt;
        return value && !value->empty() ? *value : std::string(fallback);
    };
    m_stage = setting("stage", "stage", "dev");
    m_region = setting("region", "region", "us-east-1");
}

YAML::Node ServerlessVariables::select(const YAML::Node& node) const {
    return select(node, 0);
}

YAML::Node ServerlessVariables::select(const YAML::Node& node, int depth) const {
    if (node.IsScalar() && is_whole_variable(node.Scalar())) {
        std::optional<Resolved> value = interpolate(node.Scalar(), node.Mark(), depth + 1);
        if (value && value->node) {
            return select(*value->node, depth + 1);
        }
    }
    return node;
}

std::optional<std::string> ServerlessVariables::text(const YAML::Node& node,
                                                     std::string_view what) const {
    YAML::Node value = select(node, 0);
    if (value.IsMap() || value.IsSequence()) {
        throw m_doc.error(node,
                          std::string(what) + " must be a string, not " + describe_type(value));
    }
    if (!value.IsScalar()) {
        return std::nullopt;
    }
    return interpolate_text(value.Scalar(), value.Mark(), 0);
}

std::optional<std::string> ServerlessVariables::interpolate_text(const std::string& text,
                                                                 const YAML::Mark& at,
                                                                 int depth) const {
    std::optional<Resolved> value = interpolate(text, at, depth);
    return value ? resolved_text(*value, text, at, depth) : std::nullopt;
}

std::optional<ServerlessVariables::Resolved>
ServerlessVariables::interpolate(const std::string& text, const YAML::Mark& at, int depth) const {
    if (depth > k_max_variable_depth) {
        throw m_doc.error(at,
                          "variables nested too deeply (a circular reference?) in '" + text + "'");
    }
    if (text.find("${") == std::string::npos) {
        return Resolved{std::nullopt, text};
    }
    // Counted over the whole file: each level of `a: ${self:b}${self:b}` doubles the work
    // without nesting any deeper.
    if (++m_interpolations > k_max_interpolations) {
        throw m_doc.error(at, "more than " + std::to_string(k_max_interpolations) +
                                  " variables to resolve (values that each refer to another "
                                  "several times?)");
    }
    auto resolve_one = [&](std::string_view variable) {
        std::string why;
        std::string_view inner = variable.substr(2, variable.size() - 3);
        std::optional<Resolved> value = resolve(inner, at, depth, why);
        if (!value) {
            bool fallbacks = alternatives(inner).size() > 1;
            throw m_doc.error(
                at, "cannot resolve " + std::string(variable) + ": " + why +
                        (fallbacks ? ", and no fallback resolves" : ", and there is no default"));
        }
        return *value;
    };
    if (is_whole_variable(text)) {
        return resolve_one(text);
    }
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = text.find("${", i);
        if (start == std::string::npos) {
            out += text.substr(i);
            break;
        }
        std::size_t end = variable_end(text, start);
        if (end == std::string::npos) {
            throw m_doc.error(at, "'${' without its '}' in '" + text + "'");
        }
        out += text.substr(i, start - i);
        std::string variable = text.substr(start, end - start + 1);
        std::optional<std::string> piece =
            resolved_text(resolve_one(variable), variable, at, depth);
        out += piece.value_or("");
        if (out.size() > k_max_text) {
            throw m_doc.error(at, "a value over " + std::to_string(k_max_text) +
                                      " bytes once its variables are resolved");
        }
        i = end + 1;
    }
    return Resolved{std::nullopt, out};
}

std::optional<std::string> ServerlessVariables::resolved_text(const Resolved& value,
                                                              std::string_view variable,
                                                              const YAML::Mark& at,
                                                              int depth) const {
    if (!value.node) {
        return value.text;
    }
    YAML::Node node = select(*value.node, depth + 1);
    if (node.IsMap() || node.IsSequence()) {
        throw m_doc.error(at, std::string(variable) + " is " + describe_type(node) +
                                  "; it cannot be part of a string");
    }
    if (!node.IsScalar()) {
        return std::nullopt;
    }
    return interpolate_text(node.Scalar(), node.Mark(), depth + 1);
}

std::optional<ServerlessVariables::Resolved>
ServerlessVariables::resolve(std::string_view expression, const YAML::Mark& at, int depth,
                             std::string& why) const {
    for (std::string_view alternative : alternatives(expression)) {
        if (alternative.empty()) {
            continue;
        }
        if (alternative.starts_with("${")) {
            return interpolate(std::string(alternative), at, depth + 1);
        }
        if (alternative.size() >= 2 &&
            (alternative.front() == '\'' || alternative.front() == '"') &&
            alternative.back() == alternative.front()) {
            std::string literal(alternative.substr(1, alternative.size() - 2));
            return Resolved{std::nullopt, interpolate_text(literal, at, depth + 1).value_or("")};
        }
        if (alternative.find(':') == std::string_view::npos &&
            alternative.find('(') == std::string_view::npos) {
            return Resolved{std::nullopt, std::string(alternative)}; // a number, true, a word
        }
        std::string reason;
        if (std::optional<Resolved> value = resolve_source(alternative, depth, reason)) {
            return value;
        }
        if (why.empty()) {
            why = reason;
        }
    }
    return std::nullopt;
}

std::optional<ServerlessVariables::Resolved>
ServerlessVariables::resolve_source(std::string_view variable, int depth, std::string& why) const {
    std::size_t colon = variable.find(':');
    std::string source(trim(variable.substr(0, colon)));
    std::string address(colon == std::string_view::npos ? "" : trim(variable.substr(colon + 1)));
    auto text_value = [](std::string text) { return Resolved{std::nullopt, std::move(text)}; };
    if (colon == std::string_view::npos || source.find('(') != std::string::npos) {
        why = "'" + std::string(variable) + "' is not a variable lambda-local resolves";
    } else if (source == "opt") {
        auto given = m_options.opt.find(address);
        if (given != m_options.opt.end() && !given->second.empty()) {
            return text_value(given->second);
        }
        why = "the option --" + address + " was not given";
    } else if (source == "env") {
        const char* value =
            m_options.inherit_process_environment ? std::getenv(address.c_str()) : nullptr;
        if (value != nullptr) {
            return text_value(value);
        }
        why = "the environment variable " + address + " is not set";
    } else if (source == "self") {
        YAML::Node node = m_doc.root();
        std::string walked;
        std::string_view rest = address;
        while (!rest.empty()) {
            std::size_t dot = rest.find('.');
            std::string part(rest.substr(0, dot));
            rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
            walked += (walked.empty() ? "" : ".") + part;
            node.reset(select(node, depth + 1));
            std::optional<YAML::Node> next;
            if (node.IsMap()) {
                next = find(node, part);
            } else if (node.IsSequence()) {
                std::optional<long long> index = parse_integer(part);
                if (index && *index >= 0 && static_cast<std::size_t>(*index) < node.size()) {
                    next = node[static_cast<std::size_t>(*index)];
                }
            }
            if (!next || next->IsNull()) {
                // Serverless's own defaults for the two settings most often referred to.
                if (walked == "provider.stage" && rest.empty()) {
                    return text_value(m_stage.empty() ? "dev" : m_stage);
                }
                if (walked == "provider.region" && rest.empty()) {
                    return text_value(m_region.empty() ? "us-east-1" : m_region);
                }
                why = "the file has no " + address;
                return std::nullopt;
            }
            node.reset(*next);
        }
        return Resolved{node, ""};
    } else if (source == "sls" && address == "stage") {
        if (m_stage.empty()) {
            why = "${sls:stage} is used to define the stage itself";
        } else {
            return text_value(m_stage);
        }
    } else if (source == "aws" && address == "region") {
        return text_value(m_region.empty() ? "us-east-1" : m_region);
    } else if (source == "aws" && address == "accountId") {
        return text_value(k_account_id);
    } else {
        why = "the variable source '" + source + "' is not supported by lambda-local";
    }
    return std::nullopt;
}

} // namespace lambda_local::runtime::config
