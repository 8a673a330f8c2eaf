//! One provider's receiver: the request's steps in order (screen, keys,
//! verify and seal, enqueue), within the request's deadline, answered and
//! logged in one line.

use std::time::{Instant, SystemTime};

use aws_config::SdkConfig;
use lambda_http::{Body, Request, RequestExt, Response};
use webhook_envelope::Envelope;

use super::answer;
use super::defences::{check_source, AcceptedValues, RequiredHeaderCheck};
use super::keep::{Kept, Quarantine};
use super::request_line::{request_line, Fate};
use super::screen::{screen, Screened};
use super::seal::{seal, Sealed};
use crate::aws::destination::{Outgoing, Published, Publisher};
use crate::aws::quarantine::{QuarantineStore, QuarantinedDelivery, RefusalReason, Stored};
use crate::aws::secret_cache::SecretCache;
use crate::aws::AwsClients;
use crate::config::Settings;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::handshake::{self, Reply, Seen};
use crate::schemes::keys::{KeyRing, Stage};
use crate::schemes::{Deadline, Scheme};

/// One provider's receiver: its scheme, settings, cached keys and
/// destination (the queue or the bus).
/// Built once per process; [`Receiver::handle`] serves every request.
pub struct Receiver<S: Scheme> {
    scheme: S,
    settings: Settings,
    keys: SecretCache<S::Key>,
    destination: Publisher,
    /// `REQUIRED_HEADER`, when it is set.
    required_header: Option<RequiredHeaderCheck>,
    /// Where deliveries refused for their key are kept, when
    /// `QUARANTINE_BUCKET` is set.
    quarantine: Option<Quarantine>,
    /// `VERIFY_TOKEN_SECRET_ID`'s token, when it is set.
    verify_token: Option<AcceptedValues>,
}

/// What became of a request that wasn't refused.
enum Done {
    /// Queued (and, for a handshake that says so, answered as it expects).
    Queued(Accepted),
    /// A handshake, answered; nothing queued.
    Answered(Reply),
}

/// What an accepted delivery produced, for its answer and its log line:
/// the envelope's ids, not its payload, which is let go as soon as its
/// message is made (a large body's copies are what a large delivery costs).
struct Accepted {
    event_id: String,
    event_type: Option<String>,
    tenant: Option<String>,
    stage: Stage,
    /// The answer a queued handshake expects (Discord's deferral).
    reply: Option<Reply>,
    published: Published,
}

impl<S: Scheme> Receiver<S> {
    /// A receiver using the AWS clients `aws` describes.
    pub fn new(scheme: S, settings: Settings, aws: &SdkConfig) -> Self {
        Self::with_clients(scheme, settings, AwsClients::new(aws))
    }

    /// A receiver with its clients given one by one.
    pub fn with_clients(scheme: S, settings: Settings, clients: AwsClients) -> Self {
        let destination = Publisher::for_settings(&clients, &settings);
        let AwsClients { secrets, s3, .. } = clients;
        let required_header = RequiredHeaderCheck::for_settings(&secrets, &settings);
        let verify_token = settings
            .verify_token_secret_id
            .as_deref()
            .map(|secret_id| AcceptedValues::new(&secrets, secret_id, &settings));
        let keys = SecretCache::for_settings(secrets, settings.secret_id.clone(), &settings);
        let quarantine = settings.quarantine.as_ref().map(|quarantine| {
            Quarantine::new(
                QuarantineStore::new(s3, quarantine.bucket.clone()),
                quarantine.writes_per_second,
            )
        });
        Receiver {
            scheme,
            settings,
            keys,
            destination,
            required_header,
            quarantine,
            verify_token,
        }
    }

