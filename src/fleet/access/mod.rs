//! Who may do what: roles, the principal a request acts as, and the accounts (users and API
//! tokens) as events of the same store as the fleet's, folded when read.
//!
//! Users and tokens are few (one event each, plus a revocation or a disablement), so a login or
//! a token check reads the handful of events of one account by its tag rather than a projection
//! that could lag: a revoked token is refused by the very next request.

pub mod caused_by;
pub mod role;
pub mod scope;
pub mod visitor;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod secrets;

pub use caused_by::{CausedBy, Via};
pub use role::{Access, Actor, Principal, Role};
pub use scope::Scope;
pub use visitor::Visitor;
