// Serverless Framework configurations (serverless.yml) as lambda-local projects.
#pragma once

#include "runtime/config/project.hpp"

#include <string>

namespace lambda_local::runtime::config {

// Reads a serverless.yml: service, provider (stage, region, timeout, memorySize, environment,
// httpApi.payload, httpApi.cors, apiGateway.binaryMediaTypes), and functions with handler,
// name, timeout, memorySize, ephemeralStorageSize, environment, reservedConcurrency and `http`,
// `httpApi` and `schedule` events, resolving the variables of serverless_variables.hpp. A
// handler names a .so relative to the file's directory: "libhello.so:handle",
// "build/libhello.so" (symbol `handle`). Throws lambda_local::Error "<path>:<line>: <what>".
Project load_serverless(const std::string& path, const ProjectOptions& options = {});

} // namespace lambda_local::runtime::config
