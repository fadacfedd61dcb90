/* lambda_local.h: the native handler ABI of lambda-local, version 2.
 *
 * A native handler library exports three C symbols (no link-time dependency
 * on lambda-local; everything it needs is passed in as a table of functions):
 *
 *   uint32_t lambda_local_abi_version(void);        required: marks the ABI
 *   int      lambda_local_init(api, init);           optional: once per cold start
 *   int      handle(api, invocation);                the handler (any symbol name)
 *
 * See docs/handler-abi.md for the contract and a complete example per language.
 */
#ifndef LAMBDA_LOCAL_H
#define LAMBDA_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. Version 2 added response streaming (the stream_*
 * fields); a library built against version 1 works unchanged with a version 2 host. */
#define LAMBDA_LOCAL_ABI_VERSION 2u

/* One invocation (or, during lambda_local_init, the init phase). Opaque. */
typedef struct lambda_local_invocation lambda_local_invocation;

/* The functions lambda-local offers a handler. Fields are only ever appended:
 * a handler built against version N works with any host of version >= N, and
 * can check `size` before using a field added later. */
typedef struct lambda_local_api {
    uint32_t abi_version; /* the host's LAMBDA_LOCAL_ABI_VERSION */
    uint32_t size;        /* sizeof(lambda_local_api) in the host */

    /* The event (JSON text, NUL-terminated); its length in *len if len is not NULL.
     * Empty during init. Valid until the handler returns. */
    const char* (*event)(const lambda_local_invocation* inv, size_t* len);

    /* One context value as a string, by the classic context key
     * ("function_name", "function_version", "invoked_function_arn",
     * "memory_limit_in_mb", "aws_request_id", "log_group_name",
     * "log_stream_name", "deadline_ms", "xray_trace_id"), or NULL.
     * Valid until the handler returns. */
    const char* (*context_value)(const lambda_local_invocation* inv, const char* key);

    /* The whole context as a JSON object (the classic ABI's context_json).
     * Valid until the handler returns. */
    const char* (*context_json)(const lambda_local_invocation* inv);

    /* The deadline in milliseconds since the Unix epoch, and what is left of it. */
    int64_t (*deadline_ms)(const lambda_local_invocation* inv);
    int64_t (*remaining_time_ms)(const lambda_local_invocation* inv);

    /* Sets the response payload (any bytes; JSON by convention). The bytes are
     * copied. Calling it again replaces the payload. Returns 0, or -1 during init. */
    int (*respond)(lambda_local_invocation* inv, const char* payload, size_t len);

    /* Reports a typed error, which becomes Lambda's
     * {"errorType": ..., "errorMessage": ..., "stackTrace": []}.
     * Strings are copied; error_type may be NULL ("HandlerError"). During init
     * it makes the init fail with that error. Returns 0. */
    int (*fail)(lambda_local_invocation* inv, const char* error_type, const char* error_message);

    /* --- Version 2: response streaming (docs/streaming.md). Check abi_version >= 2 first. ---
     * A handler streams its response by writing it in pieces: each piece reaches the caller
     * as it is written, while the handler goes on. Once streaming has started, respond() fails
     * (-1), and fail() ends the stream with Lambda's mid-stream error instead of replacing the
     * response. Returning 0 ends the stream normally. */

    /* Starts a streamed response of `content_type` (NULL: "application/octet-stream").
     * Optional: the first stream_write() starts one. Returns 0, or -1 during init or when the
     * response has started or was set by respond(). */
    int (*stream_start)(lambda_local_invocation* inv, const char* content_type);

    /* Starts a streamed HTTP response (a function URL in RESPONSE_STREAM mode, a REST
     * integration in STREAM mode): `prelude_json` is a JSON object with "statusCode",
     * "headers" and "cookies", all optional. It goes first, then the body's bytes from
     * stream_write(), in Lambda's HTTP integration form. Returns 0, or -1 as stream_start(). */
    int (*stream_http_start)(lambda_local_invocation* inv, const char* prelude_json, size_t len);

    /* Writes the next bytes of the streamed response. It returns once they are on their way,
     * and blocks while the caller is slow to read (or Lambda's bandwidth limit holds them).
     * Returns 0, or -1 during init, after respond(), or when the stream can take no more
     * (it passed Lambda's 200 MB). */
    int (*stream_write)(lambda_local_invocation* inv, const char* data, size_t len);
} lambda_local_api;

/* Signatures of the exported symbols. Handlers return 0 on success; any other
 * value is a function error (the error given to fail(), or "HandlerError"). */
typedef uint32_t (*lambda_local_abi_version_fn)(void);
typedef int (*lambda_local_init_fn)(const lambda_local_api* api, lambda_local_invocation* init);
typedef int (*lambda_local_handler_fn)(const lambda_local_api* api, lambda_local_invocation* inv);

/* Declared here with C linkage so that definitions in C++ files export these
 * names unmangled. */
uint32_t lambda_local_abi_version(void);
int lambda_local_init(const lambda_local_api* api, lambda_local_invocation* init);

/* Put this once in a C or C++ handler library to export the version marker. */
#define LAMBDA_LOCAL_EXPORT_ABI_VERSION                                        \
    __attribute__((visibility("default"))) uint32_t lambda_local_abi_version(void) \
    {                                                                          \
        return LAMBDA_LOCAL_ABI_VERSION;                                       \
    }

#ifdef __cplusplus
}
#endif

#endif /* LAMBDA_LOCAL_H */
