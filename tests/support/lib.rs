//! What the integration tests share: a real `moto_server`, AWS clients
//! configured as the receivers configure theirs, per-test queues and
//! secrets, request builders and a log capture; and, for the tests that
//! run the built binaries, a Lambda Runtime API emulator, TLS fronts and
//! the way to start a function as Lambda does (which the cold-start lab in
//! `benchmarks/coldstart` uses too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod bus;
pub mod fault_proxy;
pub mod function;
pub mod http1;
pub mod logs;
pub mod moto;
pub mod requests;
pub mod runtime_api;
pub mod signers;
pub mod sqs_event;
pub mod tls_front;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use aws_sdk_sqs::config::{Credentials, Region};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use webhook_receiver::aws::quarantine::{QuarantineStore, QuarantinedDelivery};
use webhook_receiver::aws::S3Client;
use webhook_receiver::schemes::{AnyScheme, Scheme};
use webhook_receiver::{Envelope, Receiver, Settings};

/// The preset `name`'s own name, for as long as the tests run.
pub fn preset_name(name: &str) -> &'static str {
    webhook_receiver::schemes::Preset::named(name).unwrap().name
}

/// The preset `name`'s scheme, as a receiver makes it (with `SIGNED_URL`
/// the samples are signed for).
pub fn preset(name: &str) -> AnyScheme {
    sign_event::preset_scheme(name, sign_event::SAMPLE_SIGNED_URL).unwrap()
}

/// A memory figure of a process in KiB, from `/proc/<pid>/status` (Linux):
/// `field` is `VmRSS` (resident now) or `VmHWM` (peak resident); `pid`
/// `None` is this process.
pub fn memory_kib(pid: Option<u32>, field: &str) -> u64 {
    let path = pid.map_or_else(|| "/proc/self/status".to_owned(), |pid| format!("/proc/{pid}/status"));
    let status = std::fs::read_to_string(path).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// An endpoint that accepts connections and never answers: AWS hanging.
pub fn hanging_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// A settings change that keeps refused deliveries in `bucket`, at most
/// `writes_per_second`.
pub fn quarantine_in(bucket: &str, writes_per_second: u32) -> impl FnOnce(&mut Settings) {
    let bucket = bucket.to_owned();
    move |settings| {
        settings.quarantine = Some(webhook_receiver::config::QuarantineSettings {
            bucket,
            writes_per_second,
        })
    }
}

/// A settings change that sends envelopes too large for the queue (or
/// larger than `threshold`) to `bucket`.
pub fn payloads_in(bucket: &str, threshold: usize) -> impl FnOnce(&mut Settings) {
    let bucket = bucket.to_owned();
    move |settings| settings.payload = Some(webhook_receiver::config::PayloadSettings { bucket, threshold })
}

/// A settings change that puts events on the bus `name` instead of the
/// queue.
pub fn on_the_bus(name: &str) -> impl FnOnce(&mut Settings) {
    let name = name.to_owned();
    move |settings| settings.destination = webhook_receiver::config::Destination::EventBus(name)
}

/// The workspace root, for `events/`.
pub fn workspace_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The receivers' own SDK configuration, pointed at `endpoint` with dummy
/// credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    function_support::sdk::sdk_config_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "integration-tests"))
        .load()
        .await
}

/// A queue and a secret of one test's own on the shared moto server.
pub struct Fixture {
    /// The SDK configuration receivers built from this fixture use.
    pub aws: SdkConfig,
    /// For reading the queue as a consumer would.
    pub sqs: aws_sdk_sqs::Client,
    /// For putting, rotating and deleting the secret.
    pub secrets: aws_sdk_secretsmanager::Client,
    /// For the quarantine bucket.
    pub s3: aws_sdk_s3::Client,
    /// This test's queue.
    pub queue_url: String,
    /// This test's secret (created by [`Fixture::put_secret`]).
    pub secret_id: String,
}

