//! Releases quarantined webhooks once their key is fixed.
//!
//! A receiver keeps a delivery it refused for its key in the quarantine
//! bucket ([`webhook_receiver::quarantine`]). This function reads them back,
//! provider by provider, and verifies each one again against the provider's
//! current keys with the receivers' own code
//! ([`webhook_receiver::receiver::receive_offline`]), judging signed
//! timestamps against the recorded arrival rather than the time of release
//! (only receivers write the quarantine, so that time can be trusted). What
//! verifies is sent to the queue as the message the receiver would have
//! sent when it arrived (same event id, tenant, attributes and FIFO ids;
//! `receivedAt` is the arrival), and only then deleted from the
//! quarantine. What still fails stays until the bucket's lifecycle expires
//! it. Nothing that does not verify is ever enqueued.
//!
//! Safe to run twice or at once: an object is deleted only after SQS
//! accepted its message, so the worst case is a duplicate with the same
//! event id, never a loss.
//!
//! Settings: `QUEUE_URL`, `QUARANTINE_BUCKET`, and per provider served
//! `<PROVIDER>_SECRET_ID` (`KAUNT_SECRET_ID`, …); the receivers' other
//! settings (`TIMESTAMP_TOLERANCE_SECS`, `PREVIOUS_KEY_GRACE_SECS`,
//! `MAX_BODY_BYTES`, …) apply as they do to the receivers.

pub mod event;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::error::DisplayErrorContext;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use webhook_receiver::aws::OPERATION_TIMEOUT;
use webhook_receiver::key_cache::{KeyCache, Versions};
use webhook_receiver::metrics::{Line, Unit};
use webhook_receiver::quarantine::QuarantinedDelivery;
use webhook_receiver::queue::QueuePublisher;
use webhook_receiver::receiver::{receive_offline, AwsClients};
use webhook_receiver::schemes::{Codat, Kaunt, Kravia, Receeve, Scheme, SmartKyc};
use webhook_receiver::settings::ConfigError;
use webhook_receiver::{Provider, Settings};

/// Why a release could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A setting is missing or invalid.
    #[error("misconfigured: {0}")]
    Config(#[from] ConfigError),
    /// `QUARANTINE_BUCKET` is not set.
    #[error("QUARANTINE_BUCKET is not set")]
    NoBucket,
    /// The event names no provider we know.
    #[error("the event names no known provider")]
    UnknownProvider,
    /// The event names a provider whose `<PROVIDER>_SECRET_ID` is not set.
    #[error("{0} is not served: set {env}", env = secret_setting(*.0))]
    NotServed(Provider),
    /// The event is not one this function takes.
    #[error("the event is not {{\"provider\": \"<name>\"}}, {{}}, a schedule's or a Secrets Manager change's")]
    BadEvent,
}

/// What became of one provider's quarantined deliveries in one release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Verified now, queued, and deleted from the quarantine.
    pub released: u64,
    /// Still not verified (or not what a receiver writes): kept until
    /// they expire.
    pub refused: u64,
    /// Not released this time because AWS failed (kept, to be tried again).
    pub failed: u64,
}

/// The environment variable naming `provider`'s secret.
pub fn secret_setting(provider: Provider) -> String {
    format!("{}_SECRET_ID", provider.as_str().to_ascii_uppercase())
}

/// The release function's configuration and clients.
pub struct Release {
    clients: AwsClients,
    bucket: String,
    /// The providers served, each with its settings as its receiver has them.
    served: Vec<(Provider, Settings)>,
}

