// Amazon Cognito user pools as token issuers: the issuer URL of a pool's ARN.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace lambda_local::runtime::auth {

// "https://cognito-idp.<region>.amazonaws.com/<poolId>" for
// "arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>" (any AWS partition), or why the
// ARN is not a user pool's.
std::variant<std::string, std::string> cognito_issuer(std::string_view user_pool_arn);

// API Gateway's spelling of a time claim in a REST API's `requestContext.authorizer.claims`:
// "Tue Apr 04 18:39:39 UTC 2023" for 1680633579.
std::string cognito_claim_time(double seconds_since_epoch);

} // namespace lambda_local::runtime::auth
