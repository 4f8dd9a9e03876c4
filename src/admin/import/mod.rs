//! Uploading question sets, a file per step: `multipart` reads the files with size limits
//! while they stream in, `upload` checks them with the same validator as the command line
//! (`problems` shows what is wrong at its line) and stores the plan as a preview, `preview`
//! shows what would be added, updated (with a diff of the changed fields), retired or left
//! unchanged, and `apply` writes it in one transaction that refuses a stale preview.

mod apply;
mod multipart;
mod preview;
mod problems;
mod upload;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(upload::upload_form)
        .service(upload::receive_upload)
        .service(preview::show_preview)
        .service(apply::apply);
}
