//! A secret's values from Secrets Manager (a provider's keys, or the
//! required header's accepted values), parsed once per fetch and cached.
//! One fetch reads `AWSCURRENT` and `AWSPREVIOUS` together; concurrent
//! requests share it; a signature no cached key matches refetches at most
//! once per refresh interval; a failed fetch is answered from memory for a
//! while rather than tried again at once; previous keys verify for a grace
//! period after a rotation. Why each of these, and what they cost a flood
//! of forgeries or an outage: docs/keys.md.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_sdk_secretsmanager::Client;
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::error::ReceiveError;
use crate::schemes::keys::{KeyRing, SecretText, Stage};

/// How long a failed fetch after the TTL is answered from memory before
/// the next try.
pub(crate) const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Error codes that no retry will cure: an operator must act.
const MISCONFIGURATION_CODES: [&str; 4] = [
    "AccessDeniedException",
    "DecryptionFailure",
    "InvalidRequestException",
    "InvalidParameterException",
];

/// One secret's parsed values (keys, or header digests), cached: `K` is what
/// each value is parsed into.
pub struct SecretCache<K> {
    client: Client,
    secret_id: String,
    ttl: Duration,
    refresh_interval: Duration,
    previous_grace: Duration,
    cached: Mutex<Cached<K>>,
}

/// The version ids a ring was parsed from: `AWSCURRENT`'s and
/// `AWSPREVIOUS`'s (if any); `None` when Secrets Manager didn't say, which
/// never counts as the same.
pub type Versions = Option<(String, Option<String>)>;

enum Cached<K> {
    Nothing,
    Keys {
        fetched_at: Instant,
        ring: Arc<KeyRing<K>>,
        versions: Versions,
        /// The last refresh that failed, and how: the cached keys still
        /// serve, and refreshes wait out the interval after it.
        failed_refresh: Option<(Instant, ReceiveError)>,
    },
    Failure {
        failed_at: Instant,
        error: ReceiveError,
    },
}

/// Remembers a failed fetch, from now: beside the cached keys when they
/// go on serving, in their place otherwise.
fn remember_failure<K>(cached: &mut Cached<K>, keep_serving: KeepServing, error: ReceiveError) {
    let now = Instant::now();
    match cached {
        Cached::Keys { failed_refresh, .. } if keep_serving == KeepServing::Yes => {
            *failed_refresh = Some((now, error));
        }
        other => *other = Cached::Failure { failed_at: now, error },
    }
}

/// Whether cached keys go on serving when a fetch fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeepServing {
    /// A refresh: the keys were good a moment ago (`keys` checks the TTL).
    Yes,
    /// The TTL is over: the keys must not be used any longer.
    No,
}

impl<K> Cached<K> {
    fn fetched(ring: Arc<KeyRing<K>>, versions: Versions) -> Self {
        Cached::Keys {
            fetched_at: Instant::now(),
            ring,
            versions,
            failed_refresh: None,
        }
    }
}

/// One staging label's value, as fetched.
struct Fetched {
    text: SecretText,
    version_id: Option<String>,
    created: Option<SystemTime>,
}

impl<K> SecretCache<K> {
    /// A cache for `secret_id`, empty until the first request needs it.
    /// Keys are trusted for `ttl`; a verification failure may fetch them
    /// again once `refresh_interval` has passed since the last fetch;
    /// `AWSPREVIOUS` keys serve for `previous_grace` after the current
    /// version's creation.
    pub(crate) fn new(
        client: Client,
        secret_id: String,
        ttl: Duration,
        refresh_interval: Duration,
        previous_grace: Duration,
    ) -> Self {
        SecretCache {
            client,
            secret_id,
            ttl,
            refresh_interval,
            previous_grace,
            cached: Mutex::new(Cached::Nothing),
        }
    }

    /// A cache for `secret_id` with the TTL, refresh interval and grace
    /// period `settings` give (`SECRET_CACHE_TTL_SECS`,
    /// `KEY_REFRESH_INTERVAL_SECS`, `PREVIOUS_KEY_GRACE_SECS`).
    pub fn for_settings(client: Client, secret_id: String, settings: &Settings) -> Self {
        Self::new(
            client,
            secret_id,
            settings.secret_cache_ttl,
            settings.key_refresh_interval,
            settings.previous_key_grace,
        )
    }

