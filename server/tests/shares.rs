//! Sharing and the access matrix: owner, editor, viewer and stranger against
//! every operation on a shared folder, its subfolders and files, on SQLite
//! and PostgreSQL.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer, TestUser, assert_error, b64, random_bytes};
use gauzian_api::{Node, Share, ShareRole, ShareStatus, UserPublicKey};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

backend_tests!(access_matrix, share_lifecycle, public_key_lookup);

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = server
        .client
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn folder(server: &TestServer, token: &str, parent: Uuid) -> Node {
    let body = json!({
        "id": Uuid::new_v4(),
        "parent_id": parent,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(80)),
    });
    let response = send(server, Method::POST, "/api/folders", token, Some(body)).await;
    assert_eq!(response.status(), CREATED);
    response.json().await.unwrap()
}

fn upload_body(parent: Uuid) -> Value {
    json!({
        "file_id": Uuid::new_v4(),
        "version_id": Uuid::new_v4(),
        "parent_id": parent,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(90)),
        "chunk_sizes": [16],
    })
}

async fn file(server: &TestServer, token: &str, parent: Uuid) -> Node {
    let body = upload_body(parent);
    let response = send(
        server,
        Method::POST,
        "/api/uploads",
        token,
        Some(body.clone()),
    )
    .await;
    assert_eq!(response.status(), CREATED);
    let version_id = body["version_id"].as_str().unwrap();
    let response = server
        .put_bytes(
            &format!("/api/uploads/{version_id}/chunks/0"),
            token,
            random_bytes(16),
        )
        .await;
    assert_eq!(response.status(), NO_CONTENT);
    let response = send(
        server,
        Method::POST,
        &format!("/api/uploads/{version_id}/finalize"),
        token,
        None,
    )
    .await;
    assert_eq!(response.status(), OK);
    response.json().await.unwrap()
}

async fn share(
    server: &TestServer,
    owner: &TestUser,
    node: Uuid,
    recipient: &TestUser,
    role: &str,
) -> Share {
    let recipient_id = server
        .login(&recipient.email, recipient.registration.auth_key.as_slice())
        .await
        .account
        .user_id;
    let body = json!({
        "node_id": node,
        "recipient_id": recipient_id,
        "role": role,
        "wrapped_key": b64(&random_bytes(512)),
    });
    let response = send(
        server,
        Method::POST,
        "/api/shares",
        &owner.token,
        Some(body),
    )
    .await;
    assert_eq!(response.status(), CREATED);
    response.json().await.unwrap()
}

async fn accept(server: &TestServer, user: &TestUser, share: &Share) {
    let response = send(
        server,
        Method::POST,
        &format!("/api/shares/{}/accept", share.id),
        &user.token,
        None,
    )
    .await;
    assert_eq!(response.status(), OK);
}

/// The users of the matrix, in the order of the expected statuses.
struct Cast {
    owner: TestUser,
    editor: TestUser,
    viewer: TestUser,
    stranger: TestUser,
}

