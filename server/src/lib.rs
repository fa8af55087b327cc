//! Tasklens server: configuration, startup, the axum router (Leptos SSR, REST API, health) and
//! the CLI. No business logic lives here: handlers parse, call `db`/`analytics`, and answer.

pub mod cli;
pub mod commands;
pub mod config;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod serve;
pub mod startup;
pub mod telemetry;
