//! Rename, move and trash (list, restore, purge, empty) over real HTTP, on
//! SQLite and PostgreSQL.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer, TestUser, assert_error, b64, random_bytes};
use gauzian_api::{Node, NodePage, Usage};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

backend_tests!(rename_node, move_node, trash_restore_and_purge, empty_trash);

async fn folder(server: &TestServer, user: &TestUser, parent: Uuid) -> Node {
    let body = json!({
        "id": Uuid::new_v4(),
        "parent_id": parent,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(80)),
    });
    let response = server
        .post_json("/api/folders", Some(&user.token), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn file(server: &TestServer, user: &TestUser, parent: Uuid, size: usize) -> Node {
    let body = json!({
        "file_id": Uuid::new_v4(),
        "version_id": Uuid::new_v4(),
        "parent_id": parent,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(90)),
        "chunk_sizes": [size],
    });
    let response = server
        .post_json("/api/uploads", Some(&user.token), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let version_id = body["version_id"].as_str().unwrap();
    let response = server
        .put_bytes(
            &format!("/api/uploads/{version_id}/chunks/0"),
            &user.token,
            random_bytes(size),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = server
        .client
        .post(server.url(&format!("/api/uploads/{version_id}/finalize")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn patch(
    server: &TestServer,
    token: &str,
    id: Uuid,
    body: &serde_json::Value,
) -> reqwest::Response {
    server
        .client
        .patch(server.url(&format!("/api/nodes/{id}")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn children(server: &TestServer, token: &str, id: Uuid) -> Vec<Uuid> {
    let page: NodePage = server
        .get(&format!("/api/folders/{id}/children"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    page.items.iter().map(|node| node.id).collect()
}

async fn trash_list(server: &TestServer, token: &str) -> Vec<Uuid> {
    let page: NodePage = server
        .get("/api/trash", Some(token))
        .await
        .json()
        .await
        .unwrap();
    page.items.iter().map(|node| node.id).collect()
}

async fn rename_node(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;
    let target = folder(&server, &alice, alice.root).await;

    let metadata = random_bytes(70);
    let response = patch(
        &server,
        &alice.token,
        target.id,
        &json!({"encrypted_metadata": b64(&metadata)}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let renamed: Node = response.json().await.unwrap();
    assert_eq!(renamed.encrypted_metadata.as_slice(), metadata.as_slice());
    assert_eq!(renamed.wrapped_key, target.wrapped_key);
    assert!(renamed.updated_at >= target.updated_at);

    let response = patch(
        &server,
        &mallory.token,
        target.id,
        &json!({"encrypted_metadata": b64(&metadata)}),
    )
    .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = patch(
        &server,
        &alice.token,
        target.id,
        &json!({"encrypted_metadata": ""}),
    )
    .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let response = patch(
        &server,
        &alice.token,
        Uuid::new_v4(),
        &json!({"encrypted_metadata": b64(&metadata)}),
    )
    .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn move_node(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;
    let a = folder(&server, &alice, alice.root).await;
    let b = folder(&server, &alice, alice.root).await;
    let a_child = folder(&server, &alice, a.id).await;
    let document = file(&server, &alice, a.id, 10).await;
    let move_path = |id: Uuid| format!("/api/nodes/{id}/move");
    let key = b64(&random_bytes(60));

    let response = server
        .post_json(
            &move_path(document.id),
            Some(&alice.token),
            &json!({"parent_id": b.id, "wrapped_key": key}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Node = response.json().await.unwrap();
    assert_eq!(moved.parent_id, Some(b.id));
    assert_eq!(
        b64(moved.wrapped_key.as_slice()),
        key,
        "the re-wrapped key is stored"
    );
    assert_eq!(
        children(&server, &alice.token, b.id).await,
        vec![document.id]
    );
    assert_eq!(
        children(&server, &alice.token, a.id).await,
        vec![a_child.id]
    );

    // Moving a folder into itself or below itself would detach it.
    for target in [a.id, a_child.id] {
        let response = server
            .post_json(
                &move_path(a.id),
                Some(&alice.token),
                &json!({"parent_id": target, "wrapped_key": key}),
            )
            .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_move").await;
    }
    let response = server
        .post_json(
            &move_path(alice.root),
            Some(&alice.token),
            &json!({"parent_id": a.id, "wrapped_key": key}),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_move").await;
    let response = server
        .post_json(
            &move_path(a.id),
            Some(&alice.token),
            &json!({"parent_id": document.id, "wrapped_key": key}),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "not_a_folder").await;

    let response = server
        .post_json(
            &move_path(a.id),
            Some(&alice.token),
            &json!({"parent_id": mallory.root, "wrapped_key": key}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .post_json(
            &move_path(a.id),
            Some(&mallory.token),
            &json!({"parent_id": mallory.root, "wrapped_key": key}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn trash_restore_and_purge(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let mallory = server.user("mallory@example.com").await;
    let parent = folder(&server, &alice, alice.root).await;
    let inner = file(&server, &alice, parent.id, 100).await;
    let version_id = inner.file.as_ref().unwrap().version_id;

    let response = server
        .delete(&format!("/api/nodes/{}", parent.id), Some(&mallory.token))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .delete(&format!("/api/nodes/{}", alice.root), Some(&alice.token))
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let response = server
        .delete(&format!("/api/nodes/{}", parent.id), Some(&alice.token))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        children(&server, &alice.token, alice.root).await.is_empty(),
        "hidden from its parent"
    );
    assert_eq!(trash_list(&server, &alice.token).await, vec![parent.id]);
    assert!(trash_list(&server, &mallory.token).await.is_empty());

    let restore = |id: Uuid, token: String| {
        let server = &server;
        async move {
            server
                .client
                .post(server.url(&format!("/api/trash/{id}/restore")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let response = restore(parent.id, mallory.token.clone()).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = restore(inner.id, alice.token.clone()).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = restore(parent.id, alice.token.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        children(&server, &alice.token, alice.root).await,
        vec![parent.id]
    );
    assert!(trash_list(&server, &alice.token).await.is_empty());

    let response = server
        .delete(&format!("/api/trash/{}", parent.id), Some(&alice.token))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    server
        .delete(&format!("/api/nodes/{}", parent.id), Some(&alice.token))
        .await;
    let response = server
        .delete(&format!("/api/trash/{}", parent.id), Some(&mallory.token))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = server
        .delete(&format!("/api/trash/{}", parent.id), Some(&alice.token))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    for id in [parent.id, inner.id] {
        let response = server
            .get(&format!("/api/nodes/{id}"), Some(&alice.token))
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(trash_list(&server, &alice.token).await.is_empty());
    assert!(
        server.stored_chunks(version_id).await.is_empty(),
        "chunks deleted"
    );
    let usage: Usage = server
        .get("/api/account/usage", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage.used_bytes, 0);
}

async fn empty_trash(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let kept = file(&server, &alice, alice.root, 10).await;
    let first = folder(&server, &alice, alice.root).await;
    file(&server, &alice, first.id, 20).await;
    let second = file(&server, &alice, alice.root, 30).await;
    for id in [first.id, second.id] {
        let response = server
            .delete(&format!("/api/nodes/{id}"), Some(&alice.token))
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(trash_list(&server, &alice.token).await.len(), 2);

    let response = server.delete("/api/trash", Some(&alice.token)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(trash_list(&server, &alice.token).await.is_empty());
    assert_eq!(
        children(&server, &alice.token, alice.root).await,
        vec![kept.id]
    );
    let usage: Usage = server
        .get("/api/account/usage", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage.used_bytes, 10);

    let response = server.delete("/api/trash", None).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
