//! Lambda events into requests, read inside the handler rather than by the
//! runtime, for three reasons:
//!
//! - **Every value of a repeated header.** A REST API (or an ALB with
//!   multi-value headers on) lists every value in `multiValueHeaders`, and
//!   `lambda_http` lets `headers`, which holds the last, replace the list;
//!   here the list wins, so a repeated signature header is refused like any
//!   other (docs/choices.md, "A signature header sent twice?").
//! - **No event stops the process.** `lambda_http` panics on some events no
//!   API Gateway sends (SECURITY.md's known limits); read here, such a panic
//!   is caught: an event that can't be read fails its one invocation, one
//!   that can't be converted is answered 400, and the function goes on.
//! - **No caller text in the log.** A deserialization error quotes the
//!   event's text (a header's value, say); it is replaced by a fixed one.

use std::panic::{catch_unwind, AssertUnwindSafe};

use lambda_http::http::HeaderMap;
use lambda_http::request::{LambdaRequest, RequestOrigin};
use lambda_http::Request;

/// An event read for the receiver.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "one per invocation, moved once")]
pub enum Converted {
    /// The request, and where it came from (the answer's shape depends on it).
    Request(RequestOrigin, Request),
    /// An event of a known shape that `lambda_http` can't turn into a
    /// request (it panicked trying): answered 400.
    Unconvertible(RequestOrigin),
}

impl Converted {
    /// The request, when the event made one.
    pub fn into_request(self) -> Option<Request> {
        match self {
            Converted::Request(_, request) => Some(request),
            Converted::Unconvertible(_) => None,
        }
    }
}

/// The event is not JSON from API Gateway, an ALB or a function URL, or is
/// too large to hold: the invocation fails (no answer shape is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event is not an API Gateway, ALB or function URL request this function can read")]
pub struct UnreadableEvent;

/// Reads one event's JSON text.
pub fn read(event: &str) -> Result<Converted, UnreadableEvent> {
    let parsed = catch_unwind(|| serde_json::from_str::<LambdaRequest>(event));
    let mut event = parsed.map_err(|_| UnreadableEvent)?.map_err(|_| UnreadableEvent)?;
    let origin = event.request_origin();
    keep_every_value(&mut event);
    match catch_unwind(AssertUnwindSafe(move || Request::from(event))) {
        Ok(request) => Ok(Converted::Request(origin, request)),
        Err(_) => Ok(Converted::Unconvertible(origin)),
    }
}

/// Makes `multiValueHeaders` the only source of a header it lists, so that
/// `lambda_http`'s merge keeps every value instead of the last.
fn keep_every_value(event: &mut LambdaRequest) {
    let (headers, listed): (&mut HeaderMap, &HeaderMap) = match event {
        LambdaRequest::ApiGatewayV1(rest) => (&mut rest.headers, &rest.multi_value_headers),
        LambdaRequest::Alb(alb) => (&mut alb.headers, &alb.multi_value_headers),
        _ => return,
    };
    for name in listed.keys() {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(event: &serde_json::Value) -> Request {
        read(&event.to_string()).unwrap().into_request().unwrap()
    }

    fn values(request: &Request, name: &str) -> Vec<String> {
        request
            .headers()
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    fn rest(headers: serde_json::Value, multi: serde_json::Value) -> serde_json::Value {
        json!({
            "resource": "/webhooks/kaunt",
            "path": "/webhooks/kaunt",
            "httpMethod": "POST",
            "headers": headers,
            "multiValueHeaders": multi,
            "requestContext": { "stage": "prod", "requestId": "r", "httpMethod": "POST", "identity": { "sourceIp": "203.0.113.10" } },
            "body": "{}",
            "isBase64Encoded": false,
        })
    }

    #[test]
    fn a_rest_api_event_keeps_every_value_of_a_repeated_header() {
        let event = rest(
            json!({ "X-Signature-SHA256": "second", "Content-Type": "application/json" }),
            json!({ "X-Signature-SHA256": ["first", "second"], "x-signature-sha256": ["third"], "Content-Type": ["application/json"] }),
        );
        let request = request(&event);
        assert_eq!(values(&request, "x-signature-sha256"), ["first", "second", "third"]);
        assert_eq!(values(&request, "content-type"), ["application/json"]);
        // lambda_http alone keeps the last value only.
        let alone = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(values(&alone, "x-signature-sha256"), ["second"]);
    }

    #[test]
    fn headers_without_a_list_are_kept() {
        let request = request(&rest(json!({ "X-Signature-SHA256": "only" }), json!(null)));
        assert_eq!(values(&request, "x-signature-sha256"), ["only"]);
    }

    #[test]
    fn an_alb_event_with_multi_value_headers_keeps_every_value() {
        let event = json!({
            "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/0" } },
            "httpMethod": "POST",
            "path": "/",
            "headers": { "x-smartkyc-signature": "b" },
            "multiValueHeaders": { "x-smartkyc-signature": ["a", "b"] },
            "body": "{}",
            "isBase64Encoded": false,
        });
        assert_eq!(values(&request(&event), "x-smartkyc-signature"), ["a", "b"]);
    }

    fn http_api(headers: serde_json::Value, body: &str, base64: bool) -> serde_json::Value {
        json!({
            "version": "2.0",
            "routeKey": "POST /webhooks/kaunt",
            "rawPath": "/webhooks/kaunt",
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "domainName": "example.execute-api.eu-west-1.amazonaws.com",
                "http": { "method": "POST", "path": "/webhooks/kaunt", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "t" },
                "requestId": "r", "routeKey": "POST /webhooks/kaunt", "stage": "$default", "timeEpoch": 0
            },
            "body": body,
            "isBase64Encoded": base64,
        })
    }

    #[test]
    fn events_lambda_http_panics_on_are_refused_not_fatal() {
        for event in [
            http_api(json!({ "x-forwarded-proto": "ht tp" }), "{}", false),
            http_api(json!({ "host": "exa mple.com" }), "{}", false),
            http_api(json!({}), "not base64!", true),
        ] {
            assert!(
                matches!(
                    read(&event.to_string()),
                    Ok(Converted::Unconvertible(RequestOrigin::ApiGatewayV2))
                ),
                "{event}"
            );
        }
    }

    #[test]
    fn an_event_with_more_headers_than_a_header_map_holds_fails_alone() {
        let headers: serde_json::Map<String, serde_json::Value> =
            (0..25_000).map(|n| (format!("x-h{n}"), json!("v"))).collect();
        let event = http_api(serde_json::Value::Object(headers), "{}", false);
        assert_eq!(read(&event.to_string()).unwrap_err(), UnreadableEvent);
        assert_eq!(read("{\"not\":\"an event\"}").unwrap_err(), UnreadableEvent);
        assert_eq!(read("[").unwrap_err(), UnreadableEvent);
    }
}
