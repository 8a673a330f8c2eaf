//! What the pipeline reads off a request beside its body and headers: a
//! refused method's loggable name, the route's tenant, the source address.

use std::net::IpAddr;

use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

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
pub(crate) fn method_name(method: &Method) -> &'static str {
    STANDARD_METHODS
        .iter()
        .find(|standard| *standard == method)
        .map_or("(another method)", Method::as_str)
}

/// The tenant a route names: the `{tenant}` path parameter of an API
/// Gateway route, or, where events carry no route parameters (function
/// URLs, ALB), a `tenant` query parameter.
pub(crate) fn route_tenant(request: &Request) -> Option<&str> {
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

/// The address a request came from: API Gateway's and function URLs'
/// `sourceIp`, or for ALB the last `X-Forwarded-For` entry (the one the load
/// balancer itself appended; earlier ones are the client's to invent).
pub(crate) fn source_ip(request: &Request) -> Option<IpAddr> {
    let from_context = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        _ => None,
    };
    let text = from_context.or_else(|| {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().next_back()?;
        forwarded
            .to_str()
            .ok()?
            .rsplit(',')
            .next()
            .map(|ip| ip.trim().to_owned())
    })?;
    text.parse().ok()
}
