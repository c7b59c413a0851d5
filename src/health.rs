//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, DbPool};
use crate::error::{ApiResult, Problem};

/// Probe result.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: a probe that fails answers 503 with a problem document instead.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Each read replica (PostgreSQL, `--database-replica`) as last checked: only with
    /// replicas configured. A replica that is down or lagging is skipped, and the primary
    /// serves: the server stays ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Vec<crate::db::replicas::ReplicaState>>,
}

/// Liveness
///
/// The process is up and serving HTTP.
#[utoipa::path(tag = "health", operation_id = "health_live",
    responses((status = 200, description = "Alive", body = Health)))]
#[get("/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        replicas: None,
    })
}

/// Set when the server is shutting down (SIGTERM): readiness answers 503.
#[derive(Debug, Clone, Default)]
pub struct Draining(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Readiness
///
/// The database answers a query, and the server is not shutting down (503 while it drains).
#[utoipa::path(tag = "health", operation_id = "health_ready",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer, or the server is shutting down", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/ready")]
pub async fn ready(
    pool: web::Data<DbPool>,
    draining: web::Data<Draining>,
) -> ApiResult<HttpResponse> {
    if draining.is_on() {
        return Err(crate::error::AppError::Unavailable(
            "the server is shutting down".into(),
        ));
    }
    db::run_on_primary(&pool, |conn| {
        conn.batch_execute("SELECT 1 FROM organizations LIMIT 1")
            .map_err(|e| crate::error::AppError::Unavailable(format!("database check failed: {e}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        replicas: pool.replicas.as_ref().map(|r| r.states()),
    }))
}

/// The health probes, as the rest of the program sees them.
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    tags: &[("health", "Probes for orchestration")],
    root: Some(configure),
    ..crate::http::resource::Resource::NONE
};

/// Routes under `/health`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/health")
            .service(live)
            .service(ready),
    );
}
