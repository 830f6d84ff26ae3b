//! The decision of DisableUser: a user who exists is disabled once.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::fleet::access::events::{user_tag, UserDisabled};
use crate::fleet::decision::{Decided, Decision, FleetEvent};

pub struct DisableUser {
    pub user_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct UserState {
    added: bool,
    disabled: bool,
}

impl Decision for DisableUser {
    type State = UserState;
    type Answer = ();

    fn boundary(&self) -> Vec<Query> {
        vec![Query::default().tagged(user_tag(self.user_id))]
    }

    fn evolve(state: &mut UserState, event: FleetEvent) {
        match event {
            FleetEvent::UserAdded(_) => state.added = true,
            FleetEvent::UserDisabled(_) => state.disabled = true,
            _ => {}
        }
    }

    fn decide(&self, state: &UserState) -> Result<Decided<()>, AppError> {
        if !state.added {
            return Err(
                AppError::new(ErrorCode::UserNotFound, "no user has this id").on_field("userId"),
            );
        }
        if state.disabled {
            return Ok(Decided::answer(()));
        }
        Ok(Decided {
            events: vec![FleetEvent::UserDisabled(UserDisabled {
                user_id: self.user_id,
                disabled_at: self.at,
            })],
            answer: (),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::access::events::UserAdded;
    use crate::fleet::access::Role;

    fn added(user_id: Uuid) -> FleetEvent {
        FleetEvent::UserAdded(UserAdded {
            user_id,
            email: "dana@example.com".into(),
            role: Role::Viewer,
            password_hash: "$argon2id$…".into(),
            added_at: Utc::now(),
            groups: Vec::new(),
        })
    }

    #[test]
    fn given_a_user_when_disabled_then_a_disablement_is_stored() {
        let command = DisableUser {
            user_id: Uuid::now_v7(),
            at: Utc::now(),
        };
        let decided = command
            .decide(&DisableUser::given([added(command.user_id)]))
            .unwrap();
        assert!(
            matches!(decided.events.as_slice(), [FleetEvent::UserDisabled(d)] if d.user_id == command.user_id)
        );
    }

    #[test]
    fn given_no_user_when_disabled_then_not_found() {
        let command = DisableUser {
            user_id: Uuid::now_v7(),
            at: Utc::now(),
        };
        assert_eq!(
            command.decide(&DisableUser::given([])).unwrap_err().code,
            ErrorCode::UserNotFound
        );
    }
}
