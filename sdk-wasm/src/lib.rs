//! The Gauzian crypto core for JavaScript.
//!
//! Every export takes and returns plain values: request bodies ready for
//! `JSON.stringify`, server responses as parsed JSON, and numeric handles
//! that stand for keys kept in this module's memory. No key is returned to
//! JavaScript except the authentication keys it must send to the server. The drive
//! protocol over HTTP lives in `js/worker.js`; each cryptographic step it
//! needs is one function here.
//!
//! WebCrypto runs the heavy primitives (see [`webcrypto`]); everything else,
//! and every format, is `gauzian-crypto`, the code the CLI runs.

mod error;
mod handles;
mod webcrypto;

use gauzian_api::{
    Account, ChangePasswordRequest, CreateFolderRequest, CreateShareRequest, FileManifest,
    FinalizeUploadRequest, KdfAlgorithm, MoveNodeRequest, NewRootFolder, Node, NodeKind,
    RecoveryKeyResponse, RegisterRequest, ResetPasswordRequest, Share, ShareRole,
    StartUploadRequest, UpdateNodeRequest, UserPublicKey,
};
use gauzian_crypto::chunk::{self, ChunkOpenPlan, ChunkPosition, ChunkSealPlan};
use gauzian_crypto::kdf::{self, KdfParams, KeyEncryptionKey, MasterKey};
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::recovery::RecoveryKey;
use gauzian_crypto::{
    CryptoError, NodeId, Password, PrivateKey, PublicKey, VersionId, keypair, wrap,
};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use web_sys::CryptoKey;
use zeroize::Zeroizing;

use crate::error::{SdkError, SdkResult};
use crate::handles::{Handle, Handles};

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

fn new_uuid() -> Uuid {
    let mut bytes = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut rng(), &mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn to_js<T: Serialize>(value: &T) -> SdkResult<JsValue> {
    Ok(value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?)
}

fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> SdkResult<T> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|error| SdkError::invalid(format!("{what} is not in the expected shape: {error}")))
}

fn crypto(what: &str) -> impl Fn(CryptoError) -> SdkError + '_ {
    move |error| SdkError::crypto(what, error)
}

/// Keys derived from a password: the authentication key sent at login and
/// the key-encryption key that opens the private key.
pub(crate) struct PasswordKeys {
    auth_key: kdf::AuthKey,
    kek: KeyEncryptionKey,
}

/// An opened account.
pub(crate) struct AccountKeys {
    private_key: PrivateKey,
    /// The same private key inside WebCrypto, non-extractable, for OAEP.
    rsa_key: CryptoKey,
    record_key: RecordKey,
    email: String,
}

/// A file or folder whose key is open.
pub(crate) struct OpenNode {
    node: Node,
    key: NodeKey,
    metadata: Metadata,
}

/// A registration generated but not yet sent.
pub(crate) struct Registration {
    request: RegisterRequest,
    keys: PasswordKeys,
}

/// A share recipient whose public key was fetched.
pub(crate) struct Recipient {
    user_id: Uuid,
    public_key: PublicKey,
}

/// An upload in progress: the chunk key inside WebCrypto, the next position
/// and the running digest.
pub(crate) struct Upload {
    file_id: Uuid,
    version_id: Uuid,
    key: NodeKey,
    content_key: CryptoKey,
    name: String,
    size: u64,
    modified_at: Option<i64>,
    next_index: u32,
    chunk_count: u32,
    sealed_bytes: u64,
    digested_bytes: u64,
    digest: Sha256,
}

/// A download in progress.
pub(crate) struct Download {
    file_id: NodeId,
    version_id: VersionId,
    content_key: CryptoKey,
    next_index: u32,
    chunk_count: u32,
    opened_bytes: u64,
    size: Option<u64>,
    expected_digest: Option<[u8; 32]>,
    digest: Sha256,
    finished: bool,
}

/// A recovery key typed by the user.
pub(crate) struct Recovery {
    key: RecoveryKey,
}

thread_local! {
    static HANDLES: Handles = Handles::default();
}

fn insert(handle: Handle) -> u32 {
    HANDLES.with(|handles| handles.insert(handle))
}

fn with<T>(id: u32, f: impl FnOnce(&mut Handle) -> SdkResult<T>) -> SdkResult<T> {
    HANDLES.with(|handles| handles.with(id, f))
}

fn take(id: u32) -> SdkResult<Handle> {
    HANDLES.with(|handles| handles.take(id))
}

/// Frees a handle and wipes the keys it held. Unknown handles are ignored.
#[wasm_bindgen]
pub fn release(handle: u32) {
    let _ = take(handle);
}

/// Frees every handle: used at logout.
#[wasm_bindgen(js_name = releaseAll)]
pub fn release_all() {
    HANDLES.with(Handles::clear);
}

fn api_kdf(params: &KdfParams) -> gauzian_api::KdfParams {
    gauzian_api::KdfParams {
        algorithm: KdfAlgorithm::Pbkdf2Sha256,
        iterations: params.iterations(),
        salt: params.salt().to_vec().into(),
    }
}

