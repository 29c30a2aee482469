//! Settings from JavaScript, decoded in one place: every analysis's options pass through
//! [`decode`], so that a malformed value is an error naming its field (`fit.lo: invalid type:
//! string "x", expected usize`) and an unknown field is an error naming it (a misspelt
//! `drop_nonfinit` would otherwise be ignored and its default used without a word).
//!
//! Options go through `JSON.stringify` and serde_json, not serde-wasm-bindgen: the latter reads
//! only the fields a struct declares, so it cannot see an unknown one. Options are a few
//! numbers, so the text costs nothing; bulk data (eigenvalues, moments) never takes this path.

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

/// Decodes `value` as `T`; `undefined` or `null` is `T::default()`. `what` names the settings
/// in the message ("analysis options", "sweep options", …).
pub fn decode<T: DeserializeOwned + Default>(value: &JsValue, what: &str) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    decode_required(value, what)
}

/// Decodes `value` as `T`, which must be present.
pub fn decode_required<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsError> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::new(&format!("invalid {what}: not a plain object of numbers, strings and booleans")))?;
    from_json(&text).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

/// The text-level decoder, apart from JavaScript so that its messages are plain strings.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut unknown = Vec::new();
    let mut json = serde_json::Deserializer::from_str(text);
    let mut note = |path: serde_ignored::Path| unknown.push(path.to_string());
    let tracked = serde_ignored::Deserializer::new(&mut json, &mut note);
    let value: T = serde_path_to_error::deserialize(tracked).map_err(|e| {
        let path = e.path().to_string();
        let inner = without_position(&e.inner().to_string());
        if path == "." {
            inner
        } else {
            format!("option '{path}': {inner}")
        }
    })?;
    match unknown.as_slice() {
        [] => Ok(value),
        [one] => Err(format!("unknown option '{one}' (check its spelling; it would be ignored)")),
        many => Err(format!("unknown options {} (check their spelling; they would be ignored)", quoted(many))),
    }
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

/// serde_json's message without " at line 1 column 37" (the text is ours, not the user's).
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
