use rejoinder_core::vapr::Vapr;
use rejoinder_core::IntoResponse;

// The code is a number or a StatusCode, not a string.
fn handler() -> impl IntoResponse {
    Vapr(("200",))
}

fn main() {
    let _ = handler().into_response();
}
