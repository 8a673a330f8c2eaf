//! Everything that can stop a delivery, and the one place an answer becomes
//! HTTP: the errors' statuses, and beside them the 200.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};

use crate::quarantine::RefusalReason;
use crate::settings::ConfigError;

/// Why a delivery was not accepted. The variant decides the status code and
/// how loudly it is logged; the text a caller sees is fixed per status and
/// never echoes the detail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReceiveError {
    /// Anything but POST: a standard method by name, any other as
    /// `another method` (its name is the caller's text, never logged).
    #[error("method {0} is not allowed")]
    MethodNotAllowed(&'static str),
    /// The request came from outside `ALLOWED_SOURCE_IPS`.
    #[error("source address {0} is not allowed")]
    SourceNotAllowed(String),
    /// The body exceeds `MAX_BODY_BYTES`.
    #[error("body of {size} bytes exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The body's length.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The queue refused the envelope as too large for it: permanent, so a
    /// 413 rather than a 5xx the provider would retry forever.
    #[error("the queue refused a {size}-byte envelope as too large")]
    EnvelopeTooLarge {
        /// The envelope's length.
        size: usize,
    },
    /// Not JSON, or a required field is missing or of the wrong type.
    #[error("malformed body: {0}")]
    Malformed(&'static str),
    /// The signature is missing, unreadable or wrong.
    #[error("not authenticated: {0}")]
    Unauthenticated(#[from] VerifyError),
    /// Secrets Manager did not give us the keys this time.
    #[error("keys unavailable: {0}")]
    KeysUnavailable(String),
    /// SQS did not accept the message this time.
    #[error("queue unavailable: {0}")]
    QueueUnavailable(String),
    /// The request's work was not done within `REQUEST_DEADLINE_MS`: AWS
    /// answered, but too slowly.
    #[error("not done within the {0:?} deadline")]
    OutOfTime(std::time::Duration),
    /// The deployment is wrong (a setting, the secret's content, a
    /// permission); retries help only once someone fixes it.
    #[error("misconfigured: {0}")]
    Misconfigured(String),
}

/// Why a signature did not verify. Logged for the operator; the caller only
/// ever hears "signature missing or invalid".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A header the scheme needs is absent. (Header names are the
    /// scheme's, never the caller's text.)
    #[error("header {0} is missing")]
    MissingHeader(String),
    /// A header the scheme needs appears more than once.
    #[error("header {0} appears more than once")]
    DuplicateHeader(String),
    /// The signature is not in any encoding the scheme allows.
    #[error("signature is not valid {0}")]
    BadEncoding(&'static str),
    /// The signed content could be split into its parts more than one way
    /// (an id holding the separator after it, say: see
    /// [`crate::schemes::described::Template`]), or a part it signs
    /// appears twice.
    #[error("the signed parts could be read more than one way")]
    Ambiguous,
    /// The signed timestamp is not a Unix time in the scheme's unit.
    #[error("timestamp is not a Unix time")]
    BadTimestamp,
    /// The signed timestamp is outside the tolerance, before or after now.
    #[error("timestamp is {0} seconds away from now")]
    StaleTimestamp(u64),
    /// The body names an algorithm we cannot verify (Kravia). Which one is
    /// the caller's text, so it is not kept.
    #[error("the body names an algorithm other than the provider's")]
    UnsupportedAlgorithm,
    /// No key matched.
    #[error("no key matches the signature")]
    Mismatch,
    /// The route names a tenant the secret has no key for.
    #[error("no key for the tenant in the path")]
    UnknownTenant,
    /// The signed text and the unsigned copy differ (receeve).
    #[error("the signed payload differs from the unsigned copy")]
    PayloadMismatch,
    /// The header `REQUIRED_HEADER` names is missing or has no accepted value.
    #[error("the required static header is missing or wrong")]
    RequiredHeader,
}

impl ReceiveError {
    /// The status a provider sees. 5xx only where retrying can succeed or an
    /// operator must act; everything the sender got wrong is 4xx.
    pub fn status(&self) -> StatusCode {
        match self {
            ReceiveError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ReceiveError::SourceNotAllowed(_) => StatusCode::FORBIDDEN,
            ReceiveError::BodyTooLarge { .. } | ReceiveError::EnvelopeTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ReceiveError::Malformed(_) => StatusCode::BAD_REQUEST,
            ReceiveError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ReceiveError::KeysUnavailable(_) | ReceiveError::QueueUnavailable(_) | ReceiveError::OutOfTime(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ReceiveError::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether an operator must act: 5xx, and a queue too small for the
    /// configured body limit. These are logged as errors; what the sender
    /// got wrong is only a warning.
    pub fn needs_operator(&self) -> bool {
        self.status().is_server_error() || matches!(self, ReceiveError::EnvelopeTooLarge { .. })
    }

    /// Why a delivery with a readable signature was refused for its key:
    /// `Some` for the refusals a fixed key (or the recorded arrival time)
    /// could turn around, which are kept in the quarantine.
    pub fn refused_for_key(&self) -> Option<RefusalReason> {
        match self {
            ReceiveError::Unauthenticated(VerifyError::Mismatch) => Some(RefusalReason::Mismatch),
            ReceiveError::Unauthenticated(VerifyError::UnknownTenant) => Some(RefusalReason::UnknownTenant),
            ReceiveError::Unauthenticated(VerifyError::StaleTimestamp(_)) => Some(RefusalReason::StaleTimestamp),
            _ => None,
        }
    }

    /// The outcome as the metrics name it: one word per kind of refusal or
    /// failure, none of it the caller's text.
    pub const fn outcome(&self) -> &'static str {
        match self {
            ReceiveError::MethodNotAllowed(_) => "method",
            ReceiveError::SourceNotAllowed(_) => "forbidden-source",
            ReceiveError::BodyTooLarge { .. } | ReceiveError::EnvelopeTooLarge { .. } => "too-large",
            ReceiveError::Malformed(_) => "malformed",
            ReceiveError::Unauthenticated(reason) => match reason {
                VerifyError::Mismatch => "signature-mismatch",
                VerifyError::UnknownTenant => "unknown-tenant",
                VerifyError::StaleTimestamp(_) => "stale-timestamp",
                VerifyError::RequiredHeader => "required-header",
                VerifyError::UnsupportedAlgorithm | VerifyError::PayloadMismatch => "signature-invalid",
                VerifyError::MissingHeader(_)
                | VerifyError::DuplicateHeader(_)
                | VerifyError::BadEncoding(_)
                | VerifyError::BadTimestamp
                | VerifyError::Ambiguous => "signature-unreadable",
            },
            ReceiveError::KeysUnavailable(_) => "keys-unavailable",
            ReceiveError::QueueUnavailable(_) => "queue-unavailable",
            ReceiveError::OutOfTime(_) => "out-of-time",
            ReceiveError::Misconfigured(_) => "misconfigured",
        }
    }

    /// The answer's body: a fixed phrase per status, so nothing internal or
    /// secret can leak through it.
    fn public_message(&self) -> &'static str {
        match self {
            ReceiveError::MethodNotAllowed(_) => "only POST is accepted",
            ReceiveError::SourceNotAllowed(_) => "forbidden",
            ReceiveError::BodyTooLarge { .. } | ReceiveError::EnvelopeTooLarge { .. } => "body too large",
            ReceiveError::Malformed(_) => "malformed body",
            ReceiveError::Unauthenticated(_) => "signature missing or invalid",
            ReceiveError::KeysUnavailable(_) | ReceiveError::QueueUnavailable(_) | ReceiveError::OutOfTime(_) => {
                "temporarily unavailable, retry later"
            }
            ReceiveError::Misconfigured(_) => "internal error",
        }
    }

    /// The HTTP answer for this error.
    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        let body = serde_json::json!({ "status": "rejected", "error": self.public_message() });
        let mut builder = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            builder = builder.header(header::ALLOW, "POST");
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            builder = builder.header(header::RETRY_AFTER, "5");
        }
        builder.body(Body::Text(body.to_string())).unwrap_or_else(|_| {
            // Never a 200 by default: an error stays an error.
            let mut bare = Response::new(Body::Empty);
            *bare.status_mut() = status;
            bare
        })
    }
}

/// The answer to a delivery SQS holds: 200 with its event id (the
/// provider's, or the body's SHA-256), so a provider's log can be matched
/// with ours; and the `challenge` a scheme echoes (Slack checks a new
/// Request URL by sending a signed `url_verification` event and reading
/// its `challenge` back from the answer), which is the provider's own
/// signed text.
pub fn accepted(event_id: &str, challenge: Option<&str>) -> Response<Body> {
    let body = match challenge {
        Some(challenge) => serde_json::json!({ "status": "accepted", "eventId": event_id, "challenge": challenge }),
        None => serde_json::json!({ "status": "accepted", "eventId": event_id }),
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

impl From<ConfigError> for ReceiveError {
    fn from(error: ConfigError) -> Self {
        ReceiveError::Misconfigured(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_contract() {
        let cases = [
            (ReceiveError::MethodNotAllowed("GET"), 405),
            (ReceiveError::SourceNotAllowed("203.0.113.9".into()), 403),
            (ReceiveError::BodyTooLarge { size: 2, limit: 1 }, 413),
            (ReceiveError::EnvelopeTooLarge { size: 2 }, 413),
            (ReceiveError::Malformed("x"), 400),
            (ReceiveError::Unauthenticated(VerifyError::Mismatch), 401),
            (ReceiveError::KeysUnavailable("x".into()), 503),
            (ReceiveError::QueueUnavailable("x".into()), 503),
            (ReceiveError::OutOfTime(std::time::Duration::from_secs(10)), 503),
            (ReceiveError::Misconfigured("x".into()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status().as_u16(), status, "{error}");
        }
    }

    #[test]
    fn a_401_says_nothing_about_why() {
        let response = ReceiveError::Unauthenticated(VerifyError::StaleTimestamp(900)).into_response();
        let Body::Text(text) = response.body() else {
            panic!("expected text")
        };
        assert_eq!(text, r#"{"error":"signature missing or invalid","status":"rejected"}"#);
    }

    #[test]
    fn internal_detail_never_reaches_the_caller() {
        let response = ReceiveError::Misconfigured("SECRET_ID is not set".into()).into_response();
        let Body::Text(text) = response.body() else {
            panic!("expected text")
        };
        assert!(!text.contains("SECRET_ID"));
    }
}
