//! Keeping Codat sample events usable after their timestamp expires.
//!
//! A Codat signature covers its timestamp, and receivers refuse timestamps
//! more than the tolerance from now: that is the replay protection, and no
//! setting of a deployed function is loosened for samples. Instead the
//! sender re-signs: given the key, an event that it signed is signed again
//! for `now`; an event it did not sign (a forgery) only gets the new
//! timestamp, so it stays a forgery.

use webhook_receiver::encoding::decode_base64;
use webhook_receiver::schemes::{Codat, Scheme};
use webhook_receiver::signing::{Message, Sign, SigningError};

/// Why an event can't be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Not an API Gateway event with a Codat request in it.
    #[error("not a Codat API Gateway event: {0}")]
    NotACodatEvent(&'static str),
    /// The key can't sign.
    #[error(transparent)]
    Signing(#[from] SigningError),
}

/// `event` with its Codat timestamp moved to `now` and, if `secret` signed
/// it, a fresh signature. Events of other providers come back unchanged.
pub fn refresh_codat_event(
    mut event: serde_json::Value,
    secret: &str,
    now: u64,
) -> Result<serde_json::Value, RefreshError> {
    // The standard family's id, timestamp and signature, named by the scheme.
    let &[id_name, timestamp_name, signature_name, ..] = Codat.signature_headers() else {
        return Err(RefreshError::NotACodatEvent("no header names"));
    };
    let Some(headers) = event.get("headers").and_then(|h| h.as_object()) else {
        return Err(RefreshError::NotACodatEvent("no headers"));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(id), Some(timestamp), Some(signature)) =
        (header(id_name), header(timestamp_name), header(signature_name))
    else {
        return Ok(event);
    };
    let body = event_body(&event)?;
    let signed_at: u64 = timestamp
        .parse()
        .map_err(|_| RefreshError::NotACodatEvent("bad timestamp"))?;
    let signature_at = |timestamp| -> Result<Option<String>, SigningError> {
        let signed = Codat.sign(secret, &body, &Message { id: &id, timestamp })?;
        Ok(signed
            .headers
            .into_iter()
            .find(|(name, _)| *name == signature_name)
            .map(|(_, value)| value))
    };
    let genuine = signature_at(signed_at)?.as_deref() == Some(signature.as_str());
    let fresh = match signature_at(now)? {
        Some(fresh) if genuine => fresh,
        _ => signature,
    };
    if let Some(headers) = event.get_mut("headers").and_then(|h| h.as_object_mut()) {
        headers.insert(timestamp_name.into(), now.to_string().into());
        headers.insert(signature_name.into(), fresh.into());
    }
    Ok(event)
}

/// The body bytes an event carries, base64-decoded if it says so.
fn event_body(event: &serde_json::Value) -> Result<Vec<u8>, RefreshError> {
    let text = event
        .get("body")
        .and_then(|b| b.as_str())
        .ok_or(RefreshError::NotACodatEvent("no body"))?;
    if event.get("isBase64Encoded").and_then(|b| b.as_bool()) == Some(true) {
        decode_base64(text).ok_or(RefreshError::NotACodatEvent("body is not base64"))
    } else {
        Ok(text.as_bytes().to_vec())
    }
}
