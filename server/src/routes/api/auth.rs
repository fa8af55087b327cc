//! Bearer-token authentication for write endpoints. Tokens come from configuration
//! (`TASKLENS_INGEST_TOKENS`); comparison is constant-time.

use axum::http::{HeaderMap, StatusCode, header};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::problem::Problem;

/// Checks `Authorization: Bearer <token>`: missing → 401, wrong → 403.
pub fn require_bearer(
    headers: &HeaderMap,
    tokens: &[secrecy::SecretString],
) -> Result<(), Problem> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            Some("missing `Authorization: Bearer <token>` header".to_owned()),
        ));
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let ok = tokens.iter().fold(false, |acc, t| {
        let t = t.expose_secret().as_bytes();
        acc | (!t.is_empty() && bool::from(t.ct_eq(presented.as_bytes())))
    });
    if ok {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            Some("the bearer token is not valid".to_owned()),
        ))
    }
}
