//! Who is asking, from where, under which request id: plain data on the ground floor, set once
//! per request by the outermost middleware (and by `auth` once the caller is authenticated),
//! carried onto the blocking thread that runs its database work (as the tracing span is), read
//! by the audit log and by what builds URLs. Work outside a request (the clock, the command
//! line) has none: its entries name no actor.

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
    /// Host): file URLs in representations are built on it.
    pub base_url: Option<String>,
    /// Where an activity's page lives on the portal (`{public_url}` and `{slug}` replaced):
    /// the `url` of activities in representations.
    pub activity_url_template: Option<Arc<str>>,
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

/// The base URL of the request being served (`None` outside a request: the clock, the
/// command line).
pub fn base_url() -> Option<String> {
    current().and_then(|m| m.base_url)
}

/// The default page of an activity on the portal, when no template is configured.
pub const DEFAULT_ACTIVITY_URL_TEMPLATE: &str = "{public_url}/hoat-dong/{slug}";

/// Where activities are, as the request being served (the clock, outside a request) shows
/// them: read from the context once, for a whole page of activities.
pub struct ActivityUrls {
    base: String,
    template: Arc<str>,
}

impl ActivityUrls {
    pub fn current() -> Self {
        let meta = current().unwrap_or_default();
        Self {
            base: meta.base_url.unwrap_or_default(),
            template: meta
                .activity_url_template
                .unwrap_or_else(|| DEFAULT_ACTIVITY_URL_TEMPLATE.into()),
        }
    }

    /// The page of the activity `slug` on the portal (the URL template on the base URL).
    pub fn page(&self, slug: &str) -> String {
        self.template
            .replace("{public_url}", &self.base)
            .replace("{slug}", slug)
    }

    /// The activity `id` in the API.
    pub fn api(&self, id: i64) -> String {
        format!("{}/api/v1/activities/{id}", self.base)
    }
}
