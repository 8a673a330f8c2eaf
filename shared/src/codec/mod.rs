//! Codecs: bytes and text as the schemes read and write them. Hex and
//! base64 in every spelling providers use, PEM as consoles paste it,
//! constant-time comparison, and the strict JSON reader every scheme reads
//! bodies with. Pure functions: nothing here knows a scheme, a setting or
//! AWS.

pub(crate) mod constant_time;
pub(crate) mod encoding;
pub(crate) mod json;
pub(crate) mod pem;
