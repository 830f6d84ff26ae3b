//! The decision of ChangeUserAccess: an enabled user's role and groups, set by another admin.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::fleet::access::events::{
    user_tag, UserAccessChanged, USER_ACCESS_CHANGED, USER_ADDED, USER_DISABLED,
};
use crate::fleet::access::Role;
use crate::fleet::decision::{Decided, Decision, FleetEvent};

pub struct ChangeUserAccess {
    pub user_id: Uuid,
    pub role: Role,
    /// Checked already: existing groups, none for an admin.
    pub groups: Vec<Uuid>,
    /// The admin making the change, if a person.
    pub me: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct UserAccess {
    added: bool,
    disabled: bool,
    access: Option<(Role, Vec<Uuid>)>,
}

impl Decision for ChangeUserAccess {
    type State = UserAccess;
    type Answer = ();

    fn boundary(&self) -> Vec<Query> {
        let types = [USER_ADDED, USER_DISABLED, USER_ACCESS_CHANGED];
        vec![Query::of_types(&types).tagged(user_tag(self.user_id))]
    }

    fn evolve(state: &mut UserAccess, event: FleetEvent) {
        match event {
            FleetEvent::UserAdded(added) => {
                state.added = true;
                state.access = Some((added.role, added.groups));
            }
            FleetEvent::UserDisabled(_) => state.disabled = true,
            FleetEvent::UserAccessChanged(changed) => {
                state.access = Some((changed.role, changed.groups))
            }
            _ => {}
        }
    }

    fn decide(&self, state: &UserAccess) -> Result<Decided<()>, AppError> {
        if !state.added {
            return Err(
                AppError::new(ErrorCode::UserNotFound, "no user has this id").on_field("email"),
            );
        }
        if state.disabled {
            return Err(AppError::unprocessable("email", "this user is disabled"));
        }
        if self.me == Some(self.user_id) {
            return Err(AppError::forbidden(
                "you cannot change your own access: ask another admin",
            ));
        }
        if !self.role.is_for_people() {
            return Err(AppError::bad_request(
                "role",
                "a person is an admin, a manager or a viewer (ingest is for API tokens)",
            ));
        }
        if state.access == Some((self.role, self.groups.clone())) {
            return Ok(Decided::answer(()));
        }
        Ok(Decided {
            events: vec![FleetEvent::UserAccessChanged(UserAccessChanged {
                user_id: self.user_id,
                role: self.role,
                groups: self.groups.clone(),
                changed_at: self.at,
            })],
            answer: (),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::access::events::{UserAdded, UserDisabled};

    fn added(user_id: Uuid, role: Role) -> FleetEvent {
        FleetEvent::UserAdded(UserAdded {
            user_id,
            email: "dana@example.com".into(),
            role,
            password_hash: "$argon2id$…".into(),
            added_at: Utc::now(),
            groups: Vec::new(),
        })
    }

    fn change(user_id: Uuid, role: Role, groups: Vec<Uuid>) -> ChangeUserAccess {
        ChangeUserAccess {
            user_id,
            role,
            groups,
            me: Some(Uuid::now_v7()),
            at: Utc::now(),
        }
    }

    #[test]
    fn given_a_viewer_when_made_a_manager_of_a_group_then_the_change_is_stored() {
        let (dana, north) = (Uuid::now_v7(), Uuid::now_v7());
        let given = ChangeUserAccess::given([added(dana, Role::Viewer)]);
        let command = change(dana, Role::Manager, vec![north]);
        let decided = command.decide(&given).unwrap();
        let [FleetEvent::UserAccessChanged(changed)] = decided.events.as_slice() else {
            panic!("{:?}", decided.events);
        };
        assert_eq!(
            (changed.role, changed.groups.clone()),
            (Role::Manager, vec![north])
        );
    }

    #[test]
    fn given_the_same_access_when_changed_again_then_nothing_is_stored() {
        let dana = Uuid::now_v7();
        let given = ChangeUserAccess::given([added(dana, Role::Viewer)]);
        let decided = change(dana, Role::Viewer, vec![]).decide(&given).unwrap();
        assert!(decided.events.is_empty());
    }

    #[test]
    fn an_admin_may_not_change_their_own_access_nor_a_disabled_users() {
        let dana = Uuid::now_v7();
        let given = ChangeUserAccess::given([added(dana, Role::Admin)]);
        let own = ChangeUserAccess {
            me: Some(dana),
            ..change(dana, Role::Viewer, vec![])
        };
        assert_eq!(own.decide(&given).unwrap_err().code, ErrorCode::Forbidden);
        let disabled = ChangeUserAccess::given([
            added(dana, Role::Viewer),
            FleetEvent::UserDisabled(UserDisabled {
                user_id: dana,
                disabled_at: Utc::now(),
            }),
        ]);
        let error = change(dana, Role::Manager, vec![])
            .decide(&disabled)
            .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("email"));
        let ingest = change(dana, Role::Ingest, vec![])
            .decide(&given)
            .unwrap_err();
        assert_eq!(ingest.field.as_deref(), Some("role"));
    }
}
