// Parsing identity sources and reading their values from a request.
#include "runtime/gateway/identity_source.hpp"

#include "runtime/util/encoding.hpp"
#include "runtime/util/text.hpp"

#include <strings.h>

#include <algorithm>
#include <array>
#include <utility>

namespace lambda_local::runtime::gateway {
namespace {

struct Prefix {
    std::string_view text;
    IdentitySource::From from;
};

constexpr std::array<Prefix, 4> k_rest_prefixes = {{
    {"method.request.header.", IdentitySource::From::Header},
    {"method.request.querystring.", IdentitySource::From::QueryString},
    {"stageVariables.", IdentitySource::From::StageVariable},
    {"context.", IdentitySource::From::Context},
}};

constexpr std::array<Prefix, 4> k_http_prefixes = {{
    {"$request.header.", IdentitySource::From::Header},
    {"$request.querystring.", IdentitySource::From::QueryString},
    {"$stageVariables.", IdentitySource::From::StageVariable},
    {"$context.", IdentitySource::From::Context},
}};

// The last value of query parameter `name` in a raw query string, decoded.
std::optional<std::string> query_value(std::string_view raw, std::string_view name) {
    std::optional<std::string> found;
    while (!raw.empty()) {
        std::size_t amp = raw.find('&');
        std::string_view piece = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        std::size_t eq = piece.find('=');
        if (percent_decode(piece.substr(0, eq), true) != name) {
            continue;
        }
        found = eq == std::string_view::npos ? std::string{}
                                             : percent_decode(piece.substr(eq + 1), true);
    }
    return found;
}

} // namespace

std::optional<IdentitySource> parse_identity_source(std::string_view text, ApiType api_type) {
    text = trim_blanks(text);
    const auto& prefixes = api_type == ApiType::Rest ? k_rest_prefixes : k_http_prefixes;
    for (const Prefix& prefix : prefixes) {
        if (!text.starts_with(prefix.text) || text.size() == prefix.text.size()) {
            continue;
        }
        IdentitySource source;
        source.from = prefix.from;
        source.name = std::string(text.substr(prefix.text.size()));
        if (source.from == IdentitySource::From::Context) {
            const auto& known = identity_context_variables();
            if (std::find(known.begin(), known.end(), source.name) == known.end()) {
                return std::nullopt;
            }
        }
        return source;
    }
    return std::nullopt;
}

std::vector<std::string> split_identity_sources(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view piece = trim_blanks(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (!piece.empty()) {
            out.emplace_back(piece);
        }
    }
    return out;
}

const std::vector<std::string_view>& identity_context_variables() {
    static const std::vector<std::string_view> k_names = {
        "accountId",
        "apiId",
        "domainName",
        "httpMethod",
        "path",
        "protocol",
        "requestId",
        "resourcePath",
        "routeKey",
        "stage",
        "requestTimeEpoch",
        "identity.sourceIp",
        "identity.userAgent",
    };
    return k_names;
}

std::optional<std::vector<std::string>> identity_values(const std::vector<IdentitySource>& sources,
                                                        const IdentityInput& input) {
    std::vector<std::string> values;
    values.reserve(sources.size());
    for (const IdentitySource& source : sources) {
        std::optional<std::string> value;
        switch (source.from) {
        case IdentitySource::From::Header:
            if (input.request != nullptr) {
                for (const auto& [key, header] : input.request->headers) {
                    if (::strcasecmp(key.c_str(), source.name.c_str()) == 0) {
                        value = header;
                        break;
                    }
                }
            }
            break;
        case IdentitySource::From::QueryString:
            if (input.request != nullptr) {
                value = query_value(input.request->raw_query, source.name);
            }
            break;
        case IdentitySource::From::StageVariable:
            if (input.stage_variables != nullptr) {
                if (auto found = input.stage_variables->find(source.name);
                    found != input.stage_variables->end()) {
                    value = found->second;
                }
            }
            break;
        case IdentitySource::From::Context:
            if (input.context != nullptr) {
                if (auto found = input.context->find(source.name); found != input.context->end()) {
                    value = found->second;
                }
            }
            break;
        }
        if (!value || value->empty()) {
            return std::nullopt;
        }
        values.push_back(std::move(*value));
    }
    return values;
}

} // namespace lambda_local::runtime::gateway
