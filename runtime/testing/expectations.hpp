// Checking what a case produced against what it expects, one readable failure per broken
// expectation, and the answer a snapshot records.
#pragma once

#include "runtime/execution/invocation.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/testing/test_file.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// What running a case produced.
struct CaseOutcome {
    InvocationResult invocation;               // status, payload, error type, figures
    bool invoked = true;                       // false: the gateway answered without the function
    std::optional<gateway::HttpResponse> http; // an HTTP case's answer to the client
    std::string log;     // the function's log for this case: START, its output, END, REPORT
    std::string problem; // why the case could not run at all (the worker did not start)
};

// The failures of a case: one block of text per expectation that does not hold (its first line
// says what; the following lines show the diff). Empty when the case passes.
std::vector<std::string> check_expectations(const TestCase& test, const CaseOutcome& outcome);

// What a snapshot records for a case: {"response": <JSON payload>} or {"error": {"errorType",
// "errorMessage"}} for a function case, {"status", "headers", "body"} (body as JSON when it is
// JSON) for an HTTP case; `ignore` pointers removed from the response, error or answer.
nlohmann::json snapshot_value(const TestCase& test, const CaseOutcome& outcome);

// The failure of comparing `actual` (from snapshot_value) with the recorded entry of the case
// in `snapshots`, or nothing when they are equal.
std::optional<std::string> check_snapshot(const TestCase& test, const nlohmann::json& actual,
                                          const nlohmann::ordered_json& snapshots);

} // namespace lambda_local::runtime::testing