impl Cast {
    fn all(&self) -> [(&'static str, &TestUser); 4] {
        [
            ("owner", &self.owner),
            ("editor", &self.editor),
            ("viewer", &self.viewer),
            ("stranger", &self.stranger),
        ]
    }
}

/// Sends the request built by `body` as each user in turn and checks the
/// statuses, in the order owner, editor, viewer, stranger.
async fn check(
    server: &TestServer,
    cast: &Cast,
    operation: &str,
    method: Method,
    path: &str,
    body: impl Fn() -> Option<Value>,
    expected: [StatusCode; 4],
) {
    for ((name, user), status) in cast.all().into_iter().zip(expected) {
        let response = send(server, method.clone(), path, &user.token, body()).await;
        assert_eq!(response.status(), status, "{operation} as {name}");
    }
}

async fn access_matrix(backend: Backend) {
    let server = TestServer::start(backend).await;
    let cast = Cast {
        owner: server.user("owner@example.com").await,
        editor: server.user("editor@example.com").await,
        viewer: server.user("viewer@example.com").await,
        stranger: server.user("stranger@example.com").await,
    };
    let owner = &cast.owner.token;
    let shared = folder(&server, owner, cast.owner.root).await;
    let sub = folder(&server, owner, shared.id).await;
    let document = file(&server, owner, sub.id).await;
    let version_id = document.file.as_ref().unwrap().version_id;
    let editor_share = share(&server, &cast.owner, shared.id, &cast.editor, "editor").await;
    let viewer_share = share(&server, &cast.owner, shared.id, &cast.viewer, "viewer").await;

    // A pending share grants nothing.
    let response = server
        .get(
            &format!("/api/nodes/{}", shared.id),
            Some(&cast.viewer.token),
        )
        .await;
    assert_error(response, NOT_FOUND, "not_found").await;
    accept(&server, &cast.editor, &editor_share).await;
    accept(&server, &cast.viewer, &viewer_share).await;

    let read = [OK, OK, OK, NOT_FOUND];
    let write = [OK, OK, FORBIDDEN, NOT_FOUND];
    let created = [CREATED, CREATED, FORBIDDEN, NOT_FOUND];
    let none = || None;

    // Reads, on the shared folder and below it.
    for node in [shared.id, sub.id, document.id] {
        check(
            &server,
            &cast,
            "get node",
            Method::GET,
            &format!("/api/nodes/{node}"),
            none,
            read,
        )
        .await;
    }
    for node in [shared.id, sub.id] {
        let path = format!("/api/folders/{node}/children");
        check(
            &server,
            &cast,
            "list children",
            Method::GET,
            &path,
            none,
            read,
        )
        .await;
    }
    check(
        &server,
        &cast,
        "manifest",
        Method::GET,
        &format!("/api/files/{}", document.id),
        none,
        read,
    )
    .await;
    let chunk = format!("/api/files/{}/versions/{version_id}/chunks/0", document.id);
    check(
        &server,
        &cast,
        "download chunk",
        Method::GET,
        &chunk,
        none,
        read,
    )
    .await;
    // Nodes outside the share stay hidden.
    let root = format!("/api/nodes/{}", cast.owner.root);
    check(
        &server,
        &cast,
        "owner's root",
        Method::GET,
        &root,
        none,
        [OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
    )
    .await;

    // Writes below the shared folder.
    let new_folder = || {
        Some(json!({
            "id": Uuid::new_v4(),
            "parent_id": sub.id,
            "wrapped_key": b64(&random_bytes(60)),
            "encrypted_metadata": b64(&random_bytes(80)),
        }))
    };
    check(
        &server,
        &cast,
        "create folder",
        Method::POST,
        "/api/folders",
        new_folder,
        created,
    )
    .await;
    check(
        &server,
        &cast,
        "start upload",
        Method::POST,
        "/api/uploads",
        || Some(upload_body(sub.id)),
        created,
    )
    .await;
    let rename = || Some(json!({"encrypted_metadata": b64(&random_bytes(70))}));
    let node_path = format!("/api/nodes/{}", document.id);
    check(
        &server,
        &cast,
        "rename",
        Method::PATCH,
        &node_path,
        rename,
        write,
    )
    .await;
    let move_to = |parent: Uuid| {
        move || Some(json!({"parent_id": parent, "wrapped_key": b64(&random_bytes(60))}))
    };
    let move_path = format!("/api/nodes/{}/move", document.id);
    check(
        &server,
        &cast,
        "move",
        Method::POST,
        &move_path,
        move_to(shared.id),
        write,
    )
    .await;
    // Out of the share, the editor has no role on the target.
    let response = send(
        &server,
        Method::POST,
        &move_path,
        &cast.editor.token,
        move_to(cast.owner.root)(),
    )
    .await;
    assert_error(response, NOT_FOUND, "not_found").await;

    // Trash: editors move to the trash and restore, only the owner purges.
    for (name, user, status) in [
        ("viewer", &cast.viewer, FORBIDDEN),
        ("stranger", &cast.stranger, NOT_FOUND),
        ("editor", &cast.editor, NO_CONTENT),
    ] {
        let response = send(
            &server,
            Method::DELETE,
            &format!("/api/nodes/{}", sub.id),
            &user.token,
            None,
        )
        .await;
        assert_eq!(response.status(), status, "trash as {name}");
    }
    let restore = format!("/api/trash/{}/restore", sub.id);
    for (name, user, status) in [
        ("viewer", &cast.viewer, FORBIDDEN),
        ("stranger", &cast.stranger, NOT_FOUND),
        ("editor", &cast.editor, OK),
    ] {
        let response = send(&server, Method::POST, &restore, &user.token, None).await;
        assert_eq!(response.status(), status, "restore as {name}");
    }
    let doomed = folder(&server, &cast.editor.token, sub.id).await;
    let response = send(
        &server,
        Method::DELETE,
        &format!("/api/nodes/{}", doomed.id),
        owner,
        None,
    )
    .await;
    assert_eq!(response.status(), NO_CONTENT);
    let purge = format!("/api/trash/{}", doomed.id);
    check(
        &server,
        &cast,
        "purge",
        Method::DELETE,
        &purge,
        none,
        [NO_CONTENT, NOT_FOUND, NOT_FOUND, NOT_FOUND],
    )
    .await;

    // Editors' nodes belong to the owner's tree.
    let by_editor = folder(&server, &cast.editor.token, sub.id).await;
    let response = server
        .get(&format!("/api/nodes/{}", by_editor.id), Some(owner))
        .await;
    assert_eq!(response.status(), OK);
    let response = send(
        &server,
        Method::DELETE,
        &format!("/api/nodes/{}", by_editor.id),
        owner,
        None,
    )
    .await;
    assert_eq!(response.status(), NO_CONTENT);
    let response = send(
        &server,
        Method::DELETE,
        &format!("/api/trash/{}", by_editor.id),
        &cast.editor.token,
        None,
    )
    .await;
    assert_error(response, FORBIDDEN, "forbidden").await;

    // Only the owner shares.
    let stranger_id = server
        .login(
            &cast.stranger.email,
            cast.stranger.registration.auth_key.as_slice(),
        )
        .await
        .account
        .user_id;
    let share_body = || {
        Some(json!({
            "node_id": document.id,
            "recipient_id": stranger_id,
            "role": "viewer",
            "wrapped_key": b64(&random_bytes(512)),
        }))
    };
    for (name, user, status) in [
        ("editor", &cast.editor, FORBIDDEN),
        ("viewer", &cast.viewer, FORBIDDEN),
        ("owner", &cast.owner, CREATED),
    ] {
        let response = send(
            &server,
            Method::POST,
            "/api/shares",
            &user.token,
            share_body(),
        )
        .await;
        assert_eq!(response.status(), status, "share as {name}");
    }

    // Revoking stops access at once.
    let response = send(
        &server,
        Method::DELETE,
        &format!("/api/shares/{}", viewer_share.id),
        owner,
        None,
    )
    .await;
    assert_eq!(response.status(), NO_CONTENT);
    for node in [shared.id, sub.id, document.id] {
        let response = server
            .get(&format!("/api/nodes/{node}"), Some(&cast.viewer.token))
            .await;
        assert_error(response, NOT_FOUND, "not_found").await;
    }
    let response = server.get(&chunk, Some(&cast.viewer.token)).await;
    assert_error(response, NOT_FOUND, "not_found").await;

    // An editor's upload stops once the share is revoked.
    let body = upload_body(sub.id);
    let response = send(
        &server,
        Method::POST,
        "/api/uploads",
        &cast.editor.token,
        Some(body.clone()),
    )
    .await;
    assert_eq!(response.status(), CREATED);
    let chunk_path = format!(
        "/api/uploads/{}/chunks/0",
        body["version_id"].as_str().unwrap()
    );
    let response = send(
        &server,
        Method::DELETE,
        &format!("/api/shares/{}", editor_share.id),
        owner,
        None,
    )
    .await;
    assert_eq!(response.status(), NO_CONTENT);
    let response = server
        .put_bytes(&chunk_path, &cast.editor.token, random_bytes(16))
        .await;
    assert_error(response, NOT_FOUND, "not_found").await;
}

async fn share_lifecycle(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let bob = server.user("bob@example.com").await;
    let mallory = server.user("mallory@example.com").await;
    let shared = folder(&server, &alice.token, alice.root).await;

    let created = share(&server, &alice, shared.id, &bob, "viewer").await;
    assert_eq!(created.node_id, shared.id);
    assert_eq!(created.role, ShareRole::Viewer);
    assert_eq!(created.status, ShareStatus::Pending);
    assert_eq!(created.owner_email, "alice@example.com");
    assert_eq!(created.recipient_email, "bob@example.com");

    let outgoing: Vec<Share> = server
        .get("/api/shares/outgoing", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outgoing, vec![created.clone()]);
    let incoming: Vec<Share> = server
        .get("/api/shares/incoming", Some(&bob.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incoming, vec![created.clone()]);
    let none: Vec<Share> = server
        .get("/api/shares/incoming", Some(&mallory.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());

    let bob_id = created.recipient_id;
    let duplicate = json!({"node_id": shared.id, "recipient_id": bob_id, "role": "editor", "wrapped_key": b64(&[1; 512])});
    let response = send(
        &server,
        Method::POST,
        "/api/shares",
        &alice.token,
        Some(duplicate),
    )
    .await;
    assert_error(response, StatusCode::CONFLICT, "already_shared").await;
    let alice_id = created.owner_id;
    let to_self = json!({"node_id": shared.id, "recipient_id": alice_id, "role": "viewer", "wrapped_key": b64(&[1; 512])});
    let response = send(
        &server,
        Method::POST,
        "/api/shares",
        &alice.token,
        Some(to_self),
    )
    .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_share").await;
    let to_nobody = json!({"node_id": shared.id, "recipient_id": Uuid::new_v4(), "role": "viewer", "wrapped_key": b64(&[1; 512])});
    let response = send(
        &server,
        Method::POST,
        "/api/shares",
        &alice.token,
        Some(to_nobody),
    )
    .await;
    assert_error(response, NOT_FOUND, "not_found").await;
    let bad_role = json!({"node_id": shared.id, "recipient_id": bob_id, "role": "owner", "wrapped_key": b64(&[1; 512])});
    let response = send(
        &server,
        Method::POST,
        "/api/shares",
        &alice.token,
        Some(bad_role),
    )
    .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let accept_path = format!("/api/shares/{}/accept", created.id);
    let response = send(&server, Method::POST, &accept_path, &mallory.token, None).await;
    assert_error(response, NOT_FOUND, "not_found").await;
    let response = send(&server, Method::POST, &accept_path, &alice.token, None).await;
    assert_error(response, FORBIDDEN, "forbidden").await;
    let response = send(&server, Method::POST, &accept_path, &bob.token, None).await;
    assert_eq!(response.status(), OK);
    let accepted: Share = response.json().await.unwrap();
    assert_eq!(accepted.status, ShareStatus::Accepted);

    // Viewer cannot rename until the owner makes them an editor.
    let rename = json!({"encrypted_metadata": b64(&random_bytes(70))});
    let node_path = format!("/api/nodes/{}", shared.id);
    let response = send(
        &server,
        Method::PATCH,
        &node_path,
        &bob.token,
        Some(rename.clone()),
    )
    .await;
    assert_error(response, FORBIDDEN, "forbidden").await;
    let share_path = format!("/api/shares/{}", created.id);
    let response = send(
        &server,
        Method::PATCH,
        &share_path,
        &bob.token,
        Some(json!({"role": "editor"})),
    )
    .await;
    assert_error(response, FORBIDDEN, "forbidden").await;
    let response = send(
        &server,
        Method::PATCH,
        &share_path,
        &alice.token,
        Some(json!({"role": "editor"})),
    )
    .await;
    assert_eq!(response.status(), OK);
    let updated: Share = response.json().await.unwrap();
    assert_eq!(updated.role, ShareRole::Editor);
    let response = send(&server, Method::PATCH, &node_path, &bob.token, Some(rename)).await;
    assert_eq!(response.status(), OK);

    // The recipient declines (leaves) the share.
    let response = send(&server, Method::DELETE, &share_path, &mallory.token, None).await;
    assert_error(response, NOT_FOUND, "not_found").await;
    let response = send(&server, Method::DELETE, &share_path, &bob.token, None).await;
    assert_eq!(response.status(), NO_CONTENT);
    let response = server.get(&node_path, Some(&bob.token)).await;
    assert_error(response, NOT_FOUND, "not_found").await;
    let outgoing: Vec<Share> = server
        .get("/api/shares/outgoing", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(outgoing.is_empty());
}

async fn public_key_lookup(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let bob = server.user("bob@example.com").await;

    let response = server
        .get(
            "/api/users/public-key?email=BOB@example.com",
            Some(&alice.token),
        )
        .await;
    assert_eq!(response.status(), OK);
    let key: UserPublicKey = response.json().await.unwrap();
    assert_eq!(key.email, "bob@example.com");
    assert_eq!(key.public_key, bob.registration.public_key);
    assert_eq!(
        key.fingerprint.len(),
        39,
        "eight groups of four digits: {}",
        key.fingerprint
    );
    assert_eq!(key.fingerprint.split(' ').count(), 8);
    assert!(
        key.fingerprint
            .chars()
            .all(|c| c == ' ' || c.is_ascii_digit() || c.is_ascii_uppercase())
    );

    let response = server
        .get(
            "/api/users/public-key?email=nobody@example.com",
            Some(&alice.token),
        )
        .await;
    assert_error(response, NOT_FOUND, "not_found").await;
    let response = server
        .get("/api/users/public-key?email=bob@example.com", None)
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = server
        .get("/api/users/public-key", Some(&alice.token))
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}
