//! The sample events in `events/`: what each one is, and how it is made
//! from the test keys in `events/test-keys/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use webhook_receiver::schemes::PRESETS;
use webhook_receiver::signing::Message;

use crate::request::{api_gateway_event, preset_scheme, sign, EventOptions, SAMPLE_SIGNED_URL};
use crate::ToolError;

/// The time the committed samples are signed at. Those of schemes that
/// sign a timestamp expire after its tolerance: `scripts/local-run` sends
/// each sample rendered again at the time it sends it ([`render_at`]).
pub const SAMPLE_TIMESTAMP: u64 = 1_795_406_400;

/// How a forged sample was forged.
#[derive(Debug, Clone, Copy)]
pub enum Forgery {
    /// Signed with a key the receiver doesn't have.
    WrongKey(&'static str),
    /// Signed with the right key, then the first `from` in the body
    /// replaced by `to` (for receeve: the unsigned `payload` swapped).
    Tampered {
        /// Text the genuine body has.
        from: &'static str,
        /// What the forger put instead.
        to: &'static str,
    },
}

/// One sample event.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Whose function it is for: a preset's name.
    pub provider: &'static str,
    /// File stem under `events/<provider>/`.
    pub name: &'static str,
    /// What [`sign`] takes: the body, Kravia's `data` or receeve's `payload`.
    pub input: &'static str,
    /// The route's `{tenant}`, selecting a named key.
    pub tenant: Option<&'static str>,
    /// Whether API Gateway delivers the body base64-encoded.
    pub base64_body: bool,
    /// `None` for a genuine delivery.
    pub forgery: Option<Forgery>,
}

impl Sample {
    /// Where the sample lives below the events directory.
    pub fn relative_path(&self) -> PathBuf {
        PathBuf::from(self.provider).join(format!("{}.json", self.name))
    }

    const fn genuine(provider: &'static str, name: &'static str, input: &'static str) -> Sample {
        Sample {
            provider,
            name,
            input,
            tenant: None,
            base64_body: false,
            forgery: None,
        }
    }

    const fn forged(self, forgery: Forgery) -> Sample {
        Sample {
            forgery: Some(forgery),
            ..self
        }
    }

    const fn for_tenant(self, tenant: &'static str) -> Sample {
        Sample {
            tenant: Some(tenant),
            ..self
        }
    }

    const fn base64(self) -> Sample {
        Sample {
            base64_body: true,
            ..self
        }
    }
}

