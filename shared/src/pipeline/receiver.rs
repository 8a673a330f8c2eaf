//! One provider's receiver: the request's steps in order (screen, keys,
//! verify and seal, enqueue), within the request's deadline, answered and
//! logged in one line.

use std::time::{Instant, SystemTime};

use aws_config::SdkConfig;
use lambda_http::{Body, Request, Response};
use webhook_envelope::Envelope;

use super::answer;
use super::defences::RequiredHeaderCheck;
use super::keep::{Kept, Quarantine};
use super::request_line::{request_line, Fate};
use super::screen::{screen, Screened};
use super::seal::{seal, Sealed};
use crate::aws::quarantine::{QuarantineStore, QuarantinedDelivery, RefusalReason, Stored};
use crate::aws::queue::{Published, QueuePublisher};
use crate::aws::secret_cache::SecretCache;
use crate::aws::AwsClients;
use crate::config::Settings;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::keys::{KeyRing, Stage};
use crate::schemes::{Deadline, Scheme};

/// One provider's receiver: its scheme, settings, cached keys and queue.
/// Built once per process; [`Receiver::handle`] serves every request.
pub struct Receiver<S: Scheme> {
    scheme: S,
    settings: Settings,
    keys: SecretCache<S::Key>,
    queue: QueuePublisher,
    /// `REQUIRED_HEADER`, when it is set.
    required_header: Option<RequiredHeaderCheck>,
    /// Where deliveries refused for their key are kept, when
    /// `QUARANTINE_BUCKET` is set.
    quarantine: Option<Quarantine>,
}

/// What an accepted delivery produced, for its answer and its log line:
/// the envelope's ids, not its payload, which is let go as soon as its
/// message is made (a large body's copies are what a large delivery costs).
struct Accepted {
    event_id: String,
    event_type: Option<String>,
    tenant: Option<String>,
    stage: Stage,
    challenge: Option<String>,
    published: Published,
}

impl<S: Scheme> Receiver<S> {
    /// A receiver using the AWS clients `aws` describes.
    pub fn new(scheme: S, settings: Settings, aws: &SdkConfig) -> Self {
        Self::with_clients(scheme, settings, AwsClients::new(aws))
    }

    /// A receiver with its clients given one by one.
    pub fn with_clients(scheme: S, settings: Settings, clients: AwsClients) -> Self {
        let AwsClients { secrets, sqs, s3 } = clients;
        let required_header = RequiredHeaderCheck::for_settings(&secrets, &settings);
        let keys = SecretCache::for_settings(secrets, settings.secret_id.clone(), &settings);
        let queue = QueuePublisher::for_settings(sqs, &s3, &settings);
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

    /// Answers one request: 200 once SQS holds the envelope (or, for one
    /// too large for the queue, S3 holds it and SQS the pointer), otherwise the
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
            Ok(accepted) => {
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
                answer::accepted(&accepted.event_id, accepted.challenge.as_deref())
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
        let Sealed {
            envelope,
            stage,
            challenge,
        } = sealed;
        let message = self.queue.message(&envelope)?;
        let Envelope {
            provider,
            event_id,
            event_type,
            tenant,
            ..
        } = envelope;
        let published = self.queue.deliver(&provider, message).await?;
        Ok(Accepted {
            event_id,
            event_type,
            tenant,
            stage,
            challenge,
            published,
        })
    }
}
