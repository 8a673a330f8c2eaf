//! The checks that need no key, cheapest first, so that a refused request
//! costs no Secrets Manager call.

use std::time::SystemTime;

use lambda_http::http::Method;
use lambda_http::Request;

use super::defences::check_source;
use crate::config::Settings;
use crate::error::ReceiveError;
use crate::lambda::request::{method_name, route_tenant};
use crate::schemes::delivery::Delivery;
use crate::schemes::Scheme;

/// A request that passed every check that needs no key, with what its
/// signature claims.
pub struct Screened<'r, S: Scheme> {
    /// The body, headers, tenant and clock the scheme judges.
    pub delivery: Delivery<'r>,
    /// The signature and signed material the request carries.
    pub claim: S::Claim<'r>,
}

/// The checks that need no key, cheapest first, so that a refused request
/// costs no Secrets Manager call: method (405), source address (403), size
/// (413), and a readable signature (400/401). The fuzz targets drive this
/// very code, through [`crate::receive_offline`].
pub fn screen<'r, S: Scheme>(
    scheme: &S,
    settings: &Settings,
    request: &'r Request,
    now: SystemTime,
) -> Result<Screened<'r, S>, ReceiveError> {
    if request.method() != Method::POST {
        return Err(ReceiveError::MethodNotAllowed(method_name(request.method())));
    }
    check_source(settings.allowed_source_ips.as_deref(), request)?;
    let body = request.body().as_ref();
    let limit = settings.body_limit();
    if body.len() > limit {
        return Err(ReceiveError::BodyTooLarge {
            size: body.len(),
            limit,
        });
    }
    let delivery = Delivery {
        body,
        headers: request.headers(),
        tenant: route_tenant(request),
        now,
        timestamp_tolerance: settings.timestamp_tolerance,
    };
    let claim = scheme.claim(&delivery)?;
    Ok(Screened { delivery, claim })
}
