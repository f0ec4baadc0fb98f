//! An unlocked drive: the account's keys, and the decrypted view of its tree
//! (listing, path resolution, folder creation).

use gauzian_api::{Account, CreateFolderRequest, Node, NodeKind};
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::{NodeId, PrivateKey, PublicKey, wrap};
use uuid::Uuid;

use crate::error::{ClientError, Result};
use crate::http::Api;
use crate::names;

/// A file or folder with its key and decrypted metadata.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The node as the server stores it.
    pub node: Node,
    /// Remote path, such as `/photos/a.jpg`; `/` for the root folder.
    pub path: String,
    /// Decrypted metadata, with the name normalized to NFC.
    pub metadata: Metadata,
    key: NodeKey,
}

impl Entry {
    /// Node id.
    pub fn id(&self) -> Uuid {
        self.node.id
    }

    /// Decrypted name (NFC). Empty for a root folder. Untrusted: check it with
    /// [`names::check_name`] before using it as a local file name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether the node is a folder.
    pub fn is_folder(&self) -> bool {
        self.node.kind == NodeKind::Folder
    }

    pub(crate) fn new(node: Node, path: String, metadata: Metadata, key: NodeKey) -> Self {
        Self {
            node,
            path,
            metadata,
            key,
        }
    }

    pub(crate) fn node_id(&self) -> NodeId {
        NodeId::from_bytes(*self.node.id.as_bytes())
    }

    pub(crate) fn key(&self) -> &NodeKey {
        &self.key
    }
}

/// A folder's children that opened, and those that did not.
#[derive(Debug)]
pub struct Listing {
    /// Children whose key and metadata opened, sorted by name.
    pub entries: Vec<Entry>,
    /// Children that failed to open (wrong key, tampered metadata), by id.
    pub failures: Vec<(Uuid, ClientError)>,
}

/// An unlocked drive: everything needed to list, upload and download.
#[derive(Debug)]
pub struct Drive {
    pub(crate) api: Api,
    account: Account,
    pub(crate) private_key: PrivateKey,
    #[allow(dead_code)] // Wraps the keys of accepted shares.
    record_key: RecordKey,
    root: Entry,
}

impl Drive {
    /// Opens the root folder with the record key.
    pub(crate) fn open(
        api: Api,
        account: Account,
        private_key: PrivateKey,
        record_key: RecordKey,
        root: Node,
    ) -> Result<Self> {
        if root.id != account.root_folder_id || root.parent_id.is_some() {
            return Err(ClientError::InvalidResponse {
                reason: format!("node {} is not the account's root folder", root.id),
            });
        }
        let root_id = NodeId::from_bytes(*root.id.as_bytes());
        let key = wrap::unwrap_root_key(&record_key, &root_id, root.wrapped_key.as_slice())
            .map_err(|source| ClientError::crypto("opening the root folder's key", source))?;
        let metadata = metadata::open_metadata(&key, &root_id, root.encrypted_metadata.as_slice())
            .map_err(|source| ClientError::crypto("opening the root folder's metadata", source))?;
        let root = Entry {
            node: root,
            path: "/".to_owned(),
            metadata,
            key,
        };
        Ok(Self {
            api,
            account,
            private_key,
            record_key,
            root,
        })
    }

    /// The HTTP connection, authenticated.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The account this drive belongs to.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The account's public key.
    pub fn public_key(&self) -> &PublicKey {
        self.private_key.public_key()
    }

    /// The root folder.
    pub fn root(&self) -> &Entry {
        &self.root
    }

    /// Lists a folder's children, sorted by name. A child that fails to open
    /// is reported in [`Listing::failures`] and logged, not fatal.
    pub async fn list(&self, folder: &Entry) -> Result<Listing> {
        if !folder.is_folder() {
            return Err(ClientError::NotAFolder {
                path: folder.path.clone(),
            });
        }
        let nodes = self.api.children(folder.id()).await?;
        let mut entries = Vec::with_capacity(nodes.len());
        let mut failures = Vec::new();
        for node in nodes {
            let id = node.id;
            match open_child(folder, node) {
                Ok(entry) => entries.push(entry),
                Err(error) => {
                    tracing::warn!(folder = %folder.id(), node = %id, %error, "child failed to open");
                    failures.push((id, error));
                }
            }
        }
        entries.sort_by(|a, b| {
            a.name()
                .cmp(b.name())
                .then(a.node.created_at.cmp(&b.node.created_at))
        });
        Ok(Listing { entries, failures })
    }

    /// Finds a child by name (compared in NFC). When a buggy or concurrent
    /// client left two children with the same name, the oldest wins.
    pub async fn find_child(&self, folder: &Entry, name: &str) -> Result<Option<Entry>> {
        let name = names::normalize(name);
        let listing = self.list(folder).await?;
        let mut matches: Vec<Entry> = listing
            .entries
            .into_iter()
            .filter(|entry| entry.name() == name)
            .collect();
        if matches.len() > 1 {
            tracing::warn!(folder = %folder.id(), count = matches.len(), "several children share one name; using the oldest");
        }
        matches.sort_by_key(|entry| entry.node.created_at);
        Ok(matches.into_iter().next())
    }

