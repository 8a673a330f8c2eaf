//! The parts of an HTTP request a verifier looks at.

use std::time::{Duration, SystemTime};

use lambda_http::http::HeaderMap;

use crate::error::VerifyError;

/// One incoming webhook as the verifiers see it: the exact bytes that were
/// signed, the headers, the route's tenant, and the clock (injected so
/// tests can pin it).
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'r> {
    /// The raw body, already base64-decoded if the event said so.
    pub body: &'r [u8],
    /// Request headers; names are case-insensitive.
    pub headers: &'r HeaderMap,
    /// The tenant the route names: which keys may verify
    /// it, and, for a scheme that signs its URL, that URL's last segment.
    pub tenant: Option<&'r str>,
    /// The time to judge signed timestamps against.
    pub now: SystemTime,
    /// How far a signed timestamp may be from `now`, when the operator set
    /// it (`TIMESTAMP_TOLERANCE_SECS`); `None`: each scheme's own.
    pub timestamp_tolerance: Option<Duration>,
}

impl<'r> Delivery<'r> {
    /// The value of a header that must appear at most once: a repeated
    /// signature header is ambiguous, so it is refused rather than guessed
    /// at. `Ok(None)` when absent; a value that is not visible ASCII can't
    /// hold a signature and counts as absent-and-wrong (`BadEncoding`).
    pub(crate) fn single_header(&self, name: &str) -> Result<Option<&'r str>, VerifyError> {
        let mut values = self.headers.get_all(name).iter();
        let Some(value) = values.next() else { return Ok(None) };
        if values.next().is_some() {
            return Err(VerifyError::DuplicateHeader(name.to_owned()));
        }
        value
            .to_str()
            .map(|text| Some(text.trim()))
            .map_err(|_| VerifyError::BadEncoding("header text"))
    }

    /// Like [`Delivery::single_header`], but absence is an error too.
    pub(crate) fn required_header(&self, name: &str) -> Result<&'r str, VerifyError> {
        self.single_header(name)?
            .ok_or_else(|| VerifyError::MissingHeader(name.to_owned()))
    }
}
