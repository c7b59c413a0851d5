//! Cross-cutting request handling: request ids and the access log, HEAD served by the GET
//! handlers, problem+json for every error response, and the 404/405 fallback.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::FutureExt;
use tracing::Instrument;

use crate::error::{problem_response, AppError};

pub const REQUEST_ID: &str = "x-request-id";

/// The id of the current request (also in the `X-Request-Id` response header and the log).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn new_id() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

/// How long a read may take to produce its response head (`--request-timeout`); writes are
/// never cut short (a change answered 503 must not commit afterwards).
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub std::time::Duration);

/// Reads the timeout does not cover: their response is a snapshot made before it starts.
fn untimed(path: &str) -> bool {
    path == "/api/v1/admin/backup" || path == "/api/v1/export"
}

/// Outermost: assign the request id, run the request in a span carrying it (under the read
/// timeout), count it in the metrics, log one line: request id, method, path, route template,
/// status, latency, and the user id when a token was accepted (never the token).
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_id(v))
        .map_or_else(new_id, str::to_string);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_string();
    // The route template, for the metrics of a request that never returns its response (a
    // panic, a timeout).
    let pattern = req.match_pattern();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<crate::metrics::Metrics>>()
        .cloned();
    let _in_flight = metrics.as_ref().map(|m| m.started());
    let timeout = req
        .app_data::<web::Data<RequestTimeout>>()
        .map(|t| t.0)
        .filter(|_| matches!(method, Method::GET | Method::HEAD) && !untimed(&path));
    // Handlers and extractors turn their errors into responses; an `Err` here can only come
    // from a middleware, and actix-web renders it. (Cloning the request to build a response
    // here would break routing, which needs the request uniquely owned.)
    // A panic anywhere below becomes a 500 problem carrying the request id (the connection is
    // not dropped with an empty reply); the log has the panic message.
    let meta = std::sync::Arc::new(std::sync::Mutex::new(crate::context::RequestMeta {
        request_id: Some(id.clone()),
        client_addr: crate::http::links::client_ip(req.request()).map(|a| a.to_string()),
        actor: None,
        base_url: Some(crate::http::links::base(req.request())),
        activity_url_template: req
            .app_data::<web::Data<crate::http::links::ActivityPageTemplate>>()
            .map(|t| t.0.clone()),
        writes: !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS),
        seen: read_after(req.request()),
        wrote: Default::default(),
    }));
    let handled = std::panic::AssertUnwindSafe(crate::context::scope_shared(
        meta.clone(),
        next.call(req).instrument(span.clone()),
    ))
    .catch_unwind();
    let outcome = match timeout {
        None => Ok(handled.await),
        Some(limit) => tokio::time::timeout(limit, handled).await,
    };
    let user_id = meta
        .lock()
        .ok()
        .and_then(|m| m.actor.as_ref().map(|a| a.id));
    let log = |status: u16, route: Option<&str>| {
        let took = started.elapsed();
        if let Some(metrics) = &metrics {
            metrics.answered(method.as_str(), route, status, took);
        }
        let latency_ms = format!("{:.2}", took.as_secs_f64() * 1000.0);
        let route = route.unwrap_or(crate::metrics::UNMATCHED);
        span.in_scope(|| {
            tracing::info!(%method, %path, route, status, latency_ms, user_id, "request");
        });
    };
    let outcome = match outcome {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            span.in_scope(|| tracing::error!(%method, %path, panic = %message, "handler panicked"));
            log(500, pattern.as_deref());
            return Err(Aborted {
                request_id: id,
                path,
                why: Why::Panicked,
            }
            .into());
        }
        Err(_elapsed) => {
            let limit = timeout.unwrap_or_default();
            span.in_scope(|| {
                tracing::warn!(%method, %path, limit_seconds = limit.as_secs_f64(), "request timed out")
            });
            if let Some(metrics) = &metrics {
                metrics.timed_out();
            }
            log(503, pattern.as_deref());
            return Err(Aborted {
                request_id: id,
                path,
                why: Why::TimedOut(limit),
            }
            .into());
        }
    };
    let mut res = match outcome {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            span.in_scope(
                || tracing::warn!(%method, %path, error = %err, "request failed in a middleware"),
            );
            log(
                err.as_response_error().status_code().as_u16(),
                pattern.as_deref(),
            );
            return Err(err);
        }
    };
    log(
        res.status().as_u16(),
        res.request().match_pattern().as_deref(),
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    // A write committed (with read replicas): the client's consistency token, as a header
    // for API clients and a cookie for a browser's next page.
    let wrote = meta
        .lock()
        .map(|m| m.wrote.load(std::sync::atomic::Ordering::Acquire))
        .unwrap_or(0);
    if wrote > 0 {
        let headers = res.headers_mut();
        headers.insert(
            HeaderName::from_static(READ_AFTER),
            HeaderValue::from(wrote),
        );
        if let Ok(cookie) = HeaderValue::from_str(&format!(
            "{READ_AFTER_COOKIE}={wrote}; Path=/; Max-Age={READ_AFTER_MAX_AGE}; HttpOnly; SameSite=Lax"
        )) {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
    Ok(res)
}

/// The consistency token's header (sent after a write, accepted on a read).
pub const READ_AFTER: &str = "doan-read-after";
/// The same token as a cookie.
const READ_AFTER_COOKIE: &str = "doan_read_after";
/// How long the cookie is kept: a replica replays a write within a second or two; past this,
/// any replica serving (within `--replica-max-lag`) has it.
const READ_AFTER_MAX_AGE: u32 = 300;

/// The WAL position the client last saw written, from its header or cookie (the larger).
fn read_after(req: &actix_web::HttpRequest) -> Option<u64> {
    let header = req
        .headers()
        .get(READ_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let cookie = req
        .cookie(READ_AFTER_COOKIE)
        .and_then(|c| c.value().parse::<u64>().ok());
    header.max(cookie)
}

#[derive(Debug)]
enum Why {
    Panicked,
    TimedOut(std::time::Duration),
}

/// A request whose handling panicked (500) or ran past the read timeout (503): answered with
/// a problem naming the request id. (The request itself is gone with the unwound or dropped
/// handler, so this error renders its own response, `instance` and `X-Request-Id` included.)
#[derive(Debug, thiserror::Error)]
#[error("the handler of {path} was aborted ({why:?}, request {request_id})")]
pub struct Aborted {
    request_id: String,
    path: String,
    why: Why,
}

impl actix_web::ResponseError for Aborted {
    fn status_code(&self) -> actix_web::http::StatusCode {
        match self.why {
            Why::Panicked => actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            Why::TimedOut(_) => actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut problem = match self.why {
            Why::Panicked => {
                let mut problem = AppError::internal("panic").problem();
                problem.detail = Some(format!(
                    "an unexpected error occurred; it has been logged with request id {}",
                    self.request_id
                ));
                problem
            }
            Why::TimedOut(limit) => AppError::Unavailable(format!(
                "the request took longer than {} seconds (request id {}); try again, or narrow it",
                limit.as_secs_f64(),
                self.request_id
            ))
            .problem(),
        };
        problem.instance = Some(self.path.clone());
        let mut res = problem_response(&problem, None);
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            res.headers_mut()
                .insert(HeaderName::from_static(REQUEST_ID), value);
        }
        if let Why::TimedOut(_) = self.why {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        res
    }
}

/// `HEAD` is answered by the `GET` handler; actix-web's HTTP/1 encoder drops the body because
/// it remembers the request was a HEAD.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Swagger UI and the spec are read-only: another method (`OPTIONS` too, as on every API
/// route; a CORS preflight is answered before this) gets 405 with `Allow: GET, HEAD` (their
/// service would answer 404, and the fallback never sees those paths).
pub async fn read_only_docs(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path();
    let docs = path == "/swagger-ui"
        || path.starts_with("/swagger-ui/")
        || path == "/api-docs/openapi.json";
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    if docs && !read {
        let error = AppError::MethodNotAllowed {
            allow: vec![Method::GET, Method::HEAD],
        };
        return Ok(req.error_response(error));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Every error response leaves as problem+json with `instance` set, whoever produced it.
pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_string();
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if status.as_u16() < 400 {
        return Ok(res);
    }
    let problem = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(AppError::problem);
    let mut problem = match problem {
        Some(p) => p,
        None => {
            let is_problem = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
            if is_problem {
                return Ok(res);
            }
            if let Some(err) = res.response().error() {
                tracing::debug!(error = %err, "actix error turned into a problem");
            }
            AppError::problem_for_status(status)
        }
    };
    problem.instance = Some(path);
    let (http_req, old) = res.into_parts();
    let mut new = problem_response(&problem, None);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && name != header::CONTENT_ENCODING
        {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(http_req, new))
}

/// The routes the API serves, from the generated spec: what the 404/405 fallback consults.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in api.paths.paths.iter() {
            let mut methods = Vec::new();
            let ops = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
            ];
            for (method, op) in ops {
                if op.is_some() {
                    methods.push(method.clone());
                    if method == Method::GET {
                        methods.push(Method::HEAD);
                    }
                }
            }
            routes.push((segments(path), methods));
        }
        routes.push((
            segments("/api-docs/openapi.json"),
            vec![Method::GET, Method::HEAD],
        ));
        Self { routes }
    }

    /// The methods allowed on a concrete path, if the path exists.
    pub fn allowed(&self, path: &str) -> Option<&[Method]> {
        let concrete = segments(path);
        self.routes
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == concrete.len()
                    && pattern.iter().zip(&concrete).all(|(p, c)| {
                        (p.starts_with('{') && p.ends_with('}') && !c.is_empty()) || p == c
                    })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').skip(1).map(str::to_string).collect()
}

/// Default service: 405 with `Allow` where the path exists, else 404.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<Arc<RouteTable>>,
) -> Result<HttpResponse, AppError> {
    Err(match routes.allowed(req.path()) {
        Some(allow) if !allow.contains(req.method()) => AppError::MethodNotAllowed {
            allow: allow.to_vec(),
        },
        _ => AppError::not_found(format!("there is no resource at {}", req.path())),
    })
}

/// `Cache-Control` of an anonymous read's 200 or 304 that its handler did not set: a CDN or a
/// browser may keep it a short while and serve it while revalidating (with its `ETag`, a 304
/// costs no body), so a write shows within a minute at most.
pub const PUBLIC_CACHE: &str = "public, max-age=30, stale-while-revalidate=60";
/// `Cache-Control` of a response to a request with credentials (drafts, an account's own
/// view), of an anonymous error, and of health and metrics: kept by no cache.
pub const PRIVATE_CACHE: &str = "private, no-store";

/// Outside compression: validators per content coding, and on reads caching headers.
///
/// - A strong `ETag` names one representation, and a compressed one is another (RFC 9110
///   §8.8.3): the handler's tag over the identity bytes gets the coding as a suffix
///   (`"…-gzip"`, `"…-br"`), and an `If-None-Match` naming the compressed tag is answered 304
///   here (the handler, comparing with the identity tag, answered 200).
/// - `Cache-Control` where the handler set none: [`PUBLIC_CACHE`] for an anonymous 200 or 304,
///   [`PRIVATE_CACHE`] otherwise; `Vary: Accept-Encoding, Authorization` on every read, so a
///   shared cache never answers one request with another's coding or another caller's view.
pub async fn caching(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    let credentials = req.headers().contains_key(header::AUTHORIZATION);
    let private_path = req.path().starts_with("/health") || req.path() == "/metrics";
    let asked: Vec<String> = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(crate::db::precondition::tags)
        .map(|t| t.trim_start_matches("W/").to_string())
        .collect();
    let mut res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let headers = res.headers_mut();
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .filter(|c| crate::db::precondition::CODINGS.contains(&c.as_str()));
    let tag = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.starts_with('"'))
        .map(str::to_string);
    // The tag this response goes out with: the coded one of a compressed body; for a 304, the
    // one the client has (it named it), so its cache finds the entry it revalidated.
    let uncoded = |t: &str| crate::db::precondition::uncoded(t).into_owned();
    let sent = tag.as_deref().map(|tag| match (&coding, status.as_u16()) {
        (Some(coding), _) => format!("{}-{coding}\"", tag.trim_end_matches('"')),
        (None, 304) => asked
            .iter()
            .find(|a| uncoded(a) == uncoded(tag))
            .cloned()
            .unwrap_or_else(|| tag.to_string()),
        (None, _) => tag.to_string(),
    });
    if let Some(value) = sent.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert(header::ETAG, value);
    }
    if !reading {
        return Ok(res);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let public = !credentials && !private_path && matches!(status.as_u16(), 200 | 304);
        let policy = if public { PUBLIC_CACHE } else { PRIVATE_CACHE };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    add_vary(headers, &["Accept-Encoding", "Authorization"]);
    // A 200 whose handler does not answer `If-None-Match` itself.
    let matched = status == actix_web::http::StatusCode::OK
        && sent
            .as_deref()
            .is_some_and(|t| asked.iter().any(|a| a == "*" || a == t));
    if matched {
        let mut not_modified = HttpResponse::NotModified();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::LAST_MODIFIED,
            header::CONTENT_LOCATION,
            header::EXPIRES,
        ] {
            for value in res.headers().get_all(&name) {
                not_modified.append_header((name.clone(), value.clone()));
            }
        }
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    Ok(res)
}

