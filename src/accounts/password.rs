//! Password hashing with argon2id (the crate's default parameters). Both functions are slow on
//! purpose: call them off the async worker threads.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

/// Why a new password is refused, in words for the form.
pub fn check_new(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_LEN {
        Err("Use at least 8 characters.")
    } else if len > MAX_LEN {
        Err("Use at most 256 characters.")
    } else {
        Ok(())
    }
}

/// What is wrong with a change-password form, field by field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeErrors {
    pub current: Option<String>,
    pub new: Option<String>,
    pub confirm: Option<String>,
}

impl ChangeErrors {
    pub fn is_empty(&self) -> bool {
        *self == ChangeErrors::default()
    }
}

/// Checks a change-password form before any hashing: the current password is given, the new
/// one follows the rules and was typed the same twice.
pub fn check_change(current: &str, new: &str, confirm: &str) -> Result<(), ChangeErrors> {
    let mut errors = ChangeErrors::default();
    if current.is_empty() {
        errors.current = Some("Enter your current password.".into());
    }
    if let Err(message) = check_new(new) {
        errors.new = Some(message.into());
    } else if new != confirm {
        errors.confirm = Some("The two new passwords differ; type the same one twice.".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A PHC-format argon2id hash with a random salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt_bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches `stored`; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A bound on how many hashes and checks run at once. Each takes tens of milliseconds of CPU
/// and 19 MiB; without a bound, a flood of sign-ups or sign-ins fills the blocking pool and
/// every core, and the pages that only read wait behind it.
#[derive(Clone, Debug)]
pub struct PasswordWork {
    permits: Arc<Semaphore>,
}

#[derive(Debug, thiserror::Error)]
#[error("the password work was cancelled")]
pub struct Cancelled;

impl PasswordWork {
    pub fn new(at_once: usize) -> PasswordWork {
        PasswordWork {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
        }
    }

    /// Half the cores (at least one): the other half keeps serving pages.
    pub fn for_this_machine() -> PasswordWork {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        PasswordWork::new(cores.div_ceil(2))
    }

    /// Runs `work` on a blocking thread once a permit is free; waiting happens on the async
    /// side, so queued work holds no thread.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Cancelled>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| Cancelled)?;
        actix_web::web::block(work).await.map_err(|_| Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_password_change_needs_the_current_one_and_the_new_one_twice() {
        assert_eq!(
            check_change("old secret", "new secret!", "new secret!"),
            Ok(())
        );
        let errors = check_change("", "short", "short").unwrap_err();
        assert_eq!(
            errors.current.as_deref(),
            Some("Enter your current password.")
        );
        assert_eq!(errors.new.as_deref(), Some("Use at least 8 characters."));
        assert_eq!(errors.confirm, None);
        let errors = check_change("old secret", "new secret!", "new secret?").unwrap_err();
        assert_eq!(
            errors.confirm.as_deref(),
            Some("The two new passwords differ; type the same one twice.")
        );
    }

    #[test]
    fn no_more_password_jobs_run_at_once_than_the_bound_allows() {
        let work = PasswordWork::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        actix_web::rt::System::new().block_on(async {
            let jobs: Vec<_> = (0..8)
                .map(|_| {
                    let (work, running, most) = (work.clone(), running.clone(), most.clone());
                    actix_web::rt::spawn(async move {
                        work.run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(30));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                    })
                })
                .collect();
            for job in jobs {
                job.await.unwrap().unwrap();
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not a hash"));
    }
}