impl Release {
    /// Reads the settings through `lookup` (the environment, in Lambda).
    pub fn new(clients: AwsClients, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ReleaseError> {
        let mut served = Vec::new();
        let mut bucket = None;
        for provider in Provider::ALL {
            let Some(secret_id) = lookup(&secret_setting(provider)).filter(|id| !id.trim().is_empty()) else {
                continue;
            };
            let settings = Settings::from_lookup(|name| match name {
                "SECRET_ID" => Some(secret_id.clone()),
                other => lookup(other),
            })?;
            bucket = settings.quarantine.as_ref().map(|quarantine| quarantine.bucket.clone());
            served.push((provider, settings));
        }
        let bucket = match bucket {
            Some(bucket) => bucket,
            None if served.is_empty() => return Err(ConfigError::Missing("<PROVIDER>_SECRET_ID").into()),
            None => return Err(ReleaseError::NoBucket),
        };
        Ok(Release {
            clients,
            bucket,
            served,
        })
    }

    /// Releases what `event` asks for; the counts by provider name.
    pub async fn run(&self, event: &Value) -> Result<BTreeMap<&'static str, Counts>, ReleaseError> {
        let secrets: Vec<(Provider, String)> = self
            .served
            .iter()
            .map(|(provider, settings)| (*provider, settings.secret_id.clone()))
            .collect();
        let mut answer = BTreeMap::new();
        for provider in event::providers_asked(event, &secrets)? {
            // Boxed: five schemes' futures inline would be one enormous type.
            let (counts, oldest_kept) = match provider {
                Provider::Kravia => Box::pin(self.release(Kravia)).await,
                Provider::Kaunt => Box::pin(self.release(Kaunt)).await,
                Provider::Receeve => Box::pin(self.release(Receeve)).await,
                Provider::SmartKyc => Box::pin(self.release(SmartKyc)).await,
                _ => Box::pin(self.release(Codat)).await,
            };
            release_line(&self.served, provider, &counts, oldest_kept).write();
            answer.insert(provider.as_str(), counts);
        }
        Ok(answer)
    }

    /// Releases one provider's quarantined deliveries: the counts, and the
    /// arrival of the oldest one still kept.
    async fn release<S: Scheme>(&self, scheme: S) -> (Counts, Option<SystemTime>) {
        let provider = S::PROVIDER.as_str();
        let started = SystemTime::now();
        let mut counts = Counts::default();
        let Some(settings) = self.settings_of(S::PROVIDER) else {
            return (counts, None);
        };
        let objects = match self.list(provider).await {
            Ok(objects) => objects,
            Err(error) => {
                tracing::error!(provider, error = %error, "the quarantine could not be listed");
                counts.failed += 1;
                return (counts, None);
            }
        };
        let mut oldest_kept = objects.iter().filter_map(|(_, modified)| *modified).min();
        if objects.is_empty() {
            return (counts, oldest_kept);
        }
        let keys = KeyCache::new(
            self.clients.secrets.clone(),
            settings.secret_id.clone(),
            settings.secret_cache_ttl,
            settings.key_refresh_interval,
            settings.previous_key_grace,
        );
        let ring = match keys.keys(|text| scheme.parse_key(text)).await {
            Ok(ring) => ring,
            Err(error) => {
                tracing::error!(provider, error = %error, "keys unavailable: nothing released");
                counts.failed += objects.len() as u64;
                return (counts, oldest_kept);
            }
        };
        let versions = keys.versions().await;
        let since = self.tried_since(provider, &versions).await;
        let queue = QueuePublisher::new(
            self.clients.sqs.clone(),
            settings.queue_url.clone(),
            settings.fifo_queue(),
        );
        oldest_kept = None;
        let mut tried = 0_u64;
        for (name, modified) in objects {
            let untried = since.is_some_and(|since| modified.is_some_and(|modified| modified < since));
            let (outcome, arrival) = if untried {
                // Refused by these very keys before: verification depends
                // on nothing else, so it would be refused again.
                (Outcome::Refused, modified)
            } else {
                tried += 1;
                self.release_one(&scheme, settings, &ring, &queue, &name).await
            };
            match outcome {
                Outcome::Released => counts.released += 1,
                Outcome::Refused => counts.refused += 1,
                Outcome::Failed => counts.failed += 1,
            }
            if !matches!(outcome, Outcome::Released) {
                oldest_kept = arrival.or(modified).into_iter().chain(oldest_kept).min();
            }
        }
        tracing::info!(provider, tried, "quarantined deliveries tried");
        if counts.failed == 0 {
            self.remember_tried(provider, versions, started).await;
        }
        (counts, oldest_kept)
    }