/// Every sample: two or more event types per provider, and one forgery.
pub const SAMPLES: &[Sample] = &[
    Sample::genuine(
        "kravia",
        "case-update",
        r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":123443}"#,
    )
    .for_tenant("acme"),
    Sample::genuine(
        "kravia",
        "invoice-update",
        r#"{"timestamp":1795406460,"eventType":"InvoiceUpdate","invoiceId":98211,"creditor":"Bäckerei Müller"}"#,
    )
    .for_tenant("globex"),
    Sample::genuine(
        "kravia",
        "forged",
        r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":666}"#,
    )
    .for_tenant("acme")
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "kaunt",
        "proposal-completed",
        r#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","Url":"https://api.kaunt.com/v1/tenants/a9f76627-30b0-4ea4-915e-882b6f5f189e/companies/kaunt/invoicecodingproposals/2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","CompanyName":"kaunt","CorrelationId":"e7f382eb-5339-45a7-ba57-64a6dd860338","EventType":"InvoiceCodingProposalProcessingCompleted"}"#,
    ),
    Sample::genuine(
        "kaunt",
        "document-ai-ready",
        r#"{"Id":"7d0c7a4e-1f4b-4a53-9c1e-2f6f1d0f9b11","Url":"https://api.kaunt.com/v1/tenants/a9f76627-30b0-4ea4-915e-882b6f5f189e/documentai/7d0c7a4e-1f4b-4a53-9c1e-2f6f1d0f9b11","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","CompanyName":"kaunt","CorrelationId":"0b5e9d7e-8a40-4d8e-a0a4-1c2b3d4e5f60","EventType":"DocumentAIDocumentResultReady"}"#,
    )
    .base64(),
    Sample::genuine(
        "kaunt",
        "forged",
        r#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","EventType":"ModelReady"}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "receeve",
        "claim-created",
        r#"{"details":{"messageType":"event.claim.created.v1","accountReference":"PDN-922-Oct14-0001","claimRef":"PDN-922-claim-Oct14-00010","receeveClaimRef":"PDN-922-claim-Oct14-00010","amount":501,"currency":"EUR","dueDate":"2021-10-07"},"messageId":"09feeb6f-350a-430a-a040-cd1c558cbc91","timestamp":"2021-10-14T15:33:16.848Z","user":{"id":"USER_ID","poolId":"POOL_ID","originator":"ClientAPI"}}"#,
    ),
    Sample::genuine(
        "receeve",
        "claim-updated",
        r#"{"details":{"messageType":"event.claim.updated.v1","claimRef":"PDN-922-claim-Oct14-00010","amount":450,"currency":"EUR"},"messageId":"5b1f0c8e-2d7a-4c39-9f0e-7a6b5c4d3e21","timestamp":"2021-10-15T09:12:01.002Z"}"#,
    ),
    Sample::genuine(
        "receeve",
        "forged",
        r#"{"details":{"messageType":"event.claim.created.v1","claimRef":"PDN-922-claim-Oct14-00011","amount":501,"currency":"EUR"},"messageId":"f3a4b5c6-0000-4000-8000-000000000001","timestamp":"2021-10-14T15:40:00.000Z"}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""amount":501"#,
        to: r#""amount":5010"#,
    }),
    Sample::genuine(
        "smartkyc",
        "submission-completed",
        r#"{"event":"submission.completed","timestamp":"2026-11-23T04:00:00Z","data":{"submissionId":"sub_123456","invitationId":"inv_123456","customerEmail":"customer@example.com","workflowId":"wf_123456","status":"completed","submittedAt":"2026-11-23T04:00:00Z"},"tenantId":"tenant_123456"}"#,
    ),
    Sample::genuine(
        "smartkyc",
        "aml-match-found",
        r#"{"event":"aml.match.found","timestamp":"2026-11-23T04:01:00Z","data":{"submissionId":"sub_123456","matchType":"sanctions","matchScore":0.95,"matchedName":"John Doe","sourceList":"OFAC","riskLevel":"high"},"tenantId":"tenant_123456"}"#,
    ),
    Sample::genuine(
        "smartkyc",
        "forged",
        r#"{"event":"submission.approved","timestamp":"2026-11-23T04:02:00Z","data":{"submissionId":"sub_654321","status":"rejected"},"tenantId":"tenant_123456"}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""status":"rejected""#,
        to: r#""status":"approved""#,
    }),
    Sample::genuine(
        "codat",
        "read-completed",
        r#"{"id":"743ec94a-8aa4-44bb-8bd4-e1855ee0e74b","eventType":"read.completed","generatedDate":"2026-11-23T04:00:00Z","payload":{"referenceCompany":{"id":"0f6a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b","name":"Toft stores"},"dataTypes":["invoices"]}}"#,
    ),
    Sample::genuine(
        "codat",
        "company-created",
        r#"{"id":"ba29118f-5406-4e59-b05c-ba307ca38d01","eventType":"company.created","generatedDate":"2026-11-23T04:05:00Z","payload":{"id":"0f6a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b","name":"Toft stores"}}"#,
    ),
    Sample::genuine(
        "codat",
        "forged",
        r#"{"id":"11111111-2222-4333-8444-555555555555","eventType":"company.created","generatedDate":"2026-11-23T04:06:00Z","payload":{"id":"attacker","name":"Not Codat"}}"#,
    )
    .forged(Forgery::WrongKey("whsec_Z3Vlc3NlZC1zZWNyZXQtZ3Vlc3NlZC1zZWNyZXQ=")),
];

/// The documented test keys in `events/test-keys/`.
#[derive(Debug, Clone)]
pub struct TestKeys {
    dir: PathBuf,
}

