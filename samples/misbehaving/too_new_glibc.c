/* too_new_glibc.c: a classic-ABI handler that runs here (glibc 2.36) but would not load on
 * AWS Lambda's provided.al2023 (glibc 2.34): arc4random and arc4random_uniform first
 * appeared in glibc 2.36, so the library requires GLIBC_2.36.
 *
 *   lambda-local invoke -l libtoo_new_glibc.so              # prints a random number, returns 0
 *   lambda-local doctor --library libtoo_new_glibc.so       # arc4random@GLIBC_2.36 needs
 * glibc 2.36
 */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int32_t handle(const char* event, const char* context) {
    (void)event;
    (void)context;
    printf("random: %u, dice: %u\n", arc4random(), arc4random_uniform(6) + 1);
    fflush(stdout);
    return 0;
}
