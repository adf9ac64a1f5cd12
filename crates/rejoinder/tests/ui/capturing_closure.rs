use rejoinder::{App, Context};

// An async closure that captures cannot lend its captures to its future on
// stable Rust: App::state or handler_fn are the ways out.
fn main() {
    let greeting = String::from("hello");
    let _ = App::new().handler(async move |_: &mut Context| greeting.clone());
}
