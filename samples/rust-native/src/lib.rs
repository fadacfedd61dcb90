//! A native-ABI handler in Rust, std only: `#[repr(C)]` mirrors of
//! `loaders/include/lambda_local.h`, the `lambda_local_abi_version` marker and a
//! `handle` that responds with JSON, or fails with a typed error when the event
//! contains the JSON string `"fail"`.
//!
//!     lambda-local invoke -l librust_native.so -H handle -e samples/rust-native/event.json
//!     lambda-local invoke -l librust_native.so -H handle -e samples/rust-native/event-fail.json

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

/// `lambda_local_invocation`: opaque, only ever used behind a pointer.
#[repr(C)]
pub struct Invocation {
    _private: [u8; 0],
}

/// `lambda_local_api`, field for field (version 1). Fields are only ever
/// appended by later versions, so this prefix stays valid.
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
}

/// Marks the library as a native-ABI handler (LAMBDA_LOCAL_ABI_VERSION).
#[no_mangle]
pub extern "C" fn lambda_local_abi_version() -> u32 {
    1
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

/// One context value by its classic key ("aws_request_id", ...), or "".
/// `key` is NUL-terminated (b"aws_request_id\0").
unsafe fn context_value(api: &Api, inv: *const Invocation, key: &[u8]) -> String {
    match api.context_value {
        Some(f) => {
            let p = f(inv, key.as_ptr() as *const c_char);
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        }
        None => String::new(),
    }
}

/// `s` as a JSON string literal, quotes included.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The handler: returns 0 after respond(), or 1 after fail().
#[no_mangle]
pub unsafe extern "C" fn handle(api: *const Api, inv: *mut Invocation) -> c_int {
    let api = match api.as_ref() {
        Some(api) => api,
        None => return 1,
    };
    let event = event(api, inv);
    if contains(event, b"\"fail\"") {
        if let Some(fail) = api.fail {
            fail(
                inv,
                b"RustError\0".as_ptr() as *const c_char,
                b"asked to fail\0".as_ptr() as *const c_char,
            );
        }
        return 1;
    }
    let request_id = context_value(api, inv, b"aws_request_id\0");
    let body = format!(
        "{{\"message\":\"hello from rust\",\"event_bytes\":{},\"request_id\":{}}}",
        event.len(),
        json_string(&request_id)
    );
    println!("rust_native: responding with {} bytes", body.len());
    match api.respond {
        Some(respond) => {
            respond(inv, body.as_ptr() as *const c_char, body.len());
            0
        }
        None => 1,
    }
}