    /// The work a cold start should do before its first request, so that
    /// the request doesn't pay for it: fetch the keys (and the required
    /// header's values) and open the connection to SQS or EventBridge, all at once, within
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
        let queue = self.destination.connect();
        match tokio::time::timeout(budget, async { tokio::join!(keys, header_values, queue) }).await {
            Ok((keys, header_values, queue)) => {
                if let Err(error) = keys {
                    tracing::warn!(provider, error = %error, "keys not fetched at init; the first request will try");
                }
                if let Err(error) = header_values {
                    tracing::warn!(provider, error = %error, "required header's values not fetched at init; the first request will try");
                }
                if let Err(error) = queue {
                    tracing::warn!(provider, error = %error, "destination warm-up call failed; the first request opens the connection if it isn't");
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

    /// Answers one request: 200 once SQS holds the envelope, or EventBridge
    /// reported its entry accepted (or, for one too large for either, S3
    /// holds it and SQS or EventBridge the pointer), otherwise the
    /// error's status. Never panics, whatever the request holds. Logs one
    /// line per request with ids, outcome and timing — never the body, a
    /// signature or a key.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let received = SystemTime::now();
        let namespace = &self.settings.metrics_namespace;
        let line = |outcome, level_message, fate| {
            request_line(
                namespace,
                self.scheme.provider(),
                outcome,
                level_message,
                received,
                started.elapsed(),
                fate,
            )
            .field("body_bytes", request.body().len())
        };
        match self.receive(&request, received, started).await {
            Ok(Done::Answered(reply)) => {
                line("handshake", ("INFO", "handshake answered"), Fate::Answered)
                    .field("status", 200)
                    .write();
                answer::replied(&reply.body)
            }
            Ok(Done::Queued(accepted)) => {
                let offloaded = accepted.published.offloaded.as_ref();
                let fate = Fate::Queued {
                    offloaded: offloaded.is_some(),
                };
                line("accepted", ("INFO", "accepted"), fate)
                    .field("status", 200)
                    .field("event_id", accepted.event_id.as_str())
                    .field("event_type", accepted.event_type.as_deref().unwrap_or(""))
                    .field("tenant", accepted.tenant.as_deref().unwrap_or(""))
                    .field("key_stage", accepted.stage.label())
                    .field("message_id", accepted.published.message_id.as_str())
                    .field(
                        "payload_object",
                        offloaded.map_or("", |pointer| pointer.s3_key.as_str()),
                    )
                    .write();
                match &accepted.reply {
                    Some(reply) => answer::replied(&reply.body),
                    None => answer::accepted(&accepted.event_id),
                }
            }
            Err(error) => {
                let kept = self.keep_if_refused_for_key(&error, &request, received, started).await;
                let (level_message, detail) = if error.needs_operator() {
                    (("ERROR", "not accepted"), "error")
                } else {
                    (("WARN", "rejected"), "reason")
                };
                line(error.outcome(), level_message, Fate::Refused(kept.as_ref()))
                    .field("status", error.status().as_u16())
                    .field(detail, error.to_string())
                    .write();
                answer::refused(&error)
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
        let (quarantine, reason) = (self.quarantine.as_ref()?, RefusalReason::of(error)?);
        if handshake::looks_like_a_signed_handshake(self.scheme.handshakes(), &seen(request)) {
            return None;
        }
        let delivery = QuarantinedDelivery::of(
            self.scheme.provider(),
            (self.scheme.signature_headers(), self.scheme.unsigned_headers()),
            request,
            reason,
            received,
        );
        let time_left = self.settings.request_deadline.saturating_sub(started.elapsed());
        let kept = quarantine.keep(&delivery, time_left).await;
        if let Kept::Stored(Stored::Failed(problem)) = &kept {
            tracing::error!(provider = self.scheme.provider(), error = %problem, "quarantine write failed");
        }
        Some(kept)
    }

    /// [`Receiver::accept`] within `REQUEST_DEADLINE_MS`. Past it, the
    /// answer is a 503: a `SendMessage` or `PutEvents` cut short may still have landed,
    /// which makes the provider's retry a duplicate, never a loss.
    async fn receive(&self, request: &Request, received: SystemTime, started: Instant) -> Result<Done, ReceiveError> {
        let limit = self.settings.request_deadline;
        // The timer stops waiting on AWS; the key loop checks the same
        // deadline between keys, since no timer interrupts CPU work; the
        // quarantine's write gets what is left of it, from the same start.
        let deadline = Deadline::after(started, limit);
        tokio::time::timeout(limit, self.accept(request, received, deadline))
            .await
            .map_err(|_| ReceiveError::OutOfTime(limit))?
    }

    /// Answers an unsigned handshake the request is (its source checked,
    /// and its verify token, where it has one: 403 when wrong); `None` when
    /// it is none.
    async fn answer_unsigned_handshake(
        &self,
        request: &Request,
        received: SystemTime,
    ) -> Option<Result<Reply, ReceiveError>> {
        let seen = seen(request);
        let handshake = handshake::unsigned(self.scheme.handshakes(), &seen)?;
        let answered = async {
            check_source(self.settings.allowed_source_ips.as_deref(), request)?;
            if let Some(sent) = handshake::sent_verify_token(handshake, &seen) {
                let token = self
                    .verify_token
                    .as_ref()
                    .ok_or_else(|| ReceiveError::Misconfigured("VERIFY_TOKEN_SECRET_ID is not set".into()))?;
                let sent = sent.ok_or(ReceiveError::HandshakeRefused)?;
                if !token.accept(sent.as_bytes(), received).await? {
                    return Err(ReceiveError::HandshakeRefused);
                }
            }
            handshake::unsigned_reply(handshake, &seen)
        };
        Some(answered.await)
    }

    async fn accept(&self, request: &Request, received: SystemTime, deadline: Deadline) -> Result<Done, ReceiveError> {
        if let Some(answered) = self.answer_unsigned_handshake(request, received).await {
            return answered.map(Done::Answered);
        }
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
        let Sealed { envelope, stage, reply } = sealed;
        let reply = match reply {
            Some(reply) if !reply.queue => return Ok(Done::Answered(reply)),
            reply => reply,
        };
        let outgoing = Outgoing::for_settings(&envelope, &self.settings)?;
        let Envelope {
            provider,
            event_id,
            event_type,
            tenant,
            ..
        } = envelope;
        let published = self.destination.deliver(&provider, outgoing).await?;
        Ok(Done::Queued(Accepted {
            event_id,
            event_type,
            tenant,
            stage,
            reply,
            published,
        }))
    }
}

/// The parts of `request` a handshake reads.
fn seen(request: &Request) -> Seen<'_> {
    Seen {
        method: request.method(),
        query: request.query_string_parameters_ref(),
        headers: request.headers(),
        body: request.body().as_ref(),
    }
}
