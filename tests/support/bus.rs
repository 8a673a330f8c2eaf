//! An EventBridge bus of one test's own on moto, with rules that send
//! what they match to SQS queues (moto delivers a rule's events to its SQS
//! targets at once), an archive, and replays of it.

use aws_config::SdkConfig;
use aws_sdk_eventbridge::types::{ReplayDestination, Target};
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client as SqsClient;
use serde_json::Value;

/// A bus and the client that made it.
pub struct Bus {
    /// Its name, as `EVENT_BUS_NAME` gives it.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// For rules, archives and replays.
    pub client: aws_sdk_eventbridge::Client,
    sqs: SqsClient,
}

impl Bus {
    /// A fresh bus named after `label` and this process.
    pub async fn new(aws: &SdkConfig, label: &str) -> Bus {
        let client = aws_sdk_eventbridge::Client::new(aws);
        let name = format!("{label}-{}", std::process::id());
        let created = client.create_event_bus().name(&name).send().await.unwrap();
        Bus {
            arn: created.event_bus_arn().unwrap().to_owned(),
            name,
            client,
            sqs: SqsClient::new(aws),
        }
    }

    /// A fresh bus whose rule `everything` sends every event of ours (source
    /// `webhook.*`) to the queue at `queue_url`, as the stack's default rule
    /// does.
    pub async fn to_queue(aws: &SdkConfig, label: &str, queue_url: &str) -> Bus {
        let bus = Bus::new(aws, label).await;
        let everything = serde_json::json!({"source": [{"prefix": "webhook."}]});
        bus.route("everything", &everything, queue_url).await;
        bus
    }

    /// A rule named `rule` sending the events `pattern` matches to the
    /// queue at `queue_url`.
    pub async fn route(&self, rule: &str, pattern: &Value, queue_url: &str) {
        let queue_arn = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes()
            .unwrap()[&QueueAttributeName::QueueArn]
            .clone();
        self.client
            .put_rule()
            .name(rule)
            .event_bus_name(&self.name)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        self.client
            .put_targets()
            .rule(rule)
            .event_bus_name(&self.name)
            .targets(Target::builder().id("queue").arn(queue_arn).build().unwrap())
            .send()
            .await
            .unwrap();
    }

    /// An archive of every event on the bus; its ARN.
    pub async fn archive(&self, name: &str) -> String {
        let created = self
            .client
            .create_archive()
            .archive_name(name)
            .event_source_arn(&self.arn)
            .send()
            .await
            .unwrap();
        created.archive_arn().unwrap().to_owned()
    }

    /// Replays everything `archive_arn` holds into the bus, as `aws
    /// events start-replay` does (moto replays at once).
    pub async fn replay(&self, name: &str, archive_arn: &str) {
        let now = aws_sdk_eventbridge::primitives::DateTime::from(std::time::SystemTime::now());
        let hour_ago = aws_sdk_eventbridge::primitives::DateTime::from_secs(now.secs() - 3600);
        self.client
            .start_replay()
            .replay_name(name)
            .event_source_arn(archive_arn)
            .event_start_time(hour_ago)
            .event_end_time(now)
            .destination(ReplayDestination::builder().arn(&self.arn).build().unwrap())
            .send()
            .await
            .unwrap();
    }
}

/// The events a rule delivered to `queue_url`, removed from it, as JSON.
pub async fn delivered(sqs: &SqsClient, queue_url: &str) -> Vec<Value> {
    crate::drained(sqs, queue_url)
        .await
        .iter()
        .map(|message| serde_json::from_str(message.body().unwrap()).unwrap())
        .collect()
}
