//! Codecs: bytes and text as the schemes read and write them. Hex and
//! base64 in every spelling providers use, PEM as consoles paste it,
//! constant-time comparison, the strict JSON reader every scheme reads
//! bodies with, and form bodies read as strictly. Pure functions: nothing here knows a scheme, a setting or
//! AWS.

pub(crate) mod constant_time;
pub(crate) mod encoding;
pub(crate) mod form;
pub(crate) mod json;
pub(crate) mod pem;
