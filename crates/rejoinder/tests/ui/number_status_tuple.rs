use rejoinder::{Context, Router};

// `(201, "made")` would be vapr's code and reason phrase with no body; a
// status in a tuple is a StatusCode, and vapr's shape is spelled Vapr(..).
fn main() {
    let _ = Router::new().get("/", async |_: &mut Context| (201, "made"));
}
