use rejoinder_core::IntoResponse;

// In a plain tuple the status is a StatusCode, as in axum: a bare number
// would be read as vapr's code and `"made"` as its reason phrase.
fn handler() -> impl IntoResponse {
    (201, "made")
}

fn main() {
    let _ = handler().into_response();
}