impl TestKeys {
    /// The keys in `dir` (normally `events/test-keys`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TestKeys { dir: dir.into() }
    }

    /// What the provider's Secrets Manager secret holds: for receeve the
    /// public key, for the others the shared secret (Kravia: one per tenant).
    pub fn secret(&self, provider: &str) -> Result<String, ToolError> {
        let file = match provider {
            "kravia" => "kravia.json".to_owned(),
            "receeve" | "wise" => "receeve-public.pem".to_owned(),
            other => format!("{other}.txt"),
        };
        read(&self.dir.join(file))
    }

    /// The key a provider signs with: the RSA private key for receeve and
    /// Wise, the P-256 one for SendGrid, Kravia's key for `tenant`,
    /// otherwise the shared secret.
    pub fn signing_key(&self, provider: &str, tenant: Option<&str>) -> Result<String, ToolError> {
        match provider {
            "receeve" | "wise" => read(&self.dir.join("receeve-private.pem")),
            "sendgrid" => read(&self.dir.join("sendgrid-private.pem")),
            "kravia" => {
                let keys: BTreeMap<String, String> = serde_json::from_str(&self.secret(provider)?)?;
                let tenant = tenant.unwrap_or("acme");
                keys.get(tenant)
                    .cloned()
                    .ok_or_else(|| ToolError::Usage(format!("no Kravia test key for tenant {tenant}")))
            }
            _ => Ok(self.secret(provider)?.trim().to_owned()),
        }
    }
}

/// The event file's text for `sample`, signed with `keys` at
/// [`SAMPLE_TIMESTAMP`].
pub fn render(sample: &Sample, keys: &TestKeys) -> Result<String, ToolError> {
    render_at(sample, keys, SAMPLE_TIMESTAMP)
}

/// The event file's text for `sample`, signed with `keys` at `timestamp`
/// (Unix seconds): a genuine sample stays genuine and a forgery forged,
/// whenever it is sent.
pub fn render_at(sample: &Sample, keys: &TestKeys, timestamp: u64) -> Result<String, ToolError> {
    let key = match sample.forgery {
        Some(Forgery::WrongKey(key)) => key.to_owned(),
        _ => keys.signing_key(sample.provider, sample.tenant)?,
    };
    let message_id = format!("msg_sample_{}", sample.name.replace('-', "_"));
    let options = Message {
        id: &message_id,
        timestamp,
    };
    let scheme = preset_scheme(sample.provider, SAMPLE_SIGNED_URL)?;
    let mut request = sign(&scheme, &key, sample.input, &options)?;
    if let Some(Forgery::Tampered { from, to }) = sample.forgery {
        request.body = request.body.replacen(from, to, 1);
    }
    let request_id = format!("sample-{}-{}", sample.provider, sample.name);
    let event = api_gateway_event(
        &request,
        &EventOptions {
            tenant: sample.tenant,
            base64_body: sample.base64_body,
            request_id: &request_id,
        },
    );
    Ok(serde_json::to_string_pretty(&event)? + "\n")
}

/// Writes every sample below `events_dir`.
pub fn write_samples(events_dir: &Path, keys: &TestKeys) -> Result<Vec<PathBuf>, ToolError> {
    let mut written = Vec::new();
    for sample in SAMPLES {
        let path = events_dir.join(sample.relative_path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ToolError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, render(sample, keys)?).map_err(|source| ToolError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Sample files that are missing or differ from what [`render`] makes now,
/// and event files in the provider folders that no sample describes.
pub fn stale_samples(events_dir: &Path, keys: &TestKeys) -> Result<Vec<PathBuf>, ToolError> {
    let mut stale = Vec::new();
    for sample in SAMPLES {
        let path = events_dir.join(sample.relative_path());
        if std::fs::read_to_string(&path).ok() != Some(render(sample, keys)?) {
            stale.push(path);
        }
    }
    for preset in PRESETS {
        let Ok(entries) = std::fs::read_dir(events_dir.join(preset.name)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let known = SAMPLES
                .iter()
                .any(|sample| events_dir.join(sample.relative_path()) == path);
            if !known {
                stale.push(path);
            }
        }
    }
    Ok(stale)
}

fn read(path: &Path) -> Result<String, ToolError> {
    std::fs::read_to_string(path).map_err(|source| ToolError::Io {
        path: path.to_path_buf(),
        source,
    })
}
