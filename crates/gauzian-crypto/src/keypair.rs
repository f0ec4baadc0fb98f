//! RSA-4096 key pairs: generation, SPKI / PKCS#8 import and export, the
//! public-key fingerprint, and RSA-OAEP (SHA-256, MGF1-SHA-256) wrapping of
//! 32-byte keys.

use std::fmt;

use rand_core::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::backend::{self, portable};
use crate::ids::NodeId;
use crate::keys::{NodeKey, RecordKey};

/// Modulus size of user key pairs, in bits.
pub const RSA_BITS: usize = 4096;
/// Version byte of the RSA-wrapped key envelope.
const RSA_WRAP_VERSION: u8 = 1;
/// Length of an RSA-wrapped key envelope: version byte and one ciphertext.
pub const RSA_WRAPPED_KEY_LEN: usize = 1 + RSA_BITS / 8;

const RECORD_KEY_LABEL: &str = "gauzian/oaep/record-key";
const SHARE_LABEL: &str = "gauzian/oaep/share";

/// A user's RSA-4096 private key.
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    key: backend::default::RsaPrivateKey,
    public: PublicKey,
}

impl PrivateKey {
    /// Generates an RSA-4096 key pair.
    ///
    /// Natively AWS-LC generates it with randomness from the operating
    /// system; on wasm32 the `rsa` crate does, with the browser's CSPRNG.
    /// This is the one operation of the core that does not take the caller's
    /// RNG, because AWS-LC does not accept one.
    pub fn generate() -> Result<Self, CryptoError> {
        #[cfg(not(target_arch = "wasm32"))]
        let der = backend::native::rsa4096_generate_pkcs8();
        #[cfg(target_arch = "wasm32")]
        let der = portable::rsa4096_generate_pkcs8(&mut rand_core::UnwrapErr(getrandom::SysRng));
        let der = der.map_err(|_| CryptoError::Internal("RSA key generation failed"))?;
        Self::from_pkcs8_der(&der)
    }

    /// Imports a PKCS#8 DER private key, which must be RSA-4096.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let invalid = |reason: &str| CryptoError::InvalidKey {
            what: "private key",
            reason: reason.to_owned(),
        };
        let parsed = rsa::PrivateKey::from_pkcs8_der(der)
            .map_err(|_| invalid("not an RSA private key in PKCS#8 DER"))?;
        let public = PublicKey::from_rsa(parsed.to_public_key())?;
        let key = backend::default::RsaPrivateKey::from_pkcs8_der(der)
            .map_err(|_| invalid("the key is inconsistent or its size is unsupported"))?;
        Ok(Self {
            pkcs8: Zeroizing::new(der.to_vec()),
            key,
            public,
        })
    }

    /// Imports a PEM (`PRIVATE KEY`) private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        let (label, der) =
            pem_rfc7468::decode_vec(pem.as_bytes()).map_err(|_| CryptoError::InvalidKey {
                what: "private key",
                reason: "not valid PEM".to_owned(),
            })?;
        let der = Zeroizing::new(der);
        if label != "PRIVATE KEY" {
            return Err(CryptoError::InvalidKey {
                what: "private key",
                reason: format!("PEM label is {label:?}, expected \"PRIVATE KEY\""),
            });
        }
        Self::from_pkcs8_der(&der)
    }

    /// Exports the key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        self.pkcs8.clone()
    }

    /// Exports the key as PEM (`PRIVATE KEY`).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem_encode("PRIVATE KEY", &self.pkcs8))
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Decrypts an RSA-wrapped 32-byte key bound to `label`.
    fn unwrap_key(
        &self,
        what: &'static str,
        label: &[u8],
        wrapped: &[u8],
    ) -> Result<[u8; 32], CryptoError> {
        let ciphertext = split_rsa_wrapped(what, wrapped)?;
        let plaintext = self
            .key
            .oaep_sha256_decrypt(ciphertext, label)
            .map_err(|_| CryptoError::DecryptionFailed { what })?;
        let key: [u8; 32] = plaintext
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::DecryptionFailed { what })?;
        Ok(key)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// A user's RSA-4096 public key. Public by design: the server stores it and
