//! Housekeeping: expired sessions and drafts, and uploaded files that no attachment names
//! any more (a draft that expired or was submitted without them, a demo removed, an upload
//! whose request died between writing the file and recording it), and identity providers'
//! accounts that never got (or no longer have) a role and have been idle for
//! [`IDLE_ACCOUNT_DAYS`]. Uploads and accounts are personal data: they go when nothing refers
//! to them. Runs hourly in the server and on demand with `portal sweep`.

use futures_util::StreamExt;
use store::Store;

use crate::uploads::FileStore;

/// An identity provider's account without a role (one an administrator has not let in yet,
/// or one whose roles were all taken away) is deleted after this many days without a login.
pub const IDLE_ACCOUNT_DAYS: i64 = 90;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub drafts: u64,
    pub files: u64,
    pub accounts: u64,
}

/// Removes expired sessions and drafts (with their attachment rows), then every stored file
/// older than `min_file_age` that no attachment names. The age spares a file whose upload is
/// still being recorded (it is written before its row).
pub async fn run(
    store: &dyn Store,
    files: &FileStore,
    min_file_age: chrono::Duration,
) -> anyhow::Result<Swept> {
    let sessions = store.delete_expired_sessions().await?;
    let drafts = store.delete_expired_drafts().await?;
    // A failure here must not keep the files below from going: logged, and the sweep goes on.
    let accounts = match store
        .delete_idle_accounts(chrono::Utc::now() - chrono::Duration::days(IDLE_ACCOUNT_DAYS))
        .await
    {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "removing idle accounts failed");
            0
        }
    };
    let cutoff = chrono::Utc::now() - min_file_age;
    let mut removed = 0;
    let mut listed = files.list();
    while let Some(file) = listed.next().await {
        let file = file?;
        if file.last_modified > cutoff || store.attachment_key_exists(&file.key).await? {
            continue;
        }
        files.delete(&file.key).await?;
        removed += 1;
    }
    Ok(Swept {
        sessions,
        drafts,
        files: removed,
        accounts,
    })
}
