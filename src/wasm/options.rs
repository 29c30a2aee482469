//! Settings from JavaScript, decoded in one place: every analysis's options pass through
//! [`decode`], so that a malformed value is an error naming its field (`fit.lo: invalid type:
//! string "x", expected usize`) and an unknown field is an error naming it (a misspelt
//! `drop_nonfinit` would otherwise be ignored and its default used without a word).
//!
//! Options go through `JSON.stringify` and serde_json, not serde-wasm-bindgen: the latter reads
//! only the fields a struct declares, so it cannot see an unknown one; serde_path_to_error
//! names the field of a malformed value. Options are a few
//! numbers, so the text costs nothing; bulk data (eigenvalues, moments) never takes this path.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// Decodes `value` as `T`; `undefined` or `null` is `T::default()`. `what` names the settings
/// in the message ("analysis options", "sweep options", …).
pub fn decode<T: DeserializeOwned + Serialize + Default>(value: &JsValue, what: &str) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    decode_required(value, what)
}

/// Decodes `value` as `T`, which must be present.
pub fn decode_required<T: DeserializeOwned + Serialize>(value: &JsValue, what: &str) -> Result<T, JsError> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::new(&format!("invalid {what}: not a plain object of numbers, strings and booleans")))?;
    from_json(&text).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

/// The text-level decoder, apart from JavaScript so that its messages are plain strings.
///
/// Unknown fields are found by writing the decoded settings back and comparing keys: what
/// the input has and the settings do not was not read. (A wrapping deserializer that records
/// ignored keys does the same, at 80 KB of wasm for a dozen settings types.)
pub fn from_json<T: DeserializeOwned + Serialize>(text: &str) -> Result<T, String> {
    let input: Value = serde_json::from_str(text).map_err(|e| without_position(&e.to_string()))?;
    let value: T = serde_path_to_error::deserialize(&input).map_err(|e| {
        let path = e.path().to_string();
        let inner = without_position(&e.inner().to_string());
        if path == "." {
            inner
        } else {
            format!("option '{path}': {inner}")
        }
    })?;
    let known = serde_json::to_value(&value).map_err(|e| e.to_string())?;
    let mut unknown = Vec::new();
    unread_keys(&input, &known, "", &mut unknown);
    match unknown.as_slice() {
        [] => Ok(value),
        [one] => Err(format!("unknown option '{one}' (check its spelling; it would be ignored)")),
        many => Err(format!("unknown options {} (check their spelling; they would be ignored)", quoted(many))),
    }
}

/// The paths of keys in `input` that `known` (the decoded settings, written back) lacks.
fn unread_keys(input: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    match (input, known) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, v) in a {
                let p = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                match b.get(key) {
                    Some(k) => unread_keys(v, k, &p, out),
                    None => out.push(p),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, k)) in a.iter().zip(b).enumerate() {
                unread_keys(v, k, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
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
