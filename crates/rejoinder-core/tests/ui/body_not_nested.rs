use rejoinder_core::vapr::Vapr;
use rejoinder_core::IntoResponse;

// A body sits in its own tuple: ("body",).
fn handler() -> impl IntoResponse {
    Vapr((200, "message", [("x-a", "1")], "body"))
}

fn main() {
    let _ = handler().into_response();
}
