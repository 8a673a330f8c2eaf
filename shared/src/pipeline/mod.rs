//! The request pipeline: what happens to one delivery, in order. The
//! checks that need no key ([`screen`], with the optional fences in
//! [`defences`]), verifying and sealing the envelope ([`seal`], with the unsigned
//! headers consumers route by from [`unsigned`]), the queue,
//! and the answer ([`answer`]); a delivery refused for its key is kept
//! ([`keep`]); every request writes one line ([`request_line`]).
//! [`receiver`] runs the steps within the request's deadline. The pipeline
//! is the only layer that knows them all; the Lambda runtime
//! ([`crate::runtime`]) is the only one above it. The single steps are
//! reached from outside through [`crate::internals`].

pub(crate) mod answer;
mod defences;
mod keep;
mod receiver;
pub(crate) mod request_line;
pub(crate) mod screen;
pub(crate) mod seal;
mod unsigned;

pub use receiver::Receiver;
pub use seal::{receive_offline, Received};
