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
//! event id, never a loss. Bounded: each delivery is read once per change
//! of what verification depends on, and a run stops before its deadline,
//! the next going on where it stopped ([`progress`]).
//!
//! Settings: `QUEUE_URL`, `QUARANTINE_BUCKET`; per preset served
//! `<PRESET>_SECRET_ID` (`KAUNT_SECRET_ID`, `STANDARD_WEBHOOKS_SECRET_ID`,
//! …) and, for one that signs its URL, `<PRESET>_SIGNED_URL`; for a custom
//! provider, `CUSTOM_PROVIDER_NAME`, `CUSTOM_SCHEME`, `CUSTOM_SECRET_ID`
//! (and `CUSTOM_SIGNED_URL`), what its receiver has as `PROVIDER_NAME`,
//! `SCHEME`, `SECRET_ID` and `SIGNED_URL`. The receivers' settings that
//! verification depends on (`TIMESTAMP_TOLERANCE_SECS`,
//! `PREVIOUS_KEY_GRACE_SECS`, `MAX_BODY_BYTES`) apply as they do to the
//! receivers. `ALLOWED_SOURCE_IPS` and `REQUIRED_HEADER` don't: a kept
//! delivery passed them on arrival, and the record keeps neither the
//! address as an event would give it nor that header.

pub mod event;
pub mod progress;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::operation::get_object::GetObjectError;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use webhook_receiver::encoding::sha256_hex;
use webhook_receiver::keys::KeyRing;
use webhook_receiver::metrics::{Line, Unit};
use webhook_receiver::provider::scheme_from_settings;
use webhook_receiver::quarantine::QuarantinedDelivery;
use webhook_receiver::queue::QueuePublisher;
use webhook_receiver::receiver::{receive_offline, AwsClients};
use webhook_receiver::schemes::{AnyScheme, Scheme, PRESETS};
use webhook_receiver::secret_cache::{SecretCache, Versions};
use webhook_receiver::settings::ConfigError;
use webhook_receiver::time::unix_millis;
use webhook_receiver::Settings;

use crate::progress::Progress;

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
    /// The event names a preset whose `<PRESET>_SECRET_ID` is not set.
    #[error("{0} is not served: set {env}", env = secret_setting(.0))]
    NotServed(String),
    /// The event is not one this function takes.
    #[error("the event is not {{\"provider\": \"<name>\"}}, {{}}, a schedule's or a Secrets Manager change's")]
    BadEvent,
}

/// What became of one provider's quarantined deliveries in one run.
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

/// The prefix of a preset's settings: its name in upper case, `-` as `_`.
fn setting_prefix(preset: &str) -> String {
    preset.to_ascii_uppercase().replace('-', "_")
}

/// The environment variable naming `preset`'s secret.
pub fn secret_setting(preset: &str) -> String {
    format!("{}_SECRET_ID", setting_prefix(preset))
}

/// The environment variable giving the URL `preset` signs, if it signs one.
fn signed_url_setting(preset: &str) -> String {
    format!("{}_SIGNED_URL", setting_prefix(preset))
}

/// A setting from `variables` (the environment, in Lambda): by its exact
/// name, else, for a `<PRESET>_SECRET_ID` or `<PRESET>_SIGNED_URL`, by its
/// name in any case and with or without underscores. The template
/// generates those variables in a loop over the presets' logical-id
/// prefixes (`SmartKyc_SECRET_ID`, `StandardWebhooks_SECRET_ID`), which no
/// intrinsic function can upper-case; `SMARTKYC_SECRET_ID` works as it
/// always did. Variables that are not Unicode are passed over, never a
/// panic.
pub fn setting_in_any_case(
    variables: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    name: &str,
) -> Option<String> {
    let loose = name.ends_with("_SECRET_ID") || name.ends_with("_SIGNED_URL");
    let squeezed = |text: &str| text.replace('_', "").to_ascii_uppercase();
    let wanted = squeezed(name);
    let mut found = None;
    for (key, value) in variables {
        let (Ok(key), Ok(value)) = (key.into_string(), value.into_string()) else {
            continue;
        };
        if key == name {
            return Some(value);
        }
        if loose && found.is_none() && squeezed(&key) == wanted {
            found = Some(value);
        }
    }
    found
}

