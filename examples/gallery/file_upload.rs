//! File upload: a `multipart/form-data` form sent by Datastar, read as a stream, size-limited.
//!
//! `@post(url, {contentType: 'form'})` sends the closest form as the browser would, and a form
//! with `enctype="multipart/form-data"` goes as multipart, files included. The handler reads
//! it part by part with axum's `Multipart` (the `multer` crate), counting bytes as they come:
//! nothing is kept but each file's name, type and size. Uploads over 1 MiB are refused with a
//! message that says how big the file was; the server still reads them to the end (up to
//! 8 MiB) so that the browser gets the answer instead of a broken connection. A body over
//! 8 MiB, or one that is not multipart, is refused with a 413 or a 400.
//!
//! The official example sends the files as base64 signals (`data-bind` on the file input);
//! multipart sends the bytes as they are, a third smaller, and no signal holds them.

use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::StatusCode;
use datastar_runtime::prelude::*;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "file_upload",
    title: "File upload",
    blurb: "Upload files as multipart form data; the server reports them, or says why not.",
    source: include_str!("file_upload.rs"),
};

/// The most an upload may hold, files together.
const LIMIT: usize = 1024 * 1024;
/// The most the server reads of a request before it cuts it off.
const HARD_LIMIT: usize = 8 * 1024 * 1024;
/// The most files listed, and the longest name shown, in characters.
const MAX_FILES: usize = 20;
const MAX_NAME: usize = 200;

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, demo()) }),
        )
        .route(
            "/upload",
            post(upload).layer(DefaultBodyLimit::max(HARD_LIMIT)),
        )
}

fn demo() -> Markup {
    html! {
        form #upload_form enctype="multipart/form-data"
            data-on:submit="@post('/examples/file_upload/upload', {contentType: 'form'})"
            data-indicator:_uploading {
            label for="files" { "Pick files, 1 MiB at most in all" }
            input #files type="file" name="files" multiple required;
            div.row {
                button #upload type="submit" data-attr:disabled="$_uploading" { "Upload" }
                span.muted data-show="$_uploading" style="display: none" { "Uploading…" }
            }
        }
        div #upload_result {}
        p.muted { "A port of " a href="https://data-star.dev/examples/file_upload" { "the official example" } " on data-star.dev." }
    }
}

/// One file of an upload, as received.
struct Received {
    name: String,
    mime: String,
    size: usize,
}

/// `1.5 MiB`, `12 KiB`, `7 bytes`.
fn size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} bytes"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// `POST /upload`: a table of the files, or why they were refused; it morphs `#upload_result`.
#[fragment]
async fn upload(mut form: Multipart) -> Result<Markup, (StatusCode, String)> {
    let refuse = |e: axum::extract::multipart::MultipartError| (e.status(), e.body_text());
    let (mut files, mut total) = (Vec::new(), 0);
    while let Some(mut field) = form.next_field().await.map_err(refuse)? {
        if field.name() != Some("files") {
            continue; // the rest of the part is skipped unread by `next_field`
        }
        let name: String = field
            .file_name()
            .unwrap_or("(no name)")
            .chars()
            .take(MAX_NAME)
            .collect();
        let mime = field.content_type().unwrap_or("application/octet-stream");
        let mime: String = mime.chars().take(MAX_NAME).collect();
        let mut bytes = 0;
        while let Some(chunk) = field.chunk().await.map_err(refuse)? {
            bytes += chunk.len(); // a real app would write the chunk somewhere
        }
        total += bytes;
        if files.len() < MAX_FILES {
            files.push(Received {
                name,
                mime,
                size: bytes,
            });
        }
    }
    Ok(html! {
        div #upload_result style="overflow-x: auto" {
            @if total > LIMIT {
                p #upload_error.error role="alert" {
                    @if let [file] = files.as_slice() { (file.name) " is " } @else { "These files are " }
                    (size(total)) ": the limit is " (size(LIMIT)) ". Nothing was kept."
                }
            } @else {
                table {
                    caption.muted { "Received " (files.len()) " file(s), " (size(total)) "." }
                    thead { tr { th { "Name" } th { "Size" } th { "Type" } } }
                    tbody { @for file in &files {
                        tr.file { td.name { (file.name) } td.size { (size(file.size)) } td { (file.mime) } }
                    } }
                }
            }
        }
    })
}
