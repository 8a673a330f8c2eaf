//! The one place an outcome becomes an HTTP answer: the 200 of a delivery
//! the queue holds, and a refusal's status (from [`ReceiveError::status`])
//! with a fixed phrase per status, so that nothing internal or secret can
//! leak through an answer.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};

use crate::error::ReceiveError;
use crate::schemes::handshake::ReplyBody;

/// The answer to a delivery SQS holds: 200 with its event id (the
/// provider's, or the body's SHA-256), so a provider's log can be matched
/// with ours.
pub(crate) fn accepted(event_id: &str) -> Response<Body> {
    let body = serde_json::json!({ "status": "accepted", "eventId": event_id });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// The answer a handshake expects: 200 with its body as plain text or
/// JSON (or none), and `X-Content-Type-Options: nosniff`, so that what it
/// echoes is never rendered as anything else by a browser that is sent
/// to the URL.
pub(crate) fn replied(reply: &ReplyBody) -> Response<Body> {
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    let built = match reply {
        ReplyBody::Empty => builder.body(Body::Empty),
        ReplyBody::Text(text) => builder
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::Text(text.clone())),
        ReplyBody::Json(json) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::Text(json.clone())),
    };
    built.unwrap_or_else(|_| Response::new(Body::Empty))
}

/// The answer to a refused or failed delivery: its status, `Allow` on a
/// 405, `Retry-After` on a 503, and the status's fixed phrase.
pub fn refused(error: &ReceiveError) -> Response<Body> {
    let status = error.status();
    let body = serde_json::json!({ "status": "rejected", "error": public_message(error) });
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

/// What a caller reads of a refusal: one phrase per status, never the
/// error's detail.
fn public_message(error: &ReceiveError) -> &'static str {
    match error {
        ReceiveError::MethodNotAllowed(_) => "only POST is accepted",
        ReceiveError::SourceNotAllowed(_) | ReceiveError::HandshakeRefused => "forbidden",
        ReceiveError::BodyTooLarge { .. } | ReceiveError::EnvelopeTooLarge { .. } => "body too large",
        ReceiveError::Malformed(_) => "malformed body",
        ReceiveError::Unauthenticated(_) => "signature missing or invalid",
        ReceiveError::KeysUnavailable(_)
        | ReceiveError::QueueUnavailable(_)
        | ReceiveError::EventBusUnavailable(_)
        | ReceiveError::PayloadStoreUnavailable(_)
        | ReceiveError::OutOfTime(_) => "temporarily unavailable, retry later",
        ReceiveError::Misconfigured(_) => "internal error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::VerifyError;

    fn text(response: &Response<Body>) -> &str {
        let Body::Text(text) = response.body() else {
            panic!("expected text")
        };
        text
    }

    #[test]
    fn a_401_says_nothing_about_why() {
        let response = refused(&ReceiveError::Unauthenticated(VerifyError::StaleTimestamp(900)));
        assert_eq!(
            text(&response),
            r#"{"error":"signature missing or invalid","status":"rejected"}"#
        );
    }

    #[test]
    fn internal_detail_never_reaches_the_caller() {
        let response = refused(&ReceiveError::Misconfigured("SECRET_ID is not set".into()));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!text(&response).contains("SECRET_ID"));
    }

    #[test]
    fn a_handshakes_echo_is_plain_text_never_sniffed() {
        let response = replied(&ReplyBody::Text("1158201444".into()));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
        assert_eq!(response.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(text(&response), "1158201444");
        let empty = replied(&ReplyBody::Empty);
        assert_eq!(empty.body(), &Body::Empty);
        assert_eq!(empty.headers().get(header::CONTENT_TYPE), None);
    }

    #[test]
    fn a_405_says_what_is_allowed_and_a_503_when_to_retry() {
        let method = refused(&ReceiveError::MethodNotAllowed("GET"));
        assert_eq!(method.headers()[header::ALLOW], "POST");
        let unavailable = refused(&ReceiveError::QueueUnavailable("throttled".into()));
        assert_eq!(unavailable.headers()[header::RETRY_AFTER], "5");
        assert!(!text(&unavailable).contains("throttled"));
    }
}
