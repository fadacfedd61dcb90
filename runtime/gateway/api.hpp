// The kinds of API Gateway API and payload format, and the HTTP values the gateway works on.
#pragma once

#include "runtime/http/values.hpp"

namespace lambda_local::runtime::gateway {

// The two kinds of API Gateway API (docs/serve.md).
enum class ApiType {
    Rest, // REST API: payload format 1.0, stage in the URL
    Http, // HTTP API: payload format 2.0 by default, or 1.0
};

// The Lambda proxy payload format of an integration.
enum class PayloadFormat { V1, V2 };

using http::HeaderList;
using http::HttpRequest;
using http::HttpResponse;

} // namespace lambda_local::runtime::gateway
