use rejoinder::{App, Context};

// The context is borrowed, not owned.
fn main() {
    let _ = App::new().handler(async |ctx: Context| ctx.res);
}
