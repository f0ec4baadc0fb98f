//! Accounts: registration, login, and unlocking the drive with the password.

use std::fmt;

use gauzian_api::{
    Account, ChangePasswordRequest, KdfAlgorithm, LoginRequest, NewRootFolder, PreloginRequest,
    RecoveryKeyRequest, RegisterRequest, RegisterResponse, ResetPasswordRequest,
};
use gauzian_crypto::kdf::{self, KdfParams, KeyEncryptionKey};
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::recovery::RecoveryKey;
use gauzian_crypto::{CryptoError, Fingerprint, NodeId, Password, PrivateKey, keypair, wrap};
use uuid::Uuid;

use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::http::{Api, SessionToken};

/// A new account's keys, generated but not yet sent to the server, so that the
/// recovery key can be shown and saved first.
pub struct PreparedRegistration {
    request: RegisterRequest,
    recovery_key: RecoveryKey,
    fingerprint: Fingerprint,
}

impl fmt::Debug for PreparedRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRegistration")
            .field("email", &self.request.email)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PreparedRegistration {
    /// Generates every key of a new account: the key derivation parameters,
    /// the RSA-4096 key pair, the recovery key, the record key and the root
    /// folder. Runs on a blocking thread, because RSA key generation and
    /// PBKDF2 take from tens of milliseconds to seconds.
    pub async fn generate(email: &str, password: &Password) -> Result<Self> {
        let email = email.trim().to_owned();
        let password = password.clone();
        tokio::task::spawn_blocking(move || Self::generate_blocking(email, &password))
            .await
            .map_err(|error| {
                ClientError::Internal(format!("key generation task failed: {error}"))
            })?
    }

    fn generate_blocking(email: String, password: &Password) -> Result<Self> {
        let failed =
            |source: CryptoError| ClientError::crypto("generating the account keys", source);
        let mut rng = rand::rng();

        let params = KdfParams::generate(&mut rng);
        let master_key = kdf::derive_master_key(password, &params).map_err(failed)?;
        let auth_key = master_key.derive_auth_key();
        let kek = master_key.derive_key_encryption_key();

        let private_key = PrivateKey::generate().map_err(failed)?;
        let public_key = private_key.public_key().clone();
        let wrapped_private_key =
            wrap::wrap_private_key(&kek, &private_key, &mut rng).map_err(failed)?;

        let recovery_key = RecoveryKey::generate(&mut rng);
        let recovery_kek = recovery_key.derive_key_encryption_key();
        let recovery_wrapped_private_key =
            wrap::wrap_private_key_for_recovery(&recovery_kek, &private_key, &mut rng)
                .map_err(failed)?;
        let recovery_auth_key = recovery_key.derive_auth_key();

        let record_key = RecordKey::generate(&mut rng);
        let wrapped_record_key =
            keypair::wrap_record_key(&public_key, &record_key, &mut rng).map_err(failed)?;

        let root_id = Uuid::new_v4();
        let root_node_id = NodeId::from_bytes(*root_id.as_bytes());
        let root_key = NodeKey::generate(&mut rng);
        let root_wrapped_key =
            wrap::wrap_root_key(&record_key, &root_node_id, &root_key, &mut rng).map_err(failed)?;
        let root_metadata =
            metadata::seal_metadata(&root_key, &root_node_id, &Metadata::folder(""), &mut rng)
                .map_err(failed)?;

        let request = RegisterRequest {
            email,
            kdf: api_kdf_params(&params),
            auth_key: auth_key.expose_secret().to_vec().into(),
            public_key: public_key.to_spki_der().to_vec().into(),
            wrapped_private_key: wrapped_private_key.into(),
            recovery_wrapped_private_key: recovery_wrapped_private_key.into(),
            recovery_auth_key: recovery_auth_key.expose_secret().to_vec().into(),
            wrapped_record_key: wrapped_record_key.into(),
            root_folder: NewRootFolder {
                id: root_id,
                wrapped_key: root_wrapped_key.into(),
                encrypted_metadata: root_metadata.into(),
            },
        };
        Ok(Self {
            request,
            recovery_key,
            fingerprint: public_key.fingerprint(),
        })
    }

    /// The recovery key, to show the user once before [`submit`](Self::submit).
    pub fn recovery_key(&self) -> &RecoveryKey {
        &self.recovery_key
    }

    /// Fingerprint of the new account's public key.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Sends the registration to the server.
    pub async fn submit(self, api: &Api) -> Result<RegisterResponse> {
        let Self { mut request, .. } = self;
        let outcome = api.register(&request).await;
        // The authentication keys are secrets; the other fields are
        // ciphertext or public.
        zeroize::Zeroize::zeroize(&mut request.auth_key.0);
        zeroize::Zeroize::zeroize(&mut request.recovery_auth_key.0);
        outcome
    }
}

