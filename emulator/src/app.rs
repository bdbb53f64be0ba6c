//! Route composition: which routes each API has, and which middleware each group runs. The
//! public API is shaped like the server's echo router (`server/api/router/main.go`), the admin
//! API like `router/admin.go`.
//!
//! Public API, outside in: request id (echo's `RequestID`) → request log → body limit → echo's
//! output rules → routing. Under `/{tenant_id}`: the tenant middleware → CORS → the groups,
//! each with its API-key rule. Where echo's router answers in a way axum's would not (404
//! instead of 405, catch-alls that run a group's middleware), the route says so.
//!
//! Admin API: the same outer layers, echo's permissive CORS, and the tenant middleware on
//! `/tenants/{tenant_id}/…`.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};

use crate::admin::{self, Admin, config, secrets, tenants, users};
use crate::ceremony::{login, registration, transaction};
use crate::resources::{audit_logs, credentials, jwks};
use crate::server::error::ApiError;
use crate::server::middleware::{get_only, not_found, require_api_key};
use crate::server::{cors, echo_layers, middleware, request_log};
use crate::state::AppState;

/// The public API.
pub(crate) fn public(state: Arc<AppState>) -> Router {
    let tenant_routes = Router::new()
        .merge(jwks_routes())
        .merge(credential_routes())
        .merge(audit_log_routes())
        .merge(registration_routes())
        .merge(login_routes())
        .merge(transaction_routes())
        .merge(mfa_routes())
        // A wrong method on a route of a group without middleware of its own reaches the
        // tenant group's catch-all: echo never answers 405 under a tenant.
        .method_not_allowed_fallback(middleware::not_found);

    // Everything but `/` is echo's `/:tenant_id` group: the tenant routes, and for any other
    // path the group's catch-all, which runs the tenant middleware (400 / 404) and CORS
    // before its 404.
    let tenant_group = Router::new()
        .nest("/{tenant_id}", tenant_scoped(tenant_routes, &state))
        .fallback_service(
            tenant_scoped(Router::new().fallback(middleware::not_found), &state)
                .with_state(state.clone()),
        )
        .with_state(state);
    // Under a tenant, a method a path does not have is answered by the group's catch-all (echo
    // 4.11 `Router.Find` prefers a node's `notFoundHandler` to its 405 and OPTIONS handlers),
    // which writes no `Allow`. axum's method fallbacks add one after every layer of the
    // router, so it comes off around the whole group.
    let tenant_group = tower::ServiceBuilder::new()
        .map_response(|mut response: Response| {
            response.headers_mut().remove(header::ALLOW);
            response
        })
        .service(tenant_group);
    let app = Router::new()
        // echo answers another method on `/` itself: 405 with `Allow`, and 204 to OPTIONS.
        .route(
            "/",
            get(status_page)
                .head(method_not_allowed)
                .options(allow)
                .fallback(method_not_allowed),
        )
        .fallback_service(tenant_group);
    echo_layers(app, request_log::span)
}

fn jwks_routes() -> Router<Arc<AppState>> {
    Router::new().route("/.well-known/jwks.json", get_only(jwks::jwks))
}

fn credential_routes() -> Router<Arc<AppState>> {
    Router::new()
        // echo: a wrong method (HEAD too) on exactly `/credentials` falls through to the tenant
        // catch-all, which checks no key, so the key guards the GET alone.
        .route(
            "/credentials",
            get(credentials::list)
                .route_layer(from_fn(require_api_key))
                .head(not_found),
        )
        .nest(
            "/credentials",
            Router::new()
                .route(
                    "/{credential_id}",
                    get_only(credentials::show)
                        .patch(credentials::rename)
                        .delete(credentials::remove),
                )
                // The group's catch-all (`/credentials/*`), behind the key like the group:
                // wrong methods, deeper paths.
                .method_not_allowed_fallback(not_found)
                .route("/{credential_id}/{*rest}", any(not_found))
                .layer(from_fn(require_api_key)),
        )
        // An empty id is the group's catch-all as well.
        .route(
            "/credentials/",
            any(not_found).layer(from_fn(require_api_key)),
        )
}

fn audit_log_routes() -> Router<Arc<AppState>> {
    Router::new()
        // As with `/credentials`: a wrong method on the group's own path reaches the tenant
        // catch-all without a key check.
        .route(
            "/audit_logs",
            get(audit_logs::list)
                .route_layer(from_fn(require_api_key))
                .head(not_found),
        )
        // The group's catch-all (`/audit_logs/*`), behind the key.
        .nest(
            "/audit_logs",
            Router::new()
                .route("/{*rest}", any(not_found))
                .layer(from_fn(require_api_key)),
        )
}

