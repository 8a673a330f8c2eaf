//! Where verified envelopes go: the queue, or an EventBridge bus, as the
//! settings choose ([`crate::config::Destination`]). Receivers and the
//! release function send through this one type, so both always send to
//! the same place in the same form.

use webhook_envelope::Envelope;

use crate::aws::clients::AwsClients;
use crate::aws::event_bus::{EventBusPublisher, OutgoingEntry};
use crate::aws::placement::deliver;
pub use crate::aws::placement::Published;
use crate::aws::queue::{OutgoingMessage, QueuePublisher};
use crate::config::{Destination, Settings};
use crate::error::ReceiveError;

/// The queue's or the bus's publisher.
pub enum Publisher {
    /// `QUEUE_URL`.
    Queue(QueuePublisher),
    /// `EVENT_BUS_NAME`.
    EventBus(EventBusPublisher),
}

/// What carries one envelope: a message for the queue, an entry for the
/// bus, made without the network (see [`crate::pipeline::receive_offline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// For the queue.
    Message(OutgoingMessage),
    /// For the bus.
    Entry(OutgoingEntry),
}

impl Outgoing {
    /// What carries `envelope` to the destination `settings` name.
    pub fn for_settings(envelope: &Envelope, settings: &Settings) -> Result<Self, ReceiveError> {
        match settings.destination {
            Destination::Queue(_) => OutgoingMessage::new(envelope, settings.fifo_queue()).map(Outgoing::Message),
            Destination::EventBus(_) => OutgoingEntry::new(envelope).map(Outgoing::Entry),
        }
    }
}

impl Publisher {
    /// The publisher for the destination `settings` name, through
    /// `clients`, offloading to `PAYLOAD_BUCKET` when it is set.
    pub fn for_settings(clients: &AwsClients, settings: &Settings) -> Self {
        match &settings.destination {
            Destination::Queue(url) => Publisher::Queue(QueuePublisher::new(
                clients.sqs.clone(),
                url.clone(),
                &clients.s3,
                settings,
            )),
            Destination::EventBus(bus) => Publisher::EventBus(EventBusPublisher::new(
                clients.events.clone(),
                bus.clone(),
                &clients.s3,
                settings,
            )),
        }
    }

    /// Opens the connection ahead of the first request (see
    /// [`crate::Receiver::warm_up`]).
    pub(crate) async fn connect(&self) -> Result<(), String> {
        match self {
            Publisher::Queue(queue) => queue.connect().await,
            Publisher::EventBus(bus) => bus.connect().await,
        }
    }

    /// Sends what carries one of `provider`'s envelopes, inline or
    /// through S3 as [`deliver`] says: 2xx may be answered only once this
    /// returned `Ok`.
    pub async fn deliver(&self, provider: &str, outgoing: Outgoing) -> Result<Published, ReceiveError> {
        match (self, outgoing) {
            (Publisher::Queue(queue), Outgoing::Message(message)) => deliver(queue, provider, message).await,
            (Publisher::EventBus(bus), Outgoing::Entry(entry)) => deliver(bus, provider, entry).await,
            // Both are made from the one Settings: never for another.
            _ => Err(ReceiveError::Misconfigured(
                "an envelope was made for another destination".into(),
            )),
        }
    }
}