/// The schemes this release serves, each with its secret's id, read
/// through `lookup`: every preset whose `<PRESET>_SECRET_ID` is set, and,
/// when `CUSTOM_SECRET_ID` is, the custom provider `CUSTOM_PROVIDER_NAME`
/// and `CUSTOM_SCHEME` describe. Each is made exactly as its
/// receiver makes it (the same description, the same `SIGNED_URL`), so that
/// what verifies here is what would have verified there.
fn schemes_served(lookup: &impl Fn(&str) -> Option<String>) -> Result<Vec<(AnyScheme, String)>, ConfigError> {
    let set = |name: &str| webhook_receiver::settings::value(lookup, name);
    let mut served = Vec::new();
    // One provider's unusable scheme (a missing SIGNED_URL) keeps its
    // deliveries in the quarantine; it doesn't stop the others' release.
    let mut serve = |provider: &str, scheme: Result<AnyScheme, ConfigError>, secret_id: String| match scheme {
        Ok(scheme) => served.push((scheme, secret_id)),
        Err(error) => tracing::error!(provider, error = %error, "not released: misconfigured"),
    };
    for preset in PRESETS {
        let Some(secret_id) = set(&secret_setting(preset.name)) else {
            continue;
        };
        let signed_url = signed_url_setting(preset.name);
        let scheme = scheme_from_settings(|name| match name {
            "PROVIDER" => Some(preset.name.to_owned()),
            "SIGNED_URL" => lookup(&signed_url),
            _ => None,
        });
        serve(preset.name, scheme, secret_id);
    }
    if let Some(secret_id) = set("CUSTOM_SECRET_ID") {
        let name = set("CUSTOM_PROVIDER_NAME").ok_or(ConfigError::Missing("CUSTOM_PROVIDER_NAME"))?;
        let scheme = scheme_from_settings(|setting| match setting {
            "PROVIDER" => Some("custom".to_owned()),
            "PROVIDER_NAME" => Some(name.clone()),
            "SCHEME" => lookup("CUSTOM_SCHEME"),
            "SIGNED_URL" => lookup("CUSTOM_SIGNED_URL"),
            _ => None,
        });
        serve(&name, scheme, secret_id);
    }
    Ok(served)
}

/// How long before the invocation's deadline a run stops taking new
/// deliveries, to note its progress and write its lines.
pub const STOP_MARGIN: Duration = Duration::from_secs(20);

/// The release function's configuration and clients.
pub struct Release {
    clients: AwsClients,
    bucket: String,
    /// The providers served, each with its scheme and settings as its
    /// receiver has them.
    served: Vec<(AnyScheme, Settings)>,
}

