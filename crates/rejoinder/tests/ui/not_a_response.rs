use rejoinder::{App, Context};

struct User {
    name: String,
}

// A handler's value must be a response.
fn main() {
    let _ = App::new().handler(async |_: &mut Context| User { name: "ada".into() });
}
