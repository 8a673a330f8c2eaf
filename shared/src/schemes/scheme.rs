//! The trait every provider's scheme implements, and what a verified
//! delivery says about itself.

use super::delivery::Delivery;
use super::handshake::{Handshake, Reply};
use super::keys::Stage;
use crate::error::ReceiveError;

/// A provider's signature scheme, split in the three steps every scheme
/// shares so that the receiver can try several keys without re-reading the
/// request, and so that an unauthenticated body is never interpreted:
/// [`Scheme::claim`] reads what the request says about itself (failing 400
/// or 401), [`Scheme::verify`] checks it against one key, and
/// [`Scheme::describe`] reads the event's type and id once it is trusted.
pub trait Scheme: Send + Sync + 'static {
    /// Key material, parsed once per secret fetch.
    type Key: Send + Sync + 'static;
    /// What a request claims: signature and signed bytes, borrowed from it.
    type Claim<'r>: Send + Sync;

    /// The name of the provider this scheme belongs to: the envelope's
    /// `provider`. A method, not a constant, so that [`crate::schemes::AnyScheme`]
    /// (whichever `PROVIDER` names) and a custom provider's scheme
    /// (`PROVIDER_NAME`) are schemes too.
    fn provider(&self) -> &str;

    /// The headers that carry the signature and what it signs beside the
    /// body, lower case: what a refused delivery's quarantine record keeps
    /// of its headers (and nothing else).
    fn signature_headers(&self) -> &[String];

    /// The headers the provider sends beside the signature, unsigned, that
    /// its consumers route or deduplicate by (GitHub's `x-github-event`),
    /// lower case: carried in the envelope's `unsigned` member, never in
    /// what the signature proves. None unless the scheme names some.
    fn unsigned_headers(&self) -> &[String] {
        &[]
    }

    /// The handshakes the provider sends to check the URL, which are
    /// answered rather than (or, where they say, as well as) queued. None
    /// unless the scheme describes some.
    fn handshakes(&self) -> &[Handshake] {
        &[]
    }

    /// The HMAC of `message` with `key`, for a handshake whose answer is
    /// one (Zoom's `encryptedToken`); `None` for a key that isn't an HMAC
    /// key.
    fn mac(&self, _key: &Self::Key, _message: &[u8]) -> Option<Vec<u8>> {
        None
    }

    /// Parses one key's text from the secret. The error says what is wrong
    /// and never repeats the text.
    fn parse_key(&self, text: &str) -> Result<Self::Key, String>;

    /// Reads the signature and the signed material out of a request.
    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<Self::Claim<'r>, ReceiveError>;

    /// Whether `key` made this claim's signature. Constant time in the
    /// signature's content. Called once per key a route may use, so any
    /// work that doesn't depend on the key belongs in [`Scheme::claim`]:
    /// then a request tried against a hundred keys costs about what one
    /// tried against one does.
    fn verify(&self, claim: &Self::Claim<'_>, key: &Self::Key) -> bool;

    /// The event's type and id, from a claim that has been verified.
    fn describe(&self, claim: &Self::Claim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError>;
}

/// What a verified body says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFacts {
    /// The provider's event type, if the body names one.
    pub event_type: Option<String>,
    /// The provider's own event id, if it has one.
    pub event_id: Option<String>,
    /// What to queue as the payload when the scheme signs only part of the
    /// body (Kravia, receeve): the signed parts alone, rebuilt, so that no
    /// unsigned member of the body reaches a consumer. `None` when the body
    /// is signed whole and is queued as it came.
    pub signed_payload: Option<String>,
    /// Whether the payload is a form body's text, a JSON string (the
    /// envelope's `payloadFormat`), rather than the body's JSON.
    pub form: bool,
}

/// A delivery that a key verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The id of the key that verified it, if keys have ids.
    pub tenant: Option<String>,
    /// Which secret version that key came from.
    pub stage: Stage,
    /// The event's type and id.
    pub facts: EventFacts,
    /// The answer, when the delivery is one of the scheme's signed
    /// handshakes (and whether it is queued all the same).
    pub reply: Option<Reply>,
}
