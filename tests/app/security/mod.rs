//! The holes a probe of the running service found (issue 12), each closed and kept closed:
//! limits on guessing and sign-ups and the proxies they trust (`limits`), what every page
//! sends and accepts (`pages`: redirects, headers, form sizes, dates) and the user's own
//! sessions (`sessions`).

use crate::helpers::{TestApp, Visitor};

mod limits;
mod pages;
mod sessions;

/// Creates a user with `rehearse user add`, the password on standard input.
pub fn create_user(app: &TestApp, name: &str, password: &str) {
    let out = crate::helpers::rehearse_with_input(
        Some(&app.database_url),
        &["user", "add", name],
        &format!("{password}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
}

pub fn sign_in(visitor: &Visitor, username: &str, password: &str) -> reqwest::blocking::Response {
    let csrf = visitor.csrf_from("/signin");
    visitor.post_form(
        "/signin",
        &[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ],
    )
}

/// Posts a form the way a browser behind a proxy does, with extra headers.
pub fn post_with_headers(
    visitor: &Visitor,
    path: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut request = visitor.client.post(format!("{}{}", visitor.address, path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.form(fields).send().unwrap()
}

/// Every `#[get("…")]` route in `src/`, under `/admin` for the admin scope, with each
/// `{parameter}` filled in with `x`.
pub fn get_routes() -> Vec<String> {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let prefix = if path.components().any(|c| c.as_os_str() == "admin") {
                "/admin"
            } else {
                ""
            };
            for line in text.lines() {
                let Some(rest) = line.trim().strip_prefix("#[get(\"") else {
                    continue;
                };
                let route = rest.split('"').next().unwrap();
                let mut filled = String::new();
                let mut in_parameter = false;
                for c in route.chars() {
                    match c {
                        '{' => {
                            in_parameter = true;
                            filled.push('x');
                        }
                        '}' => in_parameter = false,
                        c if !in_parameter => filled.push(c),
                        _ => {}
                    }
                }
                found.push(format!("{prefix}{filled}"));
            }
        }
    }
    let mut found = Vec::new();
    walk(&crate::helpers::repo_root().join("src"), &mut found);
    found.sort();
    found
}

pub use crate::helpers::header;

pub fn assert_security_headers(response: &reqwest::blocking::Response, what: &str) {
    assert_eq!(
        header(response, "content-security-policy"),
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'",
        "{what}"
    );
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "referrer-policy"), "same-origin", "{what}");
}
