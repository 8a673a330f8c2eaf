//! Requests as `lambda_http` delivers them, built from real event JSON.

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_http::Request;
use serde_json::{json, Value};
use sign_event::{api_gateway_event, render_at, EventOptions, Message, Sample, SignedRequest, TestKeys};
use webhook_receiver::internals::encode_base64;
use webhook_receiver::internals::read_event;

use super::preset;

/// The documented test keys.
pub fn test_keys() -> TestKeys {
    TestKeys::new(super::workspace_dir().join("events/test-keys"))
}

/// Now, in Unix seconds.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Reads event JSON the way the receivers do ([`read_event`]).
pub fn from_event(event: &Value) -> Request {
    read_event(&event.to_string()).unwrap().into_request().unwrap()
}

/// A sample event from `events/`, signed now (as `scripts/local-run` sends
/// it), so that a signed timestamp is fresh.
pub fn sample(sample: &Sample) -> Request {
    let event: Value = serde_json::from_str(&render_at(sample, &test_keys(), now()).unwrap()).unwrap();
    from_event(&event)
}

/// `input` signed with the provider's test key, as an HTTP API event.
pub fn signed(provider: &str, input: &str, tenant: Option<&str>) -> SignedRequest {
    let key = test_keys().signing_key(provider, tenant).unwrap();
    signed_with(provider, &key, input, "msg_test_1")
}

/// The same Kravia `data` from the two test creditors, `acme` and
/// `globex`, each signed with its own key, on a route without a tenant:
/// two events with one event id.
pub fn same_data_from_two_creditors(data: &str) -> [Request; 2] {
    ["acme", "globex"].map(|tenant| http_api(&signed("kravia", data, Some(tenant)), None))
}

/// `input` signed with `key` (with this message id, timestamped now,
/// where the scheme signs those).
pub fn signed_with(provider: &str, key: &str, input: &str, message_id: &str) -> SignedRequest {
    let options = Message {
        id: message_id,
        timestamp: now(),
    };
    sign_event::sign(&preset(provider), key, input, &options).unwrap()
}

/// A Codat delivery of `body` with message id `id`, signed at `timestamp`
/// with the test key.
pub fn codat_signed_at(id: &str, timestamp: u64, body: &str) -> SignedRequest {
    let key = test_keys().secret("codat").unwrap();
    let options = Message { id, timestamp };
    sign_event::sign(&preset("codat"), key.trim(), body, &options).unwrap()
}

/// An API Gateway HTTP API (2.0) event for `request`.
pub fn http_api(request: &SignedRequest, tenant: Option<&str>) -> Request {
    from_event(&http_api_json(request, tenant, false))
}

/// The event JSON, to alter before parsing.
pub fn http_api_json(request: &SignedRequest, tenant: Option<&str>, base64_body: bool) -> Value {
    api_gateway_event(
        request,
        &EventOptions {
            tenant,
            base64_body,
            request_id: "integration-test",
        },
    )
}

fn header_map(request: &SignedRequest) -> serde_json::Map<String, Value> {
    request
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.clone())))
        .collect()
}

/// An API Gateway REST API (1.0) event, body base64-encoded, header names
/// in mixed case.
pub fn rest_api(request: &SignedRequest, tenant: &str) -> Request {
    from_event(&rest_api_json(request, tenant))
}

/// The REST API event JSON, to alter before reading.
pub fn rest_api_json(request: &SignedRequest, tenant: &str) -> Value {
    let headers: serde_json::Map<String, Value> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_uppercase(), Value::from(value.clone())))
        .collect();
    let multi: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(name, value)| (name.clone(), json!([value])))
        .collect();
    json!({
        "resource": "/webhooks/{provider}/{tenant}",
        "path": format!("/webhooks/{}/{tenant}", request.provider),
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": { "tenant": tenant },
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "abc",
            "stage": "prod",
            "requestId": "rest-1",
            "identity": { "sourceIp": "203.0.113.10" },
            "resourcePath": "/webhooks/{provider}/{tenant}",
            "httpMethod": "POST",
            "apiId": "abc123",
            "path": format!("/prod/webhooks/{}/{tenant}", request.provider),
        },
        "body": encode_base64(request.body.as_bytes()),
        "isBase64Encoded": true,
    })
}

