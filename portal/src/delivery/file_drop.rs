//! File drop (docs/file-drop.md): one folder per case, named by the delivery's idempotency
//! key, in a configured directory that a backend (a DMS import, a script, a share) watches:
//! `case.json`, the xdomea 3.0.0 message `<ProzessID>_Abgabe.Abgabe.0401.xml` and its
//! documents (the application PDF, the JSON again, each attachment) under the names the
//! message gives them (`<UUID>_<name>`).
//!
//! The folder is written as `.tmp-<key>-<random>` next to its final place, every file and the
//! folder synced, then renamed to `<key>` and the directory synced: an importer that skips
//! names starting with `.tmp-` sees a case whole or not at all. A folder `<key>` that exists
//! already means an earlier try got that far (a crash between the rename and the database
//! record): the delivery is done, nothing is written twice.
//!
//! xdomea messages usually travel as a zip (`<ProzessID>_Abgabe.Abgabe.0401.zip` holding the
//! message and the documents); a zip of the folder without `case.json` would be one. The
//! issue asked for a plain folder, so no zip is built.

use std::fs::{self, File};
use std::io::{self, ErrorKind, Write};
use std::path::Path;

use chrono::Utc;
use rand::Rng;

use super::config::FileDropTarget;
use super::{Delivered, DeliveryError, Parcel, xdomea};

/// Folders being written start with this; importers skip them.
pub const TMP_PREFIX: &str = ".tmp-";

pub async fn deliver(target: &FileDropTarget, parcel: &Parcel) -> Delivered {
    let key = folder_name(&parcel.idempotency_key)?;
    let files = contents(parcel);
    let directory = target.directory.clone();
    tokio::task::spawn_blocking(move || drop_folder(&directory, &key, &files))
        .await
        .map_err(|e| DeliveryError::retry(format!("the file drop task failed: {e}")))?
}

/// The files of a case's folder: `(name, bytes)`.
pub fn contents(parcel: &Parcel) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(xdomea::CASE_JSON.to_owned(), parcel.doc.to_json())];
    files.extend(
        xdomea::documents(parcel)
            .into_iter()
            .map(|d| (d.file_name, d.bytes.into_owned())),
    );
    files.push((
        xdomea::message_file_name(parcel),
        xdomea::abgabe_0401(parcel, Utc::now()).into_bytes(),
    ));
    files
}

/// The key as a folder name. Keys are `<reference>.<target>` (letters, digits, `-`, `.`); a
/// key that could leave the directory or hide is refused rather than changed, as the
/// importer finds a case by it.
fn folder_name(key: &str) -> Result<String, DeliveryError> {
    let ok = !key.is_empty()
        && key.len() <= 120
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if ok {
        Ok(key.to_owned())
    } else {
        Err(DeliveryError::permanent(
            "the idempotency key is not usable as a folder name",
        ))
    }
}

fn drop_folder(directory: &Path, key: &str, files: &[(String, Vec<u8>)]) -> Delivered {
    let done = directory.join(key);
    match fs::symlink_metadata(&done) {
        Ok(m) if m.is_dir() => return Ok(Some(format!("folder {key} was there already"))),
        Ok(_) => {
            return Err(DeliveryError::permanent(format!(
                "{} is in the way and not a folder",
                done.display()
            )));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(failed(directory, e)),
    }
    remove_stale(directory, key).map_err(|e| failed(directory, e))?;
    let tmp = directory.join(tmp_name(key));
    if let Err(e) = write_folder(&tmp, files) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(failed(directory, e));
    }
    match fs::rename(&tmp, &done) {
        Ok(()) => {}
        // Another try finished first (its folder is complete, as every `<key>` is).
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty
            ) =>
        {
            let _ = fs::remove_dir_all(&tmp);
            return Ok(Some(format!("folder {key} was there already")));
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(failed(directory, e));
        }
    }
    // If this fails the folder may not survive a power cut; the retry then finds it or
    // writes it again.
    sync_dir(directory).map_err(|e| failed(directory, e))?;
    Ok(Some(format!("folder {key}")))
}

fn failed(directory: &Path, e: io::Error) -> DeliveryError {
    DeliveryError::retry(format!("file drop into {}: {e}", directory.display()))
}

fn tmp_name(key: &str) -> String {
    format!(
        "{TMP_PREFIX}{key}-{:016x}",
        rand::thread_rng().r#gen::<u64>()
    )
}

/// Removes what a crashed try of this key left: `.tmp-<key>-<16 hex digits>` exactly, so that
/// the key `R.amt` never touches the folders of `R.amt-2`. Each is first renamed to a fresh
/// temporary name, so that a try still writing (one that outlived its timeout) can no
/// longer rename a folder that is being emptied into place; it fails and is tried again.
fn remove_stale(directory: &Path, key: &str) -> io::Result<()> {
    let prefix = format!("{TMP_PREFIX}{key}-");
    for entry in fs::read_dir(directory)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if rest.len() != 16 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let claimed = directory.join(tmp_name(key));
        if fs::rename(entry.path(), &claimed).is_ok() {
            // Best effort: what is left is removed the next time.
            let _ = fs::remove_dir_all(&claimed);
        }
    }
    Ok(())
}

fn write_folder(tmp: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    fs::create_dir(tmp)?;
    for (name, bytes) in files {
        let mut f = File::create_new(tmp.join(name))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    sync_dir(tmp)
}

/// Makes a folder's entries durable (new files, a rename). File systems that cannot sync a
/// folder say so with EINVAL; there is nothing more to do on them.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if !cfg!(unix) {
        return Ok(());
    }
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_leave_the_directory_are_refused() {
        assert!(folder_name("WER-2026-7K3QF.ablage").is_ok());
        for bad in ["", ".hidden", "../x", "a/b", "a\\b", "..", "a b"] {
            assert!(
                matches!(folder_name(bad), Err(DeliveryError::Permanent(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_this_keys_temporary_folders_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join(".tmp-R.amt-0123456789abcdef");
        let other_key = dir.path().join(".tmp-R.amt-2-0123456789abcdef");
        let not_ours = dir.path().join(".tmp-R.amt-notes");
        for d in [&mine, &other_key, &not_ours] {
            fs::create_dir(d).unwrap();
            fs::write(d.join("f"), b"x").unwrap();
        }
        remove_stale(dir.path(), "R.amt").unwrap();
        assert!(!mine.exists());
        assert!(other_key.exists());
        assert!(not_ours.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
