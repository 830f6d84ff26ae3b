//! Routes that cannot be mounted without saying who may call them: each slice's `routes()`
//! builds a `Routes`, whose only way to add a route takes the route's `Access` and puts its
//! check in front of the handler. The table of what was mounted feeds the route × role test
//! and the OpenAPI check.

use axum::{
    extract::Request,
    handler::Handler,
    http::Method,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{self, MethodRouter},
    Router,
};

use crate::fleet::access::Access;
use crate::server::auth::{check, Caller};
use crate::server::state::AppState;

/// One mounted route and what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountedRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<MountedRoute>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, routing::get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, routing::post(handler))
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Self {
        let route = route.route_layer(middleware::from_fn(move |request: Request, next: Next| {
            allow_only(access, request, next)
        }));
        self.router = self.router.route(path, route);
        self.table.push(MountedRoute {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn table(&self) -> &[MountedRoute] {
        &self.table
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
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