/// A Lambda function URL event: no route parameters; a `tenant` query
/// parameter selects the key.
pub fn function_url(request: &SignedRequest, tenant: Option<&str>) -> Request {
    let query = tenant.map(|t| format!("tenant={t}")).unwrap_or_default();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": query,
        "headers": header_map(request),
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghijklmnop",
            "domainName": "abcdefghijklmnop.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abcdefghijklmnop",
            "http": { "method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "test" },
            "requestId": "url-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "23/Nov/2026:04:00:00 +0000",
            "timeEpoch": 1_795_406_400_000_u64,
        },
        "body": encode_base64(request.body.as_bytes()),
        "isBase64Encoded": true,
    });
    if let Some(tenant) = tenant {
        event["queryStringParameters"] = json!({ "tenant": tenant });
    }
    from_event(&event)
}

/// An Application Load Balancer event.
pub fn alb(request: &SignedRequest) -> Request {
    from_event(&alb_json(request))
}

/// The ALB event JSON, to alter before reading.
pub fn alb_json(request: &SignedRequest) -> Value {
    json!({
        "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/webhooks/0123456789abcdef" } },
        "httpMethod": "POST",
        "path": format!("/webhooks/{}", request.provider),
        "queryStringParameters": {},
        "headers": header_map(request),
        "body": request.body,
        "isBase64Encoded": false,
    })
}

/// Delivery `n` of `provider`: a genuine one with its own event id, as
/// API Gateway event JSON, for tests that send thousands.
pub fn numbered(provider: &str, n: usize) -> Value {
    let keys = test_keys();
    let tenant = (provider == "kravia").then_some("acme");
    let key = keys.signing_key(provider, tenant).unwrap();
    let input = match provider {
        "kravia" => format!(r#"{{"timestamp":{n},"eventType":"CaseUpdate","claimId":{n}}}"#),
        "receeve" => {
            format!(r#"{{"details":{{"messageType":"event.claim.updated.v1"}},"messageId":"soak-{n}"}}"#)
        }
        "smartkyc" => format!(r#"{{"event":"submission.updated","data":{{"submissionId":"soak-{n}"}}}}"#),
        "codat" => format!(r#"{{"eventType":"read.completed","n":{n}}}"#),
        _ => format!(r#"{{"Id":"soak-{n}","EventType":"ModelReady"}}"#),
    };
    let signed = signed_with(provider, &key, &input, &format!("msg_soak_{n}"));
    http_api_json(&signed, tenant, false)
}

/// A Kaunt body of about `bytes` bytes: rows of an export, with non-ASCII
/// text and escapes that an envelope must keep byte for byte.
pub fn large_kaunt_body(id: &str, bytes: usize) -> String {
    let row = r#"{"Text":"Zoë \u00e9t\u00e9 \"quoted\" ✓","Amount":1.50},"#;
    let rows = row.repeat(bytes / row.len());
    format!(
        r#"{{"Id":"{id}","EventType":"ModelReady","Rows":[{}]}}"#,
        rows.trim_end_matches(',')
    )
}

/// An HTTP API event for a request without a body, as a provider checks a
/// URL: `method` (`GET`, `HEAD`) on `provider`'s route with `query`.
pub fn unsigned_handshake_json(provider: &str, method: &str, query: &[(&str, &str)]) -> Value {
    let unsigned = SignedRequest {
        provider: provider.to_owned(),
        body: String::new(),
        headers: Vec::new(),
    };
    let mut event = http_api_json(&unsigned, None, false);
    let raw: Vec<String> = query
        .iter()
        .map(|(name, value)| format!("{}={}", url_encoded(name), url_encoded(value)))
        .collect();
    let mut parameters = serde_json::Map::new();
    for (name, value) in query {
        parameters.insert((*name).to_owned(), Value::from(*value));
    }
    event["rawQueryString"] = Value::from(raw.join("&"));
    event["queryStringParameters"] = Value::Object(parameters);
    event["requestContext"]["http"]["method"] = Value::from(method);
    event["routeKey"] = Value::from(format!("ANY /webhooks/{provider}"));
    event
}

/// `text` percent-encoded for a query string, every byte but unreserved
/// ones.
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
