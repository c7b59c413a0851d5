//! One integration-test binary: every test starts the real app on port 0 with its own
//! temporary SQLite file and talks to it over HTTP.

mod activities;
mod audit;
mod auth;
mod backup;
mod cli;
mod clusters;
mod cookbook;
mod dx;
mod engines;
mod feeds;
mod frontends;
mod helpers;
mod http_contract;
mod layers;
mod lists;
mod media;
mod media_store;
mod media_use;
mod migrations;
mod nodes;
mod openapi;
mod operations;
mod organizations;
mod publishing;
mod query_counts;
mod query_plans;
mod replicas;
mod schema_parity;
mod security;
mod shutdown;
mod stats;
mod totals;
mod transfer;
mod webhooks;
