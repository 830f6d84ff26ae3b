//! axum-login's backend over the account events: a session holds a user id, checked against
//! the user's events on every request, so a disabled user's sessions end at once.

use axum_login::{AuthUser, AuthnBackend};
use event_store::EventStore;
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::access::accounts::{self, normalise_email, User};
use crate::fleet::access::secrets::verify_password;
use crate::fleet::access::{Actor, Principal, Scope};

pub type AuthSession = axum_login::AuthSession<Backend>;

#[derive(Clone)]
pub struct Backend {
    pub store: EventStore,
}

/// A signed-in user. Its session is bound to the password hash (through its SHA-256, so no
/// session row holds the hash itself): a new password would end the sessions of the old one.
#[derive(Clone)]
pub struct SessionUser(pub User, [u8; 32]);

impl SessionUser {
    pub fn new(user: User) -> Self {
        use sha2::{Digest, Sha256};
        let bound = Sha256::digest(user.password_hash.as_bytes()).into();
        Self(user, bound)
    }
}

impl std::fmt::Debug for SessionUser {
    /// Without the password hash: this type reaches logs through axum-login's errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("user_id", &self.0.user_id)
            .field("email", &self.0.email)
            .field("role", &self.0.role)
            .finish()
    }
}

impl SessionUser {
    pub fn principal(&self) -> Principal {
        Principal {
            actor: Actor::User {
                user_id: self.0.user_id,
                email: self.0.email.clone(),
            },
            role: self.0.role,
            scope: Scope::of(self.0.role, &self.0.groups),
        }
    }
}

impl AuthUser for SessionUser {
    type Id = Uuid;

    fn id(&self) -> Uuid {
        self.0.user_id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.1
    }
}

/// Email and password, as typed.
pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = AppError;

    /// The user whose email and password match, if enabled. An unknown email costs one
    /// password check too, so timing does not tell which accounts exist.
    async fn authenticate(
        &self,
        credentials: Credentials,
    ) -> Result<Option<SessionUser>, AppError> {
        let user = match normalise_email(&credentials.email) {
            Ok(email) => accounts::user_by_email(&self.store, &email).await?,
            Err(_) => None,
        };
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let matches = verify_password(credentials.password, hash).await?;
        Ok(user
            .filter(|u| matches && !u.disabled)
            .map(SessionUser::new))
    }

    async fn get_user(&self, user_id: &Uuid) -> Result<Option<SessionUser>, AppError> {
        Ok(accounts::user(&self.store, *user_id)
            .await?
            .filter(|u| !u.disabled)
            .map(SessionUser::new))
    }
}