/// Checks the server's parameters ([`KdfParams::new`] refuses weak ones).
fn core_kdf(params: &gauzian_api::KdfParams) -> SdkResult<KdfParams> {
    KdfParams::new(params.iterations, params.salt.as_slice()).map_err(crypto(
        "the server sent key derivation parameters that are refused",
    ))
}

async fn derive_password_keys(password: &str, params: &KdfParams) -> SdkResult<PasswordKeys> {
    let password = Password::from(password);
    let normalized = kdf::normalized_password(&password);
    let master = webcrypto::pbkdf2_sha256(&normalized, params.salt(), params.iterations()).await?;
    let master = MasterKey::from_bytes(master);
    Ok(PasswordKeys {
        auth_key: master.derive_auth_key(),
        kek: master.derive_key_encryption_key(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreparedRegistration {
    registration: u32,
    recovery_key: String,
    fingerprint: String,
}

/// Generates every key of a new account: key derivation parameters, the
/// RSA-4096 key pair, the recovery key, the record key and the root folder.
/// Returns `{ registration, recoveryKey, fingerprint }`; nothing is sent.
#[wasm_bindgen(js_name = prepareRegistration)]
pub async fn prepare_registration(email: String, password: String) -> Result<JsValue, JsValue> {
    let password = Zeroizing::new(password);
    Ok(prepare(email.trim(), &password).await?)
}

async fn prepare(email: &str, password: &str) -> SdkResult<JsValue> {
    if email.is_empty() || !email.contains('@') {
        return Err(SdkError::invalid(format!(
            "{email:?} is not an email address"
        )));
    }
    if password.is_empty() {
        return Err(SdkError::invalid("the password is empty"));
    }
    let failed = crypto("generating the account keys");
    let params = KdfParams::generate(&mut rng());
    let keys = derive_password_keys(password, &params).await?;

    let pkcs8 = webcrypto::rsa4096_generate_pkcs8().await?;
    let private_key = PrivateKey::from_pkcs8_der(&pkcs8).map_err(&failed)?;
    let public_key = private_key.public_key().clone();
    let wrapped_private_key =
        wrap::wrap_private_key(&keys.kek, &private_key, &mut rng()).map_err(&failed)?;

    let recovery_key = RecoveryKey::generate(&mut rng());
    let recovery_wrapped_private_key = wrap::wrap_private_key_for_recovery(
        &recovery_key.derive_key_encryption_key(),
        &private_key,
        &mut rng(),
    )
    .map_err(&failed)?;

    let record_key = RecordKey::generate(&mut rng());
    let wrapped_record_key =
        keypair::wrap_record_key(&public_key, &record_key, &mut rng()).map_err(&failed)?;
    let root_id = new_uuid();
    let root_node_id = NodeId::from_bytes(*root_id.as_bytes());
    let root_key = NodeKey::generate(&mut rng());
    let root_wrapped_key =
        wrap::wrap_root_key(&record_key, &root_node_id, &root_key, &mut rng()).map_err(&failed)?;
    let root_metadata =
        metadata::seal_metadata(&root_key, &root_node_id, &Metadata::folder(""), &mut rng())
            .map_err(&failed)?;

    let request = RegisterRequest {
        email: email.to_owned(),
        kdf: api_kdf(&params),
        auth_key: keys.auth_key.expose_secret().to_vec().into(),
        public_key: public_key.to_spki_der().to_vec().into(),
        wrapped_private_key: wrapped_private_key.into(),
        recovery_wrapped_private_key: recovery_wrapped_private_key.into(),
        recovery_auth_key: recovery_key
            .derive_auth_key()
            .expose_secret()
            .to_vec()
            .into(),
        wrapped_record_key: wrapped_record_key.into(),
        root_folder: NewRootFolder {
            id: root_id,
            wrapped_key: root_wrapped_key.into(),
            encrypted_metadata: root_metadata.into(),
        },
    };
    let prepared = PreparedRegistration {
        recovery_key: recovery_key.to_display_string().to_string(),
        fingerprint: public_key.fingerprint().to_string(),
        registration: insert(Handle::Registration(Box::new(Registration {
            request,
            keys,
        }))),
    };
    to_js(&prepared)
}

/// Returns the `POST /api/auth/register` body of a prepared registration.
#[wasm_bindgen(js_name = registrationRequest)]
pub fn registration_request(registration: u32) -> Result<JsValue, JsValue> {
    Ok(with(registration, |handle| match handle {
        Handle::Registration(registration) => to_js(&registration.request),
        _ => Err(wrong_handle("registration")),
    })?)
}

/// Turns a submitted registration into password keys for the first login,
/// so the password is not derived twice. Frees the registration.
#[wasm_bindgen(js_name = registrationKeys)]
pub fn registration_keys(registration: u32) -> Result<u32, JsValue> {
    match take(registration)? {
        Handle::Registration(registration) => {
            Ok(insert(Handle::PasswordKeys(Box::new(registration.keys))))
        }
        _ => Err(wrong_handle("registration").into()),
    }
}

fn wrong_handle(expected: &str) -> SdkError {
    SdkError::invalid(format!("the handle does not refer to a {expected}"))
}

/// Derives the password keys with the server's parameters (`kdf` from
/// prelogin or the account). Returns a handle.
#[wasm_bindgen(js_name = deriveKeys)]
pub async fn derive_keys(password: String, kdf: JsValue) -> Result<u32, JsValue> {
    let password = Zeroizing::new(password);
    let params: gauzian_api::KdfParams = from_js("kdf", kdf)?;
    let params = core_kdf(&params)?;
    let keys = derive_password_keys(&password, &params).await?;
    Ok(insert(Handle::PasswordKeys(Box::new(keys))))
}

/// Returns the authentication key of password keys, base64, for the login
/// body.
#[wasm_bindgen(js_name = authKey)]
pub fn auth_key(keys: u32) -> Result<String, JsValue> {
    Ok(with(keys, |handle| match handle {
        Handle::PasswordKeys(keys) => {
            let encoded: gauzian_api::Bytes = keys.auth_key.expose_secret().to_vec().into();
            Ok(serde_json::to_value(&encoded)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default())
        }
        _ => Err(wrong_handle("set of password keys")),
    })?)
}

/// Opens an account (`GET /api/account` or the login response's `account`)
/// with password keys: the private key, then the record key. Fails with
/// `wrong_password` when the keys do not open the private key.
#[wasm_bindgen(js_name = openAccount)]
pub async fn open_account(keys: u32, account: JsValue) -> Result<u32, JsValue> {
    let account: Account = from_js("account", account)?;
    let private_key = with(keys, |handle| match handle {
        Handle::PasswordKeys(keys) => {
            match wrap::unwrap_private_key(&keys.kek, account.wrapped_private_key.as_slice()) {
                Ok(key) => Ok(key),
                Err(CryptoError::DecryptionFailed { .. }) => Err(SdkError::new(
                    "wrong_password",
                    "the password does not open this account's private key",
                )),
                Err(error) => Err(SdkError::crypto("opening the account's private key", error)),
            }
        }
        _ => Err(wrong_handle("set of password keys")),
    })?;
    Ok(finish_opening(private_key, &account).await?)
}

async fn finish_opening(private_key: PrivateKey, account: &Account) -> SdkResult<u32> {
    if private_key.public_key().to_spki_der() != account.public_key.as_slice() {
        return Err(SdkError::new(
            "tampered",
            "the account's public key does not match its private key",
        ));
    }
    let rsa_key = webcrypto::import_rsa_private_key(&private_key.to_pkcs8_der()).await?;
    let ciphertext = keypair::rsa_wrapped_ciphertext(account.wrapped_record_key.as_slice())
        .map_err(crypto("reading the wrapped record key"))?;
    let raw = webcrypto::rsa_oaep_decrypt(&rsa_key, &keypair::record_key_label(), ciphertext)
        .await
        .map_err(|error| SdkError::new("tampered", error.message))?;
    let record_key =
        RecordKey::try_from_slice(&raw).map_err(crypto("opening the account's record key"))?;
    Ok(insert(Handle::Account(Box::new(AccountKeys {
        private_key,
        rsa_key,
        record_key,
        email: account.email.clone(),
    }))))
}

/// Fingerprint of an open account's public key.
#[wasm_bindgen(js_name = accountFingerprint)]
pub fn account_fingerprint(account: u32) -> Result<String, JsValue> {
    Ok(with(account, |handle| match handle {
        Handle::Account(account) => Ok(account.private_key.public_key().fingerprint().to_string()),
        _ => Err(wrong_handle("account")),
    })?)
}

/// A node as JavaScript sees it: its decrypted metadata and a handle to its
/// key.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeInfo {
    handle: u32,
    id: Uuid,
    parent_id: Option<Uuid>,
    kind: NodeKind,
    name: String,
    size: Option<u64>,
    mime_type: Option<String>,
    modified_at: Option<i64>,
    updated_at: i64,
    created_at: i64,
}

fn node_info(open: OpenNode) -> SdkResult<JsValue> {
    let info = node_fields(&open);
    let handle = insert(Handle::Node(Box::new(open)));
    to_js(&NodeInfo { handle, ..info })
}

/// Builds a node's `NodeInfo` with handle 0, for the caller to set.
fn node_fields(open: &OpenNode) -> NodeInfo {
    NodeInfo {
        handle: 0,
        id: open.node.id,
        parent_id: open.node.parent_id,
        kind: open.node.kind,
        name: open.metadata.name.clone(),
        size: open.metadata.size,
        mime_type: open.metadata.mime_type.clone(),
        modified_at: open.metadata.modified_at,
        updated_at: open.node.updated_at,
        created_at: open.node.created_at,
    }
}

/// Checks that a name from the server is safe to show and to save under:
/// not empty, not `.` or `..`, without a path separator or NUL.
fn check_name(name: &str) -> SdkResult<()> {
    let reason = if name.is_empty() {
        "is empty"
    } else if name == "." || name == ".." {
        "is a relative path component"
    } else if name.contains(['/', '\\']) {
        "contains a path separator"
    } else if name.contains('\0') {
        "contains a NUL character"
    } else {
        return Ok(());
    };
    Err(SdkError::new(
        "invalid_name",
        format!("the name {name:?} {reason}: choose another name"),
    ))
}

fn normalize(name: &str) -> String {
    unicode_normalization::UnicodeNormalization::nfc(name.trim_end_matches(['\r', '\n'])).collect()
}

fn open_with_key(node: Node, key: NodeKey, check: bool) -> SdkResult<OpenNode> {
    let node_id = NodeId::from_bytes(*node.id.as_bytes());
    let mut metadata = metadata::open_metadata(&key, &node_id, node.encrypted_metadata.as_slice())
        .map_err(crypto("opening the metadata"))?;
    metadata.name = normalize(&metadata.name);
    if check {
        check_name(&metadata.name)?;
    }
    Ok(OpenNode {
        node,
        key,
        metadata,
    })
}

/// Opens the root folder (`GET /api/nodes/{root_folder_id}`) with the
/// account's record key.
#[wasm_bindgen(js_name = openRoot)]
pub fn open_root(account: u32, node: JsValue) -> Result<JsValue, JsValue> {
    let node: Node = from_js("node", node)?;
    let key = with(account, |handle| match handle {
        Handle::Account(account) => {
            let node_id = NodeId::from_bytes(*node.id.as_bytes());
            wrap::unwrap_root_key(&account.record_key, &node_id, node.wrapped_key.as_slice())
                .map_err(crypto("opening the root folder's key"))
        }
        _ => Err(wrong_handle("account")),
    })?;
    Ok(node_info(open_with_key(node, key, false)?)?)
}

/// Returns a copy of a node handle's key, with the node's id, node and
/// metadata.
fn node_key(handle: u32) -> SdkResult<(NodeId, NodeKey, Node, Metadata)> {
    with(handle, |handle| match handle {
        Handle::Node(open) => Ok((
            NodeId::from_bytes(*open.node.id.as_bytes()),
            NodeKey::from_bytes(*open.key.expose_secret()),
            open.node.clone(),
            open.metadata.clone(),
        )),
        _ => Err(wrong_handle("node")),
    })
}

/// Opens a child of an open folder, as listed by the server. Fails with
/// `invalid_name` for a name that is unsafe to save under, and with
/// `tampered` or `decryption_failed` for keys or metadata that do not open.
#[wasm_bindgen(js_name = openChild)]
pub fn open_child(parent: u32, node: JsValue) -> Result<JsValue, JsValue> {
    let node: Node = from_js("node", node)?;
    let (parent_id, parent_key, parent_node, _) = node_key(parent)?;
    if node.parent_id != Some(parent_node.id) {
        return Err(SdkError::new(
            "tampered",
            format!(
                "node {} was listed under folder {} but names another parent",
                node.id, parent_node.id
            ),
        )
        .into());
    }
    let node_id = NodeId::from_bytes(*node.id.as_bytes());
    let key = wrap::unwrap_node_key(
        &parent_key,
        &parent_id,
        &node_id,
        node.wrapped_key.as_slice(),
    )
    .map_err(crypto("opening a node's key"))?;
    Ok(node_info(open_with_key(node, key, true)?)?)
}

/// Builds the `POST /api/folders` body of a new folder named `name` in
/// `parent`.
#[wasm_bindgen(js_name = newFolderRequest)]
pub fn new_folder_request(parent: u32, name: String) -> Result<JsValue, JsValue> {
    let name = normalize(&name);
    check_name(&name)?;
    let (parent_id, parent_key, parent_node, _) = node_key(parent)?;
    let id = new_uuid();
    let node_id = NodeId::from_bytes(*id.as_bytes());
    let key = NodeKey::generate(&mut rng());
    let failed = crypto("sealing the new folder");
    let request = CreateFolderRequest {
        id,
        parent_id: parent_node.id,
        wrapped_key: wrap::wrap_node_key(&parent_key, &parent_id, &node_id, &key, &mut rng())
            .map_err(&failed)?
            .into(),
        encrypted_metadata: metadata::seal_metadata(
            &key,
            &node_id,
            &Metadata::folder(name),
            &mut rng(),
        )
        .map_err(&failed)?
        .into(),
    };
    Ok(to_js(&request)?)
}

/// Builds the `PATCH /api/nodes/{id}` body that renames a node.
#[wasm_bindgen(js_name = renameRequest)]
pub fn rename_request(node: u32, name: String) -> Result<JsValue, JsValue> {
    let name = normalize(&name);
    check_name(&name)?;
    let (node_id, key, _, mut metadata) = node_key(node)?;
    metadata.name = name;
    let sealed = metadata::seal_metadata(&key, &node_id, &metadata, &mut rng())
        .map_err(crypto("sealing the new name"))?;
    Ok(to_js(&UpdateNodeRequest {
        encrypted_metadata: sealed.into(),
    })?)
}

/// Builds the `POST /api/nodes/{id}/move` body that moves a node under
/// `new_parent`: its key re-wrapped under the new parent's key.
#[wasm_bindgen(js_name = moveRequest)]
pub fn move_request(node: u32, new_parent: u32) -> Result<JsValue, JsValue> {
    let (node_id, key, _, _) = node_key(node)?;
    let (parent_id, parent_key, parent_node, _) = node_key(new_parent)?;
    let wrapped = wrap::wrap_node_key(&parent_key, &parent_id, &node_id, &key, &mut rng())
        .map_err(crypto("wrapping the key under the new folder"))?;
    Ok(to_js(&MoveNodeRequest {
        parent_id: parent_node.id,
        wrapped_key: wrapped.into(),
    })?)
}

/// Builds the `POST /api/account/password` body, which proves the current password and
/// wraps the private key under the new one. `account` is the JSON of
/// `GET /api/account`; fails with `wrong_password` for a wrong current one.
#[wasm_bindgen(js_name = changePasswordRequest)]
pub async fn change_password_request(
    account: JsValue,
    current: String,
    new_password: String,
) -> Result<JsValue, JsValue> {
    let (current, new_password) = (Zeroizing::new(current), Zeroizing::new(new_password));
    let account: Account = from_js("account", account)?;
    let current_keys = derive_password_keys(&current, &core_kdf(&account.kdf)?).await?;
    let private_key =
        match wrap::unwrap_private_key(&current_keys.kek, account.wrapped_private_key.as_slice()) {
            Ok(key) => key,
            Err(CryptoError::DecryptionFailed { .. }) => {
                return Err(
                    SdkError::new("wrong_password", "the current password is wrong").into(),
                );
            }
            Err(error) => return Err(SdkError::crypto("opening the private key", error).into()),
        };
    if new_password.is_empty() {
        return Err(SdkError::invalid("the new password is empty").into());
    }
    let new_params = KdfParams::generate(&mut rng());
    let new_keys = derive_password_keys(&new_password, &new_params).await?;
    let wrapped = wrap::wrap_private_key(&new_keys.kek, &private_key, &mut rng())
        .map_err(crypto("wrapping the private key"))?;
    Ok(to_js(&ChangePasswordRequest {
        current_auth_key: current_keys.auth_key.expose_secret().to_vec().into(),
        new_auth_key: new_keys.auth_key.expose_secret().to_vec().into(),
        kdf: api_kdf(&new_params),
        wrapped_private_key: wrapped.into(),
    })?)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecoveryStart {
    recovery: u32,
    recovery_auth_key: gauzian_api::Bytes,
}

/// Parses a recovery key as typed (spaces and dashes allowed) and returns
/// `{ recovery, recoveryAuthKey }` for `POST /api/auth/recovery/key`.
#[wasm_bindgen(js_name = openRecoveryKey)]
pub fn open_recovery_key(text: String) -> Result<JsValue, JsValue> {
    let text = Zeroizing::new(text);
    let key = RecoveryKey::parse(&text).map_err(|error| {
        SdkError::new(
            "invalid_recovery_key",
            format!("the recovery key is not valid ({error}): check it against the saved copy"),
        )
    })?;
    let start = RecoveryStart {
        recovery_auth_key: key.derive_auth_key().expose_secret().to_vec().into(),
        recovery: insert(Handle::Recovery(Box::new(Recovery { key }))),
    };
    Ok(to_js(&start)?)
}

/// Builds the `POST /api/auth/recovery/reset` body: opens the recovery copy of the
/// private key from `response` and wraps it under the new password.
#[wasm_bindgen(js_name = resetPasswordRequest)]
pub async fn reset_password_request(
    recovery: u32,
    email: String,
    response: JsValue,
    new_password: String,
) -> Result<JsValue, JsValue> {
    let new_password = Zeroizing::new(new_password);
    let response: RecoveryKeyResponse = from_js("recovery response", response)?;
    if new_password.is_empty() {
        return Err(SdkError::invalid("the new password is empty").into());
    }
    let Handle::Recovery(recovery) = take(recovery)? else {
        return Err(wrong_handle("recovery key").into());
    };
    let private_key = wrap::unwrap_private_key_with_recovery(
        &recovery.key.derive_key_encryption_key(),
        response.recovery_wrapped_private_key.as_slice(),
    )
    .map_err(crypto("opening the recovery copy of the private key"))?;
    if private_key.public_key().to_spki_der() != response.public_key.as_slice() {
        return Err(SdkError::new(
            "tampered",
            "the account's public key does not match its private key",
        )
        .into());
    }
    let params = KdfParams::generate(&mut rng());
    let keys = derive_password_keys(&new_password, &params).await?;
    let wrapped = wrap::wrap_private_key(&keys.kek, &private_key, &mut rng())
        .map_err(crypto("wrapping the private key"))?;
    Ok(to_js(&ResetPasswordRequest {
        email: email.trim().to_owned(),
        recovery_auth_key: recovery
            .key
            .derive_auth_key()
            .expose_secret()
            .to_vec()
            .into(),
        new_auth_key: keys.auth_key.expose_secret().to_vec().into(),
        kdf: api_kdf(&params),
        wrapped_private_key: wrapped.into(),
    })?)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadStart {
    upload: u32,
    request: StartUploadRequest,
    chunk_count: u32,
}

/// Starts an upload of `size` bytes named `name` into `parent`. Returns
/// `{ upload, request, chunkCount }`: send `request` to `POST /api/uploads`,
/// then seal the chunks in order with [`seal_chunk`].
#[wasm_bindgen(js_name = startUpload)]
pub async fn start_upload(
    parent: u32,
    name: String,
    size: f64,
    modified_at: Option<f64>,
) -> Result<JsValue, JsValue> {
    let name = normalize(&name);
    check_name(&name)?;
    if !(size >= 0.0 && size.fract() == 0.0 && size < 9.0e15) {
        return Err(SdkError::invalid(format!("{size} is not a file size")).into());
    }
    let size = size as u64;
    let modified_at = modified_at
        .filter(|time| time.is_finite())
        .map(|time| time as i64);
    let (parent_id, parent_key, parent_node, _) = node_key(parent)?;
    let file_id = new_uuid();
    let version_id = new_uuid();
    let node_id = NodeId::from_bytes(*file_id.as_bytes());
    let key = NodeKey::generate(&mut rng());
    let failed = crypto("sealing the new file");
    let wrapped_key = wrap::wrap_node_key(&parent_key, &parent_id, &node_id, &key, &mut rng())
        .map_err(&failed)?;
    let metadata = file_metadata(&name, size, modified_at, None);
    let encrypted_metadata =
        metadata::seal_metadata(&key, &node_id, &metadata, &mut rng()).map_err(&failed)?;
    let chunk_sizes = chunk::sealed_chunk_sizes(size);
    let chunk_count = u32::try_from(chunk_sizes.len())
        .map_err(|_| SdkError::invalid(format!("a file of {size} bytes is too large")))?;
    let content_key =
        key.derive_content_key(&node_id, &VersionId::from_bytes(*version_id.as_bytes()));
    let content_key = webcrypto::import_aes_key(content_key.expose_secret(), "encrypt").await?;
    let request = StartUploadRequest {
        file_id,
        version_id,
        parent_id: parent_node.id,
        wrapped_key: wrapped_key.into(),
        encrypted_metadata: encrypted_metadata.into(),
        chunk_sizes,
    };
    let upload = Upload {
        file_id,
        version_id,
        key,
        content_key,
        name,
        size,
        modified_at,
        next_index: 0,
        chunk_count,
        sealed_bytes: 0,
        digested_bytes: 0,
        digest: Sha256::new(),
    };
    Ok(to_js(&UploadStart {
        upload: insert(Handle::Upload(Box::new(upload))),
        request,
        chunk_count,
    })?)
}

fn file_metadata(
    name: &str,
    size: u64,
    modified_at: Option<i64>,
    sha256: Option<[u8; 32]>,
) -> Metadata {
    Metadata {
        name: name.to_owned(),
        mime_type: Some(
            mime_guess::from_path(name)
                .first_or_octet_stream()
                .essence_str()
                .to_owned(),
        ),
        size: Some(size),
        modified_at,
        sha256,
    }
}

/// Seals the next chunk of an upload: 5 MiB of plaintext, or the rest of
/// the file for the last one. Chunks must come in order, each once; each
/// also goes through [`digest_chunk`].
#[wasm_bindgen(js_name = sealChunk)]
pub async fn seal_chunk(
    upload: u32,
    plaintext: js_sys::Uint8Array,
) -> Result<js_sys::Uint8Array, JsValue> {
    let length = plaintext.length();
    let (plan, key) = with(upload, |handle| {
        let Handle::Upload(upload) = handle else {
            return Err(wrong_handle("upload"));
        };
        if upload.next_index >= upload.chunk_count {
            return Err(SdkError::invalid(format!(
                "the upload of {:?} has all its {} chunks already",
                upload.name, upload.chunk_count
            )));
        }
        let position = ChunkPosition {
            file_id: NodeId::from_bytes(*upload.file_id.as_bytes()),
            version_id: VersionId::from_bytes(*upload.version_id.as_bytes()),
            index: upload.next_index,
            is_final: upload.next_index + 1 == upload.chunk_count,
        };
        let plan = ChunkSealPlan::new(position, length as usize, &mut rng())
            .map_err(crypto("sealing a chunk"))?;
        upload.next_index += 1;
        upload.sealed_bytes += u64::from(length);
        Ok((plan, upload.content_key.clone()))
    })?;
    let sealed = webcrypto::aes_gcm_encrypt(&key, plan.nonce(), plan.aad(), &plaintext)?.await?;
    let chunk = plan
        .assemble(&sealed)
        .map_err(crypto("assembling a chunk"))?;
    Ok(js_sys::Uint8Array::from(chunk.as_slice()))
}

/// Adds the next chunk's plaintext to the upload's digest, which finalize
/// seals in the metadata. Call it once per chunk, in order, with the bytes
/// given to [`seal_chunk`]; it can run while the sealed chunk is sent.
/// Separate from sealing because SHA-256 in WebAssembly is slower than
/// AES-GCM in WebCrypto (docs/benchmarks.md).
#[wasm_bindgen(js_name = digestChunk)]
pub fn digest_chunk(upload: u32, plaintext: js_sys::Uint8Array) -> Result<(), JsValue> {
    Ok(with(upload, |handle| {
        let Handle::Upload(upload) = handle else {
            return Err(wrong_handle("upload"));
        };
        // The plaintext stays in JavaScript memory; a window of it at a
        // time is copied here to be hashed.
        let length = plaintext.length();
        let mut window = vec![0u8; 1 << 16];
        let mut offset = 0;
        while offset < length {
            let end = (offset + window.len() as u32).min(length);
            let part = &mut window[..(end - offset) as usize];
            plaintext.subarray(offset, end).copy_to(part);
            upload.digest.update(&*part);
            offset = end;
        }
        upload.digested_bytes += u64::from(length);
        Ok(())
    })?)
}

/// Ends an upload once every chunk is sealed: returns the finalize body,
/// whose metadata carries the plaintext digest. Frees the upload.
#[wasm_bindgen(js_name = finishUpload)]
pub fn finish_upload(upload: u32) -> Result<JsValue, JsValue> {
    let Handle::Upload(upload) = take(upload)? else {
        return Err(wrong_handle("upload").into());
    };
    if upload.next_index != upload.chunk_count
        || upload.sealed_bytes != upload.size
        || upload.digested_bytes != upload.size
    {
        return Err(SdkError::new(
            "file_changed",
            format!(
                "{:?} was read as {} bytes but announced as {}: select the file again",
                upload.name, upload.sealed_bytes, upload.size
            ),
        )
        .into());
    }
    let node_id = NodeId::from_bytes(*upload.file_id.as_bytes());
    let metadata = file_metadata(
        &upload.name,
        upload.size,
        upload.modified_at,
        Some(upload.digest.finalize().into()),
    );
    let sealed = metadata::seal_metadata(&upload.key, &node_id, &metadata, &mut rng())
        .map_err(crypto("sealing the file's metadata"))?;
    Ok(to_js(&FinalizeUploadRequest {
        encrypted_metadata: Some(sealed.into()),
    })?)
}

/// Starts a download of an open file from its manifest
/// (`GET /api/files/{id}`). Returns a handle for [`open_chunk`].
#[wasm_bindgen(js_name = startDownload)]
pub async fn start_download(file: u32, manifest: JsValue) -> Result<u32, JsValue> {
    let manifest: FileManifest = from_js("manifest", manifest)?;
    let (file_id, key, node, metadata) = node_key(file)?;
    if manifest.node.id != node.id {
        return Err(SdkError::new("tampered", "the manifest is for another file").into());
    }
    let chunk_count = u32::try_from(manifest.chunks.len())
        .ok()
        .filter(|count| *count > 0)
        .ok_or_else(|| SdkError::new("tampered", "the manifest lists no chunk"))?;
    let version_id = VersionId::from_bytes(*manifest.version_id.as_bytes());
    let content_key = key.derive_content_key(&file_id, &version_id);
    let content_key = webcrypto::import_aes_key(content_key.expose_secret(), "decrypt").await?;
    Ok(insert(Handle::Download(Box::new(Download {
        file_id,
        version_id,
        content_key,
        next_index: 0,
        chunk_count,
        opened_bytes: 0,
        size: metadata.size,
        expected_digest: metadata.sha256,
        digest: Sha256::new(),
        finished: false,
    }))))
}

/// Opens the next chunk of a download, in order. Fails with `tampered` when
/// the chunk was altered, reordered or cut short, or when its final flag does
/// not match its position.
#[wasm_bindgen(js_name = openChunk)]
pub async fn open_chunk(download: u32, sealed: Vec<u8>) -> Result<js_sys::Uint8Array, JsValue> {
    let (plan, key) = with(download, |handle| {
        let Handle::Download(download) = handle else {
            return Err(wrong_handle("download"));
        };
        if download.finished || download.next_index >= download.chunk_count {
            return Err(SdkError::new("tampered", "a chunk follows the last chunk"));
        }
        let plan = ChunkOpenPlan::new(
            &download.file_id,
            &download.version_id,
            download.next_index,
            &sealed,
        )
        .map_err(crypto("reading a chunk"))?;
        Ok((plan, download.content_key.clone()))
    })?;
    let plaintext = webcrypto::aes_gcm_decrypt(
        &key,
        plan.nonce(),
        plan.aad(),
        plan.ciphertext_and_tag(&sealed),
    )
    .await
    .map_err(|error| {
        SdkError::new(
            "tampered",
            format!(
                "a chunk failed its integrity check and was altered: {}",
                error.message
            ),
        )
    })?;
    plan.check_plaintext(&plaintext)
        .map_err(crypto("checking a chunk"))?;
    with(download, |handle| {
        let Handle::Download(download) = handle else {
            return Err(wrong_handle("download"));
        };
        download.digest.update(&plaintext);
        download.opened_bytes += plaintext.len() as u64;
        download.next_index += 1;
        let last_expected = download.next_index == download.chunk_count;
        if plan.is_final() != last_expected {
            return Err(SdkError::new(
                "tampered",
                "the file's chunks were truncated or extended",
            ));
        }
        download.finished = plan.is_final();
        Ok(())
    })?;
    Ok(js_sys::Uint8Array::from(plaintext.as_slice()))
}

/// Ends a download: checks that the last chunk came and that the size and
/// digest match the metadata. Frees the download.
#[wasm_bindgen(js_name = finishDownload)]
pub fn finish_download(download: u32) -> Result<(), JsValue> {
    let Handle::Download(download) = take(download)? else {
        return Err(wrong_handle("download").into());
    };
    if !download.finished {
        return Err(SdkError::new("tampered", "the download ended before the last chunk").into());
    }
    if download
        .size
        .is_some_and(|size| size != download.opened_bytes)
    {
        return Err(SdkError::new("tampered", "the file's size differs from its metadata").into());
    }
    let digest: [u8; 32] = download.digest.finalize().into();
    if download
        .expected_digest
        .is_some_and(|expected| expected != digest)
    {
        return Err(
            SdkError::new("tampered", "the file's digest differs from its metadata").into(),
        );
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecipientInfo {
    recipient: u32,
    email: String,
    fingerprint: String,
}

/// Reads a recipient's public key (`GET /api/users/public-key`) and returns
/// `{ recipient, email, fingerprint }`. The fingerprint is computed here from
/// the key that will be used, not taken from the server.
#[wasm_bindgen(js_name = openRecipient)]
pub fn open_recipient(user: JsValue) -> Result<JsValue, JsValue> {
    let user: UserPublicKey = from_js("user", user)?;
    let public_key = PublicKey::from_spki_der(user.public_key.as_slice())
        .map_err(crypto("reading the recipient's public key"))?;
    let info = RecipientInfo {
        email: user.email.clone(),
        fingerprint: public_key.fingerprint().to_string(),
        recipient: insert(Handle::Recipient(Box::new(Recipient {
            user_id: user.user_id,
            public_key,
        }))),
    };
    Ok(to_js(&info)?)
}

/// Builds the `POST /api/shares` body that shares `node` with `recipient`.
#[wasm_bindgen(js_name = shareRequest)]
pub fn share_request(node: u32, recipient: u32, role: String) -> Result<JsValue, JsValue> {
    let role = match role.as_str() {
        "viewer" => ShareRole::Viewer,
        "editor" => ShareRole::Editor,
        other => {
            return Err(
                SdkError::invalid(format!("role {other:?} is not viewer or editor")).into(),
            );
        }
    };
    let (node_id, key, node, _) = node_key(node)?;
    let request = with(recipient, |handle| match handle {
        Handle::Recipient(recipient) => Ok(CreateShareRequest {
            node_id: node.id,
            recipient_id: recipient.user_id,
            role,
            wrapped_key: keypair::wrap_key_for_recipient(
                &recipient.public_key,
                &node_id,
                &key,
                &mut rng(),
            )
            .map_err(crypto("wrapping the key for the recipient"))?
            .into(),
        }),
        _ => Err(wrong_handle("recipient")),
    })?;
    Ok(to_js(&request)?)
}

/// Opens a node shared with this account: `share` from
/// `GET /api/shares/incoming` and `node` from `GET /api/nodes/{id}`.
#[wasm_bindgen(js_name = openShared)]
pub async fn open_shared(account: u32, share: JsValue, node: JsValue) -> Result<JsValue, JsValue> {
    let share: Share = from_js("share", share)?;
    let node: Node = from_js("node", node)?;
    if share.node_id != node.id {
        return Err(SdkError::new("tampered", "the node is not the shared one").into());
    }
    let rsa_key = with(account, |handle| match handle {
        Handle::Account(account) => Ok(account.rsa_key.clone()),
        _ => Err(wrong_handle("account")),
    })?;
    let node_id = NodeId::from_bytes(*node.id.as_bytes());
    let ciphertext = keypair::rsa_wrapped_ciphertext(share.wrapped_key.as_slice())
        .map_err(crypto("reading the shared key"))?;
    let raw = webcrypto::rsa_oaep_decrypt(&rsa_key, &keypair::share_label(&node_id), ciphertext)
        .await
        .map_err(|error| SdkError::new("tampered", error.message))?;
    let key = NodeKey::try_from_slice(&raw).map_err(crypto("opening the shared key"))?;
    Ok(node_info(open_with_key(node, key, true)?)?)
}

/// Email of an open account.
#[wasm_bindgen(js_name = accountEmail)]
pub fn account_email(account: u32) -> Result<String, JsValue> {
    Ok(with(account, |handle| match handle {
        Handle::Account(account) => Ok(account.email.clone()),
        _ => Err(wrong_handle("account")),
    })?)
}

/// Replaces the node a handle refers to with a newer copy from the server
/// (after a rename): the key and the handle stay, the metadata is opened
/// again.
#[wasm_bindgen(js_name = refreshNode)]
pub fn refresh_node(handle: u32, node: JsValue) -> Result<JsValue, JsValue> {
    let node: Node = from_js("node", node)?;
    let (_, key, old, _) = node_key(handle)?;
    if old.id != node.id {
        return Err(SdkError::invalid("the node is not the one the handle refers to").into());
    }
    let open = open_with_key(node, key, old.parent_id.is_some())?;
    let info = node_fields(&open);
    with(handle, |entry| {
        *entry = Handle::Node(Box::new(open));
        Ok(())
    })?;
    Ok(to_js(&NodeInfo { handle, ..info })?)
}
