//! What Lambda hands a receiver, read: an event turned into a request
//! ([`event`]), and the parts of a request the pipeline reads beside its
//! body and headers ([`request`]). Below the pipeline; the loop that
//! serves requests sits above it ([`crate::runtime`]).

pub(crate) mod event;
pub(crate) mod request;
