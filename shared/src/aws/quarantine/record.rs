//! One delivery refused for its key, as the quarantine keeps it: enough to
//! verify it again exactly as the receiver did, and nothing else (never
//! `Authorization`, never a cookie). docs/quarantine.md says what is kept
//! and why.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use function_support::time::unix_millis;
use lambda_http::http::{HeaderName, HeaderValue, Method};
use lambda_http::{Body, Request, RequestExt};
use serde::{Deserialize, Serialize};

use crate::codec::encoding::{decode_base64, encode_base64};
use crate::error::{ReceiveError, VerifyError};
use crate::lambda::request::{route_tenant, source_ip};

/// Why a quarantined delivery was refused: each one a key (or the clock
/// it is judged by) could change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalReason {
    /// No key the route may use made the signature.
    Mismatch,
    /// The route names a tenant the secret has no key for.
    UnknownTenant,
    /// The signed timestamp is outside the tolerance of the arrival.
    StaleTimestamp,
}

impl RefusalReason {
    /// Why `error` refused a delivery with a readable signature, when a
    /// fixed key (or the recorded arrival time) could turn it around:
    /// `Some` for the refusals the quarantine keeps.
    pub(crate) fn of(error: &ReceiveError) -> Option<RefusalReason> {
        match error {
            ReceiveError::Unauthenticated(VerifyError::Mismatch) => Some(RefusalReason::Mismatch),
            ReceiveError::Unauthenticated(VerifyError::UnknownTenant) => Some(RefusalReason::UnknownTenant),
            ReceiveError::Unauthenticated(VerifyError::StaleTimestamp(_)) => Some(RefusalReason::StaleTimestamp),
            _ => None,
        }
    }
}

/// How the Lambda event carried the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// As text (`isBase64Encoded: false`).
    Text,
    /// As base64 (`isBase64Encoded: true`).
    Base64,
}

/// One refused delivery as the quarantine keeps it: enough to verify it
/// again exactly as the receiver did, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuarantinedDelivery {
    /// Whose receiver refused it: the provider's name.
    pub provider: String,
    /// Why.
    pub reason: RefusalReason,
    /// When it arrived, in Unix milliseconds: what signed timestamps are
    /// judged against when it is released (only receivers write here, so
    /// the time can be trusted).
    pub received_at_ms: u64,
    /// The tenant the route named, if any.
    pub tenant: Option<String>,
    /// Where it came from, as the event said.
    pub source_ip: Option<String>,
    /// How the event carried the body.
    pub body_encoding: BodyEncoding,
    /// The headers that carry the signature (lower-case names), and no
    /// other.
    pub headers: BTreeMap<String, String>,
    /// The unsigned headers the scheme carries to consumers, so that a
    /// released delivery's envelope has them too. Apart from `headers`,
    /// as they are apart from the signature: two retries of one delivery
    /// with other values are still one delivery.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unsigned_headers: BTreeMap<String, String>,
    /// The raw body, base64.
    pub body: String,
}

impl QuarantinedDelivery {
    /// What `request` held that its scheme's `signature_headers` and
    /// `unsigned_headers` name, refused for `reason` at `received_at`.
    pub fn of(
        provider: &str,
        (signature_headers, unsigned_headers): (&[String], &[String]),
        request: &Request,
        reason: RefusalReason,
        received_at: SystemTime,
    ) -> Self {
        let named = |names: &[String]| {
            names
                .iter()
                .filter_map(|name| {
                    let value = request.headers().get(name.as_str())?.to_str().ok()?;
                    Some((name.clone(), value.to_owned()))
                })
                .collect()
        };
        QuarantinedDelivery {
            provider: provider.to_owned(),
            reason,
            received_at_ms: unix_millis(received_at),
            tenant: route_tenant(request).map(str::to_owned),
            source_ip: source_ip(request).map(|ip| ip.to_string()),
            body_encoding: match request.body() {
                Body::Binary(_) => BodyEncoding::Base64,
                _ => BodyEncoding::Text,
            },
            headers: named(signature_headers),
            unsigned_headers: named(unsigned_headers),
            body: encode_base64(request.body().as_ref()),
        }
    }

    /// What was received, whenever and for whatever reason: the same for
    /// every retry of one delivery, so that the store keeps them once.
    pub(crate) fn received(&self) -> String {
        serde_json::json!([self.tenant, self.headers, self.body]).to_string()
    }

    /// When it arrived.
    pub fn received_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.received_at_ms)
    }

    /// The request again, as the receiver saw it (`None` if the record's
    /// body or headers are not what a receiver writes).
    pub fn request(&self) -> Option<Request> {
        let bytes = decode_base64(&self.body)?;
        let body = match self.body_encoding {
            BodyEncoding::Text => Body::Text(String::from_utf8(bytes).ok()?),
            BodyEncoding::Base64 => Body::Binary(bytes),
        };
        let mut request = Request::new(body);
        *request.method_mut() = Method::POST;
        for (name, value) in self.headers.iter().chain(&self.unsigned_headers) {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            request.headers_mut().insert(name, HeaderValue::from_str(value).ok()?);
        }
        let tenant = self.tenant.iter().map(|tenant| ("tenant".to_owned(), tenant.clone()));
        Some(request.with_path_parameters(std::collections::HashMap::<String, String>::from_iter(tenant)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Body) -> Request {
        let mut request = Request::new(body);
        *request.method_mut() = Method::POST;
        for (name, value) in [
            ("x-signature-sha256", "abc"),
            ("authorization", "Bearer secret"),
            ("cookie", "session=1"),
            ("content-type", "application/json"),
        ] {
            request
                .headers_mut()
                .insert(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        request
    }

    #[test]
    fn only_the_signature_headers_are_kept_and_the_body_exactly() {
        let body = vec![0xFF, 0x00, b'{', 0xC3];
        let at = UNIX_EPOCH + Duration::from_millis(1_795_406_400_123);
        let kept = QuarantinedDelivery::of(
            "kaunt",
            (&["x-signature-sha256".to_owned()], &["content-type".to_owned()]),
            &request(Body::Binary(body.clone())),
            RefusalReason::Mismatch,
            at,
        );
        assert_eq!(kept.headers.keys().collect::<Vec<_>>(), ["x-signature-sha256"]);
        assert_eq!(kept.unsigned_headers.keys().collect::<Vec<_>>(), ["content-type"]);
        assert_eq!(kept.body_encoding, BodyEncoding::Base64);
        assert_eq!(kept.received_at(), at);
        let json = serde_json::to_string(&kept).unwrap();
        assert!(!json.contains("secret") && !json.contains("session"), "{json}");
        let again = kept.request().unwrap();
        assert_eq!(again.body().as_ref(), body);
        assert_eq!(again.headers().len(), 2);
        assert_eq!(again.headers()["content-type"], "application/json");
        assert_eq!(again.method(), Method::POST);
    }

    #[test]
    fn retries_of_one_delivery_received_alike_and_others_do_not() {
        let at = |ms| UNIX_EPOCH + Duration::from_millis(ms);
        let keep = |body: &str, ms| {
            QuarantinedDelivery::of(
                "kaunt",
                (&["x-signature-sha256".to_owned()], &[]),
                &request(Body::Text(body.to_owned())),
                RefusalReason::Mismatch,
                at(ms),
            )
        };
        let first = keep("{}", 1);
        assert_eq!(first.received(), keep("{}", 2_000).received());
        assert_ne!(first.received(), keep("{ }", 1).received());
        assert_eq!(first.request().unwrap().body(), &Body::Text("{}".to_owned()));
    }
}
