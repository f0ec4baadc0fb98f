//! File names and remote paths: NFC normalization, and the checks that make a
//! name from the server safe to use as a local file name.

use unicode_normalization::UnicodeNormalization;

use crate::error::{ClientError, Result};

/// Normalizes a name to Unicode NFC, the form names are sealed and compared in.
pub fn normalize(name: &str) -> String {
    name.nfc().collect()
}

/// Checks that `name` can be used as one component of a local path: not empty,
/// not `.` or `..`, and without a path separator (`/` or `\`) or NUL. Names
/// come from the server's sealed metadata, which another user sharing a
/// folder, or a bug, may have filled with anything.
pub fn check_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        "the name is empty"
    } else if name == "." || name == ".." {
        "the name is a relative path component"
    } else if name.contains(['/', '\\']) {
        "the name contains a path separator"
    } else if name.contains('\0') {
        "the name contains a NUL character"
    } else {
        return Ok(());
    };
    Err(ClientError::UnsafeName {
        name: display_name(name),
        reason,
    })
}

/// Quotes a name for messages and terminals: control characters (which could
/// drive a terminal) are escaped, everything else prints as is.
pub fn display_name(name: &str) -> String {
    let mut shown = String::with_capacity(name.len() + 2);
    shown.push('"');
    for character in name.chars() {
        if character.is_control() || character == '"' || character == '\\' {
            shown.extend(character.escape_default());
        } else {
            shown.push(character);
        }
    }
    shown.push('"');
    shown
}

/// Splits a remote path such as `/photos/2026/a.jpg` into NFC-normalized
/// components. A leading `/` is optional, empty components and `.` are
/// skipped; `..` is rejected because paths are resolved from the root only.
pub fn split_remote_path(path: &str) -> Result<Vec<String>> {
    let mut components = Vec::new();
    for component in path.split('/') {
        if component.is_empty() || component == "." {
            continue;
        }
        if component == ".." {
            return Err(ClientError::UnsafeName {
                name: display_name(path),
                reason: "remote paths are absolute and cannot contain `..`",
            });
        }
        check_name(component)?;
        components.push(normalize(component));
    }
    Ok(components)
}

/// Joins a parent's remote path and a child name.
pub fn join_remote(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_name_rejects_unsafe_names() {
        for name in ["", ".", "..", "a/b", "/", "a\\b", "nul\0byte", "../etc"] {
            let error = check_name(name).unwrap_err();
            assert!(matches!(error, ClientError::UnsafeName { .. }), "{name:?}");
        }
    }

    #[test]
    fn check_name_accepts_ordinary_names() {
        for name in [
            "a.txt",
            "été – résumé.txt",
            "日本語.bin",
            "...",
            ".hidden",
            "a..b",
        ] {
            assert!(check_name(name).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn split_remote_path_normalizes_to_nfc() {
        let components = split_remote_path("/photos//e\u{301}te\u{301}/./a.jpg").unwrap();
        assert_eq!(components, ["photos", "\u{e9}t\u{e9}", "a.jpg"]);
        assert!(split_remote_path("/").unwrap().is_empty());
        assert!(split_remote_path("/a/../b").is_err());
    }

    #[test]
    fn display_name_escapes_controls() {
        assert_eq!(display_name("a\u{1b}[2Jb"), "\"a\\u{1b}[2Jb\"");
        assert_eq!(display_name("日本"), "\"日本\"");
    }

    #[test]
    fn join_remote_handles_root() {
        assert_eq!(join_remote("/", "a"), "/a");
        assert_eq!(join_remote("/a", "b"), "/a/b");
    }
}
