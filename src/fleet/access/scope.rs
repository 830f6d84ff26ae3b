//! Which vehicles a caller sees: the whole fleet, or the vehicles of some groups (a depot's
//! manager, a customer's viewer). Admins always see the whole fleet.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "sees", content = "groups")]
pub enum Scope {
    /// Every vehicle, grouped or not.
    #[default]
    WholeFleet,
    /// Only the vehicles placed in one of these groups (none at all when empty).
    Groups(Vec<Uuid>),
}

impl Scope {
    /// The scope of an account: limited to `groups` when it names some, unless an admin.
    pub fn of(role: Role, groups: &[Uuid]) -> Self {
        if role == Role::Admin || groups.is_empty() {
            Scope::WholeFleet
        } else {
            Scope::Groups(groups.to_vec())
        }
    }

    /// Whether a vehicle placed in `group` (`None`: in no group) is seen.
    pub fn sees(&self, group: Option<Uuid>) -> bool {
        match self {
            Scope::WholeFleet => true,
            Scope::Groups(groups) => group.is_some_and(|group| groups.contains(&group)),
        }
    }

    /// The groups a query is limited to, bound as `$n::uuid[]` (`NULL`: no limit) in
    /// `($n::uuid[] IS NULL OR group_id = ANY($n))`.
    pub fn group_filter(&self) -> Option<Vec<Uuid>> {
        match self {
            Scope::WholeFleet => None,
            Scope::Groups(groups) => Some(groups.clone()),
        }
    }

    /// A conflict's holder (the vehicle with the plate or the device) is told only to those who
    /// see every vehicle: it may be of a group this caller does not see.
    pub fn hide_holder(&self, mut error: crate::error::AppError) -> crate::error::AppError {
        if *self != Scope::WholeFleet {
            error.vehicle_registered_id = None;
        }
        error
    }

    /// The group a vehicle registered by this caller is placed in, so they see what they
    /// registered: their first group.
    pub fn home_group(&self) -> Option<Uuid> {
        match self {
            Scope::WholeFleet => None,
            Scope::Groups(groups) => groups.first().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_with_groups_sees_only_their_vehicles_unless_an_admin() {
        let (north, south) = (Uuid::now_v7(), Uuid::now_v7());
        let manager = Scope::of(Role::Manager, &[north]);
        assert!(manager.sees(Some(north)));
        assert!(!manager.sees(Some(south)));
        assert!(
            !manager.sees(None),
            "an ungrouped vehicle is not any group's"
        );
        assert_eq!(manager.home_group(), Some(north));
        assert_eq!(manager.group_filter(), Some(vec![north]));

        assert_eq!(Scope::of(Role::Admin, &[north]), Scope::WholeFleet);
        assert_eq!(Scope::of(Role::Viewer, &[]), Scope::WholeFleet);
        assert!(Scope::WholeFleet.sees(None));
        assert_eq!(Scope::WholeFleet.group_filter(), None);
        assert!(!Scope::Groups(vec![]).sees(Some(north)));
    }
}
