//! The table of objects JavaScript refers to by number. Dropping an entry
//! drops its keys, which wipe themselves.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::{SdkError, SdkResult};
use crate::{
    AccountKeys, Download, OpenNode, PasswordKeys, Recipient, Recovery, Registration, Upload,
};

/// An object behind a handle.
pub(crate) enum Handle {
    Registration(Box<Registration>),
    PasswordKeys(Box<PasswordKeys>),
    Account(Box<AccountKeys>),
    Node(Box<OpenNode>),
    Upload(Box<Upload>),
    Download(Box<Download>),
    Recipient(Box<Recipient>),
    Recovery(Box<Recovery>),
}

/// Handles by number. Numbers are never reused, so a stale handle fails
/// instead of reaching another object.
#[derive(Default)]
pub(crate) struct Handles {
    next: RefCell<u32>,
    entries: RefCell<HashMap<u32, Handle>>,
}

fn unknown(id: u32) -> SdkError {
    SdkError::invalid(format!(
        "handle {id} is unknown or was released: open the object again"
    ))
}

impl Handles {
    pub(crate) fn insert(&self, handle: Handle) -> u32 {
        let mut next = self.next.borrow_mut();
        *next += 1;
        self.entries.borrow_mut().insert(*next, handle);
        *next
    }

    /// Runs `f` on an entry. `f` must not call back into the table.
    pub(crate) fn with<T>(
        &self,
        id: u32,
        f: impl FnOnce(&mut Handle) -> SdkResult<T>,
    ) -> SdkResult<T> {
        let mut entries = self.entries.borrow_mut();
        let handle = entries.get_mut(&id).ok_or_else(|| unknown(id))?;
        f(handle)
    }

    pub(crate) fn take(&self, id: u32) -> SdkResult<Handle> {
        self.entries
            .borrow_mut()
            .remove(&id)
            .ok_or_else(|| unknown(id))
    }

    pub(crate) fn clear(&self) {
        self.entries.borrow_mut().clear();
    }
}
