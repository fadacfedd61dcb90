// Errors shown to the user, and the one helper for failed OS calls.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace lambda_local {

// A configuration, usage or environment problem that stops a command. `cmd/`
// prints it once as `lambda-local: error: <what>` and exits with status 2.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// "<call> failed: <strerror(errno)>", for reporting a failed system call.
std::string os_error(std::string_view call);
// The same with an explicit error number.
std::string os_error(std::string_view call, int error_number);

} // namespace lambda_local
