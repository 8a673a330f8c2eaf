//! Where verified events go: one small function per kind of event. These
//! examples read the ids they need and log them; replace their bodies with
//! your own logic (fetch the resource from the provider's API, update your
//! records, …). Return an error to have the message retried and, in the
//! end, moved to the dead-letter queue.
//!
//! Every payload here is already verified; the types below name only the
//! fields the examples use, so new fields never break them.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use webhook_envelope::Envelope;

/// Why a handler could not process an event.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The payload lacks what the handler needs.
    #[error("{provider} payload does not have the expected shape")]
    UnexpectedPayload {
        /// Whose payload: the provider's name.
        provider: String,
    },
    /// Your logic failed; the message will be retried.
    #[error("handler failed: {0}")]
    Failed(String),
}

/// Which handler an envelope goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A Kravia case or invoice changed.
    KraviaUpdate,
    /// A Kaunt coding proposal is ready or failed.
    KauntProposal,
    /// A Kaunt Document AI result is ready or failed.
    KauntDocument,
    /// A receeve claim changed.
    ReceeveClaim,
    /// A Smart KYC submission changed.
    SmartKycSubmission,
    /// A Smart KYC AML result.
    SmartKycAml,
    /// Any Codat event.
    Codat,
    /// A GitHub push.
    GitHubPush,
    /// A GitHub pull request changed.
    GitHubPullRequest,
    /// Nothing handles it: acknowledged and logged.
    Unhandled,
}

/// The handler for an envelope: by provider and event type, and for
/// GitHub, whose body doesn't name its event, by the `x-github-event`
/// header the envelope carries unsigned. Routing by an unsigned header is
/// sound because the handler then reads the signed body, and a body that
/// isn't what the header says is acknowledged, not processed
/// (docs/queue.md, "Unsigned headers").
pub fn route(envelope: &Envelope) -> Route {
    let event_type = envelope.event_type.as_deref().unwrap_or_default();
    match (envelope.provider.as_str(), event_type) {
        ("kravia", _) => Route::KraviaUpdate,
        ("kaunt", "InvoiceCodingProposalProcessingCompleted" | "InvoiceCodingProposalProcessingFailed") => {
            Route::KauntProposal
        }
        ("kaunt", "DocumentAIDocumentResultReady" | "DocumentAIDocumentResultFailed") => Route::KauntDocument,
        ("receeve", _) if event_type.starts_with("event.claim.") => Route::ReceeveClaim,
        ("smartkyc", _) if event_type.starts_with("submission.") => Route::SmartKycSubmission,
        ("smartkyc", _) if event_type.starts_with("aml.") => Route::SmartKycAml,
        ("codat", _) => Route::Codat,
        ("github", _) => match envelope.unsigned_header("x-github-event") {
            Some("push") => Route::GitHubPush,
            Some("pull_request") => Route::GitHubPullRequest,
            _ => Route::Unhandled,
        },
        _ => Route::Unhandled,
    }
}

/// Sends an envelope to the handler [`route`] names. Unknown event types
/// are acknowledged and logged, not failed: a provider adding an event
/// type must not fill the dead-letter queue.
pub async fn dispatch(envelope: &Envelope) -> Result<(), HandlerError> {
    match route(envelope) {
        Route::KraviaUpdate => kravia_update(envelope),
        Route::KauntProposal => kaunt_proposal(envelope),
        Route::KauntDocument => kaunt_document(envelope),
        Route::ReceeveClaim => receeve_claim(envelope),
        Route::SmartKycSubmission => smartkyc_submission(envelope),
        Route::SmartKycAml => smartkyc_aml(envelope),
        Route::Codat => codat_event(envelope),
        Route::GitHubPush => github_push(envelope),
        Route::GitHubPullRequest => github_pull_request(envelope),
        Route::Unhandled => {
            tracing::info!(
                provider = %envelope.provider,
                event_type = envelope.event_type.as_deref().unwrap_or(""),
                event_id = %envelope.event_id,
                "no handler for this event type: acknowledged"
            );
            Ok(())
        }
    }
}

/// The payload as `T`, or `UnexpectedPayload`.
fn payload<T: DeserializeOwned>(envelope: &Envelope) -> Result<T, HandlerError> {
    serde_json::from_str(envelope.payload.get()).map_err(|_| HandlerError::UnexpectedPayload {
        provider: envelope.provider.clone(),
    })
}

