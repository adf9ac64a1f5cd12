use rejoinder_core::vapr::Vapr;
use rejoinder_core::IntoResponse;

// Trailers are pairs, after the body.
fn handler() -> impl IntoResponse {
    Vapr((200, ("body", "x-t: 1")))
}

fn main() {
    let _ = handler().into_response();
}
