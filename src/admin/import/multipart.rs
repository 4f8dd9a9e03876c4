//! Reading an upload's multipart body: the CSRF token and the files, each read with its size
//! limit while it streams in, so a huge file never sits in memory whole.

use crate::bank::load::{self, LoadedFile, MAX_FILE_BYTES};
use crate::bank::validate::Problem;
use crate::web::error::AppError;
use actix_multipart::Multipart;
use futures_util::StreamExt;

/// At most this many files in one upload.
const MAX_FILES: usize = 100;
/// Past this many bytes in one request, reading stops and the upload is refused outright
/// (oversized files below it are drained and reported, so the browser gets a clear page).
const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

// ---- Reading the upload ---------------------------------------------------------------------

/// What came in: the CSRF token, the files that fit, and problems for those that did not.
pub(super) struct Upload {
    pub(super) csrf: String,
    pub(super) files: Vec<LoadedFile>,
    pub(super) refused: Vec<Problem>,
}

/// A file's name as shown in messages: the uploaded name without any folders.
fn display_name(raw: Option<&str>, index: usize) -> String {
    let name = raw
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("upload-{index}.yaml"));
    name.chars().take(120).collect()
}

/// Reads the multipart body, keeping at most 2 MiB of any one file in memory.
pub(super) async fn read_upload(mut payload: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload {
        csrf: String::new(),
        files: Vec::new(),
        refused: Vec::new(),
    };
    let mut request_bytes = 0usize;
    let mut index = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let limit = if name == "files" {
            usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX)
        } else {
            256
        };
        let mut bytes = Vec::new();
        let mut oversized = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            request_bytes += chunk.len();
            if request_bytes > MAX_REQUEST_BYTES {
                return Err(AppError::BadRequest(
                    "This upload is far larger than any question set (over 64 MiB in all), so \
                     Rehearse stopped reading it. Upload files of at most 2 MiB each."
                        .into(),
                ));
            }
            if oversized || bytes.len() + chunk.len() > limit {
                // Keep reading (and dropping) so the browser receives the answer below.
                oversized = true;
                bytes.clear();
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => upload.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "files" => {
                index += 1;
                let shown = display_name(filename.as_deref(), index);
                if filename.as_deref().is_none_or(str::is_empty) && bytes.is_empty() && !oversized {
                    // The browser sends an empty part when no file was chosen.
                    continue;
                }
                if upload.files.len() + upload.refused.len() >= MAX_FILES {
                    upload.refused.push(Problem::whole_file(
                        &shown,
                        "too many files in one upload (at most 100); upload the rest separately",
                    ));
                } else if oversized {
                    upload.refused.push(Problem::whole_file(
                        &shown,
                        "this file is larger than 2 MiB, the limit for one question file; split it into several sets",
                    ));
                } else {
                    match load::from_bytes(&shown, bytes) {
                        Ok(file) => upload.files.push(file),
                        Err(problem) => upload.refused.push(problem),
                    }
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn unreadable() -> AppError {
    AppError::BadRequest(
        "The upload could not be read (it may have been interrupted). Please try again.".into(),
    )
}
