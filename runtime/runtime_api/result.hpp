// What a custom runtime's answers through the Runtime API make of an invocation's result.
#pragma once

#include "runtime/execution/invocation.hpp"
#include "runtime/runtime_api/state.hpp"

namespace lambda_local::runtime::runtime_api {

// Fills `result` from the runtime's answer to an invocation: a Response is the payload as
// posted; an Error a FunctionError with the error JSON as posted and its type
// (posted_error_type, "Unhandled" when none); ResponseTooLarge is Lambda's
// Function.ResponseSizeTooLarge; StreamEnded a streamed success (its gathered bytes as the
// payload), StreamError a FunctionError as Error is, both `streamed`. Duration and memory are
// left to the caller.
void apply_answer(const Notice& notice, InvocationResult& result);

// Fills `result` from an /init/error: an InitError with the type the runtime posted
// ("Runtime.InitError" when none) and its error JSON as posted, and a log line
// "[ERROR] <type>: <errorMessage>".
void apply_init_error(const Notice& notice, InvocationResult& result);

} // namespace lambda_local::runtime::runtime_api
