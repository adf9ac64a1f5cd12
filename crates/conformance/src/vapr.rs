//! Replays vapr-formats.json. (Being written.)

use serde_json::Value;

use crate::{Outcome, NOT_YET};

pub(crate) async fn replay_file(cases: &[Value]) -> Vec<Outcome> {
    cases.iter().map(|_| Outcome::Skip(NOT_YET.into())).collect()
}
