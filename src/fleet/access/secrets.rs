//! Passwords and API token secrets.
//!
//! Passwords: Argon2id through `password-auth` (its defaults: 19 MiB, 2 passes), on the blocking
//! pool — one hash is some 20-50 ms of a core, which would stall every request sharing an async
//! worker thread.
//!
//! API tokens: `flt_<token id>_<secret>`, the secret 32 random bytes (base64url). The id finds the
//! token's events in one indexed read; the secret is kept only as its SHA-256.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::AppError;

/// Shorter passwords are refused (NIST SP 800-63B's minimum for a chosen password is 8).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer ones too: Argon2 hashes any length, but a megabyte "password" is an attack.
pub const MAX_PASSWORD_CHARS: usize = 256;

const TOKEN_PREFIX: &str = "flt_";

pub fn check_password_rules(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_request(
            "password",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_request(
            "password",
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Argon2 runs at most this many at once: one per core. Each takes 19 MiB and tens of
/// milliseconds of a core, so without a bound a burst of logins (or of first-run posts) would
/// fill tokio's 512 blocking threads, some 10 GiB, and starve everything else on that pool.
static ARGON2_PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(cores)
    });

/// Runs one Argon2 computation on the blocking pool, within the bound above.
async fn argon2<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = ARGON2_PERMITS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    argon2(move || password_auth::generate_hash(password)).await
}

/// Whether `password` matches `hash`; `None` compares against a fixed hash so that an unknown
/// account costs the same time as a known one.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, AppError> {
    argon2(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| UNKNOWN_ACCOUNT_HASH.clone());
        password_auth::verify_password(password, &hash).is_ok() && known
    })
    .await
}

/// A hash to check unknown accounts against, made once per process ([`prepare`] makes it at
/// start-up, so the first unknown email costs no more than a known one).
static UNKNOWN_ACCOUNT_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash("no account has this password"));

/// Makes the unknown-account hash before the first login needs it.
pub async fn prepare() -> Result<(), AppError> {
    argon2(|| {
        std::sync::LazyLock::force(&UNKNOWN_ACCOUNT_HASH);
    })
    .await
}

/// A new token: what is shown once, and the SHA-256 of its secret, which is stored.
pub fn new_token(token_id: Uuid) -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let hash = sha256_hex(&secret);
    (
        format!("{TOKEN_PREFIX}{}_{secret}", token_id.simple()),
        hash,
    )
}

/// The token id and the SHA-256 of the secret of a presented token; `None` when it has not the
/// form of one.
pub fn parse_token(token: &str) -> Option<(Uuid, String)> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if id.len() != 32 || secret.is_empty() || secret.len() > 64 {
        return None;
    }
    Some((Uuid::parse_str(id).ok()?, sha256_hex(secret)))
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Equal, in a time that does not depend on where they differ.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_back_to_its_id_and_stored_hash() {
        let id = Uuid::now_v7();
        let (token, hash) = new_token(id);
        assert!(token.starts_with("flt_"), "{token}");
        assert_eq!(parse_token(&token), Some((id, hash.clone())));
        let (other, other_hash) = new_token(id);
        assert_ne!(token, other, "secrets are random");
        assert!(!same_digest(&hash, &other_hash));
        for bad in ["", "flt_", "flt_x_y", &token[..20], "Bearer x"] {
            assert_eq!(parse_token(bad), None, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn passwords_are_stored_as_argon2id_and_checked() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!verify_password("wrong horse".into(), Some(hash))
            .await
            .unwrap());
        assert!(
            !verify_password("no account has this password".into(), None)
                .await
                .unwrap()
        );
        assert!(check_password_rules("short").is_err());
        assert!(check_password_rules("long enough").is_ok());
    }
}
