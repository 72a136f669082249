//! HTTPS: a certificate chain and its private key from PEM files (rustls with its `ring`
//! provider). The handshakes run in `conn`, each in its own task with a time limit
//! ([`crate::Limits::tls_handshake_timeout`]) and under [`crate::Limits::max_tls_handshakes`]; a
//! failed or late handshake is logged (debug) and its connection dropped.

use std::fmt;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// A server certificate chain and its private key, ready to serve HTTPS (HTTP/1.1 by ALPN).
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConfig { .. }")
    }
}

/// Why a certificate or key cannot be used; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(String);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

impl TlsConfig {
    /// From a PEM certificate chain (the server's certificate first; other blocks are skipped)
    /// and a PEM private key (the first `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`
    /// block: PKCS#8, PKCS#1 or SEC1), checked to belong together. The caller reads the files;
    /// `cert_name` and `key_name` name them in messages.
    pub fn from_pem(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert_name: &str,
        key_name: &str,
    ) -> Result<TlsConfig, TlsError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError(format!("{cert_name}: not a PEM certificate chain: {e}")))?;
        if chain.is_empty() {
            return Err(TlsError(format!(
                "{cert_name}: no certificate in it (expected PEM `-----BEGIN CERTIFICATE-----` blocks, the server's certificate first)"
            )));
        }
        let key = match PrivateKeyDer::from_pem_slice(key_pem) {
            Ok(key) => key,
            Err(_) if is_encrypted(key_pem) => {
                return Err(TlsError(format!(
                    "{key_name}: the private key is encrypted, which is not supported: write it decrypted, e.g. `openssl pkey -in {key_name} -out plain.pem`, and give that file"
                )));
            }
            Err(rustls_pki_types::pem::Error::NoItemsFound) => {
                return Err(TlsError(format!(
                    "{key_name}: no private key in it (expected a PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block)"
                )));
            }
            Err(e) => {
                return Err(TlsError(format!("{key_name}: not a PEM private key: {e}")));
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("TLS settings: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| match e {
                rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                    TlsError(format!(
                        "{key_name}: this private key does not match the certificate in {cert_name}"
                    ))
                }
                rustls::Error::InvalidCertificate(e) => {
                    TlsError(format!("{cert_name}: the certificate cannot be used: {e}"))
                }
                e => TlsError(format!(
                    "{cert_name} and {key_name}: the certificate and key cannot be used: {e}"
                )),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            config: Arc::new(config),
        })
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(Arc::clone(&self.config))
    }
}

/// Whether a key file holds an encrypted key: a PKCS#8 `ENCRYPTED PRIVATE KEY` block, or an
/// OpenSSL "traditional" block with `Proc-Type: 4,ENCRYPTED` (rustls reads neither).
fn is_encrypted(pem: &[u8]) -> bool {
    let has = |needle: &[u8]| pem.windows(needle.len()).any(|w| w == needle);
    has(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") || has(b"Proc-Type: 4,ENCRYPTED")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_empty_and_swapped_files_are_refused_with_their_names() {
        let err = |cert: &[u8], key: &[u8]| {
            TlsConfig::from_pem(cert, key, "c.pem", "k.pem")
                .expect_err("must be refused")
                .to_string()
        };
        let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let e = err(&garbage, &garbage);
        assert!(e.starts_with("c.pem: "), "{e}");
        let e = err(b"", b"");
        assert!(e.starts_with("c.pem: no certificate"), "{e}");
        // A certificate block that is not base64.
        let e = err(
            b"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
            b"",
        );
        assert!(e.starts_with("c.pem: "), "{e}");
        // A certificate block of nonsense DER with a nonsense key block.
        let e = err(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        );
        assert!(e.contains("k.pem") || e.contains("c.pem"), "{e}");
        let e = err(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"no key here",
        );
        assert!(e.starts_with("k.pem: no private key"), "{e}");
    }

    #[test]
    fn an_encrypted_key_is_named_as_such_with_the_command_that_decrypts_it() {
        // `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256` (shortened:
        // the block is recognised by its label, before anything is decrypted).
        let pkcs8 = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgAAAAAAAAAAAICCAAw\n-----END ENCRYPTED PRIVATE KEY-----\n";
        // `openssl ec -aes256` (OpenSSL's traditional format).
        let traditional = b"-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00000000000000000000000000000000\n\nAAAA\n-----END EC PRIVATE KEY-----\n";
        let cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        for key in [&pkcs8[..], &traditional[..]] {
            let e = TlsConfig::from_pem(cert, key, "c.pem", "k.pem")
                .expect_err("must be refused")
                .to_string();
            assert!(
                e.starts_with("k.pem: the private key is encrypted, which is not supported")
                    && e.contains("openssl pkey -in k.pem -out plain.pem"),
                "{e}"
            );
        }
    }
}
