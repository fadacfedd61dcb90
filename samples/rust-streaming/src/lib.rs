//! A native-ABI handler in Rust, std only, that streams its response (ABI version 2):
//! `#[repr(C)]` mirrors of `loaders/include/lambda_local.h` with the stream functions, and
//! two handlers (docs/streaming.md).
//!
//!     lambda-local invoke -l librust_streaming.so -H handle -d '{"lines": 3}'
//!     lambda-local invoke -l librust_streaming.so -H handle_http
//!
//! `handle` writes `{"lines": N}` lines of text (3 by default), one write each; with
//! `"fail": true` in the event it fails after the first line (a mid-stream error).
//! `handle_http` answers an HTTP response in Lambda's integration form (status, headers and a
//! cookie in the prelude, then the body).

use std::os::raw::{c_char, c_int};

/// `lambda_local_invocation`: opaque, only ever used behind a pointer.
#[repr(C)]
pub struct Invocation {
    _private: [u8; 0],
}

/// `lambda_local_api`, field for field (version 2). Fields are only ever appended: a host of
/// version 1 has a smaller table, which `size` tells.
#[repr(C)]
pub struct Api {
    pub abi_version: u32,
    pub size: u32,
    pub event: Option<unsafe extern "C" fn(*const Invocation, *mut usize) -> *const c_char>,
    pub context_value:
        Option<unsafe extern "C" fn(*const Invocation, *const c_char) -> *const c_char>,
    pub context_json: Option<unsafe extern "C" fn(*const Invocation) -> *const c_char>,
    pub deadline_ms: Option<unsafe extern "C" fn(*const Invocation) -> i64>,
    pub remaining_time_ms: Option<unsafe extern "C" fn(*const Invocation) -> i64>,
    pub respond: Option<unsafe extern "C" fn(*mut Invocation, *const c_char, usize) -> c_int>,
    pub fail: Option<unsafe extern "C" fn(*mut Invocation, *const c_char, *const c_char) -> c_int>,
    // Version 2: response streaming.
    pub stream_start: Option<unsafe extern "C" fn(*mut Invocation, *const c_char) -> c_int>,
    pub stream_http_start:
        Option<unsafe extern "C" fn(*mut Invocation, *const c_char, usize) -> c_int>,
    pub stream_write: Option<unsafe extern "C" fn(*mut Invocation, *const c_char, usize) -> c_int>,
}

/// Marks the library as a native-ABI handler of version 2 (LAMBDA_LOCAL_ABI_VERSION).
#[no_mangle]
pub extern "C" fn lambda_local_abi_version() -> u32 {
    2
}

/// The stream functions, when the host has them (version 2 and a table that large).
struct Stream<'a> {
    api: &'a Api,
    inv: *mut Invocation,
}

impl<'a> Stream<'a> {
    unsafe fn of(api: *const Api, inv: *mut Invocation) -> Option<Stream<'a>> {
        let api = api.as_ref()?;
        if api.abi_version < 2 || (api.size as usize) < std::mem::size_of::<Api>() {
            fail(
                api,
                inv,
                b"StreamingUnsupported\0",
                b"this host's ABI has no response streaming\0",
            );
            return None;
        }
        Some(Stream { api, inv })
    }

    /// Starts a streamed response of this content type (`b"text/plain\0"`).
    unsafe fn start(&self, content_type: &[u8]) -> bool {
        match self.api.stream_start {
            Some(f) => f(self.inv, content_type.as_ptr() as *const c_char) == 0,
            None => false,
        }
    }

    unsafe fn start_http(&self, prelude: &str) -> bool {
        match self.api.stream_http_start {
            Some(f) => f(self.inv, prelude.as_ptr() as *const c_char, prelude.len()) == 0,
            None => false,
        }
    }

    /// Writes the next bytes; false when the stream can take no more.
    unsafe fn write(&self, bytes: &[u8]) -> bool {
        match self.api.stream_write {
            Some(f) => f(self.inv, bytes.as_ptr() as *const c_char, bytes.len()) == 0,
            None => false,
        }
    }
}

unsafe fn fail(api: &Api, inv: *mut Invocation, error_type: &[u8], message: &[u8]) {
    if let Some(f) = api.fail {
        f(
            inv,
            error_type.as_ptr() as *const c_char,
            message.as_ptr() as *const c_char,
        );
    }
}

/// The event as bytes (valid until the handler returns).
unsafe fn event<'a>(api: &Api, inv: *const Invocation) -> &'a [u8] {
    let mut len = 0usize;
    match api.event {
        Some(f) => {
            let p = f(inv, &mut len);
            if p.is_null() {
                &[]
            } else {
                std::slice::from_raw_parts(p as *const u8, len)
            }
        }
        None => &[],
    }
}

/// The number after `"name":` in the event, if any (a sample keeps to std: no JSON parser).
fn number_member(event: &[u8], name: &str) -> Option<u64> {
    let text = std::str::from_utf8(event).ok()?;
    let key = format!("\"{}\"", name);
    let rest = &text[text.find(&key)? + key.len()..];
    let rest = rest[rest.find(':')? + 1..].trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Streams `lines` lines of text; fails after the first when the event has `"fail": true`.
#[no_mangle]
pub unsafe extern "C" fn handle(api: *const Api, inv: *mut Invocation) -> c_int {
    let stream = match Stream::of(api, inv) {
        Some(stream) => stream,
        None => return 1,
    };
    let event = event(stream.api, inv);
    let lines = number_member(event, "lines").unwrap_or(3).min(10_000);
    let fails = contains(event, b"\"fail\": true") || contains(event, b"\"fail\":true");
    if !stream.start(b"text/plain; charset=utf-8\0") {
        return 1;
    }
    for i in 1..=lines {
        let line = format!("line {} of {}\n", i, lines);
        if !stream.write(line.as_bytes()) {
            fail(
                stream.api,
                inv,
                b"StreamRefused\0",
                b"stream_write refused the next line\0",
            );
            return 1;
        }
        if fails {
            fail(
                stream.api,
                inv,
                b"RustStreamError\0",
                b"asked to fail after the first line\0",
            );
            return 1;
        }
    }
    0
}

/// An HTTP response, streamed: the prelude, then the body in two writes.
#[no_mangle]
pub unsafe extern "C" fn handle_http(api: *const Api, inv: *mut Invocation) -> c_int {
    let stream = match Stream::of(api, inv) {
        Some(stream) => stream,
        None => return 1,
    };
    let prelude =
        r#"{"statusCode":200,"headers":{"content-type":"text/html"},"cookies":["lang=rust"]}"#;
    if !stream.start_http(prelude) {
        return 1;
    }
    if !stream.write(b"<p>streamed ") || !stream.write(b"from rust</p>\n") {
        return 1;
    }
    0
}
