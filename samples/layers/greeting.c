/* greeting.c: a shared library shipped in a layer's lib/ (libgreeting.so), which the
 * uses_layer sample links against. Lambda's LD_LIBRARY_PATH has /opt/lib: the loader finds
 * it there only when the layer is laid into /opt. */
const char* greeting(void) {
    return "hello from a layer";
}
