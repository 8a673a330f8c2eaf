//! The providers we receive from, by the names used everywhere else.

use serde::{Deserialize, Serialize};

/// A webhook provider. Its name is the function's binary name, the
/// envelope's `provider` field and the `provider` message attribute, so that
/// a consumer filtering on the queue and an operator reading the logs see the
/// same word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Kravia (debt collection): MD5 digest inside the body.
    Kravia,
    /// Kaunt (invoice coding): HMAC-SHA256 of the body in a header.
    Kaunt,
    /// receeve / InDebted (claims): RSA or ECDSA signature inside the body.
    Receeve,
    /// Smart KYC (identity checks): hex HMAC-SHA256 of the body in a header.
    #[serde(rename = "smartkyc")]
    SmartKyc,
    /// Codat (accounting data): Standard Webhooks, as sent by Svix.
    Codat,
}

impl Provider {
    /// Every provider, in the order the README lists them.
    pub const ALL: [Provider; 5] = [
        Provider::Kravia,
        Provider::Kaunt,
        Provider::Receeve,
        Provider::SmartKyc,
        Provider::Codat,
    ];

    /// The provider's name as it appears on the wire and in logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Kravia => "kravia",
            Provider::Kaunt => "kaunt",
            Provider::Receeve => "receeve",
            Provider::SmartKyc => "smartkyc",
            Provider::Codat => "codat",
        }
    }

    /// Looks a provider up by its wire name, for tools that take it as input.
    pub fn from_name(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
