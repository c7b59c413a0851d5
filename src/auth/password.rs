//! Password hashing (argon2id, PHC strings) and the strength rule for new passwords.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Hash a password with argon2id and a fresh random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Does the password match the stored hash? A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Spend the same work as a real verification, for unknown users (similar timing).
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash("not a real password, only for timing").unwrap_or_default());
    let _ = verify(password, dummy);
}

/// Minimum length of a password.
pub const MIN_LENGTH: usize = 10;

/// Why a new password is too weak, if it is.
pub fn weakness(password: &str, username: &str) -> Option<String> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        return Some("must not be empty".into());
    }
    if chars < MIN_LENGTH {
        return Some(format!("must be at least {MIN_LENGTH} characters"));
    }
    if chars > 200 {
        return Some("must be at most 200 characters".into());
    }
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if classes < 2 {
        return Some("must mix at least two of: lower case, upper case, digits, symbols".into());
    }
    if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        return Some("must not contain the username".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("Mật khẩu 2024!").unwrap();
        let b = hash("Mật khẩu 2024!").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("Mật khẩu 2024!", &a));
        assert!(!verify("mật khẩu 2024!", &a));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_named() {
        assert!(weakness("", "u").is_some());
        assert!(weakness("short1", "u").is_some());
        assert!(weakness("onlylowercaseletters", "u").is_some());
        assert!(weakness("admin-Password-1", "admin").is_some());
        assert_eq!(weakness("Lang Son 2023", "admin"), None);
    }
}
