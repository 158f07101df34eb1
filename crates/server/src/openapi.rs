//! `GET /api/openapi.json`: the API described for client developers, built
//! with utoipa at startup. No documentation UI is served (nothing is fetched
//! at build or run time); the JSON loads into any OpenAPI viewer.
//!
//! Message shapes are pinned by the shared crate's tests; this document
//! names them and says which status codes each endpoint answers.

use crate::AppState;
use crate::openapi_schemas as schemas;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::OnceLock;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, OpenApiBuilder, PathItem,
    PathsBuilder, Required, ResponseBuilder,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(document().clone()) }))
}

pub(crate) struct Endpoint {
    pub(crate) method: HttpMethod,
    pub(crate) path: &'static str,
    pub(crate) tag: &'static str,
    pub(crate) summary: &'static str,
    /// The request body's media type and the shared type it carries.
    pub(crate) body: Option<(&'static str, &'static str)>,
    /// Optional query parameters and what they do.
    pub(crate) query: &'static [(&'static str, &'static str)],
    /// Status codes and what they mean; every error is `{"error": {"code",
    /// "message", "message_en"}}`.
    pub(crate) responses: &'static [(&'static str, &'static str)],
    pub(crate) public: bool,
}

const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/health",
        tag: "meta",
        summary: "Liveness and database reachability; {status, protocol_version}",
        body: None,
        query: &[],
        responses: &[("200", "ok"), ("500", "the database is not reachable")],
        public: true,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/openapi.json",
        tag: "meta",
        summary: "This document",
        body: None,
        query: &[],
        responses: &[("200", "the OpenAPI document")],
        public: true,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/auth/login",
        tag: "auth",
        summary: "Log in a device; sets the kabar_session cookie and answers Me",
        body: Some(("application/json", "kabar_shared::account::LoginRequest")),
        query: &[],
        responses: &[
            ("200", "logged in: Me, with Set-Cookie kabar_session"),
            (
                "400",
                "bad_json / invalid_request (device_id, username over 64 characters)",
            ),
            ("401", "invalid_credentials"),
            ("403", "account_disabled / cross_origin"),
            (
                "429",
                "account_locked / too_many_attempts, with Retry-After",
            ),
            ("503", "busy: no password-hashing slot free; Retry-After"),
        ],
        public: true,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/auth/logout",
        tag: "auth",
        summary: "End this device's session and clear the cookie",
        body: None,
        query: &[],
        responses: &[("204", "logged out"), ("401", "unauthenticated")],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/auth/password",
        tag: "auth",
        summary: "Change one's own password; every other session of the user ends",
        body: Some((
            "application/json",
            "kabar_shared::account::ChangePasswordRequest",
        )),
        query: &[],
        responses: &[
            ("204", "changed"),
            ("400", "invalid request"),
            ("401", "unauthenticated"),
            ("403", "wrong_password / cross_origin"),
            ("422", "weak_password: the new password breaks the rules"),
            (
                "429",
                "account_locked / too_many_attempts, with Retry-After",
            ),
            ("503", "busy: no password-hashing slot free; Retry-After"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/auth/me",
        tag: "auth",
        summary: "Who is logged in (kabar_shared::account::Me)",
        body: None,
        query: &[],
        responses: &[("200", "Me"), ("401", "unauthenticated")],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/sync/push",
        tag: "sync",
        summary: "Push up to 100 reports; answers per item (kabar_shared::sync::PushResponse). \
                  gzip or br request bodies are accepted.",
        body: Some(("application/json", "kabar_shared::sync::PushRequest")),
        query: &[],
        responses: &[
            (
                "200",
                "PushResponse: accepted / duplicate / conflict / rejected per item",
            ),
            (
                "400",
                "bad_json / unsupported_protocol_version / batch_too_large",
            ),
            ("401", "unauthenticated"),
            (
                "403",
                "forbidden (not a village role) / forbidden_village / device_mismatch",
            ),
            ("413", "too_large"),
            ("415", "not_json"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/sync/pull",
        tag: "sync",
        summary: "What the phone should cache since ?cursor (opaque), at most ?limit review \
                  events (kabar_shared::sync::PullResponse)",
        body: None,
        query: &[
            (
                "cursor",
                "the cursor of the previous pull's answer; none on the first",
            ),
            ("limit", "review events per page"),
            (
                "approved",
                "true: also each of the user's villages' last approved report of each periodic form (its carried answers only)",
            ),
        ],
        responses: &[
            ("200", "PullResponse"),
            ("400", "bad_cursor / invalid_request"),
            ("401", "unauthenticated"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/reports",
        tag: "reports",
        summary: "Reports in the reader's scope, latest arrivals first, a page at a time; {reports: [...], next_before}",
        body: None,
        query: &[
            (
                "village",
                "only this village (a Kemendagri code inside the reader's scope)",
            ),
            (
                "status",
                "only this review status: received, in_review, approved, needs_revision or rejected",
            ),
            (
                "before",
                "only reports older than this report id: the next_before of the previous page",
            ),
            ("limit", "reports per page, 1 to 500 (default 100)"),
        ],
        responses: &[
            (
                "200",
                "{reports: [{report, content_hash, received_at_ms, status, submitted_by, version, missing_photos}], next_before: where the next page starts, null on the last page}",
            ),
            (
                "400",
                "invalid_request: a bad village, status, before or limit",
            ),
            ("401", "unauthenticated"),
            (
                "403",
                "forbidden: the village is outside the reader's scope",
            ),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/reports/{id}",
        tag: "reports",
        summary: "One report",
        body: None,
        query: &[],
        responses: &[
            ("200", "the stored report"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            ("404", "not_found"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/reports/{id}/review",
        tag: "reports",
        summary: "Set a report's review status and/or comment (reviewers and admins in scope)",
        body: Some(("application/json", "kabar_shared::report::ReviewRequest")),
        query: &[],
        responses: &[
            ("200", "{report}"),
            ("400", "bad_json"),
            ("401", "unauthenticated"),
            (
                "403",
                "forbidden: the report's village is outside the reviewer's scope",
            ),
            ("404", "not_found"),
            (
                "409",
                "review_transition_not_allowed: the review table has no move from the report's status to this one (kabar_shared::review::TRANSITIONS)",
            ),
            (
                "422",
                "review_empty / review_comment_too_long / review_comment_required (needs_revision) / review_reason_required (rejected)",
            ),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/reports/{id}/versions",
        tag: "reports",
        summary: "Every version of a report, the first first: an edit adds a version and overwrites none",
        body: None,
        query: &[],
        responses: &[
            (
                "200",
                "{versions: [{version, report, content_hash, received_at_ms, submitted_by}]}",
            ),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            ("404", "not_found"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Put,
        path: "/api/v1/photos/{sha256}",
        tag: "photos",
        summary: "Upload a photo announced by a report of the user's village; body is the \
                  JPEG, PNG or WebP file whose SHA-256 is in the path",
        body: Some(("application/octet-stream", "the photo file")),
        query: &[],
        responses: &[
            ("201", "stored: {sha256, stored: true}"),
            ("200", "already stored: {sha256, stored: false}"),
            ("400", "photo_hash_mismatch"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            (
                "404",
                "not_found: the path is not sha256: and 64 hex digits",
            ),
            ("409", "photo_not_announced: push the report first"),
            ("413", "photo_too_large / photo_too_many_pixels"),
            ("415", "unsupported_photo_type"),
            (
                "422",
                "photo_malformed: not a well-formed JPEG, PNG or WebP",
            ),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/photos/{sha256}",
        tag: "photos",
        summary: "A stored photo, without its location metadata",
        body: None,
        query: &[],
        responses: &[
            ("200", "the image"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            ("404", "not_found"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/admin/sessions",
        tag: "admin",
        summary: "Device sessions, newest first, a page at a time (admins)",
        body: None,
        query: &[
            ("limit", "sessions per page, 1-500, default 100"),
            ("after", "the next of the previous page"),
        ],
        responses: &[
            ("200", "{sessions: [...], next?}"),
            ("400", "invalid_request (limit) / bad_cursor (after)"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/admin/sessions/{id}/revoke",
        tag: "admin",
        summary: "End a device session (admins)",
        body: None,
        query: &[],
        responses: &[
            ("204", "revoked"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            ("404", "not_found"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/admin/audit",
        tag: "admin",
        summary: "The audit log, newest first, filtered and a page at a time (admins)",
        body: None,
        query: &[
            ("actor", "the actor's username"),
            ("action", "the action, e.g. login, user_created, export"),
            ("from", "YYYY-MM-DD: entries from this day on (WITA)"),
            (
                "to",
                "YYYY-MM-DD: entries up to and including this day (WITA)",
            ),
            ("limit", "1 to 500 entries (500)"),
            ("before", "the next_before of the previous page"),
        ],
        responses: &[
            ("200", "{entries: [...], next_before}"),
            ("400", "invalid_filter, named in detail"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
    // Mail to the mayor's office and public information (issue 11).
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/admin/mail",
        tag: "admin",
        summary: "The mail outbox, newest first: status, attempts and the SMTP server's last answer (admins)",
        body: None,
        query: &[
            ("status", "pending, sent, dead or skipped"),
            ("limit", "at most this many rows, 1 to 1000 (200)"),
        ],
        responses: &[
            ("200", "{mails: [...]}"),
            ("400", "invalid_request"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/admin/mail/{id}/resend",
        tag: "admin",
        summary: "Queue a dead mail again with fresh attempts (admins)",
        body: None,
        query: &[],
        responses: &[
            ("202", "queued"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            ("404", "no dead mail with this id"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/admin/mail/recipients",
        tag: "admin",
        summary: "Who receives mail: {mayor_office: [...], camat: [{kecamatan, email}], source} (admins)",
        body: None,
        query: &[],
        responses: &[
            ("200", "the recipients in force"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Put,
        path: "/api/v1/admin/mail/recipients",
        tag: "admin",
        summary: "Replace the recipients from flags and environment (admins); every address and kecamatan is checked",
        body: Some((
            "application/json",
            "{mayor_office: [...], camat: [{kecamatan, email}]}",
        )),
        query: &[],
        responses: &[
            ("200", "the recipients now in force"),
            (
                "400",
                "invalid_request: an address or kecamatan, named in detail",
            ),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/reports/{id}/public",
        tag: "reports",
        summary: "Reviewers: make an approved KIM activity log or development progress report public at /publik/, or private again",
        body: Some(("application/json", "{public: bool}")),
        query: &[],
        responses: &[
            ("200", "{public}"),
            (
                "400",
                "invalid_request: not approved, or a form that is never public",
            ),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
            ("404", "not_found"),
        ],
        public: false,
    },
];

/// The document, built once.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> serde_json::Value {
    let mut paths = PathsBuilder::new().build();
    for endpoint in ENDPOINTS
        .iter()
        .chain(crate::pusat::ENDPOINTS)
        .chain(crate::pusat_forms::ENDPOINTS)
        .chain(crate::pusat_map::ENDPOINTS)
    {
        let mut operation = OperationBuilder::new()
            .tag(endpoint.tag)
            .summary(Some(endpoint.summary));
        // Every JSON body is read by the same extractor, which refuses
        // another media type and anything over the body limit.
        let json_body = matches!(endpoint.body, Some(("application/json", _)));
        let body_refusals: &[(&str, &str)] = if json_body {
            &[
                ("413", "too_large: over the body limit"),
                ("415", "not_json: the body is not sent as application/json"),
            ]
        } else {
            &[]
        };
        let listed = |status: &str| endpoint.responses.iter().any(|(s, _)| *s == status);
        let added = body_refusals.iter().filter(|(status, _)| !listed(status));
        for (status, description) in endpoint.responses.iter().chain(added) {
            let mut response = ResponseBuilder::new().description(*description);
            if let Some((media_type, schema)) =
                schemas::response(&endpoint.method, endpoint.path, status)
            {
                response = response.content(media_type, content(schema));
            }
            operation = operation.response(*status, response);
        }
        if let Some((media_type, carries)) = endpoint.body {
            let schema = schemas::request(&endpoint.method, endpoint.path);
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .description(Some(carries))
                    .content(media_type, content(schema))
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        for name in ["id", "sha256", "form_id", "version", "username"] {
            if endpoint.path.contains(&format!("{{{name}}}")) {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(text())),
                );
            }
        }
        for (name, description) in endpoint.query {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(*description))
                    .schema(Some(text())),
            );
        }
        if !endpoint.public {
            operation =
                operation.security(SecurityRequirement::new("session", Vec::<String>::new()));
        }
        let item = PathItem::new(endpoint.method.clone(), operation.build());
        match paths.paths.get_mut(endpoint.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(endpoint.path.to_owned(), item);
            }
        }
    }
    let components = ComponentsBuilder::new().security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
            crate::auth::SESSION_COOKIE,
        ))),
    );
    let document = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Kabar Desa API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Central API of Kabar Desa. Errors are {\"error\": {\"code\", \"message\" \
                     (Bahasa Indonesia), \"message_en\"}}. Bodies may be gzip or br compressed.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build();
    // The schemas go in as the JSON they are written in: utoipa's own
    // schema types read JSON Schema lossily (an array's `items` is dropped).
    let mut document = serde_json::to_value(document).expect("the document serializes");
    document["components"]["schemas"] = schemas::components()
        .into_iter()
        .map(|(name, schema)| (name.to_owned(), schema))
        .collect::<serde_json::Map<_, _>>()
        .into();
    document
}

/// A path or query parameter: text, read by the handler.
fn text() -> Schema {
    ObjectBuilder::new().schema_type(Type::String).into()
}

/// A body's content: the named component schema, or none when the document
/// leaves the body open.
fn content(schema: Option<&str>) -> utoipa::openapi::Content {
    let builder = ContentBuilder::new();
    match schema {
        Some(name) => builder.schema(Some(Ref::from_schema_name(name))).build(),
        None => builder.build(),
    }
}