    /// After `tried` verified nothing: newer keys if there are any. `Ok(None)`
    /// when the keys were fetched less than the refresh interval ago, or the
    /// fetch found the versions already held (so the failure stands). If
    /// another request already refreshed, its keys are returned without a
    /// call. A failed fetch is an error (the provider
    /// should retry: its key may be the new one), leaves the cached keys in
    /// place for everyone else, and is answered from memory for the rest
    /// of the interval, so that forgeries during an outage cost no more
    /// calls than forgeries at any other time.
    pub(crate) async fn refresh(
        &self,
        tried: &Arc<KeyRing<K>>,
        parse_key: impl Fn(&str) -> Result<K, String>,
    ) -> Result<Option<Arc<KeyRing<K>>>, ReceiveError> {
        let mut cached = self.cached.lock().await;
        match &*cached {
            Cached::Keys { ring, .. } if !Arc::ptr_eq(ring, tried) => return Ok(Some(Arc::clone(ring))),
            Cached::Keys {
                failed_refresh: Some((failed_at, error)),
                ..
            } if failed_at.elapsed() < self.refresh_interval => return Err(error.clone()),
            Cached::Keys { fetched_at, .. } if fetched_at.elapsed() < self.refresh_interval => return Ok(None),
            Cached::Failure { failed_at, error } if failed_at.elapsed() < RETRY_AFTER_FAILURE => {
                return Err(error.clone())
            }
            _ => {}
        }
        let held = match &*cached {
            Cached::Keys { versions, .. } => Some(versions.clone()),
            _ => None,
        };
        let fresh = self.reload(&mut cached, parse_key, KeepServing::Yes).await?;
        match (&mut *cached, held) {
            (Cached::Keys { versions, ring, .. }, Some(held)) if versions.is_some() && *versions == held => {
                // Nothing new: keep serving the ring the caller already tried.
                *ring = Arc::clone(tried);
                Ok(None)
            }
            _ => Ok(Some(fresh)),
        }
    }

    /// Fetches the keys ahead of the first request (during init), when none
    /// are cached. A failure is returned for the log but not remembered, so
    /// the first request tries again instead of meeting it.
    pub(crate) async fn prefetch(&self, parse_key: impl Fn(&str) -> Result<K, String>) -> Result<(), ReceiveError> {
        let mut cached = self.cached.lock().await;
        if matches!(*cached, Cached::Nothing) {
            let (ring, versions) = self.load(parse_key).await?;
            *cached = Cached::fetched(Arc::new(ring), versions);
        }
        Ok(())
    }

    /// The keys, from the cache while fresh, else fetched and parsed with
    /// `parse_key`. 503 when Secrets Manager fails; 500 when the secret is
    /// missing, forbidden or holds something that isn't a key.
    pub async fn keys(&self, parse_key: impl Fn(&str) -> Result<K, String>) -> Result<Arc<KeyRing<K>>, ReceiveError> {
        let mut cached = self.cached.lock().await;
        match &*cached {
            Cached::Keys { fetched_at, ring, .. } if fetched_at.elapsed() < self.ttl => return Ok(Arc::clone(ring)),
            Cached::Failure { failed_at, error } if failed_at.elapsed() < RETRY_AFTER_FAILURE => {
                return Err(error.clone())
            }
            _ => {}
        }
        self.reload(&mut cached, parse_key, KeepServing::No).await
    }

    /// The secret versions the cached keys came from (`None` when nothing
    /// is cached or Secrets Manager didn't say).
    pub async fn versions(&self) -> Versions {
        match &*self.cached.lock().await {
            Cached::Keys { versions, .. } => versions.clone(),
            _ => None,
        }
    }

