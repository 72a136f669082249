//! The write token: 32 random bytes from the operating system, shown once as `otk_` and 64 hex
//! digits; the store keeps a 16-byte random salt and SHA-256(salt ‖ token), never the token.

use offtake_store::{ApiToken, PortfolioStore};
use sha2::{Digest, Sha256};

/// A token's printed form: `otk_` and 64 lowercase hex digits.
pub const PREFIX: &str = "otk_";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| format!("the system random source failed: {e}"))?;
    Ok(buf)
}

/// SHA-256(salt ‖ token), hex.
pub fn hash(salt_hex: &str, token: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt_hex.as_bytes());
    h.update(token.as_bytes());
    hex(&h.finalize())
}

/// A new token and the record the store keeps of it.
pub fn generate(created_at: &str) -> Result<(String, ApiToken), String> {
    let token = format!("{PREFIX}{}", hex(&random::<32>()?));
    let salt_hex = hex(&random::<16>()?);
    let stored = ApiToken {
        sha256_hex: hash(&salt_hex, &token),
        salt_hex,
        created_at: created_at.to_string(),
    };
    Ok((token, stored))
}

/// Whether `presented` is the token `stored` was made from (compared in constant time).
pub fn verify(stored: &ApiToken, presented: &str) -> bool {
    let got = hash(&stored.salt_hex, presented);
    let (a, b) = (got.as_bytes(), stored.sha256_hex.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What happened to the write token when the server started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStart {
    /// One was made now: this is the only time it is shown.
    New(String),
    /// The stored one is kept.
    Existing,
}

/// Makes the token on first start (or a new one with `rotate`), and returns the stored record.
pub fn ensure(
    store: &mut dyn PortfolioStore,
    rotate: bool,
    now: &str,
) -> Result<(TokenStart, ApiToken), String> {
    let fail = |e: offtake_store::Error| format!("the write token: {e}");
    if !rotate && let Some(t) = store.api_token().map_err(fail)? {
        return Ok((TokenStart::Existing, t));
    }
    let (token, stored) = generate(now)?;
    if rotate {
        store.replace_api_token(&stored).map_err(fail)?;
        return Ok((TokenStart::New(token), stored));
    }
    if store.init_api_token(&stored).map_err(fail)? {
        return Ok((TokenStart::New(token), stored));
    }
    // Another server stored one first: that one counts.
    let kept = store
        .api_token()
        .map_err(fail)?
        .ok_or_else(|| "the write token vanished from the store".to_string())?;
    Ok((TokenStart::Existing, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_and_another_does_not() {
        let (token, stored) = generate("t").unwrap();
        assert!(token.starts_with(PREFIX) && token.len() == PREFIX.len() + 64);
        assert!(verify(&stored, &token));
        assert!(!verify(&stored, "otk_0"));
        let (other, _) = generate("t").unwrap();
        assert_ne!(token, other);
        assert!(!verify(&stored, &other));
        // The record holds neither the token nor its unsalted hash.
        assert!(!stored.sha256_hex.contains(&token[4..]));
        assert_ne!(stored.sha256_hex, hash("", &token));
    }
}
