//! Who the page is shown to.

use serde::{Deserialize, Serialize};

use super::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Visitor {
    /// No user exists: the page offers to create the first administrator, and nothing else.
    FirstRun,
    SignedOut,
    SignedIn {
        email: String,
        role: Role,
    },
}
