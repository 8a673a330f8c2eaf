//! The sample events in `events/`: what each one is, and how it is made
//! from the test keys in `events/test-keys/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use webhook_receiver::schemes::signing::Message;
use webhook_receiver::schemes::PRESETS;

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
    /// Headers the provider sends beside the signature, unsigned (GitHub's
    /// `X-GitHub-Event`), which the envelope carries for consumers to
    /// route by.
    pub unsigned_headers: &'static [(&'static str, &'static str)],
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
            unsigned_headers: &[],
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

    const fn sent_with(self, unsigned_headers: &'static [(&'static str, &'static str)]) -> Sample {
        Sample {
            unsigned_headers,
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

/// Every sample: two or more event types for each provider the stack
/// deploys by default and one genuine delivery for each other preset; a
/// forgery for every preset.
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
    // Every other preset: one genuine delivery and one forgery each.
    Sample::genuine(
        "stripe",
        "payment-intent-succeeded",
        r#"{"id":"evt_1SampleStripe00","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_3SampleStripe00","amount":2000,"currency":"eur"}}}"#,
    ),
    Sample::genuine(
        "stripe",
        "forged",
        r#"{"id":"evt_1ForgedStripe00","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_forged","amount":2000}}}"#,
    )
    .forged(Forgery::WrongKey("whsec_guessed-secret")),
    Sample::genuine(
        "github",
        "pull-request-opened",
        r#"{"action":"opened","number":42,"pull_request":{"title":"Add a preset"},"repository":{"full_name":"acme/webhooks"},"sender":{"login":"octocat"}}"#,
    )
    .sent_with(&[
        ("x-github-event", "pull_request"),
        ("x-github-delivery", "0b5ac6e0-d3a1-11f0-8a3e-1c2f6d1e0a42"),
        ("x-github-hook-id", "561240319"),
        ("x-github-hook-installation-target-type", "repository"),
        ("x-github-hook-installation-target-id", "1296269"),
    ]),
    Sample::genuine(
        "github",
        "forged",
        r#"{"action":"closed","number":42,"repository":{"full_name":"acme/webhooks"},"sender":{"login":"octocat"}}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""action":"closed""#,
        to: r#""action":"merged""#,
    }),
    Sample::genuine(
        "shopify",
        "order-created",
        r#"{"id":820982911946154508,"email":"jon@example.com","total_price":"199.00","currency":"EUR"}"#,
    )
    .sent_with(&[
        ("x-shopify-topic", "orders/create"),
        ("x-shopify-shop-domain", "acme-store.myshopify.com"),
        ("x-shopify-webhook-id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
        ("x-shopify-event-id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
        ("x-shopify-api-version", "2025-10"),
        ("x-shopify-triggered-at", "2026-11-23T04:00:00.000Z"),
    ]),
    Sample::genuine(
        "shopify",
        "forged",
        r#"{"id":820982911946154509,"email":"jon@example.com","total_price":"0.00","currency":"EUR"}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "slack",
        "app-mention",
        r#"{"team_id":"T0SAMPLE","api_app_id":"A0SAMPLE","type":"event_callback","event_id":"Ev0SAMPLE01","event":{"type":"app_mention","user":"U0SAMPLE","text":"hello"}}"#,
    ),
    Sample::genuine(
        "slack",
        "forged",
        r#"{"team_id":"T0SAMPLE","type":"event_callback","event_id":"Ev0SAMPLE02","event":{"type":"app_mention","text":"hello"}}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""text":"hello""#,
        to: r#""text":"goodbye""#,
    }),
    Sample::genuine(
        "standard-webhooks",
        "invoice-paid",
        r#"{"type":"invoice.paid","timestamp":"2026-11-23T04:00:00Z","data":{"invoice":"in_sample_1","amount":1200}}"#,
    ),
    Sample::genuine(
        "standard-webhooks",
        "forged",
        r#"{"type":"invoice.paid","timestamp":"2026-11-23T04:00:00Z","data":{"invoice":"in_forged","amount":1200}}"#,
    )
    .forged(Forgery::WrongKey("whsec_Z3Vlc3NlZC1zZWNyZXQtZ3Vlc3NlZC1zZWNyZXQ=")),
    Sample::genuine(
        "svix",
        "user-created",
        r#"{"type":"user.created","data":{"id":"user_2SampleSvix","email_addresses":[]}}"#,
    ),
    Sample::genuine(
        "svix",
        "forged",
        r#"{"type":"user.deleted","data":{"id":"user_2SampleSvix"}}"#,
    )
    .forged(Forgery::Tampered {
        from: "user_2SampleSvix",
        to: "user_2SomeoneElse",
    }),
    Sample::genuine(
        "paddle",
        "transaction-completed",
        r#"{"event_id":"evt_01sample00paddle","event_type":"transaction.completed","occurred_at":"2026-11-23T04:00:00.000000Z","notification_id":"ntf_01sample00paddle","data":{"id":"txn_01sample00paddle"}}"#,
    ),
    Sample::genuine(
        "paddle",
        "forged",
        r#"{"event_id":"evt_01forged00paddle","event_type":"subscription.canceled","notification_id":"ntf_01forged00paddle","data":{}}"#,
    )
    .forged(Forgery::WrongKey("pdl_ntfset_guessed")),
    Sample::genuine(
        "mux",
        "asset-ready",
        r#"{"type":"video.asset.ready","id":"3a56ac3d-33da-4366-855b-f592d898409d","object":{"type":"asset","id":"asset_sample"}}"#,
    ),
    Sample::genuine(
        "mux",
        "forged",
        r#"{"type":"video.asset.deleted","id":"0b1c2d3e-0000-4000-8000-000000000001","object":{"type":"asset","id":"asset_sample"}}"#,
    )
    .forged(Forgery::Tampered {
        from: "asset.deleted",
        to: "asset.ready",
    }),
    Sample::genuine(
        "calendly",
        "invitee-created",
        r#"{"event":"invitee.created","created_at":"2026-11-23T04:00:00.000000Z","payload":{"uri":"https://api.calendly.com/scheduled_events/sample/invitees/1"}}"#,
    ),
    Sample::genuine(
        "calendly",
        "forged",
        r#"{"event":"invitee.canceled","created_at":"2026-11-23T04:00:00.000000Z","payload":{}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "square",
        "payment-updated",
        r#"{"merchant_id":"MLSAMPLE00","type":"payment.updated","event_id":"6a8f5f28-54a1-4eb0-a98a-3111513fd4fc","created_at":"2026-11-23T04:00:00Z","data":{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY"}}"#,
    ),
    Sample::genuine(
        "square",
        "forged",
        r#"{"merchant_id":"MLSAMPLE00","type":"refund.created","event_id":"00000000-0000-4000-8000-000000000002","data":{"type":"refund","id":"forged"}}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""id":"forged""#,
        to: r#""id":"forged-too""#,
    }),
    Sample::genuine(
        "sendgrid",
        "delivered",
        r#"[{"email":"customer@example.com","event":"delivered","sg_event_id":"sg_sample_1","timestamp":1795406400}]"#,
    ),
    Sample::genuine(
        "sendgrid",
        "forged",
        r#"[{"email":"customer@example.com","event":"bounce","sg_event_id":"sg_sample_2","timestamp":1795406400}]"#,
    )
    .forged(Forgery::Tampered {
        from: r#""event":"bounce""#,
        to: r#""event":"open""#,
    }),
    Sample::genuine(
        "wise",
        "transfer-state-change",
        r#"{"data":{"resource":{"id":49983981,"type":"transfer"},"current_state":"outgoing_payment_sent","previous_state":"processing","occurred_at":"2026-11-23T04:00:00Z"},"subscription_id":"90aa8e14-4ef1-4a56-861c-f3c9cde097ea","event_type":"transfers#state-change","schema_version":"2.0.0","sent_at":"2026-11-23T04:00:00Z"}"#,
    ),
    Sample::genuine(
        "wise",
        "forged",
        r#"{"data":{"resource":{"id":49983982,"type":"transfer"},"current_state":"cancelled"},"event_type":"transfers#state-change","schema_version":"2.0.0"}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""cancelled""#,
        to: r#""outgoing_payment_sent""#,
    }),
    Sample::genuine(
        "paystack",
        "charge-success",
        r#"{"event":"charge.success","data":{"id":302961,"reference":"qTPrJoy9Bx","amount":10000,"currency":"NGN"}}"#,
    ),
    Sample::genuine(
        "paystack",
        "forged",
        r#"{"event":"charge.success","data":{"id":302962,"reference":"forged","amount":10000000}}"#,
    )
    .forged(Forgery::WrongKey("sk_test_guessed")),
    Sample::genuine(
        "onfido",
        "check-completed",
        r#"{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"f2302f45-227d-413d-ad61-09ec077a086a","status":"complete"}}}"#,
    ),
    Sample::genuine(
        "onfido",
        "forged",
        r#"{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"forged","status":"complete","result":"consider"}}}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""consider""#,
        to: r#""clear""#,
    }),
    Sample::genuine(
        "lemonsqueezy",
        "order-created",
        r#"{"meta":{"event_name":"order_created","test_mode":true},"data":{"type":"orders","id":"1","attributes":{"total":999}}}"#,
    ),
    Sample::genuine(
        "lemonsqueezy",
        "forged",
        r#"{"meta":{"event_name":"order_refunded","test_mode":true},"data":{"type":"orders","id":"2"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "meta",
        "whatsapp-message",
        r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","messages":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=","type":"text"}]}}]}]}"#,
    ),
    Sample::genuine(
        "meta",
        "forged",
        r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[]}]}"#,
    )
    .forged(Forgery::WrongKey("guessed-app-secret")),
    Sample::genuine(
        "zoom",
        "meeting-started",
        r#"{"event":"meeting.started","event_ts":1795406400000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"85746065432","topic":"Weekly sync"}}}"#,
    ),
    Sample::genuine(
        "zoom",
        "forged",
        r#"{"event":"meeting.ended","event_ts":1795406400000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"85746065432"}}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret-token")),
    Sample::genuine(
        "dropbox",
        "list-folder",
        r#"{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},"delta":{"users":[12345678]}}"#,
    ),
    Sample::genuine(
        "dropbox",
        "forged",
        r#"{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngd"]},"delta":{"users":[12345679]}}"#,
    )
    .forged(Forgery::WrongKey("guessed-app-secret")),
    Sample::genuine(
        "intercom",
        "conversation-created",
        r#"{"type":"notification_event","id":"notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3","topic":"conversation.user.created","app_id":"a86dr8yl","data":{"item":{"type":"conversation","id":"147"}}}"#,
    ),
    Sample::genuine(
        "intercom",
        "forged",
        r#"{"type":"notification_event","id":"notif_forged","topic":"conversation.admin.closed","app_id":"a86dr8yl","data":{"item":{"type":"conversation","id":"147"}}}"#,
    )
    .forged(Forgery::WrongKey("guessed-client-secret")),
    Sample::genuine(
        "discord",
        "slash-command",
        r#"{"application_id":"1180000000000000000","id":"1180000000000000002","token":"aW50ZXJhY3Rpb24tdG9rZW4","type":2,"data":{"id":"1180000000000000009","name":"status","type":1},"version":1}"#,
    ),
    Sample::genuine(
        "discord",
        "forged",
        r#"{"application_id":"1180000000000000000","id":"1180000000000000003","token":"dG9rZW4","type":2,"data":{"name":"ban"},"version":1}"#,
    )
    .forged(Forgery::Tampered {
        from: r#""name":"ban""#,
        to: r#""name":"bam""#,
    }),
    // Forms, which API Gateway's HTTP API hands over base64-encoded.
    Sample::genuine(
        "twilio",
        "message-received",
        "ToCountry=US&SmsMessageSid=SM1f0e8ae6ade43cb3c0ce4525424e404f&NumMedia=0&Body=Is+my+order+shipped%3F&From=%2B15017122661&To=%2B15558675310&MessageSid=SM1f0e8ae6ade43cb3c0ce4525424e404f&AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01",
    )
    .base64(),
    Sample::genuine(
        "twilio",
        "forged",
        "Body=Send+me+the+refund&From=%2B15017122661&To=%2B15558675310&MessageSid=SMforged&AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    )
    .base64()
    .forged(Forgery::WrongKey("guessed-auth-token")),
    Sample::genuine(
        "mandrill",
        "message-opened",
        "mandrill_events=%5B%7B%22event%22%3A%22open%22%2C%22_id%22%3A%22e8a1f1c3b9f24c56a0a3e2c1d4b5a6f7%22%2C%22ts%22%3A1795406400%2C%22msg%22%3A%7B%22email%22%3A%22customer%40example.com%22%7D%7D%5D",
    )
    .base64(),
    Sample::genuine(
        "mandrill",
        "forged",
        "mandrill_events=%5B%7B%22event%22%3A%22click%22%2C%22ts%22%3A1795406400%7D%5D",
    )
    .base64()
    .forged(Forgery::WrongKey("guessed-webhook-key")),
    Sample::genuine(
        "twitch",
        "channel-follow",
        r#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2","status":"enabled","condition":{"broadcaster_user_id":"1337"}},"event":{"user_id":"1234","user_login":"cool_user","broadcaster_user_id":"1337","followed_at":"2026-11-23T04:00:00.000Z"}}"#,
    ),
    Sample::genuine(
        "twitch",
        "forged",
        r#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2","status":"enabled","condition":{"broadcaster_user_id":"1337"}},"event":{"user_id":"1234","user_login":"cool_user","broadcaster_user_id":"1337","followed_at":"2026-11-23T05:00:00.000Z"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "zendesk",
        "user-created",
        r#"{"type":"zen:event-type:user.created","account_id":12514403,"id":"2b5a7b4f-9e0d-4c3b-8a1f-5d6e7f8a9b0c","time":"2026-11-23T04:00:00Z","zendesk_event_version":"2022-11-06","subject":"zen:user:1234","detail":{"id":"1234","role":"end-user"}}"#,
    ),
    Sample::genuine(
        "zendesk",
        "forged",
        r#"{"type":"zen:event-type:user.created","account_id":12514403,"id":"2b5a7b4f-9e0d-4c3b-8a1f-5d6e7f8a9b0c","time":"2026-11-23T05:00:00Z","zendesk_event_version":"2022-11-06","subject":"zen:user:1234","detail":{"id":"1234","role":"end-user"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "linear",
        "issue-created",
        r#"{"action":"create","type":"Issue","createdAt":"2026-11-23T04:00:00.000Z","organizationId":"org_1","webhookTimestamp":1795406400000,"data":{"id":"issue_1","identifier":"ENG-42","title":"Webhook presets"}}"#,
    ),
    Sample::genuine(
        "linear",
        "forged",
        r#"{"action":"create","type":"Issue","createdAt":"2026-11-23T05:00:00.000Z","organizationId":"org_1","webhookTimestamp":1795406400000,"data":{"id":"issue_1","identifier":"ENG-42","title":"Webhook presets"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "sentry",
        "issue-created",
        r#"{"action":"created","installation":{"uuid":"7a485448-a9e2-4c85-8a3c-4f44175783c9"},"data":{"issue":{"id":"1117540176","shortId":"WEBHOOKS-1","title":"TypeError"}},"actor":{"type":"application","id":"sentry"}}"#,
    ),
    Sample::genuine(
        "sentry",
        "forged",
        r#"{"action":"created","installation":{"uuid":"7a485448-a9e2-4c85-8a3c-4f44175783c9"},"data":{"issue":{"id":"1117540176","shortId":"WEBHOOKS-1","title":"TypeError"}},"actor":{"type":"application","id":"sentry"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "vercel",
        "deployment-created",
        r#"{"id":"evt_vercel_1","type":"deployment.created","createdAt":1795406400000,"payload":{"deployment":{"id":"dpl_1","url":"webhooks-git-main.vercel.app"}}}"#,
    ),
    Sample::genuine(
        "vercel",
        "forged",
        r#"{"id":"evt_vercel_1","type":"deployment.created","createdAt":1795406401000,"payload":{"deployment":{"id":"dpl_1","url":"webhooks-git-main.vercel.app"}}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "typeform",
        "form-response",
        r#"{"event_id":"01J9Z8X7W6V5U4T3S2R1Q0P9N8","event_type":"form_response","form_response":{"form_id":"lT4Z3j","submitted_at":"2026-11-23T04:00:00Z","answers":[]}}"#,
    ),
    Sample::genuine(
        "typeform",
        "forged",
        r#"{"event_id":"01J9Z8X7W6V5U4T3S2R1Q0P9N8","event_type":"form_response","form_response":{"form_id":"lT4Z3j","submitted_at":"2026-11-23T05:00:00Z","answers":[]}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "docusign",
        "envelope-completed",
        r#"{"event":"envelope-completed","apiVersion":"v2.1","uri":"/restapi/v2.1/accounts/1/envelopes/2","configurationId":10,"generatedDateTime":"2026-11-23T04:00:00.000Z","data":{"accountId":"1","envelopeId":"93be49ab-afa0-4adf-933c-f752070d71ec"}}"#,
    ),
    Sample::genuine(
        "docusign",
        "forged",
        r#"{"event":"envelope-completed","apiVersion":"v2.1","uri":"/restapi/v2.1/accounts/1/envelopes/2","configurationId":10,"generatedDateTime":"2026-11-23T05:00:00.000Z","data":{"accountId":"1","envelopeId":"93be49ab-afa0-4adf-933c-f752070d71ec"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "bitbucket",
        "repo-push",
        r#"{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"709d658dc5b6d6afcd46049c2f332ee3f515a67d"}}}]},"repository":{"full_name":"acme/webhooks"},"actor":{"display_name":"Octo"}}"#,
    ),
    Sample::genuine(
        "bitbucket",
        "forged",
        r#"{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"709d658dc5b6d6afcd46049c2f332ee3f515a67d"}}}]},"repository":{"full_name":"acme/webhooks"},"actor":{"display_name":"Octo"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "pagerduty",
        "incident-triggered",
        r#"{"event":{"id":"01DEN7KY1VL2H0DBLXUBTW7V9W","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2026-11-23T04:00:00.000Z","data":{"id":"PGR0VU2","type":"incident","title":"Queue depth"}}}"#,
    ),
    Sample::genuine(
        "pagerduty",
        "forged",
        r#"{"event":{"id":"01DEN7KY1VL2H0DBLXUBTW7V9W","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2026-11-23T05:00:00.000Z","data":{"id":"PGR0VU2","type":"incident","title":"Queue depth"}}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "coinbase-commerce",
        "charge-confirmed",
        r#"{"attempt_number":1,"event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6","resource":"event","type":"charge:confirmed","api_version":"2018-03-22","created_at":"2026-11-23T04:00:00Z","data":{"code":"66BEOV2A","name":"Order 42"}}}"#,
    ),
    Sample::genuine(
        "coinbase-commerce",
        "forged",
        r#"{"attempt_number":1,"event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6","resource":"event","type":"charge:confirmed","api_version":"2018-03-22","created_at":"2026-11-23T05:00:00Z","data":{"code":"66BEOV2A","name":"Order 42"}}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "razorpay",
        "payment-captured",
        r#"{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_DESlfW9H8K9uqM","amount":100,"currency":"INR"}}},"created_at":1795406400}"#,
    ),
    Sample::genuine(
        "razorpay",
        "forged",
        r#"{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_DESlfW9H8K9uqM","amount":100,"currency":"INR"}}},"created_at":1795406401}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "checkout",
        "payment-captured",
        r#"{"id":"evt_az5sblvku4ge3dwpztvyizgcau","type":"payment_captured","version":"1.0.20","created_on":"2026-11-23T04:00:00Z","data":{"id":"pay_mbabizu24mvu3mela5njyhpit4","amount":10000,"currency":"GBP"}}"#,
    ),
    Sample::genuine(
        "checkout",
        "forged",
        r#"{"id":"evt_az5sblvku4ge3dwpztvyizgcau","type":"payment_captured","version":"1.0.20","created_on":"2026-11-23T05:00:00Z","data":{"id":"pay_mbabizu24mvu3mela5njyhpit4","amount":10000,"currency":"GBP"}}"#,
    )
    .forged(Forgery::WrongKey("guessed-secret")),
    Sample::genuine(
        "airtable",
        "base-changed",
        r#"{"base":{"id":"appZXWv1A2B3C4D5E"},"webhook":{"id":"achW8xvt1ZXgmWDJ7"},"timestamp":"2026-11-23T04:00:00.000Z"}"#,
    ),
    Sample::genuine(
        "airtable",
        "forged",
        r#"{"base":{"id":"appZXWv1A2B3C4D5E"},"webhook":{"id":"achW8xvt1ZXgmWDJ7"},"timestamp":"2026-11-23T05:00:00.000Z"}"#,
    )
    .forged(Forgery::WrongKey("Z3Vlc3NlZC1zZWNyZXQ=")),
    Sample::genuine(
        "clerk",
        "user-created",
        r#"{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","first_name":"Example"},"object":"event","type":"user.created","timestamp":1795406400000}"#,
    ),
    Sample::genuine(
        "clerk",
        "forged",
        r#"{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","first_name":"Example"},"object":"event","type":"user.created","timestamp":1795406401000}"#,
    )
    .forged(Forgery::WrongKey("whsec_Z3Vlc3NlZC1zZWNyZXQ=")),
    Sample::genuine(
        "resend",
        "email-delivered",
        r#"{"type":"email.delivered","created_at":"2026-11-23T04:00:00.000Z","data":{"email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@resend.dev>","subject":"Sending this example"}}"#,
    ),
    Sample::genuine(
        "resend",
        "forged",
        r#"{"type":"email.delivered","created_at":"2026-11-23T05:00:00.000Z","data":{"email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@resend.dev>","subject":"Sending this example"}}"#,
    )
    .forged(Forgery::WrongKey("whsec_Z3Vlc3NlZC1zZWNyZXQ=")),
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
    /// Wise, the P-256 one for SendGrid, the Ed25519 one for Discord,
    /// Kravia's key for `tenant`,
    /// otherwise the shared secret.
    pub fn signing_key(&self, provider: &str, tenant: Option<&str>) -> Result<String, ToolError> {
        match provider {
            "receeve" | "wise" => read(&self.dir.join("receeve-private.pem")),
            "sendgrid" => read(&self.dir.join("sendgrid-private.pem")),
            "discord" => read(&self.dir.join("discord-private.pem")),
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
    request.headers.extend(
        sample
            .unsigned_headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
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
/// and event files in the provider folders that no sample describes. A
/// signature that differs is not staleness when the scheme signs with
/// randomness (ECDSA) and the file's signature verifies, as genuine or
/// forged as the sample says.
pub fn stale_samples(events_dir: &Path, keys: &TestKeys) -> Result<Vec<PathBuf>, ToolError> {
    let mut stale = Vec::new();
    for sample in SAMPLES {
        let path = events_dir.join(sample.relative_path());
        let written = std::fs::read_to_string(&path).ok();
        let rendered = render(sample, keys)?;
        let fresh = match &written {
            Some(written) => *written == rendered || same_but_for_a_fresh_signature(sample, keys, written, &rendered)?,
            None => false,
        };
        if !fresh {
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

/// Whether `written` is `rendered` but for the signature, which is still
/// what the sample says it is: made by its key, or a forgery.
fn same_but_for_a_fresh_signature(
    sample: &Sample,
    keys: &TestKeys,
    written: &str,
    rendered: &str,
) -> Result<bool, ToolError> {
    use webhook_receiver::schemes::keys::{KeyRing, SecretText};
    use webhook_receiver::schemes::Scheme;

    let scheme = preset_scheme(sample.provider, SAMPLE_SIGNED_URL)?;
    let (Ok(mut written_event), Ok(rendered_event)) = (
        serde_json::from_str::<serde_json::Value>(written),
        serde_json::from_str::<serde_json::Value>(rendered),
    ) else {
        return Ok(false);
    };
    for name in scheme.signature_headers() {
        let value = rendered_event
            .get("headers")
            .and_then(|headers| headers.get(name.as_str()));
        let headers = written_event
            .get_mut("headers")
            .and_then(|headers| headers.as_object_mut());
        if let (Some(headers), Some(value)) = (headers, value) {
            headers.insert(name.clone(), value.clone());
        }
    }
    if written_event != rendered_event {
        return Ok(false);
    }
    let Some(request) = webhook_receiver::internals::read_event(written)
        .ok()
        .and_then(|read| read.into_request())
    else {
        return Ok(false);
    };
    let secret = SecretText::new(keys.secret(sample.provider)?);
    let Ok(ring) = KeyRing::parse(&secret, None, |key| scheme.parse_key(key)) else {
        return Ok(false);
    };
    let settings = webhook_receiver::Settings::from_lookup(|name| {
        matches!(name, "SECRET_ID" | "QUEUE_URL").then(|| "sample".to_owned())
    })
    .map_err(|error| ToolError::Usage(error.to_string()))?;
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(SAMPLE_TIMESTAMP);
    let verifies = webhook_receiver::receive_offline(&scheme, &settings, &request, &ring, at).is_ok();
    Ok(verifies == sample.forgery.is_none())
}

fn read(path: &Path) -> Result<String, ToolError> {
    std::fs::read_to_string(path).map_err(|source| ToolError::Io {
        path: path.to_path_buf(),
        source,
    })
}
