//! A TLS front for moto, so that a function can be measured talking to AWS
//! as it does on Lambda: over HTTPS, with connections kept alive between
//! calls. It holds a certificate for `127.0.0.1` from a CA made for the
//! run; a function trusts that CA through `SSL_CERT_FILE`, which the SDK's
//! TLS client reads in place of the system's roots.
//!
//! Each request read from a client's connection goes to moto on a fresh
//! connection (moto closes each after one answer); the answer goes back
//! without moto's `Connection: close`, so the client's connection, and its
//! TLS session, stay open for the next call, as with AWS's endpoints.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, RsaKeySize, PKCS_RSA_SHA256};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::AsyncWriteExt;
use tokio_rustls::TlsAcceptor;

use crate::http1::{forward, keeping_alive, read_message, serve_in_background};

/// A running TLS front, on its own thread until the process ends.
pub struct TlsFront {
    /// `https://127.0.0.1:<port>` (an address, so that no name lookup is
    /// timed), to use as the AWS endpoint.
    pub endpoint: String,
    /// The CA certificate (PEM) to trust, for `SSL_CERT_FILE`.
    pub ca_file: PathBuf,
    handshakes: Arc<AtomicUsize>,
}

impl TlsFront {
    /// A front for `upstream` (`http://host:port`), its CA written into `dir`.
    pub fn start(upstream: &str, dir: &Path) -> TlsFront {
        let upstream: SocketAddr = upstream.trim_start_matches("http://").parse().unwrap();
        let (ca_pem, chain, key) = certificates(&dir.display().to_string());
        std::fs::create_dir_all(dir).unwrap();
        let ca_file = dir.join("coldstart-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&handshakes);
        let port = serve_in_background(move |client| {
            let acceptor = acceptor.clone();
            let counted = Arc::clone(&counted);
            async move {
                let _ = client.set_nodelay(true);
                let Ok(mut client) = acceptor.accept(client).await else {
                    return;
                };
                counted.fetch_add(1, Ordering::SeqCst);
                while let Some(request) = read_message(&mut client).await {
                    let Some(answer) = forward(upstream, &request).await.and_then(|a| keeping_alive(&a)) else {
                        return;
                    };
                    if client.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            }
        });
        let endpoint = format!("https://127.0.0.1:{port}");
        TlsFront {
            endpoint,
            ca_file,
            handshakes,
        }
    }

    /// How many TLS handshakes with this front have completed: a client
    /// that trusts its CA opens one per connection.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

/// A root CA's certificate (PEM), and a `127.0.0.1` certificate chain
/// (leaf, intermediate) under it with the leaf's key; `name` tells this
/// front's CAs from others. Shaped as AWS's endpoints present theirs: RSA
/// 2048 throughout, a leaf issued by an intermediate under the root (as
/// Amazon RSA 2048 M0x under Amazon Root CA 1), so that a client verifies
/// the signatures it would verify against AWS.
fn certificates(
    name: &str,
) -> (
    String,
    Vec<rustls::pki_types::CertificateDer<'static>>,
    PrivateKeyDer<'static>,
) {
    let rsa = || KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
    // Distinct names: OpenSSL (Python's ssl) finds an issuer by its name,
    // so a certificate named like its issuer looks self-signed, and two
    // fronts' CAs of one name are mistaken for each other.
    let ca_params = |common_name: String| {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, common_name);
        params
    };
    let (root_key, root_params) = (rsa(), ca_params(format!("coldstart test root {name}")));
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, root_key);

    let (intermediate_key, intermediate_params) = (rsa(), ca_params(format!("coldstart test intermediate {name}")));
    let intermediate = intermediate_params.signed_by(&intermediate_key, &root_issuer).unwrap();
    let intermediate_issuer = Issuer::new(intermediate_params, intermediate_key);

    let key = rsa();
    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf_params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    let leaf = leaf_params.signed_by(&key, &intermediate_issuer).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (root.pem(), vec![leaf.der().clone(), intermediate.der().clone()], key)
}
