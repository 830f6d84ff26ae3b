//! Who caused an event and the way in, kept as the event's metadata: the audit a vehicle's
//! history and the accounts page show ("registered by dana@example.com").

use serde::{Deserialize, Serialize};

use super::{Actor, Principal};

/// The way a change came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Via {
    /// The web app (a signed-in person).
    Web,
    /// The HTTP API (an API token).
    Api,
    /// A GPS device (OsmAnd protocol); its id is in the fix.
    Device,
    /// The server's command line (`fleetline user add`, `token create`, …).
    Cli,
    /// The server itself, keeping the retention setting (`--retention-days`).
    Retention,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CausedBy {
    /// `None` for devices, the command line and the first-run page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    pub via: Via,
}

impl CausedBy {
    /// A request's caller: a person through the web app, a token through the API.
    pub fn of(caller: Option<&Principal>) -> Self {
        let via = match caller.map(|p| &p.actor) {
            Some(Actor::Token { .. }) => Via::Api,
            _ => Via::Web,
        };
        Self {
            actor: caller.map(|p| p.actor.clone()),
            via,
        }
    }

    pub fn device() -> Self {
        Self {
            actor: None,
            via: Via::Device,
        }
    }

    pub fn cli() -> Self {
        Self {
            actor: None,
            via: Via::Cli,
        }
    }

    pub fn retention() -> Self {
        Self {
            actor: None,
            via: Via::Retention,
        }
    }

    /// "dana@example.com", "token gateway", "a GPS device", "the command line", "the first-run
    /// page".
    pub fn describe(&self) -> String {
        match (&self.actor, self.via) {
            (Some(Actor::User { email, .. }), _) => email.clone(),
            (Some(Actor::Token { name, .. }), _) => format!("API token “{name}”"),
            (None, Via::Device) => "a GPS device".into(),
            (None, Via::Cli) => "the command line".into(),
            (None, Via::Retention) => "the retention setting".into(),
            (None, _) => "the first-run page".into(),
        }
    }

    /// As event metadata: `{"causedBy":{…}}`.
    #[cfg(feature = "ssr")]
    pub fn metadata(&self) -> Box<serde_json::value::RawValue> {
        serde_json::value::to_raw_value(&serde_json::json!({ "causedBy": self }))
            .expect("plain struct serialises")
    }

    /// Marks `events` as caused by this.
    #[cfg(feature = "ssr")]
    pub fn stamp(&self, events: &mut [event_store::NewEvent]) {
        let metadata = self.metadata();
        for event in events {
            event.metadata = Some(metadata.clone());
        }
    }

    /// Who caused a stored event, read back from its metadata.
    #[cfg(feature = "ssr")]
    pub fn of_event(event: &event_store::StoredEvent) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Metadata {
            caused_by: CausedBy,
        }
        let metadata = event.metadata.as_ref()?;
        serde_json::from_str::<Metadata>(metadata.get())
            .ok()
            .map(|m| m.caused_by)
    }
}
