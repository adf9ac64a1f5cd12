//! Koa's response helpers beyond the core: `attachment(filename)`.

use std::path::Path;

use http::header;

use crate::content_disposition::{content_disposition, file_name, header_value, Options};
use crate::Response;

/// Koa's response helpers beyond the core [`Response`]. Sealed; in scope
/// through the prelude.
pub trait KoaResponse: crate::sealed::Sealed {
    /// Marks the response as an attachment (Koa's `attachment(filename)`):
    /// Content-Disposition as the `content-disposition` package builds it,
    /// and the type from the file name's extension unless a Content-Type is
    /// already set.
    ///
    /// # Errors
    ///
    /// An invalid disposition type or fallback.
    fn attachment(
        &mut self,
        filename: Option<&str>,
        options: &Options,
    ) -> Result<&mut Self, crate::Error>;
}

impl KoaResponse for Response {
    fn attachment(
        &mut self,
        filename: Option<&str>,
        options: &Options,
    ) -> Result<&mut Self, crate::Error> {
        let header = content_disposition(filename, options)?;
        // The type follows the name the receiver will see.
        let name = filename.map(file_name);
        let ext = name
            .as_deref()
            .and_then(|n| Path::new(n).extension())
            .and_then(|e| e.to_str());
        if let Some(ext) = ext {
            if !self.has("content-type") {
                let _ = self.set_type(ext);
            }
        }
        self.headers_mut()
            .insert(header::CONTENT_DISPOSITION, header_value(&header));
        Ok(self)
    }
}
