//! Media files in an S3-compatible bucket (`--media-store s3://bucket/prefix`), for several
//! nodes that must serve the same files: through the `object_store` crate (AWS S3, MinIO,
//! Ceph, Garage…). The endpoint, region and keys come from the environment as the AWS tools
//! read them (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`);
//! addressing is path-style (`endpoint/bucket/key`), which every S3-compatible server takes.
//!
//! [`MediaStore`] is synchronous: its callers run on blocking threads (uploads inside the write
//! transaction, GC, the demo, commands). The store drives its requests on a small runtime of
//! its own, so a call never needs the async worker it was made from.

use std::ops::Range;
use std::sync::Arc;

use futures_util::TryStreamExt;
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore};

use super::store::{valid_name, MediaStore, Part};

/// A bucket (and a prefix in it) holding the media files.
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    /// Keys start with this (no slash at either end; empty for the bucket's root).
    prefix: String,
    /// `s3://bucket/prefix`, for messages.
    url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store").field("url", &self.url).finish()
    }
}

impl Drop for S3Store {
    fn drop(&mut self) {
        // Dropped at shutdown, possibly from an async context where a runtime may not block.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Whether `--media-store` names a bucket (`s3://…`) rather than a folder.
pub fn is_bucket_url(store: &str) -> bool {
    store.starts_with("s3://")
}

impl S3Store {
    /// Open `url` (`s3://bucket` or `s3://bucket/prefix`), with the endpoint, region and keys
    /// of the environment. Nothing is sent until the store is used: [`S3Store::check`] does.
    pub fn open(url: &str) -> anyhow::Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| anyhow::anyhow!("a media store URL starts with s3://: {url}"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            anyhow::bail!("the media store URL {url} names no bucket");
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_virtual_hosted_style_request(false)
            // A request waits on the store for at most a few seconds and is retried twice
            // (the crate's default retries for three minutes): an upload or a file read that
            // cannot reach the bucket becomes a 503 soon, while its client still waits.
            .with_retry(object_store::RetryConfig {
                backoff: object_store::BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: std::time::Duration::from_secs(10),
            })
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_connect_timeout(std::time::Duration::from_secs(3))
                    .with_timeout(std::time::Duration::from_secs(30)),
            );
        let endpoint = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        if let Some(endpoint) = endpoint {
            // A local server (a test's, a rehearsal's) speaks plain HTTP.
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        let store = builder
            .build()
            .map_err(|e| anyhow::anyhow!("cannot open the media store {url}: {e}"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("media-store")
            .enable_all()
            .build()?;
        Ok(Self {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_string(),
            url: url.trim_end_matches('/').to_string(),
            runtime: Some(runtime),
        })
    }

    /// List the bucket once: a wrong endpoint, bucket or key fails at start, not at the first
    /// upload.
    pub fn check(&self) -> anyhow::Result<()> {
        self.list()
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("the media store {} does not answer: {e}", self.url))
    }

    fn key(&self, name: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(name)
        } else {
            Key::from(format!("{}/{name}", self.prefix))
        }
    }

    fn block_on<T>(
        &self,
        what: &str,
        name: &str,
        f: impl std::future::Future<Output = object_store::Result<T>>,
    ) -> std::io::Result<T> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| std::io::Error::other("the media store is closed"))?;
        runtime.block_on(f).map_err(|e| match e {
            object_store::Error::NotFound { .. } => {
                std::io::Error::new(std::io::ErrorKind::NotFound, format!("{name}: not found"))
            }
            other => std::io::Error::other(format!("{what} {name} in {}: {other}", self.url)),
        })
    }
}

impl MediaStore for S3Store {
    fn put(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        if !valid_name(name) {
            return Err(std::io::Error::other("not a media file name"));
        }
        // A name is its content's hash: a file already there is the same file (an upload
        // writes its files before its transaction and again inside it).
        if self.size(name)? == Some(bytes.len() as u64) {
            return Ok(());
        }
        // One PUT: an object appears whole or not at all, so no temporary name is needed.
        let payload = object_store::PutPayload::from(bytes.to_vec());
        self.block_on("writing", name, self.store.put(&self.key(name), payload))
            .map(|_| ())
    }

    fn local_path(&self, _name: &str) -> Option<std::path::PathBuf> {
        None
    }

    fn delete(&self, name: &str) -> std::io::Result<()> {
        if !valid_name(name) {
            return Ok(());
        }
        match self.block_on("deleting", name, self.store.delete(&self.key(name))) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn list(&self) -> std::io::Result<Vec<(String, std::time::SystemTime, u64)>> {
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        let objects = self.block_on(
            "listing",
            "the files",
            self.store.list(prefix.as_ref()).try_collect::<Vec<_>>(),
        )?;
        let mut out: Vec<(String, std::time::SystemTime, u64)> = objects
            .into_iter()
            .filter_map(|o| {
                let name = o.location.filename()?.to_string();
                // Only the files directly under the prefix, named as the store names them.
                let expected = self.key(&name);
                (valid_name(&name) && o.location == expected)
                    .then(|| (name, std::time::SystemTime::from(o.last_modified), o.size))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    fn read(&self, name: &str, range: Option<Range<u64>>) -> std::io::Result<Option<Part>> {
        if !valid_name(name) {
            return Ok(None);
        }
        let options = GetOptions {
            range: range.clone().map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let got = self.block_on("reading", name, async {
            let result = self.store.get_opts(&self.key(name), options).await?;
            let total = result.meta.size;
            let start = result.range.start;
            let bytes = result.bytes().await?;
            Ok((bytes, start, total))
        });
        match got {
            Ok((bytes, start, total)) => Ok(Some(Part {
                bytes: bytes.to_vec(),
                start,
                total,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn size(&self, name: &str) -> std::io::Result<Option<u64>> {
        if !valid_name(name) {
            return Ok(None);
        }
        match self.block_on("reading", name, self.store.head(&self.key(name))) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}