/// hands it to anyone who shares with its owner.
#[derive(Clone)]
pub struct PublicKey {
    spki: Vec<u8>,
    key: rsa::PublicKey,
}

impl PublicKey {
    fn from_rsa(key: rsa::PublicKey) -> Result<Self, CryptoError> {
        let bits = key.size() * 8;
        if bits != RSA_BITS {
            return Err(CryptoError::InvalidKey {
                what: "public key",
                reason: format!("RSA key is {bits} bits, expected {RSA_BITS}"),
            });
        }
        let spki = key
            .to_public_key_der()
            .map_err(|_| CryptoError::InvalidKey {
                what: "public key",
                reason: "cannot be encoded as SPKI".to_owned(),
            })?;
        Ok(Self {
            spki: spki.as_bytes().to_vec(),
            key,
        })
    }

    /// Imports an SPKI DER public key, which must be RSA-4096.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        let key =
            rsa::PublicKey::from_public_key_der(der).map_err(|_| CryptoError::InvalidKey {
                what: "public key",
                reason: "not an RSA public key in SPKI DER".to_owned(),
            })?;
        let public = Self::from_rsa(key)?;
        // Re-encoding must give the same bytes, so that the fingerprint of
        // what was received is the fingerprint of what is used.
        if public.spki != der {
            return Err(CryptoError::InvalidKey {
                what: "public key",
                reason: "SPKI DER is not in canonical form".to_owned(),
            });
        }
        Ok(public)
    }

    /// Imports a PEM (`PUBLIC KEY`) public key.
    pub fn from_spki_pem(pem: &str) -> Result<Self, CryptoError> {
        let invalid = |reason: String| CryptoError::InvalidKey {
            what: "public key",
            reason,
        };
        let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes())
            .map_err(|_| invalid("not valid PEM".to_owned()))?;
        if label != "PUBLIC KEY" {
            return Err(invalid(format!(
                "PEM label is {label:?}, expected \"PUBLIC KEY\""
            )));
        }
        Self::from_spki_der(&der)
    }

    /// Exports the key as SPKI DER.
    pub fn to_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Exports the key as PEM (`PUBLIC KEY`).
    pub fn to_spki_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki)
    }

    /// The fingerprint users compare out of band before sharing.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_spki(&self.spki)
    }

    fn wrap_key<R: CryptoRng + ?Sized>(
        &self,
        label: &[u8],
        key: &[u8; 32],
        rng: &mut R,
    ) -> Result<Vec<u8>, CryptoError> {
        let ciphertext = portable::oaep_sha256_encrypt(&self.key, key, label, rng)
            .map_err(|_| CryptoError::Internal("RSA-OAEP encryption failed"))?;
        let mut wrapped = Vec::with_capacity(RSA_WRAPPED_KEY_LEN);
        wrapped.push(RSA_WRAP_VERSION);
        wrapped.extend_from_slice(&ciphertext);
        Ok(wrapped)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki == other.spki
    }
}

impl Eq for PublicKey {}

/// First 128 bits of SHA-256 over the SPKI DER, shown as eight groups of four
/// uppercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// Computes the fingerprint of SPKI DER bytes.
    pub fn of_spki(spki: &[u8]) -> Self {
        let digest = Sha256::digest(spki);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(bytes)
    }

    /// Parses a displayed fingerprint; case, spaces, colons and dashes are
    /// ignored.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | ':' | '-'))
            .collect();
        let invalid = || CryptoError::InvalidKey {
            what: "fingerprint",
            reason: format!("{text:?} is not 32 hexadecimal digits"),
        };
        if digits.len() != 32 {
            return Err(invalid());
        }
        let mut bytes = [0u8; 16];
        for (index, byte) in bytes.iter_mut().enumerate() {
            let pair = digits.get(index * 2..index * 2 + 2).ok_or_else(invalid)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(Self(bytes))
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, pair) in self.0.chunks(2).enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{:02X}{:02X}", pair[0], pair[1])?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    // Encoding into a String only fails for an invalid label, and both labels
    // used here are valid constants.
    #[allow(clippy::expect_used)]
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).expect("PEM label is valid")
}

