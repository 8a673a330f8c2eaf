//! One release run: provider by provider, each kept delivery verified
//! again with the receivers' own code ([`webhook_receiver::receive_offline`])
//! against the provider's current keys and its recorded arrival, queued as
//! the receiver would have queued it, and only then deleted; what still
//! fails stays. Each delivery is read once per change of what verification
//! depends on ([`fingerprint`]), and a run stops before its deadline, the
//! next going on where it stopped ([`crate::progress`]). Why each of these,
//! and what a run can and can't lose: docs/quarantine.md ("Released").

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use function_support::time::unix_millis;
use serde_json::Value;
use sha2::{Digest, Sha256};
use webhook_receiver::aws::destination::Publisher;
use webhook_receiver::aws::quarantine::{KeptObject, QuarantineStore, Unreadable};
use webhook_receiver::aws::secret_cache::{SecretCache, Versions};
use webhook_receiver::aws::AwsClients;
use webhook_receiver::schemes::keys::KeyRing;
use webhook_receiver::schemes::Scheme;
use webhook_receiver::{receive_offline, ReceiveError, Settings};

use crate::counts::Counts;
use crate::error::ReleaseError;
use crate::event::providers_asked;
use crate::metric_line::release_line;
use crate::progress::Progress;
use crate::settings::Served;

/// How long before the invocation's deadline a run stops taking new
/// deliveries, to note its progress and write its lines.
pub const STOP_MARGIN: Duration = Duration::from_secs(20);

/// The release function's configuration and clients.
pub struct Release {
    /// For the keys, the destination and the payload bucket.
    clients: AwsClients,
    store: QuarantineStore,
    served: Served,
}

