//! Files made for one download (a backup's snapshot, an export): written beside the database
//! while a pooled connection is held, unlinked at once, then streamed from the open file with
//! no connection held — a client that stops reading holds a file, never the pool.

use std::fs::File;
use std::path::{Path, PathBuf};

use actix_web::body::SizedStream;
use actix_web::web;
use futures_util::Stream;

use crate::error::AppError;

/// A new file's path beside `database` (the same file system, not a RAM disk), removed when
/// dropped: whoever made the file opens it, then drops this.
pub struct Spool(PathBuf);

impl Spool {
    pub fn beside(database: &Path, what: &str) -> Self {
        Self(database.with_file_name(format!(
            ".{what}-{}.tmp",
            hex::encode(rand::random::<[u8; 12]>())
        )))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The file, created empty for reading and writing, already unlinked.
    pub fn create(self) -> Result<File, AppError> {
        std::fs::File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&self.0)
            .map_err(AppError::internal)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The whole of `file` (from its start, `size` bytes) as a response body, read in blocking
/// chunks; `keep` (a permit, say) is held until the download ends or the client goes.
pub fn stream<K: Send + 'static>(
    file: File,
    size: u64,
    keep: K,
) -> SizedStream<impl Stream<Item = Result<web::Bytes, std::io::Error>>> {
    let chunks = futures_util::stream::unfold((Some(file), keep), |(file, keep)| async move {
        let mut file = file?;
        let read = web::block(move || {
            use std::io::Read;
            let mut buf = vec![0u8; 256 * 1024];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => None,
            Ok(Ok((file, buf))) => Some((Ok(web::Bytes::from(buf)), (Some(file), keep))),
            Ok(Err(e)) => Some((Err(e), (None, keep))),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), (None, keep))),
        }
    });
    SizedStream::new(size, chunks)
}
