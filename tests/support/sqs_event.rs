//! The event Lambda hands an SQS-triggered function, built from messages
//! as SQS returned them.

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::Message;
use serde_json::{json, Map, Value};

/// Lambda's SQS event JSON for `messages` from the queue `queue_arn`,
/// parsed into the type the consumer receives.
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|message| {
            let attributes: Map<String, Value> = message
                .message_attributes()
                .map(|map| {
                    map.iter()
                        .map(|(name, value)| {
                            (
                                name.clone(),
                                json!({
                                    "stringValue": value.string_value(),
                                    "stringListValues": [],
                                    "binaryListValues": [],
                                    "dataType": value.data_type(),
                                }),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": message.message_id(),
                "receiptHandle": message.receipt_handle(),
                "body": message.body(),
                "attributes": system_attributes(message),
                "messageAttributes": attributes,
                "md5OfBody": message.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// `messages` as a FIFO queue delivers them, each in the message group given.
pub fn in_groups(messages: &[Message], groups: &[&str]) -> Vec<Message> {
    messages
        .iter()
        .zip(groups)
        .map(|(message, group)| {
            let mut message = message.clone();
            let mut attributes = message.attributes().cloned().unwrap_or_default();
            attributes.insert(
                aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId,
                (*group).to_owned(),
            );
            message.attributes = Some(attributes);
            message
        })
        .collect()
}

/// A message that is not an envelope, as a stray producer might send.
pub fn stray_message(id: &str) -> Message {
    Message::builder()
        .message_id(id)
        .receipt_handle(format!("handle-{id}"))
        .body("this is not an envelope")
        .build()
}

/// The system attributes Lambda passes on: receive count, timestamp and, on
/// a FIFO queue, the message group.
fn system_attributes(message: &Message) -> Value {
    let mut attributes = json!({ "ApproximateReceiveCount": "1", "SentTimestamp": "1795406400000" });
    let group = message
        .attributes()
        .and_then(|map| map.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId));
    if let Some(group) = group {
        attributes["MessageGroupId"] = json!(group);
    }
    attributes
}
