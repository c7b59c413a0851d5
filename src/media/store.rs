//! Where media files live: behind [`MediaStore`], a folder beside the database by default.
//! Names are the content's SHA-256 and extension, so a file never changes once written and is
//! served as immutable; writing one that exists is a no-op.

use std::io::{Read, Seek, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A place for media files.
pub trait MediaStore: Send + Sync + std::fmt::Debug {
    /// Store `bytes` under `name` (idempotent: the name is the content's hash).
    fn put(&self, name: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// The file's path on this machine, if the store keeps files locally.
    fn local_path(&self, name: &str) -> Option<PathBuf>;
    fn delete(&self, name: &str) -> std::io::Result<()>;
    /// Every file: name, last change, size (names that are not media files are left out).
    fn list(&self) -> std::io::Result<Vec<(String, std::time::SystemTime, u64)>>;
    /// The bytes of file `name` in `range` (end excluded; the whole file without one), or
    /// `None` when there is no such file.
    fn read(&self, name: &str, range: Option<Range<u64>>) -> std::io::Result<Option<Part>>;
    /// The size of file `name`, or `None` when there is no such file.
    fn size(&self, name: &str) -> std::io::Result<Option<u64>>;
}

/// A store that failed (a bucket that does not answer, a full disk): the request is a 503 and
/// nothing is half-written (a medium's row is inserted after its files, in one transaction).
pub fn failed(e: std::io::Error) -> crate::error::AppError {
    crate::error::AppError::Unavailable(format!("the media store failed: {e}"))
}

/// Bytes read from a stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub bytes: Vec<u8>,
    /// Where they start in the file.
    pub start: u64,
    /// The file's whole size.
    pub total: u64,
}

/// Each extension the store writes, with the content type of the files named so.
const TYPES: [(&str, &str); 4] = [
    ("jpg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
    ("pdf", "application/pdf"),
];

/// Is `name` one the store could have written (`{64 hex}.{jpg|png|webp|pdf}`)? Nothing else — no
/// path, no other extension — ever reaches the file system.
pub fn valid_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((hash, ext)) => {
            hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && TYPES.iter().any(|(e, _)| *e == ext)
        }
        None => false,
    }
}

/// The content type of a stored file, from its name: the server chose the extension from the
/// content it sniffed (`jpg`, `png`, `webp`, `pdf`); `None` for any other name.
pub fn content_type_of(name: &str) -> Option<&'static str> {
    if !valid_name(name) {
        return None;
    }
    let ext = name.rsplit_once('.')?.1;
    TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

/// The first bytes of stored file `name` (enough to sniff), if `store` has it.
pub fn head(store: &dyn MediaStore, name: &str) -> Option<Vec<u8>> {
    let size = store.size(name).ok()??;
    if size == 0 {
        return Some(Vec::new());
    }
    Some(store.read(name, Some(0..size.min(512))).ok()??.bytes)
}

/// Files in a local folder (created when missing).
#[derive(Debug, Clone)]
pub struct LocalStore {
    dir: PathBuf,
}

impl LocalStore {
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }
}

impl MediaStore for LocalStore {
    fn put(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        if !valid_name(name) {
            return Err(std::io::Error::other("not a media file name"));
        }
        let path = self.dir.join(name);
        if path.exists() {
            return Ok(());
        }
        // Written whole under a temporary name, then renamed: a reader never sees half a file.
        let tmp = self.dir.join(format!(
            ".{name}.{}.tmp",
            hex::encode(rand::random::<[u8; 6]>())
        ));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    }

    fn local_path(&self, name: &str) -> Option<PathBuf> {
        valid_name(name).then(|| self.dir.join(name))
    }

    fn delete(&self, name: &str) -> std::io::Result<()> {
        if !valid_name(name) {
            return Ok(());
        }
        match std::fs::remove_file(self.dir.join(name)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn list(&self) -> std::io::Result<Vec<(String, std::time::SystemTime, u64)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if !valid_name(&name) {
                continue;
            }
            let meta = entry.metadata()?;
            out.push((name, meta.modified()?, meta.len()));
        }
        out.sort();
        Ok(out)
    }

    fn read(&self, name: &str, range: Option<Range<u64>>) -> std::io::Result<Option<Part>> {
        let Some(path) = self.local_path(name) else {
            return Ok(None);
        };
        let mut file = match std::fs::File::open(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            other => other?,
        };
        let total = file.metadata()?.len();
        let range = range.unwrap_or(0..total);
        let (start, end) = (range.start.min(total), range.end.min(total));
        file.seek(std::io::SeekFrom::Start(start))?;
        let mut bytes = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
        file.take(end.saturating_sub(start))
            .read_to_end(&mut bytes)?;
        Ok(Some(Part {
            bytes,
            start,
            total,
        }))
    }

    fn size(&self, name: &str) -> std::io::Result<Option<u64>> {
        let Some(path) = self.local_path(name) else {
            return Ok(None);
        };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            other => Ok(Some(other?.len())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn only_content_names_reach_the_disk() {
        let hash = "a".repeat(64);
        assert!(valid_name(&format!("{hash}.jpg")));
        assert!(valid_name(&format!("{hash}.pdf")));
        assert!(valid_name(&format!("{hash}.webp")));
        for bad in [
            "../../etc/passwd".to_string(),
            format!("{hash}.svg"),
            format!("{hash}.jpg.exe"),
            format!("../{hash}.jpg"),
            format!("{}.jpg", "A".repeat(64)),
            "x.jpg".to_string(),
        ] {
            assert!(!valid_name(&bad), "{bad}");
        }
    }
}
