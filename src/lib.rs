//! doan-api: the public JSON REST API behind the activity news of a Vietnamese provincial
//! Youth Union (Đoàn TNCS Hồ Chí Minh).

pub mod activities;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clusters;
pub mod context;
pub mod db;
pub mod demo;
pub mod error;
pub mod feeds;
pub mod health;
pub mod http;
pub mod media;
pub mod metrics;
pub mod openapi;
pub mod organizations;
pub mod portal;
pub mod resources;
pub mod seed;
pub mod startup;
pub mod stats;
pub mod telemetry;
pub mod text;
pub mod transfer;
pub mod users;
pub mod vocab;
pub mod webhooks;
