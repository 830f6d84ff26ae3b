//! The decision of CreateGroup: one group per name, however it is typed.

use event_store::Query;

use crate::error::{AppError, ErrorCode};
use crate::fleet::decision::{Decided, Decision, FleetEvent};
use crate::fleet::events::{group_name_tag, GroupCreated, GROUP_CREATED};
use crate::fleet::groups::Group;

pub struct CreateGroup(pub GroupCreated);

/// The group already holding the name, if any.
#[derive(Debug, Default)]
pub struct NameHolder(Option<GroupCreated>);

impl Decision for CreateGroup {
    type State = NameHolder;
    type Answer = Group;

    fn boundary(&self) -> Vec<Query> {
        vec![Query::of_types(&[GROUP_CREATED]).tagged(group_name_tag(&self.0.name))]
    }

    fn evolve(state: &mut NameHolder, event: FleetEvent) {
        if let FleetEvent::GroupCreated(created) = event {
            state.0.get_or_insert(created);
        }
    }

    fn decide(&self, state: &NameHolder) -> Result<Decided<Group>, AppError> {
        let group = |created: &GroupCreated| Group {
            group_id: created.group_id,
            name: created.name.clone(),
        };
        match &state.0 {
            // A retry: stored already.
            Some(holder) if holder.group_id == self.0.group_id => {
                Ok(Decided::answer(group(holder)))
            }
            Some(holder) => Err(AppError::new(
                ErrorCode::GroupNameTaken,
                format!("a group is named “{}” already", holder.name),
            )
            .on_field("name")),
            None => Ok(Decided {
                events: vec![FleetEvent::GroupCreated(self.0.clone())],
                answer: group(&self.0),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::fleet::decision::given;

    fn create(name: &str, group_id: Uuid) -> CreateGroup {
        CreateGroup(GroupCreated {
            group_id,
            name: name.into(),
            created_at: Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(),
        })
    }

    #[test]
    fn given_no_group_of_the_name_when_created_then_it_is() {
        let id = Uuid::now_v7();
        let decided = create("Depot North", id)
            .decide(&CreateGroup::given([]))
            .unwrap();
        assert_eq!(
            decided.events,
            vec![FleetEvent::GroupCreated(create("Depot North", id).0)]
        );
        assert_eq!(decided.answer.group_id, id);
    }

    #[test]
    fn given_a_group_of_the_name_when_another_is_created_then_it_is_refused() {
        let taken = Uuid::now_v7();
        let given = CreateGroup::given([given::group("Depot North", taken, Utc::now())]);
        let error = create("depot north", Uuid::now_v7())
            .decide(&given)
            .unwrap_err();
        assert_eq!(
            (error.code, error.field.as_deref()),
            (ErrorCode::GroupNameTaken, Some("name"))
        );
    }

    #[test]
    fn given_the_group_stored_when_the_same_creation_is_retried_then_nothing_new_is_stored() {
        let id = Uuid::now_v7();
        let given = CreateGroup::given([given::group("Depot North", id, Utc::now())]);
        let decided = create("Depot North", id).decide(&given).unwrap();
        assert!(decided.events.is_empty());
        assert_eq!(decided.answer.group_id, id);
    }
}
