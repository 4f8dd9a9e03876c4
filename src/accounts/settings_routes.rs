//! The settings page: study settings, the list of signed-in sessions, changing the password,
//! downloading your data and deleting your account.

use super::password::{self, ChangeErrors};
use super::rate_limit;
use super::service::{self, AccountError, SessionUser};
use super::sessions::{self, SessionSummary};
use super::settings::{self, NewOrder, Settings, SettingsErrors};
use super::{data, deletion};
use crate::bank::queries;
use crate::scheduler::{SchedulerChoice, SchedulerErrors, SchedulerSettings};
use crate::state::AppState;
use crate::web::auth::{
    PageContext, SESSION_COOKIE, SignedIn, csrf_cookie, new_csrf_token, removal_cookie,
};
use crate::web::client::client_info;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
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
        let get = |name: &str| crate::web::form::field(pairs, name).to_owned();
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

/// The scheduler form as shown: stored, or as sent when it had mistakes.
struct SchedulerValues {
    fsrs: bool,
    desired_retention: String,
}

impl SchedulerValues {
    fn from_settings(s: SchedulerSettings) -> SchedulerValues {
        SchedulerValues {
            fsrs: s.choice == SchedulerChoice::Fsrs,
            desired_retention: s.retention.percent().to_string(),
        }
    }

    fn from_form(pairs: &[(String, String)]) -> SchedulerValues {
        let get = |name: &str| crate::web::form::field(pairs, name).to_owned();
        SchedulerValues {
            fsrs: get("scheduler") == "fsrs",
            desired_retention: get("desired_retention"),
        }
    }
}

/// One signed-in session, as listed.
struct SessionView {
    browser: String,
    created: String,
    last_seen: String,
    current: bool,
}

fn session_views(list: Vec<SessionSummary>) -> Vec<SessionView> {
    let show = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M UTC").to_string();
    list.into_iter()
        .map(|s| SessionView {
            browser: s.browser,
            created: show(s.created_at),
            last_seen: show(s.last_seen_at),
            current: s.current,
        })
        .collect()
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
    sessions: Vec<SessionView>,
    password: ChangeErrors,
    notice: Option<&'static str>,
    /// Why "Delete my account" was refused, beside its password field.
    delete_error: Option<String>,
    scheduler: SchedulerValues,
    scheduler_errors: SchedulerErrors,
    scheduler_saved: bool,
    /// Every grade with its FSRS rating, for the mapping table.
    grade_ratings: Vec<(u8, &'static str, &'static str)>,
}

/// The user's live sessions, for the page.
async fn load_sessions(state: &AppState, user: &SessionUser) -> Result<Vec<SessionView>, AppError> {
    let (user_id, session_id) = (user.user_id.clone(), user.session_id.clone());
    let now = state.clock.now().naive_utc();
    let list = state
        .read(move |conn| Ok(sessions::list(conn, &user_id, &session_id, now)?))
        .await?;
    Ok(session_views(list))
}

fn timezones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<u8>,
    password: Option<u8>,
    signed_out: Option<u8>,
    scheduler: Option<u8>,
}

#[get("/settings")]
async fn settings_form(
    SignedIn { context, user }: SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = if query.password == Some(1) {
        Some("Your password is changed, and you are signed out everywhere else.")
    } else if query.signed_out == Some(1) {
        Some("You are signed out everywhere else.")
    } else {
        None
    };
    let errors = FormErrors {
        scheduler_saved: query.scheduler == Some(1),
        ..FormErrors::default()
    };
    settings_page(
        &context,
        &user,
        None,
        query.saved == Some(1),
        errors,
        notice,
        StatusCode::OK,
    )
    .await
}

/// The mistakes of the settings, password and delete forms, shown beside their fields.
#[derive(Default)]
struct FormErrors {
    settings: SettingsErrors,
    password: ChangeErrors,
    delete: Option<String>,
    /// The scheduler form's mistakes, with the form as it was sent.
    scheduler: Option<(SchedulerErrors, Vec<(String, String)>)>,
    /// The scheduler form was just saved (said beside it, like its mistakes).
    scheduler_saved: bool,
}

