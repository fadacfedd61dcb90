// Amazon Cognito user pools: issuer URLs and API Gateway's claim spellings.
#include "runtime/auth/cognito.hpp"

#include "runtime/util/text.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

namespace lambda_local::runtime::auth {

namespace {

bool plain(std::string_view text, std::string_view extra) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  extra.find(c) != std::string_view::npos;
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

std::variant<std::string, std::string> cognito_issuer(std::string_view user_pool_arn) {
    auto invalid = [&](const char* why) {
        return std::variant<std::string, std::string>(
            std::in_place_index<1>, "\"" + std::string(user_pool_arn) +
                                        "\" is not a Cognito user pool ARN "
                                        "(arn:aws:cognito-idp:<region>:<account>:userpool/"
                                        "<poolId>): " +
                                        why);
    };
    std::vector<std::string_view> parts = split_view(user_pool_arn, ':');
    if (parts.size() != 6 || parts[0] != "arn" || parts[1].substr(0, 3) != "aws" ||
        parts[2] != "cognito-idp") {
        return invalid("not an arn of cognito-idp");
    }
    if (!plain(parts[3], "-")) {
        return invalid("no region");
    }
    std::string_view resource = parts[5];
    if (resource.substr(0, 9) != "userpool/") {
        return invalid("not a userpool resource");
    }
    std::string_view pool = resource.substr(9);
    // A pool id is "<region>_<id>".
    if (!plain(pool, "-_") || pool.find('_') == std::string_view::npos) {
        return invalid("no pool id");
    }
    std::string host = "cognito-idp." + std::string(parts[3]) + ".amazonaws.com";
    if (parts[1] == "aws-cn") {
        host += ".cn";
    }
    return std::variant<std::string, std::string>(std::in_place_index<0>,
                                                  "https://" + host + "/" + std::string(pool));
}

std::string cognito_claim_time(double seconds_since_epoch) {
    // Outside what gmtime spells (and what a token holds), the number as written.
    if (!std::isfinite(seconds_since_epoch) || seconds_since_epoch < 0 ||
        seconds_since_epoch > 253402300799.0) {
        char number[64];
        std::snprintf(number, sizeof number, "%.0f", seconds_since_epoch);
        return number;
    }
    std::time_t time = static_cast<std::time_t>(seconds_since_epoch);
    std::tm parts{};
    gmtime_r(&time, &parts);
    char text[64];
    std::size_t length = std::strftime(text, sizeof text, "%a %b %d %H:%M:%S UTC %Y", &parts);
    return std::string(text, length);
}

} // namespace lambda_local::runtime::auth