    /// What a release with the keys of `versions` needs to try: what was
    /// written since the last pass that used the same versions and left
    /// nothing failed (less the longest a receiver's write takes, so that a
    /// write under way while that pass listed is tried too); `None`: all.
    /// So a flood of forgeries costs one read each, not one per release.
    async fn tried_since(&self, provider: &str, versions: &Versions) -> Option<SystemTime> {
        let versions = versions.as_ref()?;
        let object = self.get(&state_key(provider)).await.ok()?;
        let state: TriedState = serde_json::from_slice(&object).ok()?;
        if state.versions != *versions {
            return None;
        }
        let until = UNIX_EPOCH + Duration::from_millis(state.until_ms);
        until.checked_sub(OPERATION_TIMEOUT + Duration::from_secs(1))
    }

    /// Notes that every delivery kept before `started` has been tried with
    /// the keys of `versions` (best effort: without it, the next release
    /// tries everything again).
    async fn remember_tried(&self, provider: &str, versions: Versions, started: SystemTime) {
        let Some(versions) = versions else { return };
        let until_ms = started.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let state = TriedState {
            versions,
            until_ms: u64::try_from(until_ms).unwrap_or(u64::MAX),
        };
        let Ok(body) = serde_json::to_vec(&state) else { return };
        let put = self
            .clients
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(state_key(provider))
            .body(body.into())
            .send()
            .await;
        if let Err(error) = put {
            tracing::warn!(provider, error = %DisplayErrorContext(&error), "the release state was not written: the next release tries everything");
        }
    }

    /// Verifies, queues and deletes one quarantined delivery: what became
    /// of it, and when it arrived (when it could be read).
    async fn release_one<S: Scheme>(
        &self,
        scheme: &S,
        settings: &Settings,
        keys: &webhook_receiver::keys::KeyRing<S::Key>,
        queue: &QueuePublisher,
        name: &str,
    ) -> (Outcome, Option<SystemTime>) {
        let provider = S::PROVIDER.as_str();
        let left_alone = || {
            tracing::warn!(
                provider,
                object = name,
                "not a quarantined delivery a receiver writes: left alone"
            );
        };
        let record = match self.read(name).await {
            Ok(record) => record,
            Err(Unusable::Failed(error)) => {
                tracing::error!(provider, object = name, error = %error, "a quarantined delivery could not be read");
                return (Outcome::Failed, None);
            }
            Err(Unusable::NotARecord) => {
                left_alone();
                return (Outcome::Refused, None);
            }
        };
        let arrival = Some(record.received_at());
        let Some(request) = record.request().filter(|_| record.provider == S::PROVIDER) else {
            left_alone();
            return (Outcome::Refused, arrival);
        };
        let envelope = match receive_offline(scheme, settings, &request, keys, record.received_at()) {
            Ok((envelope, _)) => envelope,
            Err(refusal) => {
                tracing::info!(provider, object = name, reason = %refusal, "still refused: kept");
                return (Outcome::Refused, arrival);
            }
        };
        let message_id = match queue.publish(&envelope).await {
            Ok(message_id) => message_id,
            Err(error) => {
                tracing::error!(provider, object = name, error = %error, "not queued: kept for the next release");
                return (Outcome::Failed, arrival);
            }
        };
        if let Err(error) = self
            .clients
            .s3
            .delete_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
        {
            // Queued: the next release queues it again, a duplicate with the
            // same event id, which consumers skip.
            tracing::error!(provider, object = name, error = %DisplayErrorContext(&error), "queued, but not deleted");
        }
        tracing::info!(
            provider,
            object = name,
            event_id = %envelope.event_id,
            message_id = %message_id,
            received_at = %envelope.received_at,
            "released"
        );
        (Outcome::Released, arrival)
    }