impl Release {
    /// Reads the settings through `lookup` (the environment, in Lambda).
    pub fn new(clients: AwsClients, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ReleaseError> {
        let mut served = Vec::new();
        let mut bucket = None;
        for (scheme, secret_id) in schemes_served(&lookup)? {
            let mut settings = Settings::from_lookup(|name| match name {
                "SECRET_ID" => Some(secret_id.clone()),
                other => lookup(other),
            })?;
            // Passed on arrival; see the crate's comment.
            settings.allowed_source_ips = None;
            settings.required_header = None;
            bucket = settings.quarantine.as_ref().map(|quarantine| quarantine.bucket.clone());
            served.push((scheme, settings));
        }
        let bucket = match bucket {
            Some(bucket) => bucket,
            None if served.is_empty() => return Err(ConfigError::Missing("<PRESET>_SECRET_ID").into()),
            None => return Err(ReleaseError::NoBucket),
        };
        Ok(Release {
            clients,
            bucket,
            served,
        })
    }

    /// Releases what `event` asks for, with no deadline; the counts by
    /// provider name.
    pub async fn run(&self, event: &Value) -> Result<BTreeMap<String, Counts>, ReleaseError> {
        self.run_until(event, None).await
    }

    /// Releases what `event` asks for, stopping before `deadline` (the
    /// providers share what time there is); the counts by provider name.
    pub async fn run_until(
        &self,
        event: &Value,
        deadline: Option<Instant>,
    ) -> Result<BTreeMap<String, Counts>, ReleaseError> {
        let secrets: Vec<(&str, &str)> = self
            .served
            .iter()
            .map(|(scheme, settings)| (scheme.provider(), settings.secret_id.as_str()))
            .collect();
        let asked = event::providers_asked(event, &secrets)?;
        let from_scratch = event.get("all").and_then(Value::as_bool).unwrap_or(false);
        let mut answer = BTreeMap::new();
        for (done, provider) in asked.iter().enumerate() {
            let share = deadline.map(|deadline| {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .saturating_sub(STOP_MARGIN);
                Instant::now() + left / u32::try_from(asked.len() - done).unwrap_or(1)
            });
            let pass = Run {
                until: share,
                from_scratch,
            };
            // Boxed: inline, one pass's future makes the whole run's type
            // deeper than the compiler follows.
            let Some((scheme, settings)) = self.served.iter().find(|(scheme, _)| scheme.provider() == provider) else {
                continue;
            };
            let (counts, oldest_kept) = Box::pin(self.release(scheme, settings, pass)).await;
            release_line(&self.served, provider, &counts, oldest_kept).write();
            answer.insert(provider.clone(), counts);
        }
        Ok(answer)
    }

    /// One run over one provider's quarantine: the counts, and the arrival
    /// of the oldest delivery seen still kept.
    async fn release<S: Scheme + std::fmt::Debug>(
        &self,
        scheme: &S,
        settings: &Settings,
        run: Run,
    ) -> (Counts, Option<SystemTime>) {
        let provider = scheme.provider();
        let mut counts = Counts::default();
        let mut oldest_kept: Option<SystemTime> = None;
        let keys = SecretCache::for_settings(self.clients.secrets.clone(), settings.secret_id.clone(), settings);
        let ring = match keys.keys(|text| scheme.parse_key(text)).await {
            Ok(ring) => ring,
            Err(error) => {
                tracing::error!(provider, error = %error, "keys unavailable: nothing released");
                counts.failed += 1;
                return (counts, oldest_kept);
            }
        };
        let fingerprint = fingerprint(&keys.versions().await, settings, scheme);
        let stored = self.progress(provider).await;
        let mut progress = Progress::resume(stored, &fingerprint, run.from_scratch, SystemTime::now());
        let tried_before = progress.tried_before();
        let queue = QueuePublisher::for_settings(self.clients.sqs.clone(), settings);
        let mut pages = self
            .clients
            .s3
            .get()
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("{provider}/"))
            .set_start_after(progress.after().map(str::to_owned))
            .into_paginator()
            .send();
        let (mut tried, mut finished) = (0_u64, false);
        'pages: loop {
            let page = match pages.next().await {
                None => {
                    finished = true;
                    break;
                }
                Some(Ok(page)) => page,
                Some(Err(error)) => {
                    tracing::error!(provider, error = %DisplayErrorContext(&error), "the quarantine could not be listed");
                    counts.failed += 1;
                    break;
                }
            };
            for object in page.contents() {
                let Some(name) = object.key() else { continue };
                // At least one delivery a run, so that every run gets on.
                if tried > 0 && run.until.is_some_and(|until| Instant::now() >= until) {
                    break 'pages;
                }
                let written = object.last_modified().and_then(|at| SystemTime::try_from(*at).ok());
                let outcome = if written
                    .zip(tried_before)
                    .is_some_and(|(written, before)| written < before)
                {
                    // Tried already with what verification depends on now.
                    Outcome::Refused
                } else {
                    tried += 1;
                    self.release_one(scheme, settings, &ring, &queue, name).await
                };
                match outcome {
                    Outcome::Released => counts.released += 1,
                    Outcome::Refused => counts.refused += 1,
                    Outcome::Failed => counts.failed += 1,
                    Outcome::Gone => {}
                }
                if matches!(outcome, Outcome::Refused | Outcome::Failed) {
                    oldest_kept = written.into_iter().chain(oldest_kept).min();
                }
                progress.handled(name, matches!(outcome, Outcome::Failed));
            }
        }
        if finished {
            progress.finish();
        }
        tracing::info!(provider, tried, finished, "quarantined deliveries tried");
        self.remember(provider, &progress).await;
        (counts, oldest_kept)
    }

    /// Verifies, queues and deletes one quarantined delivery.
    async fn release_one<S: Scheme>(
        &self,
        scheme: &S,
        settings: &Settings,
        keys: &KeyRing<S::Key>,
        queue: &QueuePublisher,
        name: &str,
    ) -> Outcome {
        let provider = scheme.provider();
        let record = match self.read(name).await {
            Ok(record) => record,
            Err(Unusable::Gone) => return Outcome::Gone,
            Err(Unusable::Failed(error)) => {
                tracing::error!(provider, object = name, error = %error, "a quarantined delivery could not be read");
                return Outcome::Failed;
            }
            Err(Unusable::NotARecord) => {
                tracing::warn!(
                    provider,
                    object = name,
                    "not a quarantined delivery a receiver writes: left alone"
                );
                return Outcome::Refused;
            }
        };
        let Some(request) = record.request().filter(|_| record.provider == scheme.provider()) else {
            tracing::warn!(
                provider,
                object = name,
                "not a quarantined delivery a receiver writes: left alone"
            );
            return Outcome::Refused;
        };
        let (envelope, message) = match receive_offline(scheme, settings, &request, keys, record.received_at()) {
            Ok(verified) => verified,
            Err(refusal) => {
                tracing::info!(provider, object = name, reason = %refusal, "still refused: kept");
                return Outcome::Refused;
            }
        };
        let message_id = match queue.send(message).await {
            Ok(message_id) => message_id,
            Err(error) => {
                tracing::error!(provider, object = name, error = %error, "not queued: kept for the next release");
                return Outcome::Failed;
            }
        };
        let deleted = self
            .clients
            .s3
            .get()
            .delete_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await;
        if let Err(error) = deleted {
            // Queued: the next release queues it again, a duplicate with the
            // same event id, which consumers skip.
            tracing::error!(provider, object = name, error = %DisplayErrorContext(&error), "queued, but not deleted");
            return Outcome::Failed;
        }
        tracing::info!(
            provider,
            object = name,
            event_id = %envelope.event_id,
            message_id = %message_id,
            received_at = %envelope.received_at,
            "released"
        );
        Outcome::Released
    }

    /// The progress stored for `provider`, if any can be read.
    async fn progress(&self, provider: &str) -> Option<Progress> {
        let bytes = self.get(&progress_key(provider)).await.ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `progress` (best effort: without it, the next run starts a
    /// pass from scratch).
    async fn remember(&self, provider: &str, progress: &Progress) {
        let Ok(body) = serde_json::to_vec(progress) else { return };
        let put = self
            .clients
            .s3
            .get()
            .put_object()
            .bucket(&self.bucket)
            .key(progress_key(provider))
            .body(body.into())
            .send()
            .await;
        if let Err(error) = put {
            tracing::warn!(provider, error = %DisplayErrorContext(&error), "the release's progress was not stored");
        }
    }

    /// One object's bytes.
    async fn get(&self, name: &str) -> Result<Vec<u8>, Unusable> {
        let object = self
            .clients
            .s3
            .get()
            .get_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(GetObjectError::NoSuchKey(_)) => Unusable::Gone,
                _ => Unusable::Failed(format!("{}", DisplayErrorContext(&error))),
            })?;
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

/// How one run goes over one provider's quarantine.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// When to stop taking new deliveries.
    until: Option<Instant>,
    /// Whether to try everything again, whatever was tried before.
    from_scratch: bool,
}

