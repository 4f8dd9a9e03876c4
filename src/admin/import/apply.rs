//! Applying a preview (`POST /admin/import/{id}/apply`): its stored plan is rendered, then
//! written in one transaction that refuses a plan the bank has moved past.

use crate::bank::import::{self, Actor, ImportError, preview};
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use askama::Template;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "admin/stale.html")]
struct StalePage {
    nav: Nav,
}

#[post("/import/{id}/apply")]
pub(super) async fn apply(
    path: web::Path<String>,
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let id = Arc::new(path.into_inner());
    let lookup = Arc::clone(&id);
    let stored = context
        .state
        .read(move |conn| preview::load(conn, &lookup)?.ok_or(AppError::NotFound))
        .await?;
    if let Some(run) = stored.applied_run_id {
        return Ok(see_other(&format!("/admin/imports/{run}")));
    }
    // Render before the write transaction opens, and off the database connection.
    let plan = Arc::new(stored.plan);
    let to_render = Arc::clone(&plan);
    let rendered = Arc::new(
        context
            .state
            .compute(move || import::render(&to_render, &|_, _| {}))
            .await?,
    );
    let actor = Actor {
        name: user.username,
        source: "web",
    };
    let now = context.state.clock.now().naive_utc();
    let outcome = context
        .state
        .write(
            move |conn| match preview::apply(conn, &id, &plan, &rendered, &actor, now) {
                Ok(run) => Ok(Some(run)),
                Err(ImportError::Stale) => Ok(None),
                Err(other) => Err(other.into()),
            },
        )
        .await?;
    match outcome {
        Some(run) => {
            context.state.metrics.import();
            Ok(see_other(&format!("/admin/imports/{run}")))
        }
        None => {
            let page = StalePage { nav: context.nav() };
            Ok(context.html(StatusCode::CONFLICT, page.render()?))
        }
    }
}
