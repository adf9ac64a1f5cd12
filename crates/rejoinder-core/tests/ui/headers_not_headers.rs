use rejoinder_core::vapr::Vapr;
use rejoinder_core::IntoResponse;

// The headers slot takes pairs or a HeaderMap, not a string.
fn handler() -> impl IntoResponse {
    Vapr((200, "message", "x-a: 1"))
}

fn main() {
    let _ = handler().into_response();
}