/// OAEP label of a wrapped record key. Public, with [`share_label`],
/// [`rsa_wrapped_ciphertext`] and [`assemble_rsa_wrapped`], for callers that
/// run RSA-OAEP elsewhere (WebCrypto).
pub fn record_key_label() -> Vec<u8> {
    crate::envelope::associated_data(RECORD_KEY_LABEL, RSA_WRAP_VERSION, &[])
}

/// OAEP label of a node key wrapped to a share recipient.
pub fn share_label(node_id: &NodeId) -> Vec<u8> {
    crate::envelope::associated_data(SHARE_LABEL, RSA_WRAP_VERSION, &[node_id.as_bytes()])
}

/// Checks the length and version of an RSA-wrapped key and returns the OAEP
/// ciphertext inside it.
pub fn rsa_wrapped_ciphertext(wrapped: &[u8]) -> Result<&[u8], CryptoError> {
    split_rsa_wrapped("RSA-wrapped key", wrapped)
}

/// Checks the length and version of an RSA-wrapped key named `what` in errors.
fn split_rsa_wrapped<'a>(what: &'static str, wrapped: &'a [u8]) -> Result<&'a [u8], CryptoError> {
    if wrapped.len() != RSA_WRAPPED_KEY_LEN {
        return Err(CryptoError::InvalidLength {
            what,
            expected: RSA_WRAPPED_KEY_LEN,
            actual: wrapped.len(),
        });
    }
    if wrapped[0] != RSA_WRAP_VERSION {
        return Err(CryptoError::UnsupportedVersion {
            what,
            version: wrapped[0],
        });
    }
    Ok(&wrapped[1..])
}

/// Builds an RSA-wrapped key from an OAEP ciphertext made with one of the
/// labels above.
pub fn assemble_rsa_wrapped(ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if ciphertext.len() != RSA_BITS / 8 {
        return Err(CryptoError::InvalidLength {
            what: "RSA-OAEP ciphertext",
            expected: RSA_BITS / 8,
            actual: ciphertext.len(),
        });
    }
    let mut wrapped = Vec::with_capacity(RSA_WRAPPED_KEY_LEN);
    wrapped.push(RSA_WRAP_VERSION);
    wrapped.extend_from_slice(ciphertext);
    Ok(wrapped)
}

/// Wraps the record key to its owner's public key (RSA-OAEP, label bound to
/// the record-key purpose).
pub fn wrap_record_key<R: CryptoRng + ?Sized>(
    public_key: &PublicKey,
    record_key: &RecordKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    public_key.wrap_key(&record_key_label(), record_key.expose_secret(), rng)
}

/// Unwraps the record key with its owner's private key.
pub fn unwrap_record_key(
    private_key: &PrivateKey,
    wrapped: &[u8],
) -> Result<RecordKey, CryptoError> {
    let bytes = Zeroizing::new(private_key.unwrap_key(
        "wrapped record key",
        &record_key_label(),
        wrapped,
    )?);
    Ok(RecordKey::from_bytes(*bytes))
}

/// Wraps a file or folder key to a share recipient's public key. The OAEP
/// label binds the node id, so the wrapped key cannot be presented as the key
/// of another node.
pub fn wrap_key_for_recipient<R: CryptoRng + ?Sized>(
    recipient: &PublicKey,
    node_id: &NodeId,
    node_key: &NodeKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    recipient.wrap_key(&share_label(node_id), node_key.expose_secret(), rng)
}

/// Unwraps a key shared with this user for `node_id`.
pub fn unwrap_shared_key(
    private_key: &PrivateKey,
    node_id: &NodeId,
    wrapped: &[u8],
) -> Result<NodeKey, CryptoError> {
    let bytes =
        Zeroizing::new(private_key.unwrap_key("shared key", &share_label(node_id), wrapped)?);
    Ok(NodeKey::from_bytes(*bytes))
}
