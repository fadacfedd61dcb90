// The handler process's seccomp filter: everything allowed but what a Lambda function may not do.
#include "runtime/worker/syscall_filter.hpp"

#include "runtime/util/error.hpp"
#include "runtime/worker/filters/compiled_filters.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace lambda_local::worker {
namespace {

// Loads `program` as libseccomp's seccomp_load would: no_new_privs, then the filter.
std::string load(const FilterProgram& program) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        return os_error("prctl(PR_SET_NO_NEW_PRIVS)");
    }
    sock_fprog loaded{static_cast<unsigned short>(program.length),
                      const_cast<sock_filter*>(program.instructions)};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &loaded) != 0) {
        return os_error("seccomp");
    }
    return {};
}

} // namespace

std::string install_syscall_filter(bool debugging) {
    return load(debugging ? k_handler_filter_debugging : k_handler_filter);
}

std::string install_tracing_filter() {
    return load(k_tracing_filter);
}

} // namespace lambda_local::worker
