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

/// Sends an envelope to the handler for its provider and event type.
/// Unknown event types are acknowledged and logged, not failed: a provider
/// adding an event type must not fill the dead-letter queue.
pub async fn dispatch(envelope: &Envelope) -> Result<(), HandlerError> {
    let event_type = envelope.event_type.as_deref().unwrap_or_default();
    match (envelope.provider.as_str(), event_type) {
        ("kravia", _) => kravia_update(envelope),
        ("kaunt", "InvoiceCodingProposalProcessingCompleted" | "InvoiceCodingProposalProcessingFailed") => {
            kaunt_proposal(envelope)
        }
        ("kaunt", "DocumentAIDocumentResultReady" | "DocumentAIDocumentResultFailed") => kaunt_document(envelope),
        ("receeve", _) if event_type.starts_with("event.claim.") => receeve_claim(envelope),
        ("smartkyc", _) if event_type.starts_with("submission.") => smartkyc_submission(envelope),
        ("smartkyc", _) if event_type.starts_with("aml.") => smartkyc_aml(envelope),
        ("codat", _) => codat_event(envelope),
        (provider, _) => {
            tracing::info!(%provider, event_type, event_id = %envelope.event_id, "no handler for this event type: acknowledged");
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
