/* ll_gone.c: a dependency of libmissing_dep.so, built where the dynamic loader
 * will not look (samples-private/), so that loading libmissing_dep.so fails. */
int ll_gone_answer(void) {
    return 42;
}
