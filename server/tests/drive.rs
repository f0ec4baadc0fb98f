//! Folders, nodes, listings, uploads and downloads over real HTTP, on SQLite
//! and PostgreSQL.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    Backend, TestServer, TestUser, assert_error, b64, chunk_path, random_bytes, start_body,
    start_upload,
};
use gauzian_api::{FileManifest, MAX_CHUNK_BODY_SIZE, Node, NodeKind, NodePage, UploadStatus};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

backend_tests!(
    folder_create_and_fetch,
    children_paging,
    upload_and_download_round_trip,
    chunk_size_limits,
    chunk_reupload_is_idempotent,
    finalize_with_missing_chunk,
    chunk_lost_before_finalize,
    abort_upload,
    uploads_of_others_are_not_found,
    start_upload_failures,
    corrupted_chunk_is_reported,
    chunks_stored_with_sha256_are_still_checked,
    concurrent_resends_keep_the_recorded_chunk,
    finalize_removes_unnamed_objects,
    quota_rejects_large_upload,
    uploads_beyond_limit_get_503,
);

fn folder_body(id: Uuid, parent: Uuid) -> serde_json::Value {
    json!({
        "id": id,
        "parent_id": parent,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(80)),
    })
}

async fn create_folder(server: &TestServer, user: &TestUser, parent: Uuid) -> Node {
    let id = Uuid::new_v4();
    let response = server
        .post_json("/api/folders", Some(&user.token), &folder_body(id, parent))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn folder_create_and_fetch(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;

    let folder = create_folder(&server, &alice, alice.root).await;
    assert_eq!(folder.kind, NodeKind::Folder);
    assert_eq!(folder.parent_id, Some(alice.root));
    assert!(folder.file.is_none());

    let response = server
        .get(&format!("/api/nodes/{}", folder.id), Some(&alice.token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fetched: Node = response.json().await.unwrap();
    assert_eq!(fetched, folder);

    let root: Node = server
        .get(&format!("/api/nodes/{}", alice.root), Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(root.parent_id, None);
    assert_eq!(
        root.encrypted_metadata,
        alice.registration.root_folder.encrypted_metadata
    );

    // Another user's id gets exactly the response of an id that does not exist.
    let theirs = server
        .get(&format!("/api/nodes/{}", folder.id), Some(&mallory.token))
        .await;
    let theirs = assert_error(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let missing = server
        .get(
            &format!("/api/nodes/{}", Uuid::new_v4()),
            Some(&mallory.token),
        )
        .await;
    let missing = assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(theirs, missing);

    let response = server
        .post_json(
            "/api/folders",
            Some(&mallory.token),
            &folder_body(Uuid::new_v4(), folder.id),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    let response = server
        .post_json(
            "/api/folders",
            Some(&alice.token),
            &folder_body(folder.id, alice.root),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "already_exists").await;

    let response = server
        .post_json(
            "/api/folders",
            None,
            &folder_body(Uuid::new_v4(), alice.root),
        )
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let mut empty_key = folder_body(Uuid::new_v4(), alice.root);
    empty_key["wrapped_key"] = json!("");
    let response = server
        .post_json("/api/folders", Some(&alice.token), &empty_key)
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let response = server
        .get("/api/nodes/not-a-uuid", Some(&alice.token))
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    // A file cannot be a parent.
    let upload = start_upload(&server, &alice, alice.root, &[3]).await;
    server
        .put_bytes(
            &chunk_path(upload.version_id, 0),
            &alice.token,
            vec![1, 2, 3],
        )
        .await;
    let response = server.finalize(upload.version_id, &alice.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = server
        .post_json(
            "/api/folders",
            Some(&alice.token),
            &folder_body(Uuid::new_v4(), upload.file_id),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "not_a_folder").await;
}

async fn children_paging(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;

    let parent = create_folder(&server, &alice, alice.root).await;
    let mut expected = Vec::new();
    for _ in 0..5 {
        expected.push(create_folder(&server, &alice, parent.id).await.id);
    }
    expected.sort();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/api/folders/{}/children?limit=2", parent.id);
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let response = server.get(&path, Some(&alice.token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page: NodePage = response.json().await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|node| node.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected, "every child once, in id order");

    let all: NodePage = server
        .get(
            &format!("/api/folders/{}/children", parent.id),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.items.len(), 5);
    assert!(all.next_cursor.is_none());

    let empty: NodePage = server
        .get(
            &format!("/api/folders/{}/children", expected[0]),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(empty.items.is_empty());

    let response = server
        .get(
            &format!("/api/folders/{}/children?cursor=bogus", parent.id),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    let response = server
        .get(
            &format!("/api/folders/{}/children?limit=0", parent.id),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let response = server
        .get(
            &format!("/api/folders/{}/children?limit=abc", parent.id),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let response = server
        .get(
            &format!("/api/folders/{}/children", parent.id),
            Some(&mallory.token),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn upload_and_download_round_trip(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;

    let chunks = [
        random_bytes(MAX_CHUNK_BODY_SIZE as usize),
        random_bytes(1000),
        random_bytes(17),
    ];
    let sizes: Vec<u64> = chunks.iter().map(|chunk| chunk.len() as u64).collect();
    let body = start_body(alice.root, &sizes);
    let response = server
        .post_json("/api/uploads", Some(&alice.token), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let status: UploadStatus = response.json().await.unwrap();
    assert_eq!(status.chunk_sizes, sizes);
    assert!(status.received.is_empty());
    let version_id = status.version_id;
    let file_id = status.file_id;

    // Out of order, as a parallel client would send them.
    for index in [2u32, 0, 1] {
        let response = server
            .put_bytes(
                &chunk_path(version_id, index),
                &alice.token,
                chunks[index as usize].clone(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "chunk {index}");
    }
    let status: UploadStatus = server
        .get(&format!("/api/uploads/{version_id}"), Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status.received, vec![0, 1, 2]);

    // Not listed before finalize.
    let page: NodePage = server
        .get(
            &format!("/api/folders/{}/children", alice.root),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(page.items.is_empty());

    let response = server
        .client
        .post(server.url(&format!("/api/uploads/{version_id}/finalize")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let node: Node = response.json().await.unwrap();
    assert_eq!(node.id, file_id);
    assert_eq!(node.kind, NodeKind::File);
    assert_eq!(node.parent_id, Some(alice.root));
    assert_eq!(
        node.encrypted_metadata.as_slice(),
        common_b64_decode(&body["encrypted_metadata"])
    );
    let file = node.file.clone().unwrap();
    assert_eq!(file.version_id, version_id);
    assert_eq!(file.chunk_count, 3);
    assert_eq!(file.ciphertext_size, sizes.iter().sum::<u64>());

    let page: NodePage = server
        .get(
            &format!("/api/folders/{}/children", alice.root),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.items, vec![node.clone()]);

    let response = server
        .get(&format!("/api/files/{file_id}"), Some(&alice.token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let manifest: FileManifest = response.json().await.unwrap();
    assert_eq!(manifest.node, node);
    assert_eq!(manifest.version_id, version_id);
    let listed: Vec<(u32, u64)> = manifest
        .chunks
        .iter()
        .map(|chunk| (chunk.index, chunk.size))
        .collect();
    assert_eq!(listed, vec![(0, sizes[0]), (1, sizes[1]), (2, sizes[2])]);

    for (index, expected) in chunks.iter().enumerate() {
        let response = server
            .get(
                &format!("/api/files/{file_id}/versions/{version_id}/chunks/{index}"),
                Some(&alice.token),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "application/octet-stream"
        );
        let bytes = response.bytes().await.unwrap();
        assert_eq!(
            bytes.as_ref(),
            expected.as_slice(),
            "chunk {index} round-trips"
        );
    }

    let response = server
        .get(
            &format!("/api/files/{file_id}/versions/{version_id}/chunks/3"),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .get(
            &format!("/api/files/{file_id}/versions/{}/chunks/0", Uuid::new_v4()),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .get(
            &format!("/api/files/{file_id}/versions/{version_id}/chunks/0"),
            Some(&mallory.token),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .get(&format!("/api/files/{file_id}"), Some(&mallory.token))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .get(&format!("/api/files/{}", alice.root), Some(&alice.token))
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "not_a_file").await;
}

fn common_b64_decode(value: &serde_json::Value) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str().unwrap())
        .unwrap()
}

async fn chunk_size_limits(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[MAX_CHUNK_BODY_SIZE, 10]).await;

    let response = server
        .put_bytes(
            &chunk_path(upload.version_id, 0),
            &alice.token,
            vec![0; MAX_CHUNK_BODY_SIZE as usize + 1],
        )
        .await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let response = server
        .put_bytes(
            &chunk_path(upload.version_id, 0),
            &alice.token,
            vec![0; MAX_CHUNK_BODY_SIZE as usize],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "exactly the limit is accepted"
    );

    let response = server
        .put_bytes(&chunk_path(upload.version_id, 1), &alice.token, vec![0; 11])
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "chunk_size_mismatch").await;

    let response = server
        .put_bytes(&chunk_path(upload.version_id, 2), &alice.token, vec![0; 10])
        .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "chunk_index_out_of_range",
    )
    .await;

    let response = server
        .post_json(
            "/api/uploads",
            Some(&alice.token),
            &start_body(alice.root, &[MAX_CHUNK_BODY_SIZE + 1]),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

async fn chunk_reupload_is_idempotent(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[64]).await;
    let path = chunk_path(upload.version_id, 0);
    let first = random_bytes(64);

    for _ in 0..2 {
        let response = server.put_bytes(&path, &alice.token, first.clone()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let status: UploadStatus = server
        .get(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status.received, vec![0]);

    // A client that re-encrypted the chunk sends other bytes: the last one wins.
    let second = random_bytes(64);
    let response = server.put_bytes(&path, &alice.token, second.clone()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let entries = server.stored_chunks(upload.version_id).await.len();
    assert_eq!(entries, 1, "the replaced chunk is deleted");

    let response = server.finalize(upload.version_id, &alice.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = server
        .get(
            &format!(
                "/api/files/{}/versions/{}/chunks/0",
                upload.file_id, upload.version_id
            ),
            Some(&alice.token),
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), second.as_slice());
}

async fn finalize_with_missing_chunk(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[5, 6, 7]).await;
    let finalize_path = format!("/api/uploads/{}/finalize", upload.version_id);
    let finalize = || async {
        server
            .client
            .post(server.url(&finalize_path))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap()
    };

    server
        .put_bytes(&chunk_path(upload.version_id, 0), &alice.token, vec![0; 5])
        .await;
    server
        .put_bytes(&chunk_path(upload.version_id, 2), &alice.token, vec![0; 7])
        .await;
    let body = assert_error(finalize().await, StatusCode::CONFLICT, "upload_incomplete").await;
    assert!(
        body["message"].as_str().unwrap().contains("indices 1"),
        "{body}"
    );

    let status: UploadStatus = server
        .get(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status.received,
        vec![0, 2],
        "a failed finalize leaves the upload resumable"
    );

    server
        .put_bytes(&chunk_path(upload.version_id, 1), &alice.token, vec![0; 6])
        .await;
    let response = finalize().await;
    assert_eq!(response.status(), StatusCode::OK);
    let node: Node = response.json().await.unwrap();

    let again = finalize().await;
    assert_eq!(again.status(), StatusCode::OK, "finalize is idempotent");
    let again: Node = again.json().await.unwrap();
    assert_eq!(again, node);

    let response = server
        .put_bytes(&chunk_path(upload.version_id, 1), &alice.token, vec![0; 6])
        .await;
    assert_error(response, StatusCode::CONFLICT, "upload_not_pending").await;
    let response = server
        .delete(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "upload_not_pending").await;
}

/// A chunk acknowledged but gone from the disk when finalize flushes it (as
/// after a crash before write-back) is reported missing and forgotten, so
/// the status lists it as needed again, and the upload completes once it is re-sent.
/// Finalize replaces the metadata when it is given one.
async fn chunk_lost_before_finalize(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[5, 6]).await;
    let finalize_path = format!("/api/uploads/{}/finalize", upload.version_id);
    let metadata = random_bytes(120);
    for (index, size) in [(0, 5), (1, 6)] {
        let response = server
            .put_bytes(
                &chunk_path(upload.version_id, index),
                &alice.token,
                vec![7; size],
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    server.delete_chunk(upload.version_id, 1).await;

    let response = server
        .post_json(
            &finalize_path,
            Some(&alice.token),
            &json!({ "encrypted_metadata": b64(&metadata) }),
        )
        .await;
    let body = assert_error(response, StatusCode::CONFLICT, "upload_incomplete").await;
    assert!(
        body["message"].as_str().unwrap().contains("indices 1"),
        "{body}"
    );
    let status: UploadStatus = server
        .get(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status.received,
        vec![0],
        "the lost chunk is asked for again"
    );

    let response = server
        .post_json(
            &finalize_path,
            Some(&alice.token),
            &json!({ "encrypted_metadata": "" }),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    server
        .put_bytes(&chunk_path(upload.version_id, 1), &alice.token, vec![7; 6])
        .await;
    let response = server
        .post_json(
            &finalize_path,
            Some(&alice.token),
            &json!({ "encrypted_metadata": b64(&metadata) }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let node: Node = response.json().await.unwrap();
    assert_eq!(node.encrypted_metadata.as_slice(), metadata.as_slice());
}

async fn abort_upload(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[4]).await;
    server
        .put_bytes(&chunk_path(upload.version_id, 0), &alice.token, vec![1; 4])
        .await;
    assert_eq!(server.stored_chunks(upload.version_id).await.len(), 1);

    let response = server
        .delete(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        server.stored_chunks(upload.version_id).await.is_empty(),
        "abort deletes the chunks"
    );

    let response = server
        .get(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .delete(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .put_bytes(&chunk_path(upload.version_id, 0), &alice.token, vec![1; 4])
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn uploads_of_others_are_not_found(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[4]).await;
    let version_id = upload.version_id;

    let response = server
        .get(&format!("/api/uploads/{version_id}"), Some(&mallory.token))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .put_bytes(&chunk_path(version_id, 0), &mallory.token, vec![1; 4])
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .client
        .post(server.url(&format!("/api/uploads/{version_id}/finalize")))
        .bearer_auth(&mallory.token)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .delete(&format!("/api/uploads/{version_id}"), Some(&mallory.token))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    let response = server
        .post_json(
            "/api/uploads",
            Some(&mallory.token),
            &start_body(alice.root, &[4]),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    let response = server
        .client
        .put(server.url(&chunk_path(version_id, 0)))
        .body(vec![1; 4])
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn start_upload_failures(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;

    let response = server
        .post_json(
            "/api/uploads",
            Some(&alice.token),
            &start_body(alice.root, &[]),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let response = server
        .post_json(
            "/api/uploads",
            Some(&alice.token),
            &start_body(Uuid::new_v4(), &[1]),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    let mut taken = start_body(alice.root, &[1]);
    taken["file_id"] = json!(alice.root);
    let response = server
        .post_json("/api/uploads", Some(&alice.token), &taken)
        .await;
    assert_error(response, StatusCode::CONFLICT, "already_exists").await;

    let first = start_upload(&server, &alice, alice.root, &[1]).await;
    let mut same_version = start_body(alice.root, &[1]);
    same_version["version_id"] = json!(first.version_id);
    let response = server
        .post_json("/api/uploads", Some(&alice.token), &same_version)
        .await;
    assert_error(response, StatusCode::CONFLICT, "already_exists").await;
}

async fn corrupted_chunk_is_reported(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[32, 32]).await;
    for index in 0..2 {
        server
            .put_bytes(
                &chunk_path(upload.version_id, index),
                &alice.token,
                random_bytes(32),
            )
            .await;
    }
    let response = server.finalize(upload.version_id, &alice.token).await;
    assert_eq!(response.status(), StatusCode::OK);

    server.alter_chunk(upload.version_id, 0).await;
    server.delete_chunk(upload.version_id, 1).await;

    for index in 0..2 {
        let response = server
            .get(
                &format!(
                    "/api/files/{}/versions/{}/chunks/{index}",
                    upload.file_id, upload.version_id
                ),
                Some(&alice.token),
            )
            .await;
        let body = assert_error(
            response,
            StatusCode::INTERNAL_SERVER_ERROR,
            "chunk_corrupted",
        )
        .await;
        assert!(
            !body["message"]
                .as_str()
                .unwrap()
                .contains(&upload.version_id.to_string())
        );
    }
}

/// Chunks stored before migration 0006 have a SHA-256 digest and are named
/// `INDEX-SHA256HEX`: they download, and a changed byte is still caught.
async fn chunks_stored_with_sha256_are_still_checked(backend: Backend) {
    use sha2::Digest as _;
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[32]).await;
    let sealed = random_bytes(32);
    server
        .put_bytes(
            &chunk_path(upload.version_id, 0),
            &alice.token,
            sealed.clone(),
        )
        .await;
    let response = server.finalize(upload.version_id, &alice.token).await;
    assert_eq!(response.status(), StatusCode::OK);

    let (digest, algorithm): (Vec<u8>, String) =
        sqlx::query_as("SELECT digest, digest_algorithm FROM chunks WHERE version_id = $1")
            .bind(upload.version_id.to_string())
            .fetch_one(&mut server.database().await)
            .await
            .unwrap();
    assert_eq!(algorithm, "blake3");
    assert_eq!(digest, blake3::hash(&sealed).as_bytes().to_vec());

    let sha256 = sha2::Sha256::digest(&sealed).to_vec();
    let name = format!("0-{}", hex::encode(&sha256));
    server.rename_chunk(upload.version_id, 0, &name).await;
    sqlx::query(
        "UPDATE chunks SET digest = $1, digest_algorithm = 'sha256', object_name = $2 \
         WHERE version_id = $3",
    )
    .bind(sha256)
    .bind(name)
    .bind(upload.version_id.to_string())
    .execute(&mut server.database().await)
    .await
    .unwrap();

    let chunk = format!(
        "/api/files/{}/versions/{}/chunks/0",
        upload.file_id, upload.version_id
    );
    let response = server.get(&chunk, Some(&alice.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), sealed);

    server.alter_chunk(upload.version_id, 0).await;
    let response = server.get(&chunk, Some(&alice.token)).await;
    assert_error(
        response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "chunk_corrupted",
    )
    .await;
}

/// Sends of one chunk that race, some with the same bytes and some with
/// other bytes (a client that re-encrypted it), leave exactly one stored
/// object, the one the database names, and it downloads. When same bytes
/// meant the same object name, a send could delete the object that a later
/// send of the same bytes had just recorded.
async fn concurrent_resends_keep_the_recorded_chunk(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[32]).await;
    let path = chunk_path(upload.version_id, 0);
    let (first, second) = (random_bytes(32), random_bytes(32));
    for _ in 0..6 {
        let sends = [&first, &second, &first, &second, &first, &first]
            .map(|bytes| server.put_bytes(&path, &alice.token, bytes.clone()));
        for response in futures::future::join_all(sends).await {
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
    }
    let response = server.finalize(upload.version_id, &alice.token).await;
    assert_eq!(response.status(), StatusCode::OK);

    assert_eq!(server.stored_chunks(upload.version_id).await.len(), 1);
    let response = server
        .get(
            &format!(
                "/api/files/{}/versions/{}/chunks/0",
                upload.file_id, upload.version_id
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let served = response.bytes().await.unwrap().to_vec();
    assert!(served == first || served == second);
}

/// Objects of a version that no row names, left by a failed removal or a
/// failed database update, are deleted when the upload is finalized.
async fn finalize_removes_unnamed_objects(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[32, 32]).await;
    for index in 0..2 {
        let response = server
            .put_bytes(
                &chunk_path(upload.version_id, index),
                &alice.token,
                random_bytes(32),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let recorded = server.stored_chunks(upload.version_id).await;
    server
        .plant_chunk(upload.version_id, "1-left-behind", random_bytes(32))
        .await;
    assert_eq!(server.stored_chunks(upload.version_id).await.len(), 3);

    let response = server.finalize(upload.version_id, &alice.token).await;
    assert_eq!(response.status(), StatusCode::OK);

    let mut remaining = server.stored_chunks(upload.version_id).await;
    remaining.sort();
    let mut expected = recorded;
    expected.sort();
    assert_eq!(remaining, expected);
    for index in 0..2 {
        let response = server
            .get(
                &format!(
                    "/api/files/{}/versions/{}/chunks/{index}",
                    upload.file_id, upload.version_id
                ),
                Some(&alice.token),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

async fn quota_rejects_large_upload(backend: Backend) {
    let server = TestServer::start_with(backend, |config| config.quota_bytes = 100).await;
    let alice = server.user("alice@example.com").await;

    start_upload(&server, &alice, alice.root, &[60]).await;
    let response = server
        .post_json(
            "/api/uploads",
            Some(&alice.token),
            &start_body(alice.root, &[41]),
        )
        .await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded").await;
    start_upload(&server, &alice, alice.root, &[40]).await;
}

async fn uploads_beyond_limit_get_503(backend: Backend) {
    use tokio::io::AsyncWriteExt as _;

    let server = TestServer::start_with(backend, |config| config.max_concurrent_uploads = 1).await;
    let alice = server.user("alice@example.com").await;
    let upload = start_upload(&server, &alice, alice.root, &[100, 100]).await;

    // A raw request that announces 100 bytes and sends 10 keeps its upload
    // slot while the server waits for the rest of the body.
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "PUT {} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Length: 100\r\n\r\n",
        chunk_path(upload.version_id, 0),
        alice.token
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(&[0; 10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let response = server
        .put_bytes(
            &chunk_path(upload.version_id, 1),
            &alice.token,
            vec![0; 100],
        )
        .await;
    assert_eq!(response.headers()["retry-after"], "1");
    assert_error(response, StatusCode::SERVICE_UNAVAILABLE, "server_busy").await;

    stalled.write_all(&[0; 90]).await.unwrap();
    drop(stalled);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let response = server
        .put_bytes(
            &chunk_path(upload.version_id, 1),
            &alice.token,
            vec![0; 100],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "the slot is free again"
    );
}
