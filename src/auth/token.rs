//! JWT access tokens: HS256 with `sub`, `role`, `org`, `iat`, `exp`, `iss`, `aud`, the
//! account's random token key (`key`: a token names one account, never a later one that got the
//! same id) and the user's token version (`ver`, so a password change or deactivation revokes
//! older tokens).

use std::path::Path;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "doan-api";
pub const AUDIENCE: &str = "doan-api";
/// Shortest accepted secret.
pub const MIN_SECRET_BYTES: usize = 32;
/// Name of the generated secret file, beside the database.
pub const SECRET_FILE: &str = "jwt-secret";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<i64>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The account's `token_key`: random per account, so no later account can share it.
    pub key: String,
    pub ver: i64,
}

/// Signing settings (shared app data).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_seconds: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }

    /// The key from configuration (at least 32 bytes, else refuse), or from a secret file beside
    /// the database, created with mode 0600 on first run and reused after restarts.
    pub fn load(
        configured: Option<&str>,
        database: &Path,
        ttl_seconds: i64,
    ) -> anyhow::Result<Self> {
        if let Some(secret) = configured {
            if secret.len() < MIN_SECRET_BYTES {
                anyhow::bail!(
                    "DOAN_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (got {})",
                    secret.len()
                );
            }
            return Ok(Self::new(secret.as_bytes(), ttl_seconds));
        }
        let dir = crate::db::local_dir(database);
        if crate::db::is_postgres(database) {
            // Each node would make its own: the tokens of one would not pass on another.
            tracing::warn!(
                "no DOAN_JWT_SECRET: tokens are signed with a key kept in {}; every node of a \
                 deployment must be given the same DOAN_JWT_SECRET",
                dir.display()
            );
            std::fs::create_dir_all(&dir)?;
        }
        let path = dir.join(SECRET_FILE);
        let secret = match std::fs::read_to_string(&path) {
            Ok(existing) => existing.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let fresh = hex::encode(rand::random::<[u8; 48]>());
                write_private(&path, &fresh)?;
                tracing::info!(path = %path.display(), "created a JWT signing key");
                fresh
            }
            Err(e) => anyhow::bail!("cannot read the JWT key file {}: {e}", path.display()),
        };
        if secret.len() < MIN_SECRET_BYTES {
            anyhow::bail!("the JWT key file {} is too short", path.display());
        }
        Ok(Self::new(secret.as_bytes(), ttl_seconds))
    }

    pub fn issue(&self, claims: &Claims) -> anyhow::Result<String> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("token signing failed: {e}"))
    }

    /// Verify signature, algorithm (HS256 only), `exp`, `iss` and `aud`.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = 5;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Write a file readable by its owner only (0600), failing if it exists.
pub fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp_in: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "1".into(),
            role: "admin".into(),
            org: None,
            iat: now,
            exp: now + exp_in,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            key: "k".into(),
            ver: 1,
        }
    }

    #[test]
    fn tokens_round_trip_and_reject_other_keys_and_expiry() {
        let keys = TokenKeys::new(&[7u8; 32], 3600);
        let token = keys.issue(&claims(3600)).unwrap();
        assert_eq!(keys.verify(&token).unwrap().sub, "1");
        let other = TokenKeys::new(&[8u8; 32], 3600);
        assert!(other.verify(&token).is_none());
        assert!(keys.verify(&keys.issue(&claims(-60)).unwrap()).is_none());
        let mut wrong_aud = claims(3600);
        wrong_aud.aud = "other".into();
        assert!(keys.verify(&keys.issue(&wrong_aud).unwrap()).is_none());
    }

    #[test]
    fn short_configured_secrets_are_refused() {
        let err = TokenKeys::load(Some("too short"), Path::new("x.db"), 60).unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"));
    }
}