/// `/registration`: initialize needs the key (route middleware), finalize does not.
fn registration_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/registration/initialize",
            post(registration::initialize).route_layer(from_fn(require_api_key)),
        )
        .route("/registration/finalize", post(registration::finalize))
}

/// `/login`: no API key, except that initialize checks it itself when a user id is given.
fn login_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login/initialize", post(login::initialize))
        .route("/login/finalize", post(login::finalize))
}

/// The `/transaction` group: every route, and its catch-all, behind the API key.
fn transaction_routes() -> Router<Arc<AppState>> {
    Router::new().nest(
        "/transaction",
        Router::new()
            // echo backtracks from a static segment with no GET to `/:user_id`, so
            // `GET /transaction/initialize` lists the transactions of user "initialize".
            .route(
                "/initialize",
                post(transaction::initialize)
                    .get(transaction::list_static)
                    .head(not_found),
            )
            .route(
                "/finalize",
                post(transaction::finalize)
                    .get(transaction::list_static)
                    .head(not_found),
            )
            .route("/{user_id}", get_only(transaction::list))
            // The group's catch-all (`/transaction/*`), behind the key like the group.
            .method_not_allowed_fallback(not_found)
            .route("/", any(not_found))
            .route("/{user_id}/{*rest}", any(not_found))
            .layer(from_fn(require_api_key)),
    )
}

/// The `/mfa` group: every route, and its catch-all, behind the API key.
fn mfa_routes() -> Router<Arc<AppState>> {
    Router::new().nest(
        "/mfa",
        Router::new()
            .route(
                "/registration/initialize",
                post(registration::initialize_mfa),
            )
            .route("/registration/finalize", post(registration::finalize_mfa))
            .route("/login/initialize", post(login::initialize_mfa))
            .route("/login/finalize", post(login::finalize_mfa))
            // The group's catch-all (`/mfa/*`), behind the key like the group.
            .method_not_allowed_fallback(not_found)
            .route("/", any(not_found))
            .route("/{*rest}", any(not_found))
            .layer(from_fn(require_api_key)),
    )
}

/// The tenant group's middleware: tenant (outermost), then CORS.
fn tenant_scoped(routes: Router<Arc<AppState>>, state: &Arc<AppState>) -> Router<Arc<AppState>> {
    routes
        .layer(cors::layer())
        .layer(from_fn(cors::echo_preflight))
        .layer(from_fn_with_state(state.clone(), middleware::tenant))
}

/// The admin API.
pub(crate) fn admin(admin: Admin) -> Router {
    let app = Router::new()
        .merge(admin_routes(&admin))
        .fallback(middleware::not_found)
        .layer(tower_http::cors::CorsLayer::very_permissive())
        .with_state(admin);
    echo_layers(app, request_log::admin_span)
}

/// The admin API's routes; `/tenants/{tenant_id}/…` run the tenant middleware.
fn admin_routes(admin: &Admin) -> Router<Admin> {
    let tenant_routes = Router::new()
        .route(
            "/tenants/{tenant_id}",
            get(tenants::get)
                .put(tenants::rename)
                .delete(tenants::delete),
        )
        .route("/tenants/{tenant_id}/config", put(config::replace))
        .route("/tenants/{tenant_id}/audit_logs", get(audit_logs::list))
        .route(
            "/tenants/{tenant_id}/secrets/{kind}",
            get(secrets::list).post(secrets::create),
        )
        .route(
            "/tenants/{tenant_id}/secrets/{kind}/{secret_id}",
            delete(secrets::delete),
        )
        .route("/tenants/{tenant_id}/users", get(users::list))
        .route(
            "/tenants/{tenant_id}/users/{user_id}",
            get(users::get).delete(users::delete),
        )
        .route_layer(from_fn_with_state(admin.clone(), admin::tenant));
    Router::new()
        .route("/health/alive", get(admin::alive))
        .route("/health/ready", get(admin::ready))
        .route("/tenants", get(tenants::list).post(tenants::create))
        .merge(tenant_routes)
}

/// The methods echo lists for `/`.
const ALLOW: HeaderValue = HeaderValue::from_static("OPTIONS, GET");

async fn method_not_allowed() -> Response {
    let mut response = ApiError::method_not_allowed().into_response();
    response.headers_mut().insert(header::ALLOW, ALLOW);
    response
}

async fn allow() -> Response {
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::ALLOW, ALLOW);
    response
}

/// `GET /`: the server's HTML status page.
async fn status_page() -> Response {
    let mut response = STATUS_PAGE.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

const STATUS_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"UTF-8\"><title>API Integration Status</title></head>\n<body><h1>API Integration Status</h1><p>Hanko Passkey API emulator is running.</p></body>\n</html>\n";
