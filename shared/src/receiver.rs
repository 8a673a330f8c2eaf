//! The pipeline every function runs: check, verify, enqueue, answer.

use std::time::{Instant, SystemTime};

use aws_config::SdkConfig;
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde_json::value::RawValue;

pub use crate::aws::AwsClients;
use crate::defences::{check_source, RequiredHeader};
use crate::delivery::{method_name, route_tenant, Delivery};
use crate::encoding::sha256_hex;
use crate::envelope::Envelope;
use crate::error::{self, ReceiveError, VerifyError};
use crate::json::reader::without_bom;
use crate::keys::{KeyRing, Stage};
use crate::metrics::request_line;
use crate::quarantine::{Kept, Quarantine, QuarantinedDelivery};
use crate::queue::{OutgoingMessage, QueuePublisher};
use crate::schemes::{verify_claim, Deadline, Scheme, Verified};
use crate::secret_cache::SecretCache;
use crate::settings::Settings;
use crate::time::rfc3339;

/// One provider's receiver: its scheme, settings, cached keys and queue.
/// Built once per process; [`Receiver::handle`] serves every request.
pub struct Receiver<S: Scheme> {
    scheme: S,
    settings: Settings,
    keys: SecretCache<S::Key>,
    queue: QueuePublisher,
    /// `REQUIRED_HEADER`, when it is set.
    required_header: Option<RequiredHeader>,
    /// Where deliveries refused for their key are kept, when
    /// `QUARANTINE_BUCKET` is set.
    quarantine: Option<Quarantine>,
}

/// What an accepted delivery produced.
struct Accepted {
    sealed: Sealed,
    message_id: String,
}

impl<S: Scheme> Receiver<S> {
    /// A receiver using the AWS clients `aws` describes.
    pub fn new(scheme: S, settings: Settings, aws: &SdkConfig) -> Self {
        Self::with_clients(scheme, settings, AwsClients::new(aws))
    }

    /// A receiver with its clients given one by one.
    pub fn with_clients(scheme: S, settings: Settings, clients: AwsClients) -> Self {
        let AwsClients { secrets, sqs, s3 } = clients;
        let required_header = RequiredHeader::for_settings(&secrets, &settings);
        let keys = SecretCache::for_settings(secrets, settings.secret_id.clone(), &settings);
        let queue = QueuePublisher::for_settings(sqs, &settings);
        let quarantine = settings
            .quarantine
            .as_ref()
            .map(|quarantine| Quarantine::new(s3, quarantine.bucket.clone(), quarantine.writes_per_second));
        Receiver {
            scheme,
            settings,
            keys,
            queue,
            required_header,
            quarantine,
        }
    }

    /// The work a cold start should do before its first request, so that
    /// the request doesn't pay for it: fetch the keys (and the required
    /// header's values) and open the connection to SQS, all at once, within
    /// `INIT_WARM_UP_MS` (0: not at all). Best effort: whatever fails or
    /// runs out of time is logged and left to the first request, so init
    /// never fails because AWS is unreachable.
    pub async fn warm_up(&self) {
        let budget = self.settings.warm_up_budget;
        if budget.is_zero() {
            return;
        }
        let started = Instant::now();
        let provider = self.scheme.provider();
        let keys = self.keys.prefetch(|text| self.scheme.parse_key(text));
        let header_values = async {
            match &self.required_header {
                Some(required) => required.prefetch().await,
                None => Ok(()),
            }
        };
        let queue = self.queue.connect();
        match tokio::time::timeout(budget, async { tokio::join!(keys, header_values, queue) }).await {
            Ok((keys, header_values, queue)) => {
                if let Err(error) = keys {
                    tracing::warn!(provider, error = %error, "keys not fetched at init; the first request will try");
                }
                if let Err(error) = header_values {
                    tracing::warn!(provider, error = %error, "required header's values not fetched at init; the first request will try");
                }
                if let Err(error) = queue {
                    tracing::warn!(provider, error = %error, "SQS warm-up call failed; the first request opens the connection if it isn't");
                }
            }
            Err(_) => tracing::warn!(
                provider,
                budget_ms = budget.as_millis() as u64,
                "init warm-up ran out of time"
            ),
        }
        tracing::info!(provider, elapsed_ms = started.elapsed().as_millis() as u64, "warmed up");
    }

