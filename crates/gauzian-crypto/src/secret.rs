//! Secret key types: wiped on drop, printed as `[redacted]`, compared in
//! constant time, their bytes reachable only through `expose_secret`.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Declares a 32-byte secret key type.
macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
        pub struct $name([u8; 32]);

        impl $name {
            /// Wraps raw key bytes, for keys that arrive from outside the
            /// core (an unwrapped key, a test vector).
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            /// Copies a key from a slice, which must be 32 bytes long.
            pub fn try_from_slice(bytes: &[u8]) -> Result<Self, $crate::CryptoError> {
                let array: [u8; 32] = bytes.try_into().map_err(|_| $crate::CryptoError::InvalidLength {
                    what: stringify!($name),
                    expected: 32,
                    actual: bytes.len(),
                })?;
                Ok(Self(array))
            }

            /// The key bytes. The one accessor, so every use is greppable.
            pub fn expose_secret(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
            }
        }

        impl Eq for $name {}
    };
}

/// Declares a secret key type that is generated at random.
macro_rules! random_secret_key {
    ($(#[$doc:meta])* $name:ident) => {
        secret_key!($(#[$doc])* $name);

        impl $name {
            /// Generates a fresh random key.
            pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
                let mut bytes = [0u8; 32];
                rng.fill_bytes(&mut bytes);
                Self(bytes)
            }
        }
    };
}

pub(crate) use random_secret_key;
pub(crate) use secret_key;

/// A user's password, NFC-normalized when keys are derived from it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Password(String);

impl Password {
    /// Takes ownership of a password string.
    pub fn new(password: String) -> Self {
        Self(password)
    }

    /// The password as given. The one accessor, so every use is greppable.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Password {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}