/// The settings page: the settings form shows `sent` as it was typed when there is one (a
/// form with mistakes), otherwise the stored settings.
async fn settings_page(
    ctx: &PageContext,
    user: &SessionUser,
    sent: Option<&[(String, String)]>,
    saved: bool,
    errors: FormErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let state = &ctx.state;
    let user_id = user.user_id.clone();
    let (current, all_sets, scheduler) = state
        .read(move |conn| {
            Ok((
                service::load_settings(conn, &user_id)?,
                queries::set_titles(conn)?,
                crate::scheduler::service::load_settings(conn, &user_id)?,
            ))
        })
        .await?;
    let (scheduler, scheduler_errors) = match &errors.scheduler {
        Some((mistakes, pairs)) => (SchedulerValues::from_form(pairs), *mistakes),
        None => (
            SchedulerValues::from_settings(scheduler),
            SchedulerErrors::default(),
        ),
    };
    let sessions = load_sessions(state, user).await?;
    let values = match sent {
        Some(pairs) => SettingsValues::from_form(pairs),
        None => SettingsValues::from_settings(&current),
    };
    let is_active = |slug: &str| match sent {
        Some(pairs) => pairs.iter().any(|(k, _)| *k == format!("set:{slug}")),
        None => !current.inactive_sets.contains(slug),
    };
    let page = SettingsPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        values,
        sets: all_sets
            .into_iter()
            .map(|(slug, title)| SetChoice {
                active: is_active(&slug),
                slug,
                title,
            })
            .collect(),
        errors: errors.settings,
        saved,
        timezones: timezones(),
        sessions,
        password: errors.password,
        notice,
        delete_error: errors.delete,
        scheduler,
        scheduler_errors,
        scheduler_saved: errors.scheduler_saved,
        grade_ratings: crate::sm2::Grade::CHOICES
            .iter()
            .filter_map(|&(value, word, _)| {
                let grade = crate::sm2::Grade::new(value)?;
                let rating = match crate::scheduler::fsrs_rating(grade) {
                    1 => "Again",
                    2 => "Hard",
                    3 => "Good",
                    _ => "Easy",
                };
                Some((value, word, rating))
            })
            .collect(),
    };
    Ok(ctx.html(status, page.render()?))
}

#[post("/settings")]
async fn save_settings(
    SignedInForm {
        context,
        user,
        fields,
    }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let pairs = fields.0;
    let all_sets = context
        .state
        .read(|conn| Ok(queries::set_titles(conn)?))
        .await?;
    let slugs: Vec<String> = all_sets.iter().map(|(s, _)| s.clone()).collect();
    let now = context.state.clock.now().naive_utc();
    match settings::parse_form(&pairs, &slugs, now) {
        Ok(parsed) => {
            let user_id = user.user_id.clone();
            context
                .state
                .write(move |conn| Ok(service::save_settings(conn, &user_id, &parsed)?))
                .await?;
            Ok(see_other("/settings?saved=1"))
        }
        Err(errors) => {
            let errors = FormErrors {
                settings: errors,
                ..FormErrors::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            settings_page(
                &context,
                &user,
                Some(pairs.as_slice()),
                false,
                errors,
                None,
                status,
            )
            .await
        }
    }
}

/// Saves the scheduler and desired retention, placing every question again under the chosen
/// scheduler from the review log (see `scheduler::service::apply_settings`).
#[post("/settings/scheduler")]
async fn save_scheduler(
    SignedInForm {
        context,
        user,
        fields,
    }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let pairs = fields.0;
    match crate::scheduler::core::parse_form(&pairs) {
        Ok(parsed) => {
            let user_id = user.user_id.clone();
            context
                .state
                .write(move |conn| {
                    Ok(crate::scheduler::service::apply_settings(
                        conn, &user_id, parsed,
                    )?)
                })
                .await?;
            Ok(see_other("/settings?scheduler=1"))
        }
        Err(mistakes) => {
            let errors = FormErrors {
                scheduler: Some((mistakes, pairs)),
                ..FormErrors::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            settings_page(&context, &user, None, false, errors, None, status).await
        }
    }
}

#[post("/settings/sessions/end-others")]
async fn end_other_sessions(
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let (user_id, keep) = (user.user_id.clone(), user.session_id.clone());
    context
        .state
        .write(move |conn| Ok(sessions::end_others(conn, &user_id, &keep)?))
        .await?;
    Ok(see_other("/settings?signed_out=1"))
}

#[post("/settings/password")]
async fn change_password(req: HttpRequest, form: SignedInForm) -> Result<HttpResponse, AppError> {
    match try_change_password(&form, &client_info(&req).address).await? {
        Ok(()) => Ok(see_other("/settings?password=1")),
        Err((status, errors)) => {
            let errors = FormErrors {
                password: errors,
                ..FormErrors::default()
            };
            settings_page(&form.context, &form.user, None, false, errors, None, status).await
        }
    }
}

/// Checks the form, then the current password (counted like a sign-in, so a borrowed session
/// cannot be used to guess it), then stores the new hash and ends every other session.
async fn try_change_password(
    form: &SignedInForm,
    address: &str,
) -> Result<Result<(), (StatusCode, ChangeErrors)>, AppError> {
    let (state, user) = (&form.context.state, &form.user);
    let current = form.fields.get("current_password");
    let new = form.fields.get("new_password");
    let confirm = form.fields.get("confirm_password");
    if let Err(errors) = password::check_change(current, new, confirm) {
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors)));
    }
    let given = current.to_owned();
    let (reserved, forgiven) = match check_own_password(state, user, address, given).await? {
        OwnPassword::Right { reserved, forgiven } => (reserved, forgiven),
        OwnPassword::Wait(wait) => {
            let errors = ChangeErrors {
                current: Some(format!("Too many wrong passwords. Try again in {wait}.")),
                ..ChangeErrors::default()
            };
            return Ok(Err((StatusCode::TOO_MANY_REQUESTS, errors)));
        }
        OwnPassword::Wrong => {
            let errors = ChangeErrors {
                current: Some("That is not your current password.".into()),
                ..ChangeErrors::default()
            };
            return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors)));
        }
    };
    let new = new.to_owned();
    let new_hash = state
        .password_work
        .run(move || password::hash(&new))
        .await??;
    let (user_id, keep) = (user.user_id.clone(), user.session_id.clone());
    state
        .write(move |conn| {
            service::release_attempt(conn, &reserved, &forgiven)?;
            Ok(sessions::change_password(conn, &user_id, &new_hash, &keep)?)
        })
        .await?;
    Ok(Ok(()))
}