    /// Answers one request: 200 once SQS holds the envelope, otherwise the
    /// error's status. Never panics, whatever the request holds. Logs one
    /// line per request with ids, outcome and timing — never the body, a
    /// signature or a key.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let received = SystemTime::now();
        let namespace = &self.settings.metrics_namespace;
        let line = |outcome, level_message, kept| {
            request_line(
                namespace,
                self.scheme.provider(),
                outcome,
                level_message,
                received,
                started.elapsed(),
                kept,
            )
            .field("body_bytes", request.body().len())
        };
        match self.receive(&request, received, started).await {
            Ok(accepted) => {
                let envelope = &accepted.sealed.envelope;
                line("accepted", ("INFO", "accepted"), None)
                    .field("status", 200)
                    .field("event_id", envelope.event_id.as_str())
                    .field("event_type", envelope.event_type.as_deref().unwrap_or(""))
                    .field("tenant", envelope.tenant.as_deref().unwrap_or(""))
                    .field("key_stage", accepted.sealed.stage.label())
                    .field("message_id", accepted.message_id.as_str())
                    .write();
                error::accepted(&envelope.event_id, accepted.sealed.challenge.as_deref())
            }
            Err(error) => {
                let kept = self.keep_if_refused_for_key(&error, &request, received, started).await;
                let (level_message, detail) = if error.needs_operator() {
                    (("ERROR", "not accepted"), "error")
                } else {
                    (("WARN", "rejected"), "reason")
                };
                line(error.outcome(), level_message, kept.as_ref())
                    .field("status", error.status().as_u16())
                    .field(detail, error.to_string())
                    .write();
                error.into_response()
            }
        }
    }

    /// Keeps a delivery refused for its key in the quarantine, with what is
    /// left of the request's deadline; `None` when it isn't one to keep or
    /// there is no quarantine. A failure is logged; the answer stays.
    async fn keep_if_refused_for_key(
        &self,
        error: &ReceiveError,
        request: &Request,
        received: SystemTime,
        started: Instant,
    ) -> Option<Kept> {
        let (quarantine, reason) = (self.quarantine.as_ref()?, error.refused_for_key()?);
        let delivery = QuarantinedDelivery::of(
            self.scheme.provider(),
            self.scheme.signature_headers(),
            request,
            reason,
            received,
        );
        let time_left = self.settings.request_deadline.saturating_sub(started.elapsed());
        let kept = quarantine.keep(&delivery, time_left).await;
        if let Kept::Failed(problem) = &kept {
            tracing::error!(provider = self.scheme.provider(), error = %problem, "quarantine write failed");
        }
        Some(kept)
    }

    /// [`Receiver::accept`] within `REQUEST_DEADLINE_MS`. Past it, the
    /// answer is a 503: a `SendMessage` cut short may still have landed,
    /// which makes the provider's retry a duplicate, never a loss.
    async fn receive(
        &self,
        request: &Request,
        received: SystemTime,
        started: Instant,
    ) -> Result<Accepted, ReceiveError> {
        let limit = self.settings.request_deadline;
        // The timer stops waiting on AWS; the key loop checks the same
        // deadline between keys, since no timer interrupts CPU work; the
        // quarantine's write gets what is left of it, from the same start.
        let deadline = Deadline::after(started, limit);
        tokio::time::timeout(limit, self.accept(request, received, deadline))
            .await
            .map_err(|_| ReceiveError::OutOfTime(limit))?
    }

    async fn accept(
        &self,
        request: &Request,
        received: SystemTime,
        deadline: Deadline,
    ) -> Result<Accepted, ReceiveError> {
        let Screened { delivery, claim } = screen(&self.scheme, &self.settings, request, received)?;
        let sent_header = match &self.required_header {
            Some(required) => Some((required, required.sent(&delivery)?)),
            None => None,
        };
        let parse_key = |text: &str| self.scheme.parse_key(text);
        // The required header's values and the keys come from two secrets:
        // fetched at once, so a cold cache costs one round trip, not two.
        // (So a request with the header present but wrong may fetch the
        // keys too when their cache is cold: no more than a genuine
        // delivery's fetch, and cached like it.)
        let header = async {
            match sent_header {
                Some((required, sent)) => required.check(sent, delivery.now).await,
                None => Ok(()),
            }
        };
        let (header, keys) = tokio::join!(header, self.keys.keys(parse_key));
        header?;
        let keys = keys?;
        let seal = |keys: &KeyRing<S::Key>| seal(&self.scheme, &claim, &delivery, keys, deadline);
        let sealed = match seal(&keys) {
            Err(miss @ ReceiveError::Unauthenticated(VerifyError::Mismatch | VerifyError::UnknownTenant)) => {
                match self.keys.refresh(&keys, parse_key).await? {
                    Some(fresh) => seal(&fresh)?,
                    None => return Err(miss),
                }
            }
            result => result?,
        };
        let message_id = self.queue.publish(&sealed.envelope).await?;
        Ok(Accepted { sealed, message_id })
    }
}

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
/// (413), and a readable signature (400/401). Public, with
/// [`envelope_for`], so that the fuzz targets drive the very code the
/// receiver runs.
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
    if body.len() > settings.max_body_bytes {
        return Err(ReceiveError::BodyTooLarge {
            size: body.len(),
            limit: settings.max_body_bytes,
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

/// The whole request → message path with the network taken out: `keys`
/// stand in for the key cache, and the SQS message is built but not sent.
/// [`Receiver::handle`] runs these same steps with the cache and the queue
/// around them; fuzz targets and benchmarks run them alone.
pub fn receive_offline<S: Scheme>(
    scheme: &S,
    settings: &Settings,
    request: &Request,
    keys: &KeyRing<S::Key>,
    now: SystemTime,
) -> Result<(Envelope, OutgoingMessage), ReceiveError> {
    let Screened { delivery, claim } = screen(scheme, settings, request, now)?;
    let Sealed { envelope, .. } = seal(scheme, &claim, &delivery, keys, Deadline::None)?;
    let message = OutgoingMessage::new(&envelope, settings.fifo_queue())?;
    Ok((envelope, message))
}

/// A verified delivery, ready to queue.
#[derive(Debug)]
pub struct Sealed {
    /// What goes on the queue.
    pub envelope: Envelope,
    /// The stage of the key that verified it, for the log.
    pub stage: Stage,
    /// What the answer echoes, when the scheme says (Slack's challenge).
    pub challenge: Option<String>,
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
    let challenge = verified.facts.challenge.take();
    Ok(Sealed {
        envelope: envelope_for(scheme.provider(), verified, delivery)?,
        stage,
        challenge,
    })
}

/// The envelope for a delivery a key verified. Its payload is what the
/// signature covers: the body, when it is signed whole (which must be JSON:
/// a header-signed body is verified before it is parsed, so this is where a
/// signed non-JSON body becomes a 400), or the signed parts the scheme
/// rebuilt. A leading byte order mark is not JSON and is not kept.
pub fn envelope_for(provider: &str, verified: Verified, delivery: &Delivery<'_>) -> Result<Envelope, ReceiveError> {
    let not_json = |_| ReceiveError::Malformed("body is not JSON");
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
    })
}
