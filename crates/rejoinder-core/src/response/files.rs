//! Files as responses: [`Response::send_file`] and the answer for a file
//! that cannot be sent.

use std::io;

use http::StatusCode;

use super::Response;
use crate::body::{Body, FileBody};
use crate::{Abort, IntoResponse};

/// What a file helper answers when the file cannot be sent, as Adonis's
/// download callbacks do: a message and a status.
pub type FileErrorHandler = dyn Fn(&io::Error) -> (String, u16) + Send + Sync;

pub(crate) fn default_file_error(err: &io::Error) -> (String, u16) {
    match err.kind() {
        io::ErrorKind::NotFound => ("File not found".into(), 404),
        _ => ("Cannot process file".into(), 500),
    }
}

pub(crate) fn file_error(err: &io::Error, on_error: Option<&FileErrorHandler>) -> Abort {
    let (message, status) = match on_error {
        Some(f) => f(err),
        None => default_file_error(err),
    };
    if status >= 500 {
        tracing::error!(error = %err, status, "file could not be sent");
    }
    let status = crate::status::Range::Any
        .check(status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = Response::from_error(status, io::Error::new(err.kind(), err.to_string()));
    res.set_type(crate::mime::TEXT_PLAIN_UTF_8);
    res.set_body(message);
    Abort::new(res)
}

impl Response {
    /// Sends an opened file: Content-Type from its extension (unless one is
    /// set), Last-Modified, and the file as the body (ranges are honoured at
    /// finalize).
    pub fn send_file(&mut self, file: FileBody) -> &mut Self {
        if !self.has("content-type") {
            if let Some(ext) = file.path().extension().and_then(|e| e.to_str()) {
                let _ = self.set_type(ext);
            }
        }
        if let Some(m) = file.modified() {
            self.set_last_modified(m);
        }
        self.set_body(Body::File(file))
    }

    /// The response for a file that could not be sent: 404 "File not found"
    /// for a missing one, else 500 "Cannot process file" (logged).
    pub fn file_error(err: &io::Error) -> Response {
        file_error(err, None).into_response()
    }
}