/// A logged-in session: the token and when it expires.
#[derive(Debug, Clone)]
pub struct Session {
    /// Bearer token.
    pub token: SessionToken,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// Logs in with an email and password and unlocks the drive.
///
/// The key derivation parameters come from the server and are checked
/// ([`KdfParams::new`]), so a malicious server cannot make the client derive
/// a weak key.
pub async fn login(api: &Api, email: &str, password: &Password) -> Result<(Session, Drive)> {
    let email = email.trim();
    let prelogin = api
        .prelogin(&PreloginRequest {
            email: email.to_owned(),
        })
        .await?;
    let params = core_kdf_params(&prelogin.kdf)?;
    let (auth_key, kek) = derive_keys(password, params).await?;

    let mut auth_bytes = auth_key.expose_secret().to_vec();
    let outcome = api
        .login(&LoginRequest {
            email: email.to_owned(),
            auth_key: auth_bytes.clone().into(),
        })
        .await;
    zeroize::Zeroize::zeroize(&mut auth_bytes);
    let response = outcome?;

    let session = Session {
        token: SessionToken::new(response.token),
        expires_at: response.expires_at,
    };
    let api = api.clone().with_token(session.token.clone());
    let drive = unlock_account(api, response.account, &kek).await?;
    Ok((session, drive))
}

/// Unlocks the drive of an existing session: fetches the account and opens
/// its keys with the password.
pub async fn unlock(api: &Api, password: &Password) -> Result<Drive> {
    let account = api.account().await?;
    let params = core_kdf_params(&account.kdf)?;
    let (_auth_key, kek) = derive_keys(password, params).await?;
    unlock_account(api.clone(), account, &kek).await
}

/// Changes the password of the logged-in account: proves the current
/// password and wraps the private key again under the new one. No file is
/// re-encrypted and no share breaks. Every session ends, so log in again.
pub async fn change_password(api: &Api, current: &Password, new: &Password) -> Result<()> {
    let account = api.account().await?;
    let params = core_kdf_params(&account.kdf)?;
    let (current_auth_key, kek) = derive_keys(current, params).await?;
    let private_key = match wrap::unwrap_private_key(&kek, account.wrapped_private_key.as_slice()) {
        Ok(key) => key,
        Err(CryptoError::DecryptionFailed { .. }) => return Err(ClientError::WrongPassword),
        Err(source) => {
            return Err(ClientError::crypto(
                "opening the account's private key",
                source,
            ));
        }
    };

    let new_params = KdfParams::generate(&mut rand::rng());
    let (new_auth_key, new_kek) = derive_keys(new, new_params.clone()).await?;
    let wrapped_private_key = wrap::wrap_private_key(&new_kek, &private_key, &mut rand::rng())
        .map_err(|source| ClientError::crypto("wrapping the private key", source))?;

    let mut request = ChangePasswordRequest {
        current_auth_key: current_auth_key.expose_secret().to_vec().into(),
        new_auth_key: new_auth_key.expose_secret().to_vec().into(),
        kdf: api_kdf_params(&new_params),
        wrapped_private_key: wrapped_private_key.into(),
    };
    let outcome = api.change_password(&request).await;
    zeroize::Zeroize::zeroize(&mut request.current_auth_key.0);
    zeroize::Zeroize::zeroize(&mut request.new_auth_key.0);
    outcome
}

/// Sets a new password for a user who forgot theirs, with the recovery key:
/// the server checks a key derived from it, returns the recovery copy of the
/// private key, and stores the copy wrapped under the new password. Every
/// session ends.
pub async fn reset_password(
    api: &Api,
    email: &str,
    recovery_key: &RecoveryKey,
    new: &Password,
) -> Result<()> {
    let email = email.trim();
    let mut recovery_auth_key = recovery_key.derive_auth_key().expose_secret().to_vec();
    let fetched = api
        .recovery_key(&RecoveryKeyRequest {
            email: email.to_owned(),
            recovery_auth_key: recovery_auth_key.clone().into(),
        })
        .await;
    let response = match fetched {
        Ok(response) => response,
        Err(error) => {
            zeroize::Zeroize::zeroize(&mut recovery_auth_key);
            return Err(error);
        }
    };
    let recovery_kek = recovery_key.derive_key_encryption_key();
    let private_key = wrap::unwrap_private_key_with_recovery(
        &recovery_kek,
        response.recovery_wrapped_private_key.as_slice(),
    )
    .map_err(|source| {
        ClientError::crypto("opening the recovery copy of the private key", source)
    })?;
    if private_key.public_key().to_spki_der() != response.public_key.as_slice() {
        return Err(ClientError::InvalidResponse {
            reason: "the account's public key does not match its private key".to_owned(),
        });
    }

    let new_params = KdfParams::generate(&mut rand::rng());
    let (new_auth_key, new_kek) = derive_keys(new, new_params.clone()).await?;
    let wrapped_private_key = wrap::wrap_private_key(&new_kek, &private_key, &mut rand::rng())
        .map_err(|source| ClientError::crypto("wrapping the private key", source))?;
    let mut request = ResetPasswordRequest {
        email: email.to_owned(),
        recovery_auth_key: recovery_auth_key.clone().into(),
        new_auth_key: new_auth_key.expose_secret().to_vec().into(),
        kdf: api_kdf_params(&new_params),
        wrapped_private_key: wrapped_private_key.into(),
    };
    let outcome = api.reset_password(&request).await;
    zeroize::Zeroize::zeroize(&mut recovery_auth_key);
    zeroize::Zeroize::zeroize(&mut request.recovery_auth_key.0);
    zeroize::Zeroize::zeroize(&mut request.new_auth_key.0);
    outcome
}

/// Opens the private key, the record key and the root folder.
async fn unlock_account(api: Api, account: Account, kek: &KeyEncryptionKey) -> Result<Drive> {
    let private_key = match wrap::unwrap_private_key(kek, account.wrapped_private_key.as_slice()) {
        Ok(key) => key,
        Err(CryptoError::DecryptionFailed { .. }) => return Err(ClientError::WrongPassword),
        Err(source) => {
            return Err(ClientError::crypto(
                "opening the account's private key",
                source,
            ));
        }
    };
    if private_key.public_key().to_spki_der() != account.public_key.as_slice() {
        return Err(ClientError::InvalidResponse {
            reason: "the account's public key does not match its private key".to_owned(),
        });
    }
    let record_key =
        keypair::unwrap_record_key(&private_key, account.wrapped_record_key.as_slice())
            .map_err(|source| ClientError::crypto("opening the account's record key", source))?;

    let root = api.node(account.root_folder_id).await?;
    Drive::open(api, account, private_key, record_key, root)
}

/// Derives the authentication key and key-encryption key on a blocking
/// thread (PBKDF2 takes tens of milliseconds).
async fn derive_keys(
    password: &Password,
    params: KdfParams,
) -> Result<(kdf::AuthKey, KeyEncryptionKey)> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let master_key = kdf::derive_master_key(&password, &params)
            .map_err(|source| ClientError::crypto("deriving keys from the password", source))?;
        Ok((
            master_key.derive_auth_key(),
            master_key.derive_key_encryption_key(),
        ))
    })
    .await
    .map_err(|error| ClientError::Internal(format!("key derivation task failed: {error}")))?
}

fn api_kdf_params(params: &KdfParams) -> gauzian_api::KdfParams {
    gauzian_api::KdfParams {
        algorithm: KdfAlgorithm::Pbkdf2Sha256,
        iterations: params.iterations(),
        salt: params.salt().to_vec().into(),
    }
}

fn core_kdf_params(params: &gauzian_api::KdfParams) -> Result<KdfParams> {
    KdfParams::new(params.iterations, params.salt.as_slice()).map_err(|source| {
        ClientError::crypto(
            "the server sent key derivation parameters that are rejected",
            source,
        )
    })
}
