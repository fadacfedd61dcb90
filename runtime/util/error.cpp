// The one formatter for failed system calls.
#include "runtime/util/error.hpp"

#include <cerrno>
#include <cstring>

namespace lambda_local {

std::string os_error(std::string_view call) {
    return os_error(call, errno);
}

std::string os_error(std::string_view call, int error_number) {
    std::string message(call);
    message += " failed: ";
    message += std::strerror(error_number);
    return message;
}

} // namespace lambda_local