impl Release {
    /// Reads the settings through `lookup` (the environment, in Lambda).
    pub fn new(clients: AwsClients, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ReleaseError> {
        let served = Served::from_lookup(lookup)?;
        Ok(Release {
            store: QuarantineStore::new(clients.s3.clone(), served.bucket.clone()),
            clients,
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
            .providers
            .iter()
            .map(|(scheme, settings)| (scheme.provider(), settings.secret_id.as_str()))
            .collect();
        let asked = providers_asked(event, &secrets)?;
        let from_scratch = event.get("all").and_then(Value::as_bool).unwrap_or(false);
        let mut answer = BTreeMap::new();
        for (done, provider) in asked.iter().enumerate() {
            let Some((scheme, settings)) = self.served.provider(provider) else {
                continue;
            };
            let share = deadline.map(|deadline| {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .saturating_sub(STOP_MARGIN);
                Instant::now() + left / u32::try_from(asked.len() - done).unwrap_or(1)
            });
            let pass = Pass {
                until: share,
                from_scratch,
            };
            // Boxed: inline, one pass's future makes the whole run's type
            // deeper than the compiler follows.
            let (counts, oldest_kept) = Box::pin(self.release(scheme, settings, pass)).await;
            release_line(&settings.metrics_namespace, provider, &counts, oldest_kept).write();
            answer.insert(provider.clone(), counts);
        }
        Ok(answer)
    }

    /// One pass over one provider's quarantine: the counts, and the
    /// arrival of the oldest delivery seen still kept.
    async fn release<S: Scheme + std::fmt::Debug>(
        &self,
        scheme: &S,
        settings: &Settings,
        pass: Pass,
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
        let stored = self.store.progress(provider).await;
        let mut progress = Progress::resume(stored, &fingerprint, pass.from_scratch, SystemTime::now());
        let tried_before = progress.tried_before();
        let destination = Publisher::for_settings(&self.clients, settings);
        let mut listing = self.store.list(provider, progress.after());
        let (mut tried, mut finished) = (0_u64, false);
        'pages: loop {
            let page = match listing.next_page().await {
                None => {
                    finished = true;
                    break;
                }
                Some(Ok(page)) => page,
                Some(Err(error)) => {
                    tracing::error!(provider, error = %error, "the quarantine could not be listed");
                    counts.failed += 1;
                    break;
                }
            };
            for KeptObject { name, written_at } in page {
                // At least one delivery a run, so that every run gets on.
                if tried > 0 && pass.until.is_some_and(|until| Instant::now() >= until) {
                    break 'pages;
                }
                let outcome = if written_at
                    .zip(tried_before)
                    .is_some_and(|(written, before)| written < before)
                {
                    // Tried already with what verification depends on now.
                    Outcome::Refused
                } else {
                    tried += 1;
                    self.release_one(scheme, settings, &ring, &destination, &name).await
                };
                match outcome {
                    Outcome::Released { offloaded } => {
                        counts.released += 1;
                        counts.offloaded += u64::from(offloaded);
                    }
                    Outcome::Refused => counts.refused += 1,
                    Outcome::Failed => counts.failed += 1,
                    Outcome::Gone => {}
                }
                if matches!(outcome, Outcome::Refused | Outcome::Failed) {
                    oldest_kept = written_at.into_iter().chain(oldest_kept).min();
                }
                progress.handled(&name, matches!(outcome, Outcome::Failed));
            }
        }
        if finished {
            progress.finish();
        }
        tracing::info!(provider, tried, finished, "quarantined deliveries tried");
        // Best effort: without it, the next run starts a pass from scratch.
        if let Err(error) = self.store.record_progress(provider, &progress).await {
            tracing::warn!(provider, error = %error, "the release's progress was not stored");
        }
        (counts, oldest_kept)
    }

    /// Verifies, queues and deletes one quarantined delivery.
    async fn release_one<S: Scheme>(
        &self,
        scheme: &S,
        settings: &Settings,
        keys: &KeyRing<S::Key>,
        destination: &Publisher,
        name: &str,
    ) -> Outcome {
        let provider = scheme.provider();
        let request = match self.store.read(name).await {
            Ok(record) if record.provider == provider => {
                record.request().map(|request| (request, record.received_at()))
            }
            Ok(_) | Err(Unreadable::NotARecord) => None,
            Err(Unreadable::Gone) => return Outcome::Gone,
            Err(Unreadable::Failed(error)) => {
                tracing::error!(provider, object = name, error = %error, "a quarantined delivery could not be read");
                return Outcome::Failed;
            }
        };
        let Some((request, received_at)) = request else {
            tracing::warn!(
                provider,
                object = name,
                "not a quarantined delivery a receiver writes: left alone"
            );
            return Outcome::Refused;
        };
        let (envelope, message) = match receive_offline(scheme, settings, &request, keys, received_at) {
            Ok(received) if received.queued() => (received.envelope, received.message),
            // A handshake's check is long over: nothing to queue or answer.
            Ok(_) => {
                tracing::info!(provider, object = name, "a handshake, not a delivery: kept");
                return Outcome::Refused;
            }
            Err(refusal) => {
                tracing::info!(provider, object = name, reason = %refusal, "still refused: kept");
                return Outcome::Refused;
            }
        };
        let published = match destination.deliver(provider, message).await {
            Ok(published) => published,
            // Too large for the queue, and no payload bucket: no retry
            // helps until one is set (which changes the fingerprint).
            Err(refusal @ ReceiveError::EnvelopeTooLarge { .. }) => {
                tracing::warn!(provider, object = name, reason = %refusal, "still refused: kept");
                return Outcome::Refused;
            }
            Err(error) => {
                tracing::error!(provider, object = name, error = %error, "not queued: kept for the next release");
                return Outcome::Failed;
            }
        };
        if let Err(error) = self.store.delete(name).await {
            // Queued: the next release queues it again, a duplicate with the
            // same event id, which consumers skip.
            tracing::error!(provider, object = name, error = %error, "queued, but not deleted");
            return Outcome::Failed;
        }
        tracing::info!(
            provider,
            object = name,
            event_id = %envelope.event_id,
            message_id = %published.message_id,
            payload_object = published.offloaded.as_ref().map_or("", |pointer| pointer.s3_key.as_str()),
            received_at = %envelope.received_at,
            "released"
        );
        Outcome::Released {
            offloaded: published.offloaded.is_some(),
        }
    }
}

/// How one pass goes over one provider's quarantine.
#[derive(Debug, Clone, Copy)]
struct Pass {
    /// When to stop taking new deliveries.
    until: Option<Instant>,
    /// Whether to try everything again, whatever was tried before.
    from_scratch: bool,
}

/// What became of one quarantined delivery.
enum Outcome {
    /// Queued (through the payload bucket, when `offloaded`) and deleted.
    Released {
        offloaded: bool,
    },
    Refused,
    Failed,
    /// Released by another run meanwhile.
    Gone,
}

/// What verification depends on besides a delivery itself: the secret's
/// versions, the receivers' settings that judge it, the scheme as its
/// description and settings made it (a fixed `SIGNED_URL` or `SCHEME`
/// must try every kept delivery again), and the code that verifies
/// ([`webhook_receiver::SOURCE_DIGEST`]).
fn fingerprint(versions: &Versions, settings: &Settings, scheme: &impl std::fmt::Debug) -> String {
    fingerprint_of_code(versions, settings, scheme, webhook_receiver::SOURCE_DIGEST)
}

/// Lowercase hex SHA-256, the fingerprint's spelling.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// [`fingerprint`], for verification made of the sources `code` digests.
fn fingerprint_of_code(versions: &Versions, settings: &Settings, scheme: &impl std::fmt::Debug, code: &str) -> String {
    let judged_by = serde_json::json!([
        versions,
        sha256_hex(format!("{scheme:?}").as_bytes()),
        settings.timestamp_tolerance.map(|tolerance| tolerance.as_secs()),
        settings.previous_key_grace.as_secs(),
        settings.body_limit(),
        code,
    ]);
    // Unknown versions match nothing: every run tries everything.
    match versions {
        Some(_) => sha256_hex(judged_by.to_string().as_bytes()),
        None => format!("unknown-{}", unix_millis(SystemTime::now())),
    }
}

#[cfg(test)]
mod tests {
    use webhook_receiver::schemes::Preset;

    use super::*;

    #[test]
    fn the_fingerprint_changes_with_the_code_that_verifies_and_nothing_else_of_the_build() {
        let settings =
            Settings::from_lookup(|name| matches!(name, "SECRET_ID" | "QUEUE_URL").then(|| format!("{name}-value")))
                .unwrap();
        let scheme = Preset::named("kaunt").unwrap().scheme(|_| None).unwrap();
        let versions: Versions = Some(("v2".to_owned(), Some("v1".to_owned())));
        let this_build = fingerprint(&versions, &settings, &scheme);
        assert_eq!(
            this_build,
            fingerprint(&versions, &settings, &scheme),
            "stable for one build"
        );
        assert_eq!(
            this_build,
            fingerprint_of_code(&versions, &settings, &scheme, webhook_receiver::SOURCE_DIGEST)
        );
        // A build whose verification sources differ (a fixed scheme, a
        // changed preset) tries every kept delivery again, whatever the
        // package's version says.
        let other_sources = sha256_hex(b"another verification");
        assert_ne!(
            this_build,
            fingerprint_of_code(&versions, &settings, &scheme, &other_sources)
        );
        assert_eq!(webhook_receiver::SOURCE_DIGEST.len(), 64);
        assert_ne!(
            webhook_receiver::SOURCE_DIGEST,
            sha256_hex(env!("CARGO_PKG_VERSION").as_bytes())
        );
    }
}
