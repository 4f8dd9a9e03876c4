//! The settings page.

use super::service;
use super::settings::{self, NewOrder, Settings, SettingsErrors};
use crate::bank::queries;
use crate::web::AppState;
use crate::web::auth::{PageContext, SignedIn, verify_csrf};
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

/// One checkbox of the active-sets list.
struct SetChoice {
    slug: String,
    title: String,
    active: bool,
}

/// The form as shown: the values typed (kept as text so mistakes can be corrected).
struct SettingsValues {
    new_per_day: String,
    max_reviews_per_day: String,
    timezone: String,
    rollover_hour: String,
    shuffled: bool,
    interview_date: String,
}

impl SettingsValues {
    fn from_settings(s: &Settings) -> SettingsValues {
        SettingsValues {
            new_per_day: s.new_per_day.to_string(),
            max_reviews_per_day: s.max_reviews_per_day.to_string(),
            timezone: s.timezone.name().to_owned(),
            rollover_hour: s.rollover_hour.to_string(),
            shuffled: s.new_order == NewOrder::Shuffled,
            interview_date: s.interview_date.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn from_form(pairs: &[(String, String)]) -> SettingsValues {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        SettingsValues {
            new_per_day: get("new_per_day"),
            max_reviews_per_day: get("max_reviews_per_day"),
            timezone: get("timezone"),
            rollover_hour: get("rollover_hour"),
            shuffled: get("new_order") == "shuffled",
            interview_date: get("interview_date"),
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/settings.html")]
struct SettingsPage {
    nav: Nav,
    csrf: String,
    values: SettingsValues,
    sets: Vec<SetChoice>,
    errors: SettingsErrors,
    saved: bool,
    timezones: Vec<&'static str>,
}

fn timezones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<u8>,
}

#[get("/settings")]
async fn settings_form(
    signed_in: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let user_id = signed_in.user.user_id.clone();
    let (current, all_sets) = state
        .read(move |conn| {
            Ok((
                service::load_settings(conn, &user_id)?,
                queries::set_titles(conn)?,
            ))
        })
        .await?;
    let ctx = &signed_in.context;
    let page = SettingsPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        values: SettingsValues::from_settings(&current),
        sets: all_sets
            .into_iter()
            .map(|(slug, title)| SetChoice {
                active: !current.inactive_sets.contains(&slug),
                slug,
                title,
            })
            .collect(),
        errors: SettingsErrors::default(),
        saved: query.saved == Some(1),
        timezones: timezones(),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[post("/settings")]
async fn save_settings(
    req: HttpRequest,
    ctx: PageContext,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let signed_in = ctx.require_user(&req)?;
    let pairs = form.into_inner();
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    verify_csrf(&req, csrf)?;
    let all_sets = state.read(|conn| Ok(queries::set_titles(conn)?)).await?;
    let slugs: Vec<String> = all_sets.iter().map(|(s, _)| s.clone()).collect();
    let now = state.clock.now().naive_utc();
    match settings::parse_form(&pairs, &slugs, now) {
        Ok(parsed) => {
            let user_id = signed_in.user.user_id.clone();
            state
                .write(move |conn| Ok(service::save_settings(conn, &user_id, &parsed)?))
                .await?;
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, "/settings?saved=1"))
                .finish())
        }
        Err(errors) => {
            let ctx = &signed_in.context;
            let page = SettingsPage {
                nav: ctx.nav(),
                csrf: ctx.csrf.clone(),
                values: SettingsValues::from_form(&pairs),
                sets: all_sets
                    .into_iter()
                    .map(|(slug, title)| SetChoice {
                        active: pairs.iter().any(|(k, _)| *k == format!("set:{slug}")),
                        slug,
                        title,
                    })
                    .collect(),
                errors,
                saved: false,
                timezones: timezones(),
            };
            Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, page.render()?))
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_form).service(save_settings);
}
