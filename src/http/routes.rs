//! Routes that cannot be mounted without saying who may call them: each slice's `routes()`
//! builds a `Routes`, whose only way to add a route takes the route's `Access` and puts its
//! check in front of the handler. The table of what was mounted feeds the route × role test
//! and the OpenAPI check.

use axum::{
    extract::Request,
    http::Method,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};

use utoipa::openapi::{
    path::{Operation, Paths},
    security::SecurityRequirement,
    Ref, RefOr, Schema,
};

use crate::fleet::access::Access;
use crate::server::auth::{check, Caller};
use crate::server::state::AppState;

/// One mounted route and what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountedRoute {
    pub method: Method,
    pub path: String,
    pub access: Access,
}

/// A handler with its description: `utoipa_axum::routes!(handler)` of a handler annotated with
/// `#[utoipa::path]`. The path and method mounted are the ones its description states, so the
/// description and the router cannot disagree.
pub type Documented = utoipa_axum::router::UtoipaMethodRouter<AppState>;

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<MountedRoute>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Mounts a described handler behind `access`; its description says what `access` asks of
    /// a caller (`x-access`, the credential, 401 and 403).
    pub fn add(mut self, access: Access, (schemas, paths, route): Documented) -> Self {
        let route = route.route_layer(middleware::from_fn(move |request: Request, next: Next| {
            allow_only(access, request, next)
        }));
        let mut described = Paths::new();
        for (path, mut item) in paths.paths {
            self.router = self.router.route(&path, route.clone());
            for (method, operation) in
                [(Method::GET, &mut item.get), (Method::POST, &mut item.post)]
            {
                if let Some(operation) = operation {
                    operation.operation_id = Some(operation_id(&method, &path));
                    describe_access(operation, access);
                    self.table.push(MountedRoute {
                        method,
                        path: path.clone(),
                        access,
                    });
                }
            }
            described.paths.insert(path, item);
        }
        self.paths.merge(described);
        self.schemas.extend(schemas);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self.paths.merge(other.paths);
        self.schemas.extend(other.schemas);
        self
    }

    pub fn table(&self) -> &[MountedRoute] {
        &self.table
    }

    /// The described paths, and the schemas their bodies refer to.
    pub fn description(&self) -> (&Paths, &[(String, RefOr<Schema>)]) {
        (&self.paths, &self.schemas)
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// A name for the operation that is unique and says what it is (`getVehiclesByVehicleIdEvents`),
/// for client generators and the API page's links; the handlers' own names repeat (`handle`).
fn operation_id(method: &Method, path: &str) -> String {
    let mut id = method.as_str().to_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let words = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(parameter) => {
                id.push_str("By");
                parameter
            }
            None => segment,
        };
        for word in words.split(['-', '_', '.']) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                id.extend(first.to_uppercase());
                id.push_str(chars.as_str());
            }
        }
    }
    if path == "/" {
        id.push_str("Root");
    }
    id
}

/// The name `x-access` gives an access in the description.
pub fn access_name(access: Access) -> &'static str {
    match access {
        Access::Anyone => "anyone",
        Access::Ingest => "ingest",
        Access::Read => "read",
        Access::Manage => "manage",
        Access::Administer => "admin",
    }
}

/// What an access asks of a caller, in the operation's description: a route open to anyone
/// takes a token but needs none; any other needs one (the document's default) and may answer
/// 401 or 403, and 503 when the database that holds the credentials does not answer.
fn describe_access(operation: &mut Operation, access: Access) {
    operation
        .extensions
        .get_or_insert_with(Default::default)
        .merge(
            [("x-access", serde_json::json!(access_name(access)))]
                .into_iter()
                .collect(),
        );
    if access == Access::Anyone {
        operation.security = Some(vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]);
        return;
    }
    let responses = &mut operation.responses.responses;
    for (status, name) in [
        ("401", "Unauthenticated"),
        ("403", "Forbidden"),
        ("503", "DatabaseUnavailable"),
    ] {
        responses
            .entry(status.to_string())
            .or_insert_with(|| Ref::from_response_name(name).into());
    }
}

async fn allow_only(access: Access, request: Request, next: Next) -> Response {
    let caller = request
        .extensions()
        .get::<Caller>()
        .and_then(|c| c.0.as_ref());
    match check(caller, access) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}