/// Add `names` to `Vary` (once each, whatever their case).
fn add_vary(headers: &mut actix_web::http::header::HeaderMap, names: &[&str]) {
    let mut have: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if have.iter().any(|v| v == "*") {
        return;
    }
    let before = have.len();
    for name in names {
        if !have.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            have.push((*name).to_string());
        }
    }
    if have.len() != before {
        if let Ok(value) = HeaderValue::from_str(&have.join(", ")) {
            headers.insert(header::VARY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_becomes_a_500_problem_with_the_request_id() {
        use actix_web::{middleware::from_fn, test, App};
        let app = test::init_service(
            App::new()
                .route(
                    "/boom",
                    web::get().to(|| async {
                        if true {
                            panic!("a bug");
                        }
                        HttpResponse::Ok().finish()
                    }),
                )
                .route(
                    "/fine",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                )
                .wrap(from_fn(request_context)),
        )
        .await;
        let req = test::TestRequest::get()
            .uri("/boom")
            .insert_header((REQUEST_ID, "abc-123"))
            .to_request();
        let err = test::try_call_service(&app, req)
            .await
            .expect_err("the panic is an error response, not a dropped connection");
        let res = err.error_response();
        assert_eq!(res.status(), 500);
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        assert_eq!(res.headers().get(REQUEST_ID).unwrap(), "abc-123");
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["status"], 500);
        assert_eq!(problem["instance"], "/boom");
        assert!(problem["detail"].as_str().unwrap().contains("abc-123"));
        // The worker keeps serving.
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(res.status(), 200);
    }

    #[test]
    fn request_ids_are_short_safe_tokens() {
        assert!(acceptable_id("abc-123_x.y"));
        assert!(!acceptable_id(""));
        assert!(!acceptable_id("has space"));
        assert!(!acceptable_id("<script>"));
        assert!(!acceptable_id(&"a".repeat(65)));
        assert_eq!(new_id().len(), 24);
    }
}
