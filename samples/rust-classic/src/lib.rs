//! A classic-ABI handler in Rust, the original pattern: a `cdylib` exporting
//! `handle(event_json, context_json) -> i32`. It prints both and returns 0
//! (success; Lambda sees the payload `0`). Any other value is a function error.
//!
//!     lambda-local invoke -l librust_classic.so -H handle -e samples/rust-classic/event.json

use std::ffi::CStr;
use std::os::raw::c_char;

/// Borrows a C string handed in by the loader; a null pointer reads as "null".
unsafe fn text<'a>(p: *const c_char) -> std::borrow::Cow<'a, str> {
    if p.is_null() {
        std::borrow::Cow::Borrowed("null")
    } else {
        CStr::from_ptr(p).to_string_lossy()
    }
}

/// The handler. `event` and `context` are NUL-terminated JSON texts, valid
/// until the function returns.
#[no_mangle]
pub extern "C" fn handle(event: *const c_char, context: *const c_char) -> i32 {
    let (event, context) = unsafe { (text(event), text(context)) };
    println!("event: {}", event);
    println!("context: {}", context);
    0
}
