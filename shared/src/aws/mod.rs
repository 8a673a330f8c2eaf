//! AWS adapters: the services a receiver calls, each behind one type. The
//! keys' cache over Secrets Manager ([`secret_cache`]), the verified-events
//! queue ([`queue`]) or bus ([`event_bus`]), chosen by [`destination`], the
//! payload bucket for envelopes too large for it
//! ([`payload_store`]), the quarantine bucket ([`quarantine`]), and the
//! clients they share ([`clients`]). Adapters know the domain below them
//! (settings, keys, envelopes, records); nothing below knows them.

pub mod clients;
pub mod destination;
pub mod event_bus;
pub mod payload_store;
pub mod placement;
pub mod quarantine;
pub mod queue;
pub mod secret_cache;

pub use clients::{s3_client, AwsClients, S3Client};
