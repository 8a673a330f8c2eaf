//! Everything that can stop a delivery or a function, below everything
//! that reports it: what happened ([`ReceiveError`], [`VerifyError`],
//! [`ConfigError`]), the status each is answered with, and the word the
//! metrics count it under. The answers' bodies are built from these in one
//! place, the pipeline's `answer` module.

use lambda_http::http::StatusCode;

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
    /// A handshake's proof failed: Meta's verify token missing or wrong.
    #[error("a handshake's verify token is missing or wrong")]
    HandshakeRefused,
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
    /// EventBridge did not accept the entry this time (`EVENT_BUS_NAME`):
    /// the call failed, or it reported the entry failed.
    #[error("event bus unavailable: {0}")]
    EventBusUnavailable(String),
    /// S3 did not store an envelope too large for the queue this time
    /// (`PAYLOAD_BUCKET`); no pointer was sent.
    #[error("payload bucket unavailable: {0}")]
    PayloadStoreUnavailable(String),
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
    /// (an id holding the separator after it, say: see docs/schemes.md),
    /// or a part it signs appears twice.
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
    WrongRequiredHeader,
}

impl ReceiveError {
    /// The status a provider sees. 5xx only where retrying can succeed or an
    /// operator must act; everything the sender got wrong is 4xx.
    pub fn status(&self) -> StatusCode {
        match self {
            ReceiveError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ReceiveError::SourceNotAllowed(_) | ReceiveError::HandshakeRefused => StatusCode::FORBIDDEN,
            ReceiveError::BodyTooLarge { .. } | ReceiveError::EnvelopeTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ReceiveError::Malformed(_) => StatusCode::BAD_REQUEST,
            ReceiveError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ReceiveError::KeysUnavailable(_)
            | ReceiveError::QueueUnavailable(_)
            | ReceiveError::EventBusUnavailable(_)
            | ReceiveError::PayloadStoreUnavailable(_)
            | ReceiveError::OutOfTime(_) => StatusCode::SERVICE_UNAVAILABLE,
            ReceiveError::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether an operator must act: 5xx, and a queue too small for the
    /// configured body limit. These are logged as errors; what the sender
    /// got wrong is only a warning.
    pub(crate) fn needs_operator(&self) -> bool {
        self.status().is_server_error() || matches!(self, ReceiveError::EnvelopeTooLarge { .. })
    }

    /// The outcome as the metrics name it: one word per kind of refusal or
    /// failure, none of it the caller's text.
    pub(crate) const fn outcome(&self) -> &'static str {
        match self {
            ReceiveError::MethodNotAllowed(_) => "method",
            ReceiveError::SourceNotAllowed(_) => "forbidden-source",
            ReceiveError::HandshakeRefused => "handshake-refused",
            ReceiveError::BodyTooLarge { .. } | ReceiveError::EnvelopeTooLarge { .. } => "too-large",
            ReceiveError::Malformed(_) => "malformed",
            ReceiveError::Unauthenticated(reason) => match reason {
                VerifyError::Mismatch => "signature-mismatch",
                VerifyError::UnknownTenant => "unknown-tenant",
                VerifyError::StaleTimestamp(_) => "stale-timestamp",
                VerifyError::WrongRequiredHeader => "required-header",
                VerifyError::UnsupportedAlgorithm | VerifyError::PayloadMismatch => "signature-invalid",
                VerifyError::MissingHeader(_)
                | VerifyError::DuplicateHeader(_)
                | VerifyError::BadEncoding(_)
                | VerifyError::BadTimestamp
                | VerifyError::Ambiguous => "signature-unreadable",
            },
            ReceiveError::KeysUnavailable(_) => "keys-unavailable",
            ReceiveError::QueueUnavailable(_) => "queue-unavailable",
            ReceiveError::EventBusUnavailable(_) => "bus-unavailable",
            ReceiveError::PayloadStoreUnavailable(_) => "payload-store-unavailable",
            ReceiveError::OutOfTime(_) => "out-of-time",
            ReceiveError::Misconfigured(_) => "misconfigured",
        }
    }
}

/// Why the environment does not describe a usable function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is absent or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something we cannot use.
    #[error("{name} must be {expected}, got {value:?}")]
    Invalid {
        /// The variable's name.
        name: &'static str,
        /// What it should hold.
        expected: String,
        /// What it holds (never a secret: numbers, and names such as
        /// `PROVIDER`'s).
        value: String,
    },
    /// A scheme description (a preset's, or `SCHEME`) can't be used.
    #[error("{of} is not a usable scheme description: {problem}")]
    Scheme {
        /// Whose description: `SCHEME`, or the preset's name.
        of: String,
        /// What is wrong with it.
        problem: String,
    },
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
            (ReceiveError::PayloadStoreUnavailable("x".into()), 503),
            (ReceiveError::OutOfTime(std::time::Duration::from_secs(10)), 503),
            (ReceiveError::Misconfigured("x".into()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status().as_u16(), status, "{error}");
        }
    }
}
