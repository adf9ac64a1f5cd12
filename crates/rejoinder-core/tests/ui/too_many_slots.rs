use rejoinder_core::vapr::Vapr;
use rejoinder_core::IntoResponse;

// Nothing comes after the body.
fn handler() -> impl IntoResponse {
    Vapr((200, "message", [("x-a", "1")], ("body",), "extra"))
}

fn main() {
    let _ = handler().into_response();
}