/// What verification depends on besides a delivery itself: the secret's
/// versions, the receivers' settings that judge it, the scheme as its
/// description and settings made it (a fixed `SIGNED_URL` or `SCHEME`
/// must try every kept delivery again), and this code.
fn fingerprint(versions: &Versions, settings: &Settings, scheme: &impl std::fmt::Debug) -> String {
    let judged_by = serde_json::json!([
        versions,
        sha256_hex(format!("{scheme:?}").as_bytes()),
        settings.timestamp_tolerance.map(|tolerance| tolerance.as_secs()),
        settings.previous_key_grace.as_secs(),
        settings.max_body_bytes,
        env!("CARGO_PKG_VERSION"),
    ]);
    // Unknown versions match nothing: every run tries everything.
    match versions {
        Some(_) => sha256_hex(judged_by.to_string().as_bytes()),
        None => format!("unknown-{}", unix_millis(SystemTime::now())),
    }
}

/// Where a run notes its progress, per provider: outside the providers'
/// prefixes, which receivers may write.
fn progress_key(provider: &str) -> String {
    format!("_release/{provider}.json")
}

/// The line (and metrics) of one provider's run: the counts, and how long
/// the oldest delivery seen still kept has waited (0 when none), which the
/// stack alarms on after an hour.
fn release_line(
    served: &[(AnyScheme, Settings)],
    provider: &str,
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
        .dimension("Provider", provider)
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

/// What became of one quarantined delivery.
enum Outcome {
    Released,
    Refused,
    Failed,
    /// Released by another run meanwhile.
    Gone,
}

/// Why an object was not read as a quarantined delivery.
enum Unusable {
    /// It is no longer there.
    Gone,
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
    // The environment, read once for every setting the release looks up.
    let environment: Vec<_> = std::env::vars_os().collect();
    let release = Release::new(AwsClients::new(&aws), |name| {
        setting_in_any_case(environment.iter().cloned(), name)
    });
    if let Err(error) = &release {
        tracing::error!(error = %error, "misconfigured: every invocation will fail");
    }
    let release = std::sync::Arc::new(release);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let release = std::sync::Arc::clone(&release);
        async move {
            let release = release.as_ref().as_ref().map_err(|error| error.to_string())?;
            let started = Instant::now();
            let deadline = invocation_deadline(event.context.deadline, started);
            let answer = release
                .run_until(&event.payload, deadline)
                .await
                .map_err(|error| error.to_string())?;
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "release finished");
            serde_json::to_value(answer).map_err(|error| error.to_string())
        }
    }))
    .await
}

