//! Deliveries refused for their key, kept in S3 so that they can be
//! released once the key is fixed.
//!
//! The commonest way teams lose webhooks is their own key: a secret pasted
//! from the wrong endpoint, a provider that rotated its secret, a creditor
//! missing from Kravia's secret. Every genuine delivery is then refused,
//! the provider retries for a while and gives up. So a delivery that passed
//! every check that needs no key (method, source, size, a readable
//! signature) but that no key verified (no key matched, the route's tenant
//! has no key, a signed timestamp outside the tolerance) is written to the
//! quarantine bucket (`QUARANTINE_BUCKET`) before its 401 goes out. The
//! `release` function verifies it again with the receivers' own code once
//! the key is fixed, and queues what verifies.
//!
//! What is kept ([`QuarantinedDelivery`]): the raw body exactly as
//! received, the headers that carry the signature and no other (never
//! `Authorization`, never a cookie), the route's tenant, how the event
//! carried the body, the source address, why it was refused and when it
//! arrived. Under `<provider>/`, named by a hash of what was received, and
//! written only if no object of that name exists (`If-None-Match: *`), so a
//! provider's retries of one delivery are kept once, with the first
//! arrival's time.
//!
//! Bounded: at most `QUARANTINE_WRITES_PER_SECOND` writes per second per
//! function instance (a token bucket holding a second's worth), so a flood
//! of forgeries can't become an unbounded S3 bill or a slower receiver; a
//! delivery this instance kept a moment ago is not written (nor counted
//! against the cap) again, so replaying one forgery can't crowd out
//! genuine ones; the write has what is left of the request's deadline.
//! Whatever happens to it, the answer is the same 401.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use lambda_http::http::{HeaderName, HeaderValue, Method};
use lambda_http::{Body, Request, RequestExt};
use serde::{Deserialize, Serialize};

use crate::encoding::{decode_base64, encode_base64, sha256_hex};
use crate::source_ip::source_ip;
use crate::time::unix_millis;

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
    /// The reason as logs and metrics spell it.
    pub const fn label(self) -> &'static str {
        match self {
            RefusalReason::Mismatch => "mismatch",
            RefusalReason::UnknownTenant => "unknown-tenant",
            RefusalReason::StaleTimestamp => "stale-timestamp",
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
    /// The raw body, base64.
    pub body: String,
}

impl QuarantinedDelivery {
    /// What `request` held that its scheme's `signature_headers` name,
    /// refused for `reason` at `received_at`.
    pub fn of(
        provider: &str,
        signature_headers: &[String],
        request: &Request,
        reason: RefusalReason,
        received_at: SystemTime,
    ) -> Self {
        let headers = signature_headers
            .iter()
            .filter_map(|name| {
                let value = request.headers().get(name.as_str())?.to_str().ok()?;
                Some((name.clone(), value.to_owned()))
            })
            .collect();
        QuarantinedDelivery {
            provider: provider.to_owned(),
            reason,
            received_at_ms: unix_millis(received_at),
            tenant: crate::delivery::route_tenant(request).map(str::to_owned),
            source_ip: source_ip(request).map(|ip| ip.to_string()),
            body_encoding: match request.body() {
                Body::Binary(_) => BodyEncoding::Base64,
                _ => BodyEncoding::Text,
            },
            headers,
            body: encode_base64(request.body().as_ref()),
        }
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
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            request.headers_mut().insert(name, HeaderValue::from_str(value).ok()?);
        }
        let tenant = self.tenant.iter().map(|tenant| ("tenant".to_owned(), tenant.clone()));
        Some(request.with_path_parameters(std::collections::HashMap::<String, String>::from_iter(tenant)))
    }

    /// Its object's name: under the provider's prefix, a hash of what was
    /// received, so that retries of one delivery share it.
    pub fn object_key(&self) -> String {
        let received = serde_json::json!([self.tenant, self.headers, self.body]);
        format!("{}/{}.json", self.provider, sha256_hex(received.to_string().as_bytes()))
    }
}

/// What became of one delivery the quarantine was asked to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Written.
    Written,
    /// An earlier arrival of the same delivery is kept already.
    AlreadyKept,
    /// Not written: this instance reached its writes for this second.
    OverCap,
    /// The write failed (logged); the answer is the same.
    Failed(String),
    /// The write was cut short by the request's deadline.
    OutOfTime,
}

impl Kept {
    /// As logs and metrics spell it.
    pub const fn label(&self) -> &'static str {
        match self {
            Kept::Written => "kept",
            Kept::AlreadyKept => "already-kept",
            Kept::OverCap => "over-cap",
            Kept::Failed(_) => "failed",
            Kept::OutOfTime => "out-of-time",
        }
    }

    /// Whether the delivery is in the quarantine now.
    pub const fn is_kept(&self) -> bool {
        matches!(self, Kept::Written | Kept::AlreadyKept)
    }
}

/// Writes refused deliveries to the quarantine bucket.
pub struct Quarantine {
    client: crate::aws::S3Client,
    bucket: String,
    cap: WriteCap,
}

