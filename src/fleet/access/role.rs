//! Roles as fleet managers know them from other trackers, and what each may do.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user's or an API token's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, and manages users and tokens.
    Admin,
    /// Registers vehicles, assigns and moves devices, sees the fleet.
    Manager,
    /// Sees the fleet, changes nothing.
    Viewer,
    /// API tokens only: may only send fixes (a GPS gateway, an integration).
    Ingest,
}

/// What a route or a server function needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credential: the health check, the first-run page and login, GPS devices (whose device
    /// id identifies them).
    Anyone,
    /// Send fixes.
    Ingest,
    /// See vehicles, positions and history.
    Read,
    /// Register vehicles, assign devices.
    Manage,
    /// Users and API tokens.
    Administer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Viewer, Role::Ingest];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Viewer => "viewer",
            Role::Ingest => "ingest",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// People sign in with one of these; `ingest` is for tokens only.
    pub fn is_for_people(self) -> bool {
        self != Role::Ingest
    }

    pub fn may(self, access: Access) -> bool {
        match access {
            Access::Anyone => true,
            Access::Ingest => matches!(self, Role::Admin | Role::Manager | Role::Ingest),
            Access::Read => matches!(self, Role::Admin | Role::Manager | Role::Viewer),
            Access::Manage => matches!(self, Role::Admin | Role::Manager),
            Access::Administer => self == Role::Admin,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a request acts as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Actor {
    /// A person signed in to the web app.
    User { user_id: Uuid, email: String },
    /// An API token (`Authorization: Bearer …`).
    Token { token_id: Uuid, name: String },
}

/// An authenticated caller and its role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    pub actor: Actor,
    pub role: Role,
    /// The vehicles it sees.
    #[serde(default)]
    pub scope: super::Scope,
}

impl Principal {
    pub fn may(&self, access: Access) -> bool {
        self.role.may(access)
    }

    /// How the principal is shown: the user's email, or the token's name.
    pub fn label(&self) -> String {
        match &self.actor {
            Actor::User { email, .. } => email.clone(),
            Actor::Token { name, .. } => format!("token {name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Access, Role};

    #[test]
    fn each_role_may_exactly_its_share() {
        use Access::*;
        let table = [
            (Role::Admin, [true, true, true, true, true]),
            (Role::Manager, [true, true, true, true, false]),
            (Role::Viewer, [true, false, true, false, false]),
            (Role::Ingest, [true, true, false, false, false]),
        ];
        for (role, allowed) in table {
            let got = [Anyone, Ingest, Read, Manage, Administer].map(|a| role.may(a));
            assert_eq!(got, allowed, "{role}");
        }
    }

    #[test]
    fn roles_read_as_written() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(!Role::Ingest.is_for_people());
    }
}