    /// Fetches the keys into `cached`. A failure is remembered: beside the
    /// cached keys when they may still serve (a refresh), in their place
    /// otherwise (their TTL is over). The attempt is remembered as a failure
    /// before the call, so that a fetch cut short (the request's deadline
    /// dropped it) still counts, and forgeries can't make one fetch after
    /// another by being cut short.
    async fn reload(
        &self,
        cached: &mut Cached<K>,
        parse_key: impl Fn(&str) -> Result<K, String>,
        keep_serving: KeepServing,
    ) -> Result<Arc<KeyRing<K>>, ReceiveError> {
        let cut_short = ReceiveError::KeysUnavailable("the last key fetch was cut short by a request deadline".into());
        remember_failure(cached, keep_serving, cut_short);
        match self.load(parse_key).await {
            Ok((ring, versions)) => {
                let ring = Arc::new(ring);
                *cached = Cached::fetched(Arc::clone(&ring), versions);
                Ok(ring)
            }
            Err(error) => {
                remember_failure(cached, keep_serving, error.clone());
                Err(error)
            }
        }
    }

    /// Fetches both versions and parses them.
    async fn load(
        &self,
        parse_key: impl Fn(&str) -> Result<K, String>,
    ) -> Result<(KeyRing<K>, Versions), ReceiveError> {
        let started = Instant::now();
        let (current, previous) = tokio::join!(self.fetch(Stage::Current), self.fetch(Stage::Previous));
        let current =
            current?.ok_or_else(|| ReceiveError::Misconfigured("the secret has no AWSCURRENT value".into()))?;
        let previous = previous?;
        let ring = KeyRing::parse(&current.text, previous.as_ref().map(|p| &p.text), parse_key)
            .map_err(|error| ReceiveError::Misconfigured(error.to_string()))?;
        // Without a creation date the grace period can't be measured: the
        // previous keys are then not accepted at all.
        let previous_until = current
            .created
            .and_then(|created| created.checked_add(self.previous_grace))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if current.created.is_none() && previous.is_some() {
            tracing::warn!(secret_id = %self.secret_id, "AWSCURRENT has no creation date: AWSPREVIOUS keys are not accepted");
        }
        let ring = ring.accept_previous_until(previous_until);
        for problem in ring.skipped() {
            tracing::error!(secret_id = %self.secret_id, problem = %problem, "skipped part of the previous secret version");
        }
        tracing::info!(
            keys = ring.len(),
            with_previous = previous.is_some(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "keys loaded from Secrets Manager"
        );
        let versions = current
            .version_id
            .map(|current| (current, previous.and_then(|p| p.version_id)));
        Ok((ring, versions))
    }

    /// One staging label's text; `None` when that label does not exist
    /// (a secret that was never rotated has no `AWSPREVIOUS`).
    async fn fetch(&self, stage: Stage) -> Result<Option<Fetched>, ReceiveError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_stage(stage.label())
            .send()
            .await;
        match result {
            Ok(output) => {
                let text = match output.secret_string() {
                    Some(text) => SecretText::new(text),
                    None => {
                        let binary = output
                            .secret_binary()
                            .map(|blob| blob.as_ref().to_vec())
                            .unwrap_or_default();
                        String::from_utf8(binary).map(SecretText::new).map_err(|_| {
                            ReceiveError::Misconfigured("the secret's binary value is not UTF-8 text".into())
                        })?
                    }
                };
                Ok(Some(Fetched {
                    text,
                    version_id: output.version_id().map(str::to_owned),
                    created: output.created_date().and_then(|date| SystemTime::try_from(*date).ok()),
                }))
            }
            Err(error) => {
                let service_error = error.as_service_error();
                let not_found = matches!(service_error, Some(GetSecretValueError::ResourceNotFoundException(_)));
                let code = service_error.and_then(ProvideErrorMetadata::code).unwrap_or_default();
                if not_found && stage == Stage::Previous {
                    Ok(None)
                } else if not_found {
                    Err(ReceiveError::Misconfigured(format!(
                        "secret {} not found",
                        self.secret_id
                    )))
                } else if MISCONFIGURATION_CODES.contains(&code) {
                    Err(ReceiveError::Misconfigured(format!(
                        "reading secret {}: {code}",
                        self.secret_id
                    )))
                } else {
                    Err(ReceiveError::KeysUnavailable(format!(
                        "reading secret {} ({}): {}",
                        self.secret_id,
                        stage.label(),
                        DisplayErrorContext(&error)
                    )))
                }
            }
        }
    }
}
