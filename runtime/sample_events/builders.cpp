// The inputs of the sample event builders, and the helpers they share.
#include "runtime/sample_events/builders.hpp"

#include "runtime/util/error.hpp"

#include <chrono>
#include <regex>

namespace lambda_local::runtime::events {

EventInputs::EventInputs(const SampleEventOptions& options, WallClock::time_point now)
    : m_options(options), m_now(now), m_region(get("region", k_default_region)),
      m_account(get("account", k_default_account)), m_partition("aws"),
      m_dns_suffix("amazonaws.com") {
    static const std::regex k_region("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    if (!std::regex_match(m_region, k_region)) {
        throw Error("--region: expected a region such as us-east-1, not '" + m_region + "'");
    }
    static const std::regex k_account("[0-9]{12}");
    if (!std::regex_match(m_account, k_account)) {
        throw Error("--account: expected 12 digits, not '" + m_account + "'");
    }
    if (m_region.rfind("cn-", 0) == 0) {
        m_partition = "aws-cn";
        m_dns_suffix = "amazonaws.com.cn";
    } else if (m_region.rfind("us-gov-", 0) == 0) {
        m_partition = "aws-us-gov";
    }
}

std::string EventInputs::get(std::string_view name, std::string_view fallback) const {
    const auto it = m_options.find(name);
    return it == m_options.end() ? std::string(fallback) : it->second;
}

std::optional<std::string> EventInputs::find(std::string_view name) const {
    const auto it = m_options.find(name);
    return it == m_options.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::int64_t epoch_seconds(WallClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string iso8601_seconds(WallClock::time_point t) {
    std::string with_millis = iso8601(t); // "2024-01-01T00:00:00.000Z"
    return with_millis.substr(0, with_millis.size() - 5) + "Z";
}

std::string checked_resource_name(std::string_view option, const std::string& value) {
    static const std::regex k_name("[A-Za-z0-9._-]{1,256}");
    if (!std::regex_match(value, k_name)) {
        throw Error("--" + std::string(option) +
                    ": expected a name of letters, digits, '-', '_' or '.', not '" + value + "'");
    }
    return value;
}

} // namespace lambda_local::runtime::events