/// One message as a consumer receives it.
#[derive(Debug)]
pub struct Queued {
    /// SQS's id for the message.
    pub message_id: String,
    /// The body's text, as a consumer in any language gets it; for a
    /// pointer message, the object it points to.
    pub body: String,
    /// For a pointer message: its own body, and the bucket and key it
    /// names.
    pub pointer: Option<(String, String, String)>,
    /// The body as the shared crate's envelope type.
    pub envelope: Envelope,
    /// The body as plain JSON, to check field names.
    pub json: serde_json::Value,
    /// The message attributes' string values.
    pub attributes: BTreeMap<String, String>,
    /// FIFO only.
    pub group_id: Option<String>,
    /// FIFO only.
    pub deduplication_id: Option<String>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Fixture {
    /// A fresh standard queue and an unset secret name.
    pub async fn new(name: &str) -> Self {
        Self::with_queue(name, false, &[]).await
    }

    /// A fresh queue (FIFO if asked) with extra attributes.
    pub async fn with_queue(name: &str, fifo: bool, attributes: &[(QueueAttributeName, &str)]) -> Self {
        let aws = sdk_config(&moto::server().endpoint).await;
        let sqs = aws_sdk_sqs::Client::new(&aws);
        let secrets = aws_sdk_secretsmanager::Client::new(&aws);
        let s3 = webhook_receiver::aws::s3_client(&aws);
        let unique = format!("{name}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let queue_name = if fifo { format!("{unique}.fifo") } else { unique.clone() };
        let mut create = sqs.create_queue().queue_name(queue_name);
        if fifo {
            create = create.attributes(QueueAttributeName::FifoQueue, "true");
        }
        for (attribute, value) in attributes {
            create = create.attributes(attribute.clone(), *value);
        }
        let queue_url = create.send().await.unwrap().queue_url().unwrap().to_owned();
        Fixture {
            aws,
            sqs,
            secrets,
            s3,
            queue_url,
            secret_id: format!("webhooks/{unique}"),
        }
    }

    /// Creates the secret, or puts a new current value (the old one becomes
    /// `AWSPREVIOUS`, as in a rotation).
    pub async fn put_secret(&self, text: &str) {
        let created = self
            .secrets
            .create_secret()
            .name(&self.secret_id)
            .secret_string(text)
            .send()
            .await;
        if created.is_err() {
            self.secrets
                .put_secret_value()
                .secret_id(&self.secret_id)
                .secret_string(text)
                .send()
                .await
                .unwrap();
        }
    }

    /// A payload bucket of this test's own; its name.
    pub async fn payload_bucket(&self) -> String {
        let bucket = format!(
            "payloads-{}",
            self.secret_id.trim_start_matches("webhooks/").to_ascii_lowercase()
        );
        self.s3.create_bucket().bucket(&bucket).send().await.unwrap();
        bucket
    }

    /// The keys of every object in `bucket`.
    pub async fn objects_in(&self, bucket: &str) -> Vec<String> {
        let listed = self.s3.list_objects_v2().bucket(bucket).send().await.unwrap();
        listed
            .contents()
            .iter()
            .filter_map(|object| object.key().map(str::to_owned))
            .collect()
    }

    /// An object's text.
    pub async fn object_text(&self, bucket: &str, key: &str) -> String {
        let object = self.s3.get_object().bucket(bucket).key(key).send().await.unwrap();
        String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap()
    }

    /// A quarantine bucket of this test's own; its name.
    pub async fn quarantine_bucket(&self) -> String {
        let bucket = format!(
            "quarantine-{}",
            self.secret_id.trim_start_matches("webhooks/").to_ascii_lowercase()
        );
        self.s3.create_bucket().bucket(&bucket).send().await.unwrap();
        bucket
    }

    /// The store that owns the layout of the quarantine `bucket`.
    pub fn quarantine_store(&self, bucket: &str) -> QuarantineStore {
        QuarantineStore::new(S3Client::Made(self.s3.clone()), bucket.to_owned())
    }

    /// Every delivery of `provider` kept in `bucket`, by object name, read
    /// through the store that owns the bucket's layout.
    pub async fn quarantined(&self, bucket: &str, provider: &str) -> Vec<(String, QuarantinedDelivery)> {
        let store = self.quarantine_store(bucket);
        let mut listing = store.list(provider, None);
        let mut records = Vec::new();
        while let Some(page) = listing.next_page().await {
            for object in page.unwrap() {
                let record = store.read(&object.name).await.unwrap();
                records.push((object.name, record));
            }
        }
        records
    }

    /// The secret's current version, as Secrets Manager answers a receiver.
    pub async fn current_secret(&self) -> aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput {
        self.secrets
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .unwrap()
    }

    /// Puts `provider`'s test keys (as the sample events are signed) in the
    /// secret.
    pub async fn put_test_keys(&self, provider: &str) {
        self.put_secret(&requests::test_keys().secret(provider).unwrap()).await;
    }

    /// Deletes the secret at once.
    pub async fn delete_secret(&self) {
        self.secrets
            .delete_secret()
            .secret_id(&self.secret_id)
            .force_delete_without_recovery(true)
            .send()
            .await
            .unwrap();
    }

    /// Settings naming this fixture's secret and queue, defaults elsewhere.
    pub fn settings(&self) -> Settings {
        let (secret, queue) = (self.secret_id.clone(), self.queue_url.clone());
        Settings::from_lookup(|name| match name {
            "SECRET_ID" => Some(secret.clone()),
            "QUEUE_URL" => Some(queue.clone()),
            _ => None,
        })
        .unwrap()
    }

    /// The real receiver for `scheme`, on this fixture's secret and queue.
    pub fn receiver<S: Scheme>(&self, scheme: S) -> Receiver<S> {
        Receiver::new(scheme, self.settings(), &self.aws)
    }

    /// The same with settings changed by `adjust`.
    pub fn receiver_with<S: Scheme>(&self, scheme: S, adjust: impl FnOnce(&mut Settings)) -> Receiver<S> {
        self.receiver_through(&self.aws, scheme, adjust)
    }

    /// The same, reaching AWS as `aws` says (through a proxy, say).
    pub fn receiver_through<S: Scheme>(
        &self,
        aws: &SdkConfig,
        scheme: S,
        adjust: impl FnOnce(&mut Settings),
    ) -> Receiver<S> {
        let mut settings = self.settings();
        adjust(&mut settings);
        Receiver::new(scheme, settings, aws)
    }

    /// The release function for this fixture's secret (as `provider`'s)
    /// and queue, with `settings` beside those or in their place
    /// (`QUARANTINE_BUCKET`, `PAYLOAD_BUCKET`, another `QUEUE_URL`, …).
    pub fn release(&self, provider: &str, settings: &[(&str, &str)]) -> release::Release {
        self.release_through(&self.aws, provider, settings)
    }

    /// The same, reaching AWS as `aws` says (through a proxy, say).
    pub fn release_through(&self, aws: &SdkConfig, provider: &str, settings: &[(&str, &str)]) -> release::Release {
        let mut lookup: Vec<(String, String)> = settings
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        lookup.push(("QUEUE_URL".into(), self.queue_url.clone()));
        lookup.push((release::secret_setting(provider), self.secret_id.clone()));
        release::Release::new(webhook_receiver::aws::AwsClients::new(aws), move |name| {
            lookup
                .iter()
                .find(|(setting, _)| setting == name)
                .map(|(_, value)| value.clone())
        })
        .unwrap()
    }

    /// Everything on the queue, removed from it, as the SDK returns it.
    pub async fn drain_raw(&self) -> Vec<Message> {
        drained(&self.sqs, &self.queue_url).await
    }

    /// Everything on the queue, removed from it, read as a consumer would:
    /// a pointer message (marked `ExtendedPayloadSize`, as AWS's extended
    /// clients mark it) read as the extended clients read it, by the
    /// documented format written out here, not by this code's reader.
    pub async fn drain(&self) -> Vec<Queued> {
        let mut queued = Vec::new();
        for message in self.drain_raw().await {
            let mut body = message.body().unwrap().to_owned();
            let attributes = message.message_attributes().cloned().unwrap_or_default();
            let pointer = match attributes.get("ExtendedPayloadSize") {
                None => None,
                Some(size) => {
                    assert_eq!(size.data_type(), "Number");
                    let pointer: serde_json::Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(pointer[0], "software.amazon.payloadoffloading.PayloadS3Pointer");
                    let (bucket, key) = (
                        pointer[1]["s3BucketName"].as_str().unwrap().to_owned(),
                        pointer[1]["s3Key"].as_str().unwrap().to_owned(),
                    );
                    let object = self.object_text(&bucket, &key).await;
                    assert_eq!(size.string_value(), Some(object.len().to_string().as_str()));
                    Some((std::mem::replace(&mut body, object), bucket, key))
                }
            };
            let system_value = |name: MessageSystemAttributeName| {
                message
                    .attributes()
                    .and_then(|map| map.get(&name))
                    .map(String::to_owned)
            };
            queued.push(Queued {
                message_id: message.message_id().unwrap().to_owned(),
                envelope: serde_json::from_str(&body).unwrap(),
                json: serde_json::from_str(&body).unwrap(),
                body,
                pointer,
                attributes: attributes
                    .iter()
                    .filter(|(name, _)| name.as_str() != "ExtendedPayloadSize")
                    .map(|(k, v)| (k.clone(), v.string_value().unwrap_or_default().to_owned()))
                    .collect(),
                group_id: system_value(MessageSystemAttributeName::MessageGroupId),
                deduplication_id: system_value(MessageSystemAttributeName::MessageDeduplicationId),
            });
        }
        queued
    }
}

/// Everything on `queue_url`, removed from it, as the SDK returns it
/// (with every attribute).
pub async fn drained(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Message> {
    let mut all = Vec::new();
    loop {
        let output = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        let messages = output.messages().to_vec();
        if messages.is_empty() {
            return all;
        }
        for message in &messages {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
        all.extend(messages);
    }
}
