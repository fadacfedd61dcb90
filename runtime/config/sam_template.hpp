// AWS SAM templates (template.yaml) as lambda-local projects.
#pragma once

#include "runtime/config/project.hpp"

#include <string>

namespace lambda_local::runtime::config {

// Reads a SAM template: AWS::Serverless::Function resources with Globals, Parameters,
// Conditions, the intrinsic functions (intrinsics.hpp), their Api, HttpApi, Schedule and
// ScheduleV2 events, and the AWS::Serverless::Api and AWS::Serverless::HttpApi resources those
// name. A function's Handler names a .so in its CodeUri: "libhandler.so:handle", or
// "libhandler.so" for the symbol `handle` (docs/configuration.md). Throws lambda_local::Error
// "<path>:<line>: <what is wrong>".
Project load_sam_template(const std::string& path, const ProjectOptions& options = {});

} // namespace lambda_local::runtime::config
