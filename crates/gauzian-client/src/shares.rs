//! Sharing: a node key wrapped to the recipient's RSA public key, and the
//! recipient's view of what others shared.
//!
//! A share the recipient accepted is addressed as `shared:NAME/rest/of/path`,
//! where NAME is the shared node's decrypted name (or the share id when two
//! shares have the same name).

use gauzian_api::{CreateShareRequest, Share, ShareRole, ShareStatus, UserPublicKey};
use gauzian_crypto::{NodeId, PublicKey, keypair, metadata};

use crate::drive::{Drive, Entry};
use crate::error::{ClientError, Result};
use crate::names;

/// Prefix of remote paths inside shares accepted from other users.
pub const SHARED_PREFIX: &str = "shared:";

/// A recipient's public key, parsed and fingerprinted by the client: the
/// fingerprint the server sends is ignored, since the server could lie.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The server's record of the account.
    pub account: UserPublicKey,
    /// The parsed key.
    pub public_key: PublicKey,
}

impl Drive {
    /// Fetches and parses the public key of the account `email`.
    pub async fn recipient(&self, email: &str) -> Result<Recipient> {
        let account = self.api.user_public_key(email.trim()).await?;
        let public_key = PublicKey::from_spki_der(account.public_key.as_slice())
            .map_err(|source| ClientError::crypto(format!("the public key of {email}"), source))?;
        Ok(Recipient {
            account,
            public_key,
        })
    }

    /// Shares `entry` with `recipient`: its key is wrapped to the recipient's
    /// public key, with the node id bound into the OAEP label.
    pub async fn share(
        &self,
        entry: &Entry,
        recipient: &Recipient,
        role: ShareRole,
    ) -> Result<Share> {
        let wrapped_key = keypair::wrap_key_for_recipient(
            &recipient.public_key,
            &entry.node_id(),
            entry.key(),
            &mut rand::rng(),
        )
        .map_err(|source| {
            ClientError::crypto(format!("{}: wrapping the key", entry.path), source)
        })?;
        self.api
            .create_share(&CreateShareRequest {
                node_id: entry.id(),
                recipient_id: recipient.account.user_id,
                role,
                wrapped_key: wrapped_key.into(),
            })
            .await
    }

    /// Opens the node of a share made to this account.
    pub async fn open_share(&self, share: &Share) -> Result<Entry> {
        let node = self.api.node(share.node_id).await?;
        if node.id != share.node_id {
            return Err(ClientError::InvalidResponse {
                reason: format!("node {} was returned for share {}", node.id, share.id),
            });
        }
        let node_id = NodeId::from_bytes(*node.id.as_bytes());
        let failed = |what: &str| {
            let context = format!("share {} from {}: {what}", share.id, share.owner_email);
            move |source| ClientError::crypto(context, source)
        };
        let key =
            keypair::unwrap_shared_key(&self.private_key, &node_id, share.wrapped_key.as_slice())
                .map_err(failed("opening the key"))?;
        let mut metadata =
            metadata::open_metadata(&key, &node_id, node.encrypted_metadata.as_slice())
                .map_err(failed("opening the metadata"))?;
        metadata.name = names::normalize(&metadata.name);
        let path = format!("{SHARED_PREFIX}{}", metadata.name);
        Ok(Entry::new(node, path, metadata, key))
    }

    /// Finds an accepted incoming share by its node's name or by share id.
    pub async fn find_share(&self, name: &str) -> Result<Entry> {
        let name = names::normalize(name);
        let shares = self.api.incoming_shares().await?;
        let mut found = Vec::new();
        for share in shares
            .iter()
            .filter(|share| share.status == ShareStatus::Accepted)
        {
            if share.id.to_string() == name {
                return self.open_share(share).await;
            }
            match self.open_share(share).await {
                Ok(entry) if entry.name() == name => found.push(entry),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(share = %share.id, %error, "accepted share failed to open")
                }
            }
        }
        match found.len() {
            0 => Err(ClientError::NotFound {
                path: format!("{SHARED_PREFIX}{name}"),
            }),
            1 => Ok(found.remove(0)),
            _ => Err(ClientError::InvalidResponse {
                reason: format!(
                    "several accepted shares are named {name:?}; use the share id from `gauzian shares`"
                ),
            }),
        }
    }
}
