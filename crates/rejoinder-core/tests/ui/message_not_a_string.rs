use rejoinder_core::vapr::Vapr;
use rejoinder_core::IntoResponse;

// The message slot takes a string, not a number.
fn handler() -> impl IntoResponse {
    Vapr((200, 5))
}

fn main() {
    let _ = handler().into_response();
}
