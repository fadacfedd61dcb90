// Finishing the APIs of a configuration file: ids, and the route table's checks at file:line.
#include "runtime/config/api_builder.hpp"

#include "runtime/util/error.hpp"

#include <cctype>
#include <cstdint>

namespace lambda_local::runtime::config {
namespace {

// Adds `api` to a scratch table; the table's message, or "" when it takes it.
std::string table_error(const gateway::Api& api) {
    try {
        gateway::RouteTable table;
        table.add(api);
        return "";
    } catch (const Error& e) {
        return e.what();
    }
}

} // namespace

std::string api_id(std::string_view logical_id) {
    // FNV-1a, 64 bits, written in base 36.
    std::uint64_t hash = 14695981039346656037ull;
    for (char c : logical_id) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    static constexpr std::string_view k_digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string id(10, '0');
    for (char& c : id) {
        c = k_digits[hash % 36];
        hash /= 36;
    }
    return id;
}

std::vector<ApiConfig> finish_apis(std::vector<ApiEntry> entries) {
    std::vector<ApiConfig> apis;
    for (ApiEntry& entry : entries) {
        // Checked under the logical id, so that the messages name the API as the file does.
        gateway::Api api = entry.config.api;
        api.id = entry.config.logical_id;
        api.routes.clear();
        if (std::string error = table_error(api); !error.empty()) {
            throw Error(entry.where + ": " + error);
        }
        for (const RouteEntry& route : entry.routes) {
            api.routes.push_back(route.route);
        }
        if (!table_error(api).empty()) {
            // The first route that the table refuses, with the routes before it.
            api.routes.clear();
            for (const RouteEntry& route : entry.routes) {
                api.routes.push_back(route.route);
                if (std::string error = table_error(api); !error.empty()) {
                    throw Error(route.where + ": " + error);
                }
            }
        }
        api.id = api_id(entry.config.logical_id);
        for (gateway::Route& route : api.routes) {
            route.api_id = api.id;
            route.api_type = api.type;
            if (!route.payload_format) {
                route.payload_format = api.type == gateway::ApiType::Rest
                                           ? gateway::PayloadFormat::V1
                                           : gateway::PayloadFormat::V2;
            }
        }
        entry.config.api = std::move(api);
        apis.push_back(std::move(entry.config));
    }
    gateway::RouteTable all;
    for (const ApiConfig& api : apis) {
        all.add(api.api);
    }
    return apis;
}

std::string normalize_method(std::string_view method) {
    std::string upper;
    for (char c : method) {
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper == "*" || upper == "X-AMAZON-APIGATEWAY-ANY-METHOD") {
        return std::string(gateway::k_any_method);
    }
    return upper;
}

} // namespace lambda_local::runtime::config