    /// Resolves a remote path such as `/photos/2026/a.jpg` by decrypting the
    /// names along it. A path that starts with `shared:` is resolved from a
    /// share accepted from another user.
    pub async fn resolve(&self, path: &str) -> Result<Entry> {
        let (mut current, components) = self.start_of(path).await?;
        for component in components {
            if !current.is_folder() {
                return Err(ClientError::NotAFolder { path: current.path });
            }
            let missing = names::join_remote(&current.path, &component);
            current = self
                .find_child(&current, &component)
                .await?
                .ok_or(ClientError::NotFound { path: missing })?;
        }
        Ok(current)
    }

    /// Resolves a remote folder path, creating the folders that are missing.
    pub async fn ensure_path(&self, path: &str) -> Result<Entry> {
        let (mut current, components) = self.start_of(path).await?;
        for component in components {
            current = self.ensure_folder(&current, &component).await?;
        }
        Ok(current)
    }

    /// Splits a remote path into the folder it starts from (the root, or an
    /// accepted share) and the components below it.
    async fn start_of(&self, path: &str) -> Result<(Entry, Vec<String>)> {
        match path.strip_prefix(crate::shares::SHARED_PREFIX) {
            Some(rest) => {
                let mut components = names::split_remote_path(rest)?.into_iter();
                let Some(share) = components.next() else {
                    return Err(ClientError::NotFound {
                        path: path.to_owned(),
                    });
                };
                Ok((self.find_share(&share).await?, components.collect()))
            }
            None => Ok((self.root.clone(), names::split_remote_path(path)?)),
        }
    }

    /// Resolves a remote path that must be a folder.
    pub async fn resolve_folder(&self, path: &str) -> Result<Entry> {
        let entry = self.resolve(path).await?;
        if !entry.is_folder() {
            return Err(ClientError::NotAFolder { path: entry.path });
        }
        Ok(entry)
    }

    /// Creates a folder named `name` in `parent`. Fails with
    /// [`ClientError::AlreadyExists`] when the name is taken.
    pub async fn create_folder(&self, parent: &Entry, name: &str) -> Result<Entry> {
        names::check_name(name)?;
        let name = names::normalize(name);
        let path = names::join_remote(&parent.path, &name);
        if !parent.is_folder() {
            return Err(ClientError::NotAFolder {
                path: parent.path.clone(),
            });
        }
        if self.find_child(parent, &name).await?.is_some() {
            return Err(ClientError::AlreadyExists { path });
        }

        let id = Uuid::new_v4();
        let node_id = NodeId::from_bytes(*id.as_bytes());
        let key = NodeKey::generate(&mut rand::rng());
        let sealed =
            |source| ClientError::crypto(format!("{path}: sealing the new folder"), source);
        let wrapped_key = wrap::wrap_node_key(
            parent.key(),
            &parent.node_id(),
            &node_id,
            &key,
            &mut rand::rng(),
        )
        .map_err(sealed)?;
        let encrypted_metadata =
            metadata::seal_metadata(&key, &node_id, &Metadata::folder(name), &mut rand::rng())
                .map_err(sealed)?;

        let node = self
            .api
            .create_folder(&CreateFolderRequest {
                id,
                parent_id: parent.id(),
                wrapped_key: wrapped_key.into(),
                encrypted_metadata: encrypted_metadata.into(),
            })
            .await?;
        open_child(parent, node)
    }

    /// Returns the folder `name` in `parent`, creating it when missing.
    pub async fn ensure_folder(&self, parent: &Entry, name: &str) -> Result<Entry> {
        match self.find_child(parent, name).await? {
            Some(entry) if entry.is_folder() => Ok(entry),
            Some(entry) => Err(ClientError::NotAFolder { path: entry.path }),
            None => self.create_folder(parent, name).await,
        }
    }
}

/// Opens a child node with its parent folder's key.
pub(crate) fn open_child(parent: &Entry, node: Node) -> Result<Entry> {
    if node.parent_id != Some(parent.id()) {
        return Err(ClientError::InvalidResponse {
            reason: format!(
                "node {} was listed under folder {} but names another parent",
                node.id,
                parent.id()
            ),
        });
    }
    let node_id = NodeId::from_bytes(*node.id.as_bytes());
    let failed = |what: &str| {
        let id = node.id;
        let parent_path = parent.path.clone();
        let what = what.to_owned();
        move |source| ClientError::crypto(format!("{parent_path}: {what} of node {id}"), source)
    };
    let key = wrap::unwrap_node_key(
        parent.key(),
        &parent.node_id(),
        &node_id,
        node.wrapped_key.as_slice(),
    )
    .map_err(failed("opening the key"))?;
    let mut metadata = metadata::open_metadata(&key, &node_id, node.encrypted_metadata.as_slice())
        .map_err(failed("opening the metadata"))?;
    metadata.name = names::normalize(&metadata.name);
    let path = names::join_remote(&parent.path, &metadata.name);
    Ok(Entry {
        node,
        path,
        metadata,
        key,
    })
}
