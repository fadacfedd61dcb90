// Claims as API Gateway hands them to the integration.
#include "runtime/auth/claims.hpp"

#include "runtime/auth/cognito.hpp"

namespace lambda_local::runtime::auth {

namespace {

std::string claim_text(const nlohmann::json& value, char array_separator, bool brackets) {
    switch (value.type()) {
    case nlohmann::json::value_t::string:
        return value.get<std::string>();
    case nlohmann::json::value_t::array: {
        std::string out = brackets ? "[" : "";
        bool first = true;
        for (const nlohmann::json& entry : value) {
            if (!first) {
                out.push_back(array_separator);
            }
            first = false;
            // Nested arrays and objects as JSON text: no recursion on a client's nesting.
            out += entry.is_string()
                       ? entry.get<std::string>()
                       : entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
        return brackets ? out + "]" : out;
    }
    default:
        return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
}

} // namespace

nlohmann::json http_api_claims(const nlohmann::json& claims) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = claims.begin(); it != claims.end(); ++it) {
        out[it.key()] = claim_text(it.value(), ' ', true);
    }
    return out;
}

nlohmann::json rest_api_claims(const nlohmann::json& claims) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = claims.begin(); it != claims.end(); ++it) {
        if ((it.key() == "exp" || it.key() == "iat") && it.value().is_number()) {
            out[it.key()] = cognito_claim_time(it.value().get<double>());
        } else {
            out[it.key()] = claim_text(it.value(), ',', false);
        }
    }
    return out;
}

} // namespace lambda_local::runtime::auth
