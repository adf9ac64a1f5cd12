//! Content-Disposition headers, as the `content-disposition` package builds
//! them. (Being written.)