/// The invocation's deadline (Lambda's `Lambda-Runtime-Deadline-Ms`) as an
/// instant; `None` for the placeholder local emulators send (a deadline
/// already long past).
fn invocation_deadline(deadline_ms: u64, now: Instant) -> Option<Instant> {
    let wall = SystemTime::now();
    let deadline = SystemTime::UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let left = deadline.duration_since(wall).ok()?;
    Some(now + left)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)> {
        pairs
            .iter()
            .map(|(key, value)| (key.into(), value.into()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The settings `pairs` give.
    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn presets_and_a_custom_provider_are_served_as_their_receivers_serve_them() {
        let scheme = r#"{"signature":{"header":"x-sig"},"algorithms":[{"algorithm":"hmac-sha256","encoding":"hex","key":{"form":"text"}}],"signed":"{url}{body}"}"#;
        let settings = [
            ("KAUNT_SECRET_ID", "webhooks/kaunt"),
            ("SQUARE_SECRET_ID", "webhooks/square"),
            ("SQUARE_SIGNED_URL", "https://hooks.example.com/webhooks/square"),
            ("CUSTOM_SECRET_ID", "webhooks/acme-pay"),
            ("CUSTOM_PROVIDER_NAME", "acme-pay"),
            ("CUSTOM_SCHEME", scheme),
            ("CUSTOM_SIGNED_URL", "https://hooks.example.com/webhooks/acme-pay"),
        ];
        let served = schemes_served(&lookup(&settings)).unwrap();
        let names: Vec<(&str, &str)> = served
            .iter()
            .map(|(scheme, secret)| (scheme.provider(), secret.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("kaunt", "webhooks/kaunt"),
                ("square", "webhooks/square"),
                ("acme-pay", "webhooks/acme-pay")
            ]
        );
        // What a receiver refuses to start with, the release doesn't serve,
        // and the others are served still.
        let unsigned_url = &settings[..2];
        let served = schemes_served(&lookup(unsigned_url)).unwrap();
        assert_eq!(
            served.iter().map(|(scheme, _)| scheme.provider()).collect::<Vec<_>>(),
            ["kaunt"]
        );
        let nameless = [("CUSTOM_SECRET_ID", "webhooks/acme-pay"), ("CUSTOM_SCHEME", scheme)];
        assert_eq!(
            schemes_served(&lookup(&nameless)).err(),
            Some(ConfigError::Missing("CUSTOM_PROVIDER_NAME"))
        );
        // A name and scheme with no secret serve nothing (the template sets
        // them whether or not Custom is deployed).
        assert!(schemes_served(&lookup(&settings[4..6])).unwrap().is_empty());
    }

    #[test]
    fn a_secret_setting_is_found_in_any_case_and_the_exact_name_wins() {
        let name = secret_setting("smartkyc");
        assert_eq!(name, "SMARTKYC_SECRET_ID");
        let dashed = secret_setting("standard-webhooks");
        assert_eq!(dashed, "STANDARD_WEBHOOKS_SECRET_ID");
        let looped = variables(&[("StandardWebhooks_SECRET_ID", "stack/sw")]);
        assert_eq!(setting_in_any_case(looped, &dashed).as_deref(), Some("stack/sw"));
        let looped = variables(&[("QUEUE_URL", "q"), ("SmartKyc_SECRET_ID", "stack/smartkyc")]);
        assert_eq!(setting_in_any_case(looped, &name).as_deref(), Some("stack/smartkyc"));
        let both = variables(&[("SmartKyc_SECRET_ID", "looped"), ("SMARTKYC_SECRET_ID", "exact")]);
        assert_eq!(setting_in_any_case(both, &name).as_deref(), Some("exact"));
        assert_eq!(setting_in_any_case(variables(&[("KAUNT_SECRET_ID", "k")]), &name), None);
        // Only the secret settings are read in any case.
        assert_eq!(setting_in_any_case(variables(&[("queue_url", "q")]), "QUEUE_URL"), None);
    }
}
