//! The optional fences beside the signature, never instead of it:
//! `ALLOWED_SOURCE_IPS` (an allow-list of sending addresses; 403) and
//! `REQUIRED_HEADER` (a static header whose value a secret holds; 401);
//! and the secret values they and a handshake's verify token are checked
//! against.

use std::time::SystemTime;

use lambda_http::http::HeaderValue;
use lambda_http::Request;
use sha2::{Digest, Sha256};

use crate::aws::secret_cache::SecretCache;
use crate::codec::constant_time::constant_time_eq;
use crate::config::{allowed, Cidr, Settings};
use crate::error::{ReceiveError, VerifyError};
use crate::lambda::request::source_ip;
use crate::schemes::delivery::Delivery;

/// `ALLOWED_SOURCE_IPS`, when set: a request from elsewhere (or from an
/// address the event doesn't give) is a 403, before any other work.
pub(crate) fn check_source(allowed_blocks: Option<&[Cidr]>, request: &Request) -> Result<(), ReceiveError> {
    let Some(blocks) = allowed_blocks else {
        return Ok(());
    };
    let source = source_ip(request);
    if source.is_some_and(|ip| allowed(blocks, ip)) {
        return Ok(());
    }
    let shown = source.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    Err(ReceiveError::SourceNotAllowed(shown))
}

/// `REQUIRED_HEADER`'s accepted values as they are kept: SHA-256 digests,
/// made once when the secret is fetched rather than on every request (and
/// the values themselves are not held).
pub(crate) type HeaderDigest = [u8; 32];

/// One accepted value from `REQUIRED_HEADER_SECRET_ID`, as it is kept.
pub(crate) fn header_digest(value: &str) -> Result<HeaderDigest, String> {
    Ok(Sha256::digest(value.as_bytes()).into())
}

/// The values a secret accepts for a static credential a request carries
/// (`REQUIRED_HEADER`'s, and Meta's verify token), cached like keys (a
/// JSON-object secret holds several; `AWSPREVIOUS` is accepted, so either
/// can be rotated) and kept as digests.
pub(crate) struct AcceptedValues(SecretCache<HeaderDigest>);

impl AcceptedValues {
    /// The values `secret_id` holds, read through `secrets`.
    pub(crate) fn new(secrets: &aws_sdk_secretsmanager::Client, secret_id: &str, settings: &Settings) -> Self {
        AcceptedValues(SecretCache::for_settings(
            secrets.clone(),
            secret_id.to_owned(),
            settings,
        ))
    }

    /// Fetches the values ahead of the first request (init's warm-up).
    pub(crate) async fn prefetch(&self) -> Result<(), ReceiveError> {
        self.0.prefetch(header_digest).await
    }

    /// Whether `sent` is one of the values. Digests are compared, in
    /// constant time, so that neither a value's bytes nor its length show
    /// in the timing.
    pub(crate) async fn accept(&self, sent: &[u8], now: SystemTime) -> Result<bool, ReceiveError> {
        let accepted = self.0.keys(header_digest).await?;
        let sent: HeaderDigest = Sha256::digest(sent).into();
        Ok(accepted
            .candidates(None, now)
            .fold(false, |found, entry| found | constant_time_eq(&entry.key, &sent)))
    }
}

/// `REQUIRED_HEADER`: its name, and its accepted values.
pub(crate) struct RequiredHeaderCheck {
    name: String,
    values: AcceptedValues,
}

impl RequiredHeaderCheck {
    /// The required header `settings` name, reading its values through
    /// `secrets`; `None` when `REQUIRED_HEADER` is not set.
    pub(crate) fn for_settings(secrets: &aws_sdk_secretsmanager::Client, settings: &Settings) -> Option<Self> {
        let required = settings.required_header.as_ref()?;
        Some(RequiredHeaderCheck {
            name: required.name.clone(),
            values: AcceptedValues::new(secrets, &required.secret_id, settings),
        })
    }

    /// The header as sent, which must be there once: checked before anything
    /// is fetched, so a request without it costs no fetch.
    pub(crate) fn sent<'d>(&self, delivery: &Delivery<'d>) -> Result<&'d HeaderValue, ReceiveError> {
        let mut sent = delivery.headers.get_all(self.name.as_str()).iter();
        match (sent.next(), sent.next()) {
            (Some(value), None) => Ok(value),
            _ => Err(VerifyError::WrongRequiredHeader.into()),
        }
    }

    /// Fetches the accepted values ahead of the first request (init's
    /// warm-up).
    pub(crate) async fn prefetch(&self) -> Result<(), ReceiveError> {
        self.values.prefetch().await
    }

    /// The sent value must equal one of the secret's.
    pub(crate) async fn check(&self, sent: &HeaderValue, now: SystemTime) -> Result<(), ReceiveError> {
        if self.values.accept(sent.as_bytes(), now).await? {
            Ok(())
        } else {
            Err(VerifyError::WrongRequiredHeader.into())
        }
    }
}
