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
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness
///
/// The process is up and serving HTTP.
#[utoipa::path(tag = "health", operation_id = "health_live",
    responses((status = 200, description = "Alive", body = Health)))]
#[get("/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness
///
/// The database answers a query.
#[utoipa::path(tag = "health", operation_id = "health_ready",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/ready")]
pub async fn ready(pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    db::run(&pool, |conn| {
        conn.batch_execute("SELECT 1 FROM organizations LIMIT 1")
            .map_err(|e| crate::error::AppError::Unavailable(format!("database check failed: {e}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// Routes under `/health`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/health")
            .service(live)
            .service(ready),
    );
}
