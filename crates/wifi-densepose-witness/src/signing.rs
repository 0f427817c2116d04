//! Ed25519 keys and signatures over `MANIFEST.sha256`.

use ed25519_dalek::{Signature, Signer};
pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::digest::{from_hex, to_hex};
use crate::error::{Result, WitnessError};

/// A signing key from the contents of a key file: the 32-byte Ed25519 seed, either raw or
/// as 64 hex digits (surrounding whitespace ignored).
pub fn signing_key_from_bytes(bytes: &[u8]) -> Result<SigningKey> {
    if let Ok(seed) = <[u8; 32]>::try_from(bytes) {
        return Ok(SigningKey::from_bytes(&seed));
    }
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| from_hex::<32>(text.trim()))
        .map(|seed| SigningKey::from_bytes(&seed))
        .ok_or_else(|| {
            WitnessError::key(
                "sign_key",
                format!(
                    "expected a 32-byte Ed25519 seed, raw or as 64 hex digits, got {} bytes",
                    bytes.len()
                ),
            )
        })
}

/// A public key from 64 hex digits.
pub fn public_key_from_hex(text: &str) -> Result<VerifyingKey> {
    let bytes = from_hex::<32>(text.trim()).ok_or_else(|| {
        WitnessError::key(
            "public_key",
            format!("expected 64 hex digits, got {:?}", truncated(text)),
        )
    })?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| {
        WitnessError::key(
            "public_key",
            format!("{text} is not a valid Ed25519 public key"),
        )
    })
}

/// The public key of `key` as 64 lower-case hex digits.
pub fn public_key_hex(key: &VerifyingKey) -> String {
    to_hex(key.as_bytes())
}

/// The raw 64-byte signature of `message`.
pub fn sign(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    key.sign(message).to_bytes()
}

/// Checks a raw 64-byte signature of `message` (strict verification: no malleable forms).
pub fn check_signature(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> Result<(), String> {
    let bytes = <[u8; 64]>::try_from(signature)
        .map_err(|_| format!("a signature is 64 bytes, this one has {}", signature.len()))?;
    key.verify_strict(message, &Signature::from_bytes(&bytes))
        .map_err(|_| {
            format!(
                "the signature does not verify with public key {}",
                public_key_hex(key)
            )
        })
}

fn truncated(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032, section 7.1, TEST 1.
    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    #[test]
    fn rfc8032_test_vector() {
        let key = signing_key_from_bytes(format!("{SEED}\n").as_bytes()).unwrap();
        assert_eq!(public_key_hex(&key.verifying_key()), PUBLIC);
        let signature = sign(&key, b"");
        assert_eq!(to_hex(&signature), SIGNATURE);
        let public = public_key_from_hex(PUBLIC).unwrap();
        assert_eq!(check_signature(&public, b"", &signature), Ok(()));
    }

    #[test]
    fn raw_seed_equals_hex_seed() {
        let raw = from_hex::<32>(SEED).unwrap();
        let a = signing_key_from_bytes(&raw).unwrap();
        let b = signing_key_from_bytes(SEED.as_bytes()).unwrap();
        assert_eq!(a.to_bytes(), b.to_bytes());
    }

    #[test]
    fn wrong_message_key_or_length_fails() {
        let key = signing_key_from_bytes(SEED.as_bytes()).unwrap();
        let signature = sign(&key, b"manifest");
        let public = key.verifying_key();
        assert!(check_signature(&public, b"manifesT", &signature)
            .unwrap_err()
            .contains(PUBLIC));
        let other = signing_key_from_bytes(&[7u8; 32]).unwrap().verifying_key();
        assert!(check_signature(&other, b"manifest", &signature).is_err());
        assert!(check_signature(&public, b"manifest", &signature[..63])
            .unwrap_err()
            .contains("63"));
    }

    #[test]
    fn malformed_keys_are_validation_errors() {
        let e = signing_key_from_bytes(b"short").unwrap_err();
        assert!(
            e.to_string().contains("sign_key") && e.to_string().contains("5 bytes"),
            "{e}"
        );
        let e = public_key_from_hex("xyz").unwrap_err();
        assert!(
            e.to_string().contains("public_key") && e.to_string().contains("xyz"),
            "{e}"
        );
    }
}
