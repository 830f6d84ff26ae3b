//! The decision of AddUser: one account per email; the first administrator only while no user
//! exists (two people racing through the first-run page: one wins, the other is refused).

use event_store::Query;

use super::AddedUser;
use crate::error::{AppError, ErrorCode};
use crate::fleet::access::events::{email_tag, UserAdded, ACCOUNTS_TAG, USER_ADDED};
use crate::fleet::decision::{Decided, Decision, FleetEvent};

/// 403 `already_set_up`: the first-run page is gone.
pub fn already_set_up() -> AppError {
    AppError::new(
        ErrorCode::AlreadySetUp,
        "the first administrator exists already: sign in",
    )
}

pub struct AddUser {
    pub user: UserAdded,
    /// Added through the first-run page: only while no user exists.
    pub first_run: bool,
}

#[derive(Debug, Default)]
pub struct Users {
    /// Users seen in the boundary (all of them on a first run).
    seen: Vec<UserAdded>,
}

impl Decision for AddUser {
    type State = Users;
    type Answer = AddedUser;

    fn boundary(&self) -> Vec<Query> {
        let users = Query::of_types(&[USER_ADDED]);
        if self.first_run {
            vec![users.tagged(ACCOUNTS_TAG)]
        } else {
            vec![users.tagged(email_tag(&self.user.email))]
        }
    }

    fn evolve(state: &mut Users, event: FleetEvent) {
        if let FleetEvent::UserAdded(added) = event {
            state.seen.push(added);
        }
    }

    fn decide(&self, state: &Users) -> Result<Decided<AddedUser>, AppError> {
        let answer = AddedUser {
            user_id: self.user.user_id,
            email: self.user.email.clone(),
            role: self.user.role,
        };
        if state.seen.iter().any(|u| u.user_id == self.user.user_id) {
            return Ok(Decided::answer(answer)); // a retry, stored already
        }
        if self.first_run && !state.seen.is_empty() {
            return Err(already_set_up());
        }
        if state.seen.iter().any(|u| u.email == self.user.email) {
            return Err(AppError::new(
                ErrorCode::EmailAlreadyRegistered,
                format!("{} has an account already", self.user.email),
            )
            .on_field("email"));
        }
        Ok(Decided {
            events: vec![FleetEvent::UserAdded(self.user.clone())],
            answer,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::fleet::access::Role;

    fn user(email: &str, role: Role) -> UserAdded {
        UserAdded {
            user_id: Uuid::now_v7(),
            email: email.into(),
            role,
            password_hash: "$argon2id$…".into(),
            added_at: Utc::now(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn given_no_user_when_the_first_admin_is_added_then_it_is_stored() {
        let command = AddUser {
            user: user("dana@example.com", Role::Admin),
            first_run: true,
        };
        let decided = command.decide(&AddUser::given([])).unwrap();
        assert_eq!(
            decided.events,
            vec![FleetEvent::UserAdded(command.user.clone())]
        );
    }

    #[test]
    fn given_a_user_when_a_first_admin_is_added_then_it_is_refused() {
        let state = AddUser::given([FleetEvent::UserAdded(user("dana@example.com", Role::Admin))]);
        let command = AddUser {
            user: user("eve@example.com", Role::Admin),
            first_run: true,
        };
        assert_eq!(
            command.decide(&state).unwrap_err().code,
            ErrorCode::AlreadySetUp
        );
    }

    #[test]
    fn given_an_email_taken_when_it_is_added_again_then_it_conflicts() {
        let state = AddUser::given([FleetEvent::UserAdded(user("dana@example.com", Role::Admin))]);
        let command = AddUser {
            user: user("dana@example.com", Role::Viewer),
            first_run: false,
        };
        let error = command.decide(&state).unwrap_err();
        assert_eq!(error.code, ErrorCode::EmailAlreadyRegistered);
        assert_eq!(error.field.as_deref(), Some("email"));
    }

    #[test]
    fn given_the_user_stored_when_the_same_command_is_retried_then_nothing_new_is_stored() {
        let command = AddUser {
            user: user("dana@example.com", Role::Manager),
            first_run: false,
        };
        let state = AddUser::given([FleetEvent::UserAdded(command.user.clone())]);
        assert!(command.decide(&state).unwrap().events.is_empty());
    }
}
