// The classic ABI: int32_t handle(const char* event_json, const char* context_json).
#pragma once

#include "loaders/library.hpp"
#include "loaders/loader.hpp"

namespace lambda_local::loaders {

// A handler calling `entry` with the classic signature.
std::unique_ptr<Handler> make_classic_handler(Library library, void* entry);

} // namespace lambda_local::loaders
