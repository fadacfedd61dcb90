/* Linked into lambda-local only when it is a static PIE (cmd/CMakeLists.txt).
 *
 * glibc answers getpwuid_r through its name service switch, which loads shared modules: a
 * static program can use it only with the very glibc it was linked against, and the linker
 * warns so. lambda-local never looks a user up; the one caller linked in is libuv's
 * uv_os_get_passwd (and uv_os_homedir without $HOME), which it never calls. The link wraps
 * getpwuid_r (-Wl,--wrap=getpwuid_r) to this answer, "not found", instead of glibc's. */
#include <pwd.h>
#include <stddef.h>

int __wrap_getpwuid_r(uid_t uid, struct passwd* entry, char* buffer, size_t size,
                      struct passwd** result);

int __wrap_getpwuid_r(uid_t uid, struct passwd* entry, char* buffer, size_t size,
                      struct passwd** result) {
    (void)uid;
    (void)entry;
    (void)buffer;
    (void)size;
    *result = NULL; /* no such user: getpwuid_r(3)'s "not found" */
    return 0;
}
