//! Reorganizing the drive without re-encrypting content: rename (new sealed
//! metadata), move (the node key wrapped again under the new parent), and
//! the trash.

use gauzian_api::{MoveNodeRequest, Node, UpdateNodeRequest};
use gauzian_crypto::{metadata, wrap};
use uuid::Uuid;

use crate::drive::{Drive, Entry, open_child};
use crate::error::{ClientError, Result};
use crate::names;

/// Maximum chain of parents followed to open a node by id. A longer chain
/// is rejected as a likely cycle in the server's responses.
const MAX_DEPTH: usize = 4096;

impl Drive {
    /// Moves `entry` (a child of `parent`) into `new_parent` under
    /// `new_name`, or renames it in place when the parents are the same.
    /// Fails with [`ClientError::AlreadyExists`] when the name is taken.
    pub async fn move_entry(
        &self,
        entry: &Entry,
        parent: &Entry,
        new_parent: &Entry,
        new_name: &str,
    ) -> Result<Entry> {
        names::check_name(new_name)?;
        let new_name = names::normalize(new_name);
        let new_path = names::join_remote(&new_parent.path, &new_name);
        if entry.node.parent_id.is_none() {
            return Err(ClientError::Internal(
                "the root folder cannot be moved or renamed".to_owned(),
            ));
        }
        if entry.node.parent_id != Some(parent.id()) {
            return Err(ClientError::Internal(format!(
                "{} is not a child of {}",
                entry.path, parent.path
            )));
        }
        if !new_parent.is_folder() {
            return Err(ClientError::NotAFolder {
                path: new_parent.path.clone(),
            });
        }
        if let Some(existing) = self.find_child(new_parent, &new_name).await?
            && existing.id() != entry.id()
        {
            return Err(ClientError::AlreadyExists { path: new_path });
        }

        let node_id = entry.node_id();
        let mut node = entry.node.clone();
        if new_parent.id() != parent.id() {
            let wrapped_key = wrap::wrap_node_key(
                new_parent.key(),
                &new_parent.node_id(),
                &node_id,
                entry.key(),
                &mut rand::rng(),
            )
            .map_err(|source| {
                ClientError::crypto(format!("{new_path}: wrapping the key"), source)
            })?;
            node = self
                .api
                .move_node(
                    entry.id(),
                    &MoveNodeRequest {
                        parent_id: new_parent.id(),
                        wrapped_key: wrapped_key.into(),
                    },
                )
                .await?;
        }
        if new_name != entry.name() {
            let mut renamed = entry.metadata.clone();
            renamed.name = new_name;
            let encrypted_metadata =
                metadata::seal_metadata(entry.key(), &node_id, &renamed, &mut rand::rng())
                    .map_err(|source| {
                        ClientError::crypto(format!("{new_path}: sealing the metadata"), source)
                    })?;
            node = self
                .api
                .update_node(
                    entry.id(),
                    &UpdateNodeRequest {
                        encrypted_metadata: encrypted_metadata.into(),
                    },
                )
                .await?;
        }
        open_child(new_parent, node)
    }

    /// Moves an entry and its subtree to the trash.
    pub async fn trash_entry(&self, entry: &Entry) -> Result<()> {
        if entry.node.parent_id.is_none() {
            return Err(ClientError::Internal(
                "the root folder cannot be moved to the trash".to_owned(),
            ));
        }
        self.api.trash_node(entry.id()).await
    }

    /// Lists the trash: each trashed node with its metadata and the path it
    /// had. A node that fails to open is reported in the second list.
    pub async fn trash(&self) -> Result<(Vec<Entry>, Vec<(Uuid, ClientError)>)> {
        let mut entries = Vec::new();
        let mut failures = Vec::new();
        for node in self.api.trash().await? {
            let id = node.id;
            match self.open_node(node).await {
                Ok(entry) => entries.push(entry),
                Err(error) => {
                    tracing::warn!(node = %id, %error, "trashed node failed to open");
                    failures.push((id, error));
                }
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((entries, failures))
    }

    /// Restores a node from the trash to its former folder.
    pub async fn restore_from_trash(&self, id: Uuid) -> Result<Entry> {
        let node = self.api.restore_from_trash(id).await?;
        self.open_node(node).await
    }

    /// Opens any node of the drive by fetching its chain of parents up to the
    /// root folder and unwrapping the keys down from there.
    pub async fn open_node(&self, node: Node) -> Result<Entry> {
        let mut chain = vec![node];
        while let Some(parent_id) = chain.last().and_then(|node| node.parent_id) {
            if parent_id == self.root().id() {
                break;
            }
            if chain.len() > MAX_DEPTH || chain.iter().any(|node| node.id == parent_id) {
                return Err(ClientError::InvalidResponse {
                    reason: format!("the parents of node {} form a cycle", chain[0].id),
                });
            }
            chain.push(self.api.node(parent_id).await?);
        }
        let top = chain.last().map(|node| node.parent_id);
        if top != Some(Some(self.root().id())) {
            return Err(ClientError::InvalidResponse {
                reason: format!("node {} is not in this account's tree", chain[0].id),
            });
        }

        let mut current = self.root().clone();
        while let Some(node) = chain.pop() {
            current = open_child(&current, node)?;
        }
        Ok(current)
    }
}
