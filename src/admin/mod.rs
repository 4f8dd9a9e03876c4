//! Admin pages: upload and preview question sets, import history, sets, flags, users (reset
//! links and deleting accounts in `accounts`).
//!
//! Everything lives under `/admin`, behind one guard ([`guard::require_admin`]) wrapped
//! around the whole scope, so a new admin route cannot forget the check.

pub mod accounts;
pub mod flags;
pub mod guard;
pub mod history;
pub mod import;
pub mod manage;
pub mod overview;
pub mod queries;
pub mod sets;
pub mod users;

use actix_web::web;

/// Every admin route, as (method, path with sample ids). The access test walks this table, and
/// a unit test checks it names every route declared in `src/admin/`.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin"),
    ("GET", "/admin/import"),
    ("POST", "/admin/import"),
    ("GET", "/admin/import/00000000-0000-0000-0000-000000000000"),
    (
        "POST",
        "/admin/import/00000000-0000-0000-0000-000000000000/apply",
    ),
    ("GET", "/admin/imports"),
    ("GET", "/admin/imports/00000000-0000-0000-0000-000000000000"),
    ("GET", "/admin/sets"),
    ("GET", "/admin/sets/streams"),
    ("POST", "/admin/sets/streams/enable"),
    ("POST", "/admin/sets/streams/disable"),
    ("GET", "/admin/sets/streams/export"),
    ("GET", "/admin/topics/export"),
    ("POST", "/admin/questions/streams/backpressure/retire"),
    ("POST", "/admin/questions/streams/backpressure/restore"),
    ("GET", "/admin/flags"),
    (
        "POST",
        "/admin/flags/00000000-0000-0000-0000-000000000000/resolve",
    ),
    ("GET", "/admin/users"),
    ("POST", "/admin/users/no-such-user/make-admin"),
    ("POST", "/admin/users/no-such-user/revoke-admin"),
    ("POST", "/admin/users/no-such-user/disable"),
    ("POST", "/admin/users/no-such-user/enable"),
    ("POST", "/admin/users/no-such-user/reset-link"),
    ("GET", "/admin/users/no-such-user/delete"),
    ("POST", "/admin/users/no-such-user/delete"),
];

/// Registers the admin scope with its guard.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/admin")
        .wrap(actix_web::middleware::from_fn(guard::require_admin))
        .configure(overview::routes)
        .configure(import::routes)
        .configure(history::routes)
        .configure(sets::routes)
        .configure(flags::routes)
        // Before `users`: its `/users/{id}/{action}` would take these paths.
        .configure(accounts::routes)
        .configure(users::routes)
}

#[cfg(test)]
mod tests {
    /// Each `#[get("…")]` / `#[post("…")]` in `src/admin/` (and its folders) must be listed in [`super::ROUTES`]
    /// (with `/admin` in front), so the access test covers it.
    #[test]
    fn every_declared_admin_route_is_in_the_table() {
        let mut files = Vec::new();
        let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/admin")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        assert!(files.iter().any(|f| f.ends_with("import/upload.rs")));
        let mut declared = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(file).unwrap();
            for line in text.lines().map(str::trim) {
                for (attribute, method) in [("#[get(\"", "GET"), ("#[post(\"", "POST")] {
                    if let Some(rest) = line.strip_prefix(attribute) {
                        let path = rest.split('"').next().unwrap();
                        declared.push((method, format!("/admin{path}")));
                    }
                }
            }
        }
        assert!(!declared.is_empty());
        for (method, path) in declared {
            let listed = super::ROUTES
                .iter()
                .any(|(m, p)| *m == method && same_shape(p, path.trim_end_matches('/')));
            assert!(listed, "{method} {path} is not in admin::ROUTES");
        }
    }

    /// `/admin/sets/{slug}` matches `/admin/sets/streams`.
    fn same_shape(sample: &str, pattern: &str) -> bool {
        let sample: Vec<&str> = sample.split('/').collect();
        let pattern: Vec<&str> = pattern.split('/').collect();
        sample.len() == pattern.len()
            && sample
                .iter()
                .zip(&pattern)
                .all(|(s, p)| s == p || (p.starts_with('{') && p.ends_with('}')))
    }
}
