/* missing_dep.c: a classic-ABI library that needs libll_gone.so, which is not
 * on the loader's search path: dlopen fails with
 * "libll_gone.so: cannot open shared object file: No such file or directory".
 */
#include <stdint.h>
#include <stdio.h>

int ll_gone_answer(void);

int32_t handle(const char* event, const char* context) {
    (void)event;
    (void)context;
    printf("answer: %d\n", ll_gone_answer());
    fflush(stdout);
    return 0;
}