    fn settings_of(&self, provider: Provider) -> Option<&Settings> {
        self.served
            .iter()
            .find(|(served, _)| *served == provider)
            .map(|(_, settings)| settings)
    }

    /// The names of the objects under `provider/`, with when each was
    /// last written.
    async fn list(&self, provider: &str) -> Result<Vec<(String, Option<SystemTime>)>, String> {
        let mut objects = Vec::new();
        let mut pages = self
            .clients
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("{provider}/"))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| format!("{}", DisplayErrorContext(&error)))?;
            objects.extend(page.contents().iter().filter_map(|object| {
                let modified = object.last_modified().and_then(|at| SystemTime::try_from(*at).ok());
                Some((object.key()?.to_owned(), modified))
            }));
        }
        Ok(objects)
    }

    /// One object's bytes.
    async fn get(&self, name: &str) -> Result<Vec<u8>, Unusable> {
        let object = self
            .clients
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
            .map_err(|error| Unusable::Failed(format!("{}", DisplayErrorContext(&error))))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|error| Unusable::Failed(error.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }

    /// One object, read as a quarantined delivery.
    async fn read(&self, name: &str) -> Result<QuarantinedDelivery, Unusable> {
        let bytes = self.get(name).await?;
        serde_json::from_slice(&bytes).map_err(|_| Unusable::NotARecord)
    }
}

/// The line (and metrics) of one provider's release: the counts, and how
/// long the oldest delivery still kept has waited (0 when none is), which
/// the stack alarms on after an hour.
fn release_line(
    served: &[(Provider, Settings)],
    provider: Provider,
    counts: &Counts,
    oldest_kept: Option<SystemTime>,
) -> Line {
    let namespace = served
        .first()
        .map_or(webhook_receiver::metrics::DEFAULT_NAMESPACE, |(_, settings)| {
            settings.metrics_namespace.as_str()
        });
    let now = SystemTime::now();
    let waited = oldest_kept
        .and_then(|arrival| now.duration_since(arrival).ok())
        .unwrap_or_default();
    let count = |n: u64| n as f64;
    Line::new(namespace, "INFO", "release done", now)
        .dimension("Provider", provider.as_str())
        .metrics(
            &["Provider"],
            &[
                ("Released", Unit::Count, count(counts.released)),
                ("StillRefused", Unit::Count, count(counts.refused)),
                ("ReleaseFailed", Unit::Count, count(counts.failed)),
                ("OldestQuarantinedAge", Unit::Seconds, waited.as_secs_f64()),
            ],
        )
}

/// Where a release notes what it has tried, per provider: outside the
/// providers' prefixes, which receivers may write.
fn state_key(provider: &str) -> String {
    format!("_release/{provider}.json")
}

/// What the last pass that left nothing failed tried: every delivery kept
/// before `until_ms`, with the keys of `versions`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TriedState {
    versions: (String, Option<String>),
    until_ms: u64,
}

/// What became of one quarantined delivery.
enum Outcome {
    Released,
    Refused,
    Failed,
}

/// Why an object was not read as a quarantined delivery.
enum Unusable {
    /// S3 failed.
    Failed(String),
    /// It holds something else.
    NotARecord,
}

/// Runs the release function under the Lambda runtime. A bad setting is
/// an error for every invocation, logged, never a crashed init.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    webhook_receiver::logging::init();
    let aws = webhook_receiver::aws::sdk_config_loader().load().await;
    let release = Release::new(AwsClients::new(&aws), |name| std::env::var(name).ok());
    if let Err(error) = &release {
        tracing::error!(error = %error, "misconfigured: every invocation will fail");
    }
    let release = std::sync::Arc::new(release);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let release = std::sync::Arc::clone(&release);
        async move {
            let release = release.as_ref().as_ref().map_err(|error| error.to_string())?;
            let started = std::time::Instant::now();
            let answer = release.run(&event.payload).await.map_err(|error| error.to_string())?;
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "release finished");
            serde_json::to_value(answer).map_err(|error| error.to_string())
        }
    }))
    .await
}
