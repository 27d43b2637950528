//! The default store: one file per blob under `root/account/applicant/object`. Hand-written
//! rather than `object_store`'s `LocalFileSystem`, which does not fsync the file or its folders:
//! a row that names a blob is committed right after `put`, so the bytes must survive a crash.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use uuid::Uuid;

use crate::{BlobKey, BlobStore, Error};

#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    /// Creates `root` when missing.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(io(&root))?;
        Ok(Self { root })
    }

    fn applicant_dir(&self, account: Uuid, applicant: Uuid) -> PathBuf {
        self.root
            .join(account.to_string())
            .join(applicant.to_string())
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        self.applicant_dir(key.account, key.applicant)
            .join(key.object.to_string())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

// File calls block: each runs on tokio's blocking threads.
#[async_trait::async_trait]
impl BlobStore for LocalFolder {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), Error> {
        let (folder, key) = (self.clone(), key.clone());
        blocking(move || folder.put_now(&key, &bytes)).await
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, Error> {
        let (folder, key) = (self.clone(), key.clone());
        blocking(move || folder.get_now(&key)).await
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), Error> {
        let (folder, key) = (self.clone(), key.clone());
        blocking(move || folder.delete_now(&key)).await
    }

    async fn delete_applicant(&self, account: Uuid, applicant: Uuid) -> Result<(), Error> {
        let folder = self.clone();
        blocking(move || folder.delete_applicant_now(account, applicant)).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await?
}

impl LocalFolder {
    fn put_now(&self, key: &BlobKey, bytes: &[u8]) -> Result<(), Error> {
        let path = self.path(key);
        let applicant_dir = path.parent().expect("a blob path has a folder");
        let account_dir = applicant_dir
            .parent()
            .expect("an applicant folder has an account folder");
        let new_account = !account_dir.exists();
        let new_applicant = !applicant_dir.exists();
        fs::create_dir_all(applicant_dir).map_err(io(applicant_dir))?;
        // A crash mid-write leaves a partial file no row names yet (the row is committed after).
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io(&path))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(io(&path))?;
        // The file's name, and the folders created for it, must survive a crash as well.
        sync_dir(applicant_dir)?;
        if new_applicant {
            sync_dir(account_dir)?;
        }
        if new_account {
            sync_dir(&self.root)?;
        }
        Ok(())
    }

    fn get_now(&self, key: &BlobKey) -> Result<Option<Bytes>, Error> {
        let path = self.path(key);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes.into())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn delete_now(&self, key: &BlobKey) -> Result<(), Error> {
        let path = self.path(key);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(io(&path)(e)),
            _ => Ok(()),
        }
    }

    fn delete_applicant_now(&self, account: Uuid, applicant: Uuid) -> Result<(), Error> {
        let dir = self.applicant_dir(account, applicant);
        match fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(io(&dir)(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, LocalFolder) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFolder::open(dir.path().join("media")).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn stored_bytes_come_back_until_deleted() {
        let (_dir, store) = store();
        let key = BlobKey::new_for(Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(store.get(&key).await.unwrap(), None);
        store
            .put(&key, Bytes::from_static(b"jpeg bytes"))
            .await
            .unwrap();
        assert_eq!(
            store.get(&key).await.unwrap().as_deref(),
            Some(&b"jpeg bytes"[..])
        );
        store.delete(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
        store.delete(&key).await.unwrap();
    }

    #[tokio::test]
    async fn a_key_is_written_once() {
        let (_dir, store) = store();
        let key = BlobKey::new_for(Uuid::new_v4(), Uuid::new_v4());
        store.put(&key, Bytes::from_static(b"first")).await.unwrap();
        assert!(matches!(
            store.put(&key, Bytes::from_static(b"second")).await,
            Err(Error::Io { .. })
        ));
        assert_eq!(
            store.get(&key).await.unwrap().as_deref(),
            Some(&b"first"[..])
        );
    }

    #[tokio::test]
    async fn deleting_an_applicant_deletes_only_its_blobs() {
        let (dir, store) = store();
        let account = Uuid::new_v4();
        let (gone, kept) = (Uuid::new_v4(), Uuid::new_v4());
        let gone_keys = [
            BlobKey::new_for(account, gone),
            BlobKey::new_for(account, gone),
        ];
        let kept_key = BlobKey::new_for(account, kept);
        for key in gone_keys.iter().chain([&kept_key]) {
            store.put(key, Bytes::from_static(b"bytes")).await.unwrap();
        }
        store.delete_applicant(account, gone).await.unwrap();
        for key in &gone_keys {
            assert!(store.get(key).await.unwrap().is_none());
        }
        assert!(
            !dir.path()
                .join("media")
                .join(account.to_string())
                .join(gone.to_string())
                .exists()
        );
        assert!(store.get(&kept_key).await.unwrap().is_some());
        store.delete_applicant(account, gone).await.unwrap();
    }

    #[tokio::test]
    async fn an_unwritable_folder_is_an_error_not_a_panic() {
        let (dir, _) = store();
        let file = dir.path().join("not-a-folder");
        fs::write(&file, b"").unwrap();
        let store = LocalFolder { root: file };
        let key = BlobKey::new_for(Uuid::new_v4(), Uuid::new_v4());
        assert!(matches!(
            store.put(&key, Bytes::from_static(b"bytes")).await,
            Err(Error::Io { .. })
        ));
    }
}
