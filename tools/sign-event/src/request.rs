//! A signed webhook request and the API Gateway event that carries it.

use webhook_receiver::internals::encode_base64;
use webhook_receiver::schemes::signing::{Message, Sign, SigningError};
use webhook_receiver::schemes::{AnyScheme, Preset, Scheme};

use crate::ToolError;

/// The URL the samples of presets that sign their URL (`{url}`, Square's)
/// are signed for: what `SIGNED_URL` must say for them to verify
/// (`scripts/local-run` sets it).
pub const SAMPLE_SIGNED_URL: &str = "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/square";

/// The scheme of the preset `name`, as a receiver whose `SIGNED_URL` is
/// `signed_url` makes it.
pub fn preset_scheme(name: &str, signed_url: &str) -> Result<AnyScheme, ToolError> {
    let preset = Preset::named(name).ok_or_else(|| ToolError::Usage(format!("no preset is called {name:?}")))?;
    preset
        .scheme(|setting| (setting == "SIGNED_URL").then(|| signed_url.to_owned()))
        .map_err(|problem| ToolError::Usage(format!("the {name} preset: {problem}")))
}

/// A webhook as its provider would send it: the body and the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// Which provider's function it is for: its name.
    pub provider: String,
    /// The exact body bytes (as text: every provider here sends JSON).
    pub body: String,
    /// Headers, lowercase names, in the order the provider sends them.
    pub headers: Vec<(String, String)>,
}

/// Signs `input` with `key` as `scheme`'s provider does, through the
/// scheme's signer (which alone knows the signature's headers): `input` is
/// the whole body, except the `data` object for Kravia and the `payload`
/// object for receeve, around which the provider builds the body. `key` is
/// the secret's text, or a PKCS#8 PEM private key for a public-key scheme;
/// `message` is the id and time a scheme signs beside the body.
pub fn sign(scheme: &AnyScheme, key: &str, input: &str, message: &Message<'_>) -> Result<SignedRequest, SigningError> {
    let signed = scheme.sign(key, input.as_bytes(), message)?;
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    headers.extend(signed.headers);
    Ok(SignedRequest {
        provider: scheme.provider().to_owned(),
        body: String::from_utf8(signed.body).map_err(|_| SigningError::NotJsonText)?,
        headers,
    })
}

/// How the event presents the request to the function.
#[derive(Debug, Clone, Default)]
pub struct EventOptions<'a> {
    /// The `{tenant}` path parameter, if the route has one.
    pub tenant: Option<&'a str>,
    /// Whether API Gateway base64-encoded the body.
    pub base64_body: bool,
    /// A request id, to tell events apart in logs.
    pub request_id: &'a str,
}

/// The API Gateway HTTP API (payload 2.0) event for a request on
/// `POST /webhooks/<provider>[/{tenant}]`. Deterministic, so generated
/// sample files don't change unless their inputs do.
pub fn api_gateway_event(request: &SignedRequest, options: &EventOptions<'_>) -> serde_json::Value {
    let provider = &request.provider;
    let (route, path) = match options.tenant {
        Some(tenant) => (
            format!("POST /webhooks/{provider}/{{tenant}}"),
            format!("/webhooks/{provider}/{tenant}"),
        ),
        None => (format!("POST /webhooks/{provider}"), format!("/webhooks/{provider}")),
    };
    let user_agent = format!("{provider}-webhooks/1.0");
    let mut headers = serde_json::Map::new();
    headers.insert("host".into(), "abc123.execute-api.eu-west-1.amazonaws.com".into());
    headers.insert("user-agent".into(), user_agent.clone().into());
    headers.insert("x-forwarded-for".into(), "203.0.113.10".into());
    headers.insert("x-forwarded-proto".into(), "https".into());
    for (name, value) in &request.headers {
        headers.insert(name.clone(), value.clone().into());
    }
    let body = if options.base64_body {
        encode_base64(request.body.as_bytes())
    } else {
        request.body.clone()
    };
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": user_agent,
            },
            "requestId": options.request_id,
            "routeKey": route,
            "stage": "$default",
            "time": "23/Nov/2026:04:00:00 +0000",
            "timeEpoch": 1_795_406_400_000_u64,
        },
        "body": body,
        "isBase64Encoded": options.base64_body,
    });
    if let (Some(tenant), Some(object)) = (options.tenant, event.as_object_mut()) {
        object.insert("pathParameters".into(), serde_json::json!({ "tenant": tenant }));
    }
    event
}
