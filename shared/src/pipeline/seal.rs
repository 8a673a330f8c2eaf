//! The step both paths share, with nothing but CPU in it: a claim tried
//! against the keys and, once one verifies it, the envelope of what the
//! signature covers. [`receive_offline`] is the whole request → message
//! path with the network taken out, which the release function, the fuzz
//! targets and the benchmarks run.

use std::time::SystemTime;

use function_support::time::rfc3339;
use lambda_http::Request;
use serde_json::value::RawValue;
use webhook_envelope::{Envelope, FORM};

use super::screen::{screen, Screened};
use super::unsigned;
use crate::aws::destination::Outgoing;
use crate::codec::encoding::sha256_hex;
use crate::codec::json::reader::without_bom;
use crate::config::Settings;
use crate::error::ReceiveError;
use crate::schemes::delivery::Delivery;
use crate::schemes::handshake::Reply;
use crate::schemes::keys::{KeyRing, Stage};
use crate::schemes::{verify_claim, Deadline, Scheme, Verified};

/// The whole request → message path with the network taken out: `keys`
/// stand in for the key cache, and the SQS message (or bus entry) is built
/// but not sent.
/// [`crate::Receiver::handle`] runs these same steps with the cache and the queue
/// around them; fuzz targets and benchmarks run them alone.
pub fn receive_offline<S: Scheme>(
    scheme: &S,
    settings: &Settings,
    request: &Request,
    keys: &KeyRing<S::Key>,
    now: SystemTime,
) -> Result<Received, ReceiveError> {
    let Screened { delivery, claim } = screen(scheme, settings, request, now)?;
    let Sealed { envelope, reply, .. } = seal(scheme, &claim, &delivery, keys, Deadline::None)?;
    let message = Outgoing::for_settings(&envelope, settings)?;
    Ok(Received {
        envelope,
        message,
        reply,
    })
}

/// What [`receive_offline`] makes of a verified delivery.
#[derive(Debug)]
pub struct Received {
    /// Its envelope.
    pub envelope: Envelope,
    /// The message (or bus entry) that carries it.
    pub message: Outgoing,
    /// The answer, when it is a signed handshake: then it is queued only
    /// if the answer says so.
    pub reply: Option<Reply>,
}

impl Received {
    /// Whether the receiver queues it: every delivery but a handshake
    /// that is only answered.
    pub fn queued(&self) -> bool {
        self.reply.as_ref().is_none_or(|reply| reply.queue)
    }
}

/// A verified delivery, ready to queue.
#[derive(Debug)]
pub struct Sealed {
    /// What goes on the queue.
    pub envelope: Envelope,
    /// The stage of the key that verified it, for the log.
    pub stage: Stage,
    /// The answer, when the delivery is a signed handshake (which is
    /// queued only if the handshake says so).
    pub reply: Option<Reply>,
}

/// The one step both paths share, with nothing but CPU in it: tries the
/// claim against `keys` and, when one verifies it, builds the envelope of
/// what the signature covers.
pub fn seal<S: Scheme>(
    scheme: &S,
    claim: &S::Claim<'_>,
    delivery: &Delivery<'_>,
    keys: &KeyRing<S::Key>,
    deadline: Deadline,
) -> Result<Sealed, ReceiveError> {
    let mut verified = verify_claim(scheme, claim, delivery, keys, deadline)?;
    let stage = verified.stage;
    let reply = verified.reply.take();
    Ok(Sealed {
        envelope: envelope_for(scheme.provider(), scheme.unsigned_headers(), verified, delivery)?,
        stage,
        reply,
    })
}

/// The envelope for a delivery a key verified. Its payload is what the
/// signature covers: the body, when it is signed whole (which must be JSON:
/// a header-signed body is verified before it is parsed, so this is where a
/// signed non-JSON body becomes a 400), or the signed parts the scheme
/// rebuilt, or a form's text as a JSON string (marked `payloadFormat`:
/// `"form"`). A leading byte order mark is not JSON and is not kept. The
/// `unsigned_headers` the scheme names travel beside it, apart.
pub fn envelope_for(
    provider: &str,
    unsigned_headers: &[String],
    verified: Verified,
    delivery: &Delivery<'_>,
) -> Result<Envelope, ReceiveError> {
    let not_json = |_| ReceiveError::Malformed("body is not JSON");
    let form = verified.facts.form;
    let payload: Box<RawValue> = match verified.facts.signed_payload {
        Some(signed) => RawValue::from_string(signed).map_err(not_json)?,
        None => serde_json::from_slice(without_bom(delivery.body)).map_err(not_json)?,
    };
    Ok(Envelope {
        provider: provider.to_owned(),
        event_type: verified.facts.event_type,
        event_id: verified.facts.event_id.unwrap_or_else(|| sha256_hex(delivery.body)),
        tenant: verified.tenant,
        received_at: rfc3339(delivery.now),
        payload,
        payload_format: form.then(|| FORM.to_owned()),
        unsigned: unsigned::unsigned_headers(unsigned_headers, delivery.headers),
    })
}