impl Quarantine {
    /// A quarantine in `bucket`, writing at most `writes_per_second`.
    pub fn new(client: crate::aws::S3Client, bucket: String, writes_per_second: u32) -> Self {
        Quarantine {
            client,
            bucket,
            cap: WriteCap::new(writes_per_second),
        }
    }

    /// Keeps `delivery`, within `time_left`.
    pub async fn keep(&self, delivery: &QuarantinedDelivery, time_left: Duration) -> Kept {
        let name = delivery.object_key();
        if self.cap.kept_lately(&name) {
            return Kept::AlreadyKept;
        }
        if !self.cap.take() {
            return Kept::OverCap;
        }
        let body = match serde_json::to_vec(delivery) {
            Ok(body) => body,
            Err(error) => return Kept::Failed(error.to_string()),
        };
        let put = self
            .client
            .get()
            .put_object()
            .bucket(&self.bucket)
            .key(&name)
            .if_none_match("*")
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send();
        let kept = match tokio::time::timeout(time_left, put).await {
            Err(_) => Kept::OutOfTime,
            Ok(Ok(_)) => Kept::Written,
            Ok(Err(error)) => {
                let code = error.as_service_error().and_then(ProvideErrorMetadata::code);
                let status = error.raw_response().map(|response| response.status().as_u16());
                // 412: it exists; 409: another write of it is under way.
                if matches!(code, Some("PreconditionFailed" | "ConditionalRequestConflict"))
                    || matches!(status, Some(409 | 412))
                {
                    Kept::AlreadyKept
                } else {
                    Kept::Failed(format!("{}", DisplayErrorContext(&error)))
                }
            }
        };
        if kept.is_kept() {
            self.cap.remember(name);
        }
        kept
    }
}

/// A token bucket of `per_second` tokens refilled at `per_second` a
/// second, and the names this instance kept lately.
struct WriteCap {
    per_second: f64,
    state: Mutex<CapState>,
}

struct CapState {
    tokens: f64,
    refilled: Instant,
    recent: VecDeque<String>,
}

/// How many kept names an instance remembers.
const RECENT_NAMES: usize = 1024;

impl WriteCap {
    fn new(per_second: u32) -> Self {
        WriteCap {
            per_second: f64::from(per_second),
            state: Mutex::new(CapState {
                tokens: f64::from(per_second),
                refilled: Instant::now(),
                recent: VecDeque::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CapState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether one more write fits now.
    fn take(&self) -> bool {
        let mut state = self.state();
        let now = Instant::now();
        let refill = now.duration_since(state.refilled).as_secs_f64() * self.per_second;
        state.tokens = (state.tokens + refill).min(self.per_second);
        state.refilled = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether this instance kept `name` lately.
    fn kept_lately(&self, name: &str) -> bool {
        self.state().recent.iter().any(|recent| recent == name)
    }

    fn remember(&self, name: String) {
        let mut state = self.state();
        if state.recent.len() == RECENT_NAMES {
            state.recent.pop_front();
        }
        state.recent.push_back(name);
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
            &["x-signature-sha256".to_owned()],
            &request(Body::Binary(body.clone())),
            RefusalReason::Mismatch,
            at,
        );
        assert_eq!(kept.headers.keys().collect::<Vec<_>>(), ["x-signature-sha256"]);
        assert_eq!(kept.body_encoding, BodyEncoding::Base64);
        assert_eq!(kept.received_at(), at);
        let json = serde_json::to_string(&kept).unwrap();
        assert!(!json.contains("secret") && !json.contains("session"), "{json}");
        let again = kept.request().unwrap();
        assert_eq!(again.body().as_ref(), body);
        assert_eq!(again.headers().len(), 1);
        assert_eq!(again.method(), Method::POST);
    }

    #[test]
    fn retries_of_one_delivery_share_a_name_and_others_do_not() {
        let at = |ms| UNIX_EPOCH + Duration::from_millis(ms);
        let keep = |body: &str, ms| {
            QuarantinedDelivery::of(
                "kaunt",
                &["x-signature-sha256".to_owned()],
                &request(Body::Text(body.to_owned())),
                RefusalReason::Mismatch,
                at(ms),
            )
        };
        let first = keep("{}", 1);
        assert_eq!(first.object_key(), keep("{}", 2_000).object_key());
        assert_ne!(first.object_key(), keep("{ }", 1).object_key());
        assert!(first.object_key().starts_with("kaunt/"));
        assert_eq!(first.request().unwrap().body(), &Body::Text("{}".to_owned()));
    }

    #[test]
    fn the_cap_allows_a_seconds_worth_at_once_then_refills() {
        let cap = WriteCap::new(3);
        let allowed = (0..10).filter(|_| cap.take()).count();
        assert_eq!(allowed, 3);
        cap.state().refilled -= Duration::from_millis(700);
        assert_eq!((0..10).filter(|_| cap.take()).count(), 2, "0.7 s refills two");
        cap.remember("kaunt/a.json".into());
        assert!(cap.kept_lately("kaunt/a.json") && !cap.kept_lately("kaunt/b.json"));
    }
}
