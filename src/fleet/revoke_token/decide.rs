//! The decision of RevokeToken: a token that exists is revoked once; revoking it again changes
//! nothing.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::fleet::access::events::{token_tag, TokenRevoked};
use crate::fleet::decision::{Decided, Decision, FleetEvent};

pub struct RevokeToken {
    pub token_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct TokenState {
    issued: bool,
    revoked: bool,
}

impl Decision for RevokeToken {
    type State = TokenState;
    type Answer = ();

    fn boundary(&self) -> Vec<Query> {
        vec![Query::default().tagged(token_tag(self.token_id))]
    }

    fn evolve(state: &mut TokenState, event: FleetEvent) {
        match event {
            FleetEvent::TokenIssued(_) => state.issued = true,
            FleetEvent::TokenRevoked(_) => state.revoked = true,
            _ => {}
        }
    }

    fn decide(&self, state: &TokenState) -> Result<Decided<()>, AppError> {
        if !state.issued {
            return Err(
                AppError::new(ErrorCode::TokenNotFound, "no token has this id").on_field("tokenId"),
            );
        }
        if state.revoked {
            return Ok(Decided::answer(()));
        }
        Ok(Decided {
            events: vec![FleetEvent::TokenRevoked(TokenRevoked {
                token_id: self.token_id,
                revoked_at: self.at,
            })],
            answer: (),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::access::events::TokenIssued;
    use crate::fleet::access::Role;

    fn issued(token_id: Uuid) -> FleetEvent {
        FleetEvent::TokenIssued(TokenIssued {
            token_id,
            name: "gateway".into(),
            role: Role::Ingest,
            secret_sha256: "00".into(),
            expires_at: None,
            issued_at: Utc::now(),
            groups: Vec::new(),
        })
    }

    #[test]
    fn given_a_token_when_it_is_revoked_then_a_revocation_is_stored() {
        let command = RevokeToken {
            token_id: Uuid::now_v7(),
            at: Utc::now(),
        };
        let decided = command
            .decide(&RevokeToken::given([issued(command.token_id)]))
            .unwrap();
        assert!(
            matches!(decided.events.as_slice(), [FleetEvent::TokenRevoked(r)] if r.token_id == command.token_id)
        );
    }

    #[test]
    fn given_a_revoked_token_when_it_is_revoked_again_then_nothing_changes() {
        let command = RevokeToken {
            token_id: Uuid::now_v7(),
            at: Utc::now(),
        };
        let revoked = FleetEvent::TokenRevoked(TokenRevoked {
            token_id: command.token_id,
            revoked_at: Utc::now(),
        });
        let state = RevokeToken::given([issued(command.token_id), revoked]);
        assert!(command.decide(&state).unwrap().events.is_empty());
    }

    #[test]
    fn given_no_token_when_it_is_revoked_then_it_is_not_found() {
        let command = RevokeToken {
            token_id: Uuid::now_v7(),
            at: Utc::now(),
        };
        let error = command.decide(&RevokeToken::given([])).unwrap_err();
        assert_eq!(error.code, ErrorCode::TokenNotFound);
    }
}
