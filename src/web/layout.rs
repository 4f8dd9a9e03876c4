//! What the shared page layout shows: the navigation bar's user and sign-out form.

use super::auth::PageContext;

/// The navigation bar of `base.html`.
#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub username: Option<String>,
    /// The CSRF token for the sign-out form (empty on error pages).
    pub csrf: String,
    /// Shows the link to the admin pages.
    pub is_admin: bool,
}

impl PageContext {
    pub fn nav(&self) -> Nav {
        Nav {
            username: self.username().map(str::to_owned),
            csrf: self.csrf.clone(),
            is_admin: self
                .user
                .as_ref()
                .is_some_and(|u| u.role == crate::accounts::service::Role::Admin),
        }
    }
}
