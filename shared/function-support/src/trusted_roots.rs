//! Which certificate authorities the functions trust when they call AWS:
//! Amazon Trust Services' five roots, built into the binary
//! (`aws_roots.pem`), unless `SSL_CERT_FILE` or `SSL_CERT_DIR` is set (not
//! blank), which hands the choice to the operator. Why: docs/choices.md
//! ("Which roots does the SDK trust?"); what it saved: BENCHMARKS.md.

use aws_config::ConfigLoader;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Builder;

use crate::setting::{process_env, value};

/// Amazon Trust Services' roots, PEM, as the system's store carries them.
const AWS_ROOTS: &[u8] = include_bytes!("aws_roots.pem");

/// The settings that hand the choice of roots to the operator.
const OPERATOR_ROOTS: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// `loader` with the SDK's HTTPS client (rustls over aws-lc, as its
/// default is) trusting the roots this module's policy picks for the
/// process's environment.
pub(crate) fn trusting_aws_roots(loader: ConfigLoader) -> ConfigLoader {
    let builder = Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    let trust_store = trust_store(|name| value(&process_env, name).is_some());
    match TlsContext::builder().with_trust_store(trust_store).build() {
        Ok(context) => loader.http_client(builder.tls_context(context).build_https()),
        // Building a context from a trust store can't fail today. If it
        // ever did, the SDK's default client would serve, trusting the
        // system's roots: wider, so it is said.
        Err(error) => {
            tracing::warn!(error = %error, "the built-in roots could not be set; the SDK trusts the system's roots");
            loader
        }
    }
}

/// The trust store for an environment in which `is_set` says which
/// variables are set (to something other than blanks, as every setting).
fn trust_store(is_set: impl Fn(&str) -> bool) -> TrustStore {
    if OPERATOR_ROOTS.iter().any(|name| is_set(name)) {
        TrustStore::default()
    } else {
        TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(AWS_ROOTS)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    use super::*;

    /// A certificate block's DER.
    fn der(block: &str) -> Vec<u8> {
        let body = block
            .split("-----BEGIN CERTIFICATE-----")
            .nth(1)
            .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
            .unwrap();
        let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(base64).unwrap()
    }

    /// The SHA-256 fingerprints Amazon Trust Services publishes for its
    /// roots (amazontrust.com/repository), in the file's order.
    const PUBLISHED: [&str; 5] = [
        "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
        "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
        "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
        "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
        "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services Root G2
    ];

    #[test]
    fn the_built_in_roots_are_exactly_amazons_published_ones() {
        let text = std::str::from_utf8(AWS_ROOTS).unwrap();
        let blocks: Vec<&str> = text
            .split_inclusive("-----END CERTIFICATE-----")
            .filter(|block| block.contains("BEGIN CERTIFICATE"))
            .collect();
        let fingerprints: Vec<String> = blocks
            .iter()
            .map(|block| hex::encode(Sha256::digest(der(block))))
            .collect();
        assert_eq!(fingerprints, PUBLISHED);
    }

    #[test]
    fn amazons_roots_alone_unless_the_operator_names_roots() {
        let ours = format!("{:?}", trust_store(|_| false));
        assert!(ours.contains("enable_native_roots: false"), "{ours}");
        assert_eq!(ours.matches("CertificatePEM").count(), 1, "{ours}");
        for name in OPERATOR_ROOTS {
            let theirs = format!("{:?}", trust_store(|set| set == name));
            assert!(theirs.contains("enable_native_roots: true"), "{name}: {theirs}");
            assert_eq!(theirs.matches("CertificatePEM").count(), 0, "{name}: {theirs}");
        }
    }
}