/// Kravia only says what changed; the details are fetched from its API.
fn kravia_update(envelope: &Envelope) -> Result<(), HandlerError> {
    #[derive(Deserialize)]
    struct Body {
        data: Data,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        claim_id: Option<u64>,
        invoice_id: Option<u64>,
    }
    let body: Body = payload(envelope)?;
    tracing::info!(
        tenant = envelope.tenant.as_deref().unwrap_or(""),
        claim_id = body.data.claim_id,
        invoice_id = body.data.invoice_id,
        "kravia: fetch the case or invoice from Kravia's API here"
    );
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KauntNotification {
    id: String,
    url: String,
}

/// An invoice coding proposal is ready (or failed): GET its `Url`.
fn kaunt_proposal(envelope: &Envelope) -> Result<(), HandlerError> {
    let body: KauntNotification = payload(envelope)?;
    tracing::info!(proposal_id = %body.id, has_url = !body.url.is_empty(), "kaunt: GET the proposal at its Url here");
    Ok(())
}

/// A Document AI result is ready (or failed): GET its `Url`.
fn kaunt_document(envelope: &Envelope) -> Result<(), HandlerError> {
    let body: KauntNotification = payload(envelope)?;
    tracing::info!(document_id = %body.id, "kaunt: GET the document result at its Url here");
    Ok(())
}

/// A claim changed in receeve.
fn receeve_claim(envelope: &Envelope) -> Result<(), HandlerError> {
    #[derive(Deserialize)]
    struct Body {
        payload: Payload,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload {
        details: Details,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Details {
        claim_ref: Option<String>,
    }
    let body: Body = payload(envelope)?;
    tracing::info!(
        message_id = %envelope.event_id,
        has_claim_ref = body.payload.details.claim_ref.is_some(),
        "receeve: update the claim here"
    );
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmartKycEvent {
    data: SmartKycData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmartKycData {
    submission_id: Option<String>,
}

/// A KYC submission changed. Its payload carries personal data: log ids only.
fn smartkyc_submission(envelope: &Envelope) -> Result<(), HandlerError> {
    let body: SmartKycEvent = payload(envelope)?;
    tracing::info!(
        submission_id = body.data.submission_id.as_deref().unwrap_or(""),
        "smartkyc: update the customer's KYC status here"
    );
    Ok(())
}

/// An AML screening result. Personal data again: log ids only.
fn smartkyc_aml(envelope: &Envelope) -> Result<(), HandlerError> {
    let body: SmartKycEvent = payload(envelope)?;
    tracing::info!(
        submission_id = body.data.submission_id.as_deref().unwrap_or(""),
        "smartkyc: route the AML result to compliance here"
    );
    Ok(())
}

/// Codat: one consumer per event type is usual; here they share one.
fn codat_event(envelope: &Envelope) -> Result<(), HandlerError> {
    tracing::info!(
        event_id = %envelope.event_id,
        event_type = envelope.event_type.as_deref().unwrap_or(""),
        "codat: react to the event here"
    );
    Ok(())
}

/// A body that isn't the event its unsigned header names: GitHub never
/// sends one, so someone replayed a genuine body with another header.
/// Acknowledged, not retried (no retry makes it another event), and not
/// processed as what the header claims.
fn not_the_named_event(envelope: &Envelope, named: &str) -> Result<(), HandlerError> {
    tracing::warn!(
        event_id = %envelope.event_id,
        named,
        "github: the body is not the event x-github-event names (a replay with another header?): acknowledged, not processed"
    );
    Ok(())
}

/// A GitHub event's body: the JSON payload, or, for a hook set to the form
/// content type, the JSON in its `payload` parameter.
fn github_payload<T: DeserializeOwned>(envelope: &Envelope) -> Option<T> {
    match envelope.form_parameters() {
        Some(parameters) => {
            let (_, json) = parameters.into_iter().find(|(name, _)| name == "payload")?;
            serde_json::from_str(&json).ok()
        }
        None => payload(envelope).ok(),
    }
}

/// Commits were pushed: the branch and the commit it now points at.
fn github_push(envelope: &Envelope) -> Result<(), HandlerError> {
    #[derive(Deserialize)]
    struct Push {
        #[serde(rename = "ref")]
        reference: String,
        after: String,
    }
    let Some(push) = github_payload::<Push>(envelope) else {
        return not_the_named_event(envelope, "push");
    };
    tracing::info!(
        event_id = %envelope.event_id,
        is_branch = push.reference.starts_with("refs/heads/"),
        after = %push.after,
        "github: a push; build or deploy the commit here"
    );
    Ok(())
}

/// A pull request was opened, closed, synchronized, …
fn github_pull_request(envelope: &Envelope) -> Result<(), HandlerError> {
    #[derive(Deserialize)]
    struct PullRequestEvent {
        action: String,
        number: u64,
    }
    let Some(event) = github_payload::<PullRequestEvent>(envelope) else {
        return not_the_named_event(envelope, "pull_request");
    };
    tracing::info!(
        event_id = %envelope.event_id,
        action = %event.action,
        number = event.number,
        "github: a pull request changed; review or label it here"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn github(event: Option<&str>) -> Envelope {
        Envelope {
            provider: "github".to_owned(),
            event_type: None,
            event_id: "e".to_owned(),
            tenant: None,
            received_at: "2026-12-06T00:00:00Z".to_owned(),
            payload: serde_json::value::RawValue::from_string("{}".to_owned()).unwrap(),
            payload_format: None,
            unsigned: event.map(|event| BTreeMap::from([("x-github-event".to_owned(), event.to_owned())])),
        }
    }

    #[test]
    fn a_github_body_is_read_from_json_or_from_a_forms_payload_parameter() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Numbered {
            number: u64,
        }
        let mut json = github(Some("pull_request"));
        json.payload = serde_json::value::RawValue::from_string(r#"{"number":7}"#.to_owned()).unwrap();
        assert_eq!(github_payload::<Numbered>(&json), Some(Numbered { number: 7 }));
        let mut form = github(Some("pull_request"));
        form.payload =
            serde_json::value::RawValue::from_string(r#""payload=%7B%22number%22%3A7%7D""#.to_owned()).unwrap();
        form.payload_format = Some(webhook_envelope::FORM.to_owned());
        assert_eq!(github_payload::<Numbered>(&form), Some(Numbered { number: 7 }));
        form.payload = serde_json::value::RawValue::from_string(r#""other=1""#.to_owned()).unwrap();
        assert_eq!(github_payload::<Numbered>(&form), None);
    }

    #[test]
    fn github_events_are_routed_by_their_unsigned_header() {
        assert_eq!(route(&github(Some("push"))), Route::GitHubPush);
        assert_eq!(route(&github(Some("pull_request"))), Route::GitHubPullRequest);
        assert_eq!(route(&github(Some("ping"))), Route::Unhandled);
        assert_eq!(route(&github(None)), Route::Unhandled);
        // The header is GitHub's alone: another provider's is not read.
        let mut other = github(Some("push"));
        other.provider = "shopify".to_owned();
        assert_eq!(route(&other), Route::Unhandled);
    }
}
