//! The parts of an HTTP request a verifier looks at.

use std::time::{Duration, SystemTime};

use lambda_http::http::{HeaderMap, Method};
use lambda_http::{Request, RequestExt};

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
    /// The tenant the route names ([`route_tenant`]): which keys may verify
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
    pub fn single_header(&self, name: &str) -> Result<Option<&'r str>, VerifyError> {
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
    pub fn required_header(&self, name: &str) -> Result<&'r str, VerifyError> {
        self.single_header(name)?
            .ok_or_else(|| VerifyError::MissingHeader(name.to_owned()))
    }
}

/// The methods HTTP defines, whose names may be logged.
static STANDARD_METHODS: [Method; 8] = [
    Method::GET,
    Method::HEAD,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
    Method::CONNECT,
    Method::TRACE,
];

/// A refused method's name for the log: any other name is the caller's
/// text, which is never logged.
pub fn method_name(method: &Method) -> &'static str {
    STANDARD_METHODS
        .iter()
        .find(|standard| *standard == method)
        .map_or("(another method)", Method::as_str)
}

/// The tenant a route names: the `{tenant}` path parameter of an API
/// Gateway route, or, where events carry no route parameters (function
/// URLs, ALB), a `tenant` query parameter.
pub fn route_tenant(request: &Request) -> Option<&str> {
    request
        .path_parameters_ref()
        .and_then(|params| params.first("tenant"))
        .or_else(|| {
            request
                .query_string_parameters_ref()
                .and_then(|params| params.first("tenant"))
        })
        .filter(|tenant| !tenant.is_empty())
}
