// Claims as API Gateway hands them to the integration: every value a string.
#pragma once

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::auth {

// Claim values as an HTTP API passes them in `authorizer.jwt.claims`: strings as they are,
// numbers and booleans as their JSON text, arrays as "[a b c]".
nlohmann::json http_api_claims(const nlohmann::json& claims);
// Claim values as a REST API passes them in `authorizer.claims`: `exp` and `iat` as
// "Tue Apr 04 18:39:39 UTC 2023", arrays comma-joined, other values as for HTTP APIs.
nlohmann::json rest_api_claims(const nlohmann::json& claims);

} // namespace lambda_local::runtime::auth
