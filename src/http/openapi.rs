//! The API's OpenAPI 3.1 description, generated from the code: each handler's `#[utoipa::path]`
//! (its path, parameters, bodies and answers) and the types it reads and answers
//! (`utoipa::ToSchema`), gathered by `Routes` as the routes are mounted, which adds what each
//! route's access asks of a caller. Served at `GET /openapi.json`; `docs/openapi.json` is a copy
//! that `openapi_tests` keeps equal to it.

use axum::{body::Bytes, http::header::CONTENT_TYPE, Extension};
use utoipa::openapi::{
    response::{Response, ResponseBuilder},
    security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, ObjectBuilder, OpenApi,
    OpenApiBuilder, Ref, RefOr, Type,
};
use utoipa::{PartialSchema, ToResponse, ToSchema};
use uuid::Uuid;

use crate::error::{ErrorCode, ItemError, RETRY_UNAVAILABLE_SECONDS};
use crate::fleet::access::Access;
use crate::http::routes::Routes;

/// The description as served, rendered once when the router is built (a `Bytes` is shared, not
/// copied, by each answer).
#[derive(Clone)]
pub struct Description(pub Bytes);

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

/// This description of the API (OpenAPI 3.1), generated from the code.
#[utoipa::path(get, path = "/openapi.json", responses(
    (status = 200, description = "The OpenAPI 3.1 description of this API", content_type = "application/json")
))]
async fn handle(
    Extension(description): Extension<Description>,
) -> ([(axum::http::HeaderName, &'static str); 1], Bytes) {
    ([(CONTENT_TYPE, "application/json")], description.0)
}

/// The whole description of `routes`.
pub fn document(routes: &Routes) -> OpenApi {
    let (paths, schemas) = routes.description();
    let mut schemas: Vec<_> = schemas.to_vec();
    schemas.push((ErrorBody::name().into(), ErrorBody::schema()));
    schemas.push((ErrorDetail::name().into(), ErrorDetail::schema()));
    schemas.push((ItemError::name().into(), ItemError::schema()));
    schemas.push((ErrorCode::name().into(), ErrorCode::schema()));
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    schemas.dedup_by(|a, b| a.0 == b.0);
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .responses_from_iter([
            Refused::response(),
            Unauthenticated::response(),
            Forbidden::response(),
            DatabaseUnavailable::response(),
        ])
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token: `fleetline token create --name N --role R`, or the \
                         Accounts page of the web app. The web app itself uses a session cookie.",
                    ))
                    .build(),
            ),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Fleetline HTTP API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Event-sourced vehicle tracking. The first three routes are those of the \
                     system this one replaces. Every route needs an API token (`bearer`) unless \
                     it says otherwise; `x-access` names what the token's role must allow. \
                     Errors are `{\"error\":{\"code\",\"message\",\"field\"}}`; nothing is stored \
                     when one is answered. Prose and rules: docs/api.md.",
                )),
        )
        .paths(paths.clone())
        .components(Some(components))
        .security(Some([SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]))
        .build()
}

/// The description as JSON, as served and as kept in `docs/openapi.json`.
pub fn render(routes: &Routes) -> String {
    let mut document = serde_json::to_value(document(routes)).expect("a document serialises");
    // What the derive cannot say: a fix names its vehicle by exactly one of its plate and its id
    // (the other absent or null), or it is refused (400).
    document["components"]["schemas"]["Fix"]["oneOf"] = serde_json::json!([
        { "required": ["vehicleLicensePlate"], "properties": {
            "vehicleLicensePlate": { "type": "string" }, "vehicleRegisteredId": { "type": "null" } } },
        { "required": ["vehicleRegisteredId"], "properties": {
            "vehicleRegisteredId": { "type": "string" }, "vehicleLicensePlate": { "type": "null" } } },
    ]);
    let mut json = serde_json::to_string_pretty(&document).expect("JSON serialises");
    json.push('\n');
    json
}

/// `{"error": …}`: how every refusal of the API is answered.
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)] // Describes the JSON that `AppError::into_response` writes.
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ErrorDetail {
    code: ErrorCode,
    message: String,
    /// The field at fault, as the API names it (`[3].latitude` in a batch).
    field: Option<String>,
    /// On a conflict: the vehicle that holds the plate or the device.
    #[schema(required = false)]
    vehicle_registered_id: Uuid,
    /// A batch's refused items.
    #[schema(required = false)]
    items: Vec<ItemError>,
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
        .build()
}

/// A refusal named by its `code`: 400, 404, 409, 413 or 422.
pub struct Refused;

impl<'r> ToResponse<'r> for Refused {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "Error",
            error_response("A refused request (see `code` and `field`); nothing was stored").into(),
        )
    }
}

/// 401.
pub struct Unauthenticated;

impl<'r> ToResponse<'r> for Unauthenticated {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "Unauthenticated",
            error_response(
                "No credential, or one that is not valid (unknown, revoked, expired, a disabled user)",
            )
            .into(),
        )
    }
}

/// 403.
pub struct Forbidden;

impl<'r> ToResponse<'r> for Forbidden {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "Forbidden",
            error_response(
                "The credential's role may not do this, or a state-changing request came from another site",
            )
            .into(),
        )
    }
}

/// 503 with `Retry-After`.
pub struct DatabaseUnavailable;

impl<'r> ToResponse<'r> for DatabaseUnavailable {
    fn response() -> (&'r str, RefOr<Response>) {
        let mut response = error_response(&format!(
            "The database is down, restarting or too slow (`database_unavailable`), or the \
             server is at a limit; nothing was stored. Try again after `Retry-After` seconds \
             ({RETRY_UNAVAILABLE_SECONDS}), with the same ids."
        ));
        response.headers.insert(
            "Retry-After".into(),
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds to wait before trying again"))
                .build(),
        );
        ("DatabaseUnavailable", response.into())
    }
}
