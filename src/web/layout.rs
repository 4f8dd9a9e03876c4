//! What the shared page layout shows: the navigation bar's user and sign-out form.

use super::auth::PageContext;

/// The navigation bar of `base.html`.
#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub username: Option<String>,
    /// The CSRF token for the sign-out form (empty on error pages).
    pub csrf: String,
}

impl PageContext {
    pub fn nav(&self) -> Nav {
        Nav {
            username: self.username().map(str::to_owned),
            csrf: self.csrf.clone(),
        }
    }
}
