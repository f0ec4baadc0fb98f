//! The SDK's exports run under wasm-bindgen-test, in Node and in headless
//! Chromium (scripts/test.sh runs both), with WebCrypto doing the primitives.
//! A server is stood in for by building its responses from the requests, as
//! it stores them unchanged.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gauzian_api::{
    Account, CreateFolderRequest, FileManifest, FinalizeUploadRequest, Node, NodeKind,
    RegisterRequest, StartUploadRequest,
};
use gauzian_sdk_wasm as sdk;
use js_sys::{Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const CHUNK: usize = 5 * 1024 * 1024;

fn js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn rust<T: DeserializeOwned>(value: JsValue) -> T {
    serde_wasm_bindgen::from_value(value).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn code(error: JsValue) -> String {
    get(&error, "code").as_string().unwrap()
}

fn node(
    id: Uuid,
    parent_id: Option<Uuid>,
    kind: NodeKind,
    wrapped_key: gauzian_api::Bytes,
    encrypted_metadata: gauzian_api::Bytes,
) -> Node {
    Node {
        id,
        parent_id,
        kind,
        wrapped_key,
        encrypted_metadata,
        created_at: 1,
        updated_at: 1,
        file: None,
    }
}

struct Opened {
    account: u32,
    root: JsValue,
    account_json: Account,
}

/// Registers an account and opens it again from what a server would store.
async fn registered(password: &str) -> Opened {
    let prepared = sdk::prepare_registration("alice@example.com".into(), password.into())
        .await
        .unwrap();
    let recovery = get(&prepared, "recoveryKey").as_string().unwrap();
    assert_eq!(recovery.replace(['-', ' '], "").len(), 56, "{recovery}");
    let registration = get(&prepared, "registration").as_f64().unwrap() as u32;
    let request: RegisterRequest = rust(sdk::registration_request(registration).unwrap());

    let account_json = Account {
        user_id: Uuid::from_u128(7),
        email: request.email.clone(),
        kdf: request.kdf.clone(),
        public_key: request.public_key.clone(),
        wrapped_private_key: request.wrapped_private_key.clone(),
        wrapped_record_key: request.wrapped_record_key.clone(),
        root_folder_id: request.root_folder.id,
    };
    let keys = sdk::derive_keys(password.into(), js(&request.kdf))
        .await
        .unwrap();
    let expected: gauzian_api::Bytes = request.auth_key.clone();
    assert_eq!(
        JsValue::from_str(&sdk::auth_key(keys).unwrap()),
        js(&expected),
        "deriving again gives the registered authentication key"
    );
    let account = sdk::open_account(keys, js(&account_json)).await.unwrap();
    let root_node = node(
        request.root_folder.id,
        None,
        NodeKind::Folder,
        request.root_folder.wrapped_key.clone(),
        request.root_folder.encrypted_metadata.clone(),
    );
    let root = sdk::open_root(account, js(&root_node)).unwrap();
    Opened {
        account,
        root,
        account_json,
    }
}

fn handle(info: &JsValue) -> u32 {
    get(info, "handle").as_f64().unwrap() as u32
}

#[wasm_bindgen_test]
async fn wrong_password_is_rejected() {
    let opened = registered("correct horse").await;
    let keys = sdk::derive_keys("wrong horse".into(), js(&opened.account_json.kdf))
        .await
        .unwrap();
    let error = sdk::open_account(keys, js(&opened.account_json))
        .await
        .unwrap_err();
    assert_eq!(code(error), "wrong_password");
}

#[wasm_bindgen_test]
async fn weak_kdf_parameters_are_rejected() {
    let opened = registered("pw").await;
    let mut kdf = opened.account_json.kdf.clone();
    kdf.iterations = 1000;
    let error = sdk::derive_keys("pw".into(), js(&kdf)).await.unwrap_err();
    assert_eq!(code(error), "tampered");
}

#[wasm_bindgen_test]
async fn folders_upload_and_download_round_trip() {
    let opened = registered("pw").await;
    let root = handle(&opened.root);
    let root_id: Uuid = rust(get(&opened.root, "id"));

    let request: CreateFolderRequest =
        rust(sdk::new_folder_request(root, "Photos d’été".into()).unwrap());
    let folder_node = node(
        request.id,
        Some(root_id),
        NodeKind::Folder,
        request.wrapped_key,
        request.encrypted_metadata,
    );
    let folder = sdk::open_child(root, js(&folder_node)).unwrap();
    assert_eq!(get(&folder, "name").as_string().unwrap(), "Photos d’été");

    // One full chunk and a short last one.
    let size = CHUNK + 1000;
    let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    let start = sdk::start_upload(handle(&folder), "a.bin".into(), size as f64, Some(5.0))
        .await
        .unwrap();
    let upload = get(&start, "upload").as_f64().unwrap() as u32;
    let request: StartUploadRequest = rust(get(&start, "request"));
    assert_eq!(request.chunk_sizes.len(), 2);
    let mut sealed = Vec::new();
    for part in data.chunks(CHUNK) {
        let chunk = sdk::seal_chunk(upload, Uint8Array::from(part))
            .await
            .unwrap();
        sdk::digest_chunk(upload, Uint8Array::from(part)).unwrap();
        sealed.push(chunk.to_vec());
    }
    for (chunk, declared) in sealed.iter().zip(&request.chunk_sizes) {
        assert_eq!(chunk.len() as u64, *declared);
    }
    let finalize: FinalizeUploadRequest = rust(sdk::finish_upload(upload).unwrap());

    let file_node = node(
        request.file_id,
        Some(request.parent_id),
        NodeKind::File,
        request.wrapped_key,
        finalize.encrypted_metadata.unwrap(),
    );
    let file = sdk::open_child(handle(&folder), js(&file_node)).unwrap();
    assert_eq!(get(&file, "size").as_f64().unwrap() as usize, size);
    let manifest = FileManifest {
        node: file_node.clone(),
        version_id: request.version_id,
        chunks: request
            .chunk_sizes
            .iter()
            .enumerate()
            .map(|(index, size)| gauzian_api::ChunkInfo {
                index: index as u32,
                size: *size,
            })
            .collect(),
    };

    let download = sdk::start_download(handle(&file), js(&manifest))
        .await
        .unwrap();
    let mut plaintext = Vec::new();
    for chunk in &sealed {
        plaintext.extend(
            sdk::open_chunk(download, chunk.clone())
                .await
                .unwrap()
                .to_vec(),
        );
    }
    sdk::finish_download(download).unwrap();
    assert!(plaintext == data, "the download differs from the upload");

    // A flipped bit, a reordering and a truncation are each refused.
    let download = sdk::start_download(handle(&file), js(&manifest))
        .await
        .unwrap();
    let mut altered = sealed[0].clone();
    altered[100] ^= 1;
    assert_eq!(
        code(sdk::open_chunk(download, altered).await.unwrap_err()),
        "tampered"
    );

    let download = sdk::start_download(handle(&file), js(&manifest))
        .await
        .unwrap();
    assert_eq!(
        code(
            sdk::open_chunk(download, sealed[1].clone())
                .await
                .unwrap_err()
        ),
        "tampered"
    );

    let download = sdk::start_download(handle(&file), js(&manifest))
        .await
        .unwrap();
    sdk::open_chunk(download, sealed[0].clone()).await.unwrap();
    assert_eq!(
        code(sdk::finish_download(download).unwrap_err()),
        "tampered"
    );
}

#[wasm_bindgen_test]
async fn unsafe_names_are_rejected() {
    let opened = registered("pw").await;
    let root = handle(&opened.root);
    for name in ["", "..", "a/b", "a\\b", "nul\0"] {
        let error = sdk::new_folder_request(root, name.into()).unwrap_err();
        assert_eq!(code(error), "invalid_name", "{name:?}");
    }
}

#[wasm_bindgen_test]
async fn released_handles_fail_clearly() {
    let opened = registered("pw").await;
    let root = handle(&opened.root);
    sdk::release(root);
    let error = sdk::new_folder_request(root, "x".into()).unwrap_err();
    assert_eq!(code(error), "invalid_argument");
    sdk::release(opened.account);
}

#[wasm_bindgen_test]
async fn rename_keeps_the_handle() {
    let opened = registered("pw").await;
    let root = handle(&opened.root);
    let root_id: Uuid = rust(get(&opened.root, "id"));
    let request: CreateFolderRequest = rust(sdk::new_folder_request(root, "Old".into()).unwrap());
    let mut folder_node = node(
        request.id,
        Some(root_id),
        NodeKind::Folder,
        request.wrapped_key,
        request.encrypted_metadata,
    );
    let folder = handle(&sdk::open_child(root, js(&folder_node)).unwrap());

    let update: gauzian_api::UpdateNodeRequest =
        rust(sdk::rename_request(folder, "Nouveau dossier".into()).unwrap());
    folder_node.encrypted_metadata = update.encrypted_metadata;
    let renamed = sdk::refresh_node(folder, js(&folder_node)).unwrap();
    assert_eq!(handle(&renamed), folder);
    assert_eq!(
        get(&renamed, "name").as_string().unwrap(),
        "Nouveau dossier"
    );
    sdk::new_folder_request(folder, "child".into()).expect("the handle still works");

    let mut other = folder_node.clone();
    other.id = Uuid::from_u128(9);
    let error = sdk::refresh_node(folder, js(&other)).unwrap_err();
    assert_eq!(code(error), "invalid_argument");
}
