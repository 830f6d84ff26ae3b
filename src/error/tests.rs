//! The error type's promises: a cause is never sent, and every code is sent as the first release
//! wrote it.

use super::*;

#[test]
fn a_cause_is_never_sent_and_its_clones_share_one_log() {
    let error = AppError::internal("database: connection refused");
    let sent = serde_json::to_value(&error).unwrap();
    assert_eq!(sent["code"], "internal");
    assert!(sent.get("cause").is_none(), "{sent}");
    assert!(!sent.to_string().contains("refused"), "{sent}");
    // Serialising logged it; a clone (the same error answered twice) does not log again.
    let clone = error.clone();
    let logged = |e: &AppError| {
        let cause = e.cause.as_ref().unwrap();
        cause.0.logged.load(std::sync::atomic::Ordering::Relaxed)
    };
    assert!(logged(&error) && logged(&clone));
    let received: AppError = serde_json::from_value(sent).unwrap();
    assert_eq!(received.cause, None);
    assert_eq!(received.message, error.message);
}

#[test]
fn every_code_is_sent_as_the_first_release_wrote_it() {
    for (code, wire) in [
        (
            ErrorCode::PlateAlreadyRegistered,
            "plate_already_registered",
        ),
        (ErrorCode::DeviceAlreadyAssigned, "device_already_assigned"),
        (ErrorCode::VehicleNotFound, "vehicle_not_found"),
        (ErrorCode::NoLocationYet, "no_location_yet"),
        (ErrorCode::OutOfRange, "out_of_range"),
        (ErrorCode::InvalidField, "invalid_field"),
        (ErrorCode::MissingField, "missing_field"),
        (ErrorCode::MalformedJson, "malformed_json"),
        (ErrorCode::UnreadableBody, "unreadable_body"),
        (ErrorCode::BodyTooLarge, "body_too_large"),
        (ErrorCode::TooManyFixes, "too_many_fixes"),
        (ErrorCode::InvalidItems, "invalid_items"),
        (ErrorCode::Internal, "internal"),
        (ErrorCode::DatabaseUnavailable, "database_unavailable"),
        (ErrorCode::TooManyLiveStreams, "too_many_live_streams"),
        (ErrorCode::ServerFunction, "server_function"),
    ] {
        assert_eq!(serde_json::to_value(code).unwrap(), wire);
    }
}
