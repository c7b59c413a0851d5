//! Who is asking, from where, under which request id: plain data on the ground floor, set once
//! per request by the outermost middleware (and by `auth` once the caller is authenticated),
//! carried onto the blocking thread that runs its database work (as the tracing span is), read
//! by the audit log and, as a [`Site`], by the edges outside a handler that make URLs (the
//! clock, the demo). Work outside a request (the clock, the command line) has none: its entries
//! name no actor.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// The request a change is made for.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    /// The peer's IP address (the socket's: a proxy's own address when behind one).
    pub client_addr: Option<String>,
    pub actor: Option<Actor>,
    /// Where this API is reached (the configured public URL, else the request's scheme and
    /// Host): [`Site::current`] is built on it (handlers take theirs from the request itself).
    pub base_url: Option<String>,
    /// Where an activity's page lives on the portal (`{public_url}` and `{slug}` replaced):
    /// the `url` of activities ([`Site::page`]).
    pub activity_url_template: Option<Arc<str>>,
    /// The request may change data (any method but GET, HEAD and OPTIONS): its database work
    /// takes the writers' connections, never queued behind readers (`db::run`).
    pub writes: bool,
    /// The WAL position of the last write the client saw (its consistency token): a replica
    /// that has not replayed it does not serve this request's reads.
    pub seen: Option<u64>,
    /// The WAL position of this request's last committed write (0: none), shared with every
    /// copy of the context: the response hands it to the client as its token.
    pub wrote: Arc<std::sync::atomic::AtomicU64>,
}

/// A write of the current request committed at WAL position `position`.
pub fn wrote_at(position: u64) {
    let on_thread = ON_THIS_THREAD.with(|cell| {
        cell.borrow().as_ref().map(|m| {
            m.wrote
                .fetch_max(position, std::sync::atomic::Ordering::AcqRel)
        })
    });
    if on_thread.is_none() {
        let _ = REQUEST.try_with(|meta| {
            if let Ok(meta) = meta.lock() {
                meta.wrote
                    .fetch_max(position, std::sync::atomic::Ordering::AcqRel);
            }
        });
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: i32,
    pub username: String,
    pub role: &'static str,
}

tokio::task_local! {
    static REQUEST: Arc<Mutex<RequestMeta>>;
}

thread_local! {
    static ON_THIS_THREAD: RefCell<Option<RequestMeta>> = const { RefCell::new(None) };
}

/// Run `f` (a request's handling) with `meta` as its context.
pub async fn scope<F: std::future::Future>(meta: RequestMeta, f: F) -> F::Output {
    REQUEST.scope(Arc::new(Mutex::new(meta)), f).await
}

/// As [`scope`], the caller keeping a handle on the context (to read who was authenticated).
pub async fn scope_shared<F: std::future::Future>(
    meta: Arc<Mutex<RequestMeta>>,
    f: F,
) -> F::Output {
    REQUEST.scope(meta, f).await
}

/// The caller is known (the bearer token checked): its changes name it.
pub fn authenticated(actor: Actor) {
    let _ = REQUEST.try_with(|meta| {
        if let Ok(mut meta) = meta.lock() {
            meta.actor = Some(actor);
        }
    });
}

/// The context of the request this task serves, to carry onto a blocking thread.
pub fn capture() -> Option<RequestMeta> {
    REQUEST
        .try_with(|meta| meta.lock().ok().map(|m| m.clone()))
        .ok()
        .flatten()
}

/// Run `f` on this (blocking) thread with `meta` as the current context.
pub fn with<T>(meta: Option<RequestMeta>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<RequestMeta>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ON_THIS_THREAD.with(|cell| *cell.borrow_mut() = previous);
        }
    }
    let previous = ON_THIS_THREAD.with(|cell| cell.replace(meta));
    let _restore = Restore(previous);
    f()
}

/// The current context: the blocking thread's, else the task's.
pub fn current() -> Option<RequestMeta> {
    ON_THIS_THREAD
        .with(|cell| cell.borrow().clone())
        .or_else(capture)
}

/// The default page of an activity on the portal, when no template is configured.
pub const DEFAULT_ACTIVITY_URL_TEMPLATE: &str = "{public_url}/hoat-dong/{slug}";

/// Where the URLs of a representation point, for one reader: this API's base URL
/// (`scheme://host`, no trailing slash; empty: paths from the root) and the portal's page of
/// an activity. Repositories return paths and ids; what is shown or kept is made absolute on a
/// `Site` by the edge that has one — a handler from its request (`http::links::site`), the
/// clock and the demo from the context they run in ([`Site::current`]).
#[derive(Debug, Clone)]
pub struct Site {
    base: String,
    template: Arc<str>,
}

impl Default for Site {
    /// No base (paths from the root) and the default page template: the command line's.
    fn default() -> Self {
        Self::new(String::new(), DEFAULT_ACTIVITY_URL_TEMPLATE.into())
    }
}

impl Site {
    pub fn new(base: String, template: Arc<str>) -> Self {
        Self { base, template }
    }

    /// As the context being served shows URLs (the clock's, outside a request; none: the
    /// command line's [`Site::default`]).
    pub fn current() -> Self {
        let meta = current().unwrap_or_default();
        Self::new(
            meta.base_url.unwrap_or_default(),
            meta.activity_url_template
                .unwrap_or_else(|| DEFAULT_ACTIVITY_URL_TEMPLATE.into()),
        )
    }

    /// `scheme://host` of this API (empty: paths stay paths from the root).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A path from the root (`/media/…`) on the base.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The page of the activity `slug` on the portal (the URL template on the base URL).
    pub fn page(&self, slug: &str) -> String {
        self.template
            .replace("{public_url}", &self.base)
            .replace("{slug}", slug)
    }

    /// The activity `id` in the API.
    pub fn api(&self, id: i64) -> String {
        self.absolute(&format!("/api/v1/activities/{id}"))
    }
}