/// A signed-in user's own password, checked like a sign-in (so a borrowed session cannot be
/// used to guess it).
enum OwnPassword {
    /// Too many wrong passwords just now: try again after this long (in words).
    Wait(String),
    Wrong,
    /// The right password: the attempt reserved for it is released (`forgiven`) in the write
    /// that follows.
    Right {
        reserved: Vec<String>,
        forgiven: String,
    },
}

async fn check_own_password(
    state: &AppState,
    user: &SessionUser,
    address: &str,
    given: String,
) -> Result<OwnPassword, AppError> {
    let subjects = rate_limit::sign_in_subjects(&user.username, address);
    let forgiven = subjects
        .first()
        .map(|(subject, _)| subject.clone())
        .unwrap_or_default();
    let now = state.clock.now().naive_utc();
    let reservation = state
        .write(move |conn| Ok(service::reserve_attempt(conn, &subjects, now)?))
        .await?;
    let reserved = match reservation {
        Ok(reserved) => reserved,
        Err(wait) => return Ok(OwnPassword::Wait(rate_limit::describe_wait(wait))),
    };
    let user_id = user.user_id.clone();
    let stored = state
        .read(move |conn| Ok(sessions::password_hash(conn, &user_id)?))
        .await?;
    let matches = state
        .password_work
        .run(move || password::verify(&given, &stored))
        .await?;
    Ok(if matches {
        OwnPassword::Right { reserved, forgiven }
    } else {
        OwnPassword::Wrong
    })
}

/// "My data": everything stored about the user, as a JSON download.
#[get("/settings/data")]
async fn download_data(SignedIn { context, user, .. }: SignedIn) -> Result<HttpResponse, AppError> {
    let user_id = user.user_id.clone();
    let now = context.state.clock.now().naive_utc();
    let data = context
        .state
        .read(move |conn| Ok(data::export(conn, &user_id, now)?))
        .await?;
    let body = serde_json::to_vec_pretty(&data).map_err(AppError::DataExport)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"rehearse-data-{}.json\"",
                user.username
            ),
        ))
        .body(body))
}

/// "Delete my account": the password again, checked like a sign-in (so a borrowed session
/// cannot guess it), then one transaction removes everything.
#[post("/settings/delete")]
async fn delete_account(req: HttpRequest, form: SignedInForm) -> Result<HttpResponse, AppError> {
    let (context, user) = (&form.context, &form.user);
    let refuse = |message: String, status: StatusCode| {
        let errors = FormErrors {
            delete: Some(message),
            ..FormErrors::default()
        };
        settings_page(context, user, None, false, errors, None, status)
    };
    let given = form.fields.get("delete_password").to_owned();
    if given.is_empty() {
        return refuse(
            "Enter your password to delete your account.".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let address = client_info(&req).address;
    let (reserved, forgiven) =
        match check_own_password(&context.state, user, &address, given).await? {
            OwnPassword::Right { reserved, forgiven } => (reserved, forgiven),
            OwnPassword::Wait(wait) => {
                let message = format!("Too many wrong passwords. Try again in {wait}.");
                return refuse(message, StatusCode::TOO_MANY_REQUESTS).await;
            }
            OwnPassword::Wrong => {
                let message = "That is not your password; nothing was deleted.".into();
                return refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        };
    let user_id = user.user_id.clone();
    let deleted = context
        .state
        .write(move |conn| {
            // The right password: the attempt is forgiven, as a sign-in's would be.
            service::release_attempt(conn, &reserved, &forgiven)?;
            match deletion::delete_account(conn, &user_id) {
                Ok(_) => Ok(true),
                Err(AccountError::LastAdmin) => Ok(false),
                Err(other) => Err(other.into()),
            }
        })
        .await?;
    if !deleted {
        return refuse(
            "You are the last admin who can sign in: make another account an admin first, so \
             someone can still manage Rehearse."
                .into(),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let page = DeletedPage {
        nav: Nav::default(),
        username: user.username.clone(),
    };
    let mut response = context.html(StatusCode::OK, page.render()?);
    response.add_cookie(&removal_cookie(SESSION_COOKIE)).ok();
    response
        .add_cookie(&csrf_cookie(new_csrf_token(), context.state.secure_cookies))
        .ok();
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/deleted.html")]
struct DeletedPage {
    nav: Nav,
    username: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_form)
        .service(save_settings)
        .service(save_scheduler)
        .service(end_other_sessions)
        .service(change_password)
        .service(download_data)
        .service(delete_account);
}
