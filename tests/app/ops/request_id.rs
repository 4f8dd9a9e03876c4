//! Request ids: a trusted proxy's `X-Request-Id` is kept, anyone else's is replaced by a new
//! one, and the response carries it.

use crate::helpers::{TestDb, db_tests, generated_bank, header, spawn_app_with_args};

fn get_with_id(visitor: &crate::helpers::Visitor, id: &str) -> String {
    let response = visitor
        .client
        .get(format!("{}/healthz", visitor.address))
        .header("x-request-id", id)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    header(&response, "x-request-id").to_owned()
}

fn is_generated(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn a_trusted_proxys_request_id_is_echoed_and_anyone_elses_replaced(test_db: TestDb) {
    let bank = generated_bank(1, 0);
    let app = spawn_app_with_args(
        test_db,
        bank.path(),
        std::sync::Arc::new(rehearse::web::SystemClock),
        |args| {
            args.trusted_proxies =
                Some(rehearse::web::client::TrustedProxies::parse("127.0.0.2").unwrap());
        },
    );
    let proxy = app.visitor_from("127.0.0.2");
    assert_eq!(get_with_id(&proxy, "nginx-5e1f0c"), "nginx-5e1f0c");
    // Even a trusted proxy's id is replaced when it could forge a log line.
    assert!(is_generated(&get_with_id(&proxy, "a b")));

    // A client that is not a trusted proxy cannot choose its id.
    let client = app.visitor_from("127.0.0.1");
    let replaced = get_with_id(&client, "nginx-5e1f0c");
    assert!(is_generated(&replaced), "{replaced}");

    // Without one, every response still gets an id of its own, pages and errors alike.
    let first = app.get("/healthz");
    let missing = app.get("/no/such/page");
    assert_eq!(missing.status(), 404);
    let (first, missing) = (
        header(&first, "x-request-id"),
        header(&missing, "x-request-id"),
    );
    assert!(is_generated(first) && is_generated(missing));
    assert_ne!(first, missing);
}

db_tests!(a_trusted_proxys_request_id_is_echoed_and_anyone_elses_replaced);
