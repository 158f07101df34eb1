//! Form versions for Diskominfo's admins, under `/api/v1/pusat/admin/forms`:
//! the catalog (built-in forms and published versions, with who published
//! each and when), one version's definition, and publishing a new version
//! from a JSON definition.
//!
//! A definition is checked by the shared crate's definition checks
//! (`FormDefinition::check`, the same the built-in files pass) before it is
//! stored. A published version is never changed: the same form id and
//! version again is 409, and so is a version older than the newest, because
//! phones offer the newest version of each form. A published version
//! reaches phones with their next sync pull (the catalog's fingerprint
//! changes) and is accepted by push through the shared filing decision.

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::openapi::Endpoint;
use crate::pusat::PusatError;
use crate::store::{AuditEntry, NewPublishedForm, now_ms};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kabar_shared::form::{DefinitionError, FormDefinition, Text, builtin_forms};
use kabar_shared::report::FormRef;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::HttpMethod;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/pusat/admin/forms", get(list).post(publish))
        .route("/v1/pusat/admin/forms/{form_id}/{version}", get(definition))
}

/// These endpoints in the OpenAPI document (see `openapi.rs`).
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/admin/forms",
        tag: "command-center",
        summary: "Admins: every form version, built in or published; {forms: [{id, version, title, source: builtin|published, published_by, published_at_ms, fields}]}",
        body: None,
        query: &[],
        responses: &[
            ("200", "the form versions, by id then version"),
            ("401", "not logged in"),
            ("403", "not an admin"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/admin/forms/{form_id}/{version}",
        tag: "command-center",
        summary: "Admins: one form version's definition JSON, as phones receive it",
        body: None,
        query: &[],
        responses: &[
            ("200", "the form definition"),
            ("401", "not logged in"),
            ("403", "not an admin"),
            ("404", "no such form version"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/pusat/admin/forms",
        tag: "command-center",
        summary: "Admins: publish a new form version from its definition JSON, checked by the shared definition checks; reaches phones at their next pull; audited",
        body: Some((
            "application/json",
            "a FormDefinition (see data/forms/*.json)",
        )),
        query: &[],
        responses: &[
            ("201", "published; {form, version, content_hash}"),
            (
                "400",
                "invalid_definition: not JSON, or not a form definition (the reader's message in detail)",
            ),
            ("401", "not logged in"),
            ("403", "not an admin"),
            (
                "409",
                "form_version_exists: that id and version is published (never changed), or a newer version is",
            ),
            (
                "422",
                "definition_problems: the definition fails the checks; problems: [{path, message}]",
            ),
        ],
        public: false,
    },
];

#[derive(Serialize)]
struct FormVersion {
    id: String,
    version: u32,
    title: Text,
    /// `builtin` (shipped with the server) or `published` (by an admin).
    source: &'static str,
    published_by: Option<String>,
    published_at_ms: Option<i64>,
    /// How many questions the version has (sections and repeats count
    /// with their fields).
    fields: usize,
}

fn count_fields(fields: &[kabar_shared::form::Field]) -> usize {
    use kabar_shared::form::FieldKind;
    fields
        .iter()
        .map(|field| match &field.kind {
            FieldKind::Section { fields } | FieldKind::Repeat { fields, .. } => {
                1 + count_fields(fields)
            }
            _ => 1,
        })
        .sum()
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, PusatError> {
    user.require_admin()?;
    let published = state.store.published_forms().await?;
    let catalog = state.catalog.fresh(&state.store).await?;
    let builtin: Vec<FormRef> = builtin_forms()
        .iter()
        .map(FormDefinition::form_ref)
        .collect();
    let forms: Vec<FormVersion> = catalog
        .forms()
        .map(|form| {
            let row = published
                .iter()
                .find(|row| row.form_id == form.id && row.version == form.version)
                .filter(|_| !builtin.contains(&form.form_ref()));
            FormVersion {
                id: form.id.clone(),
                version: form.version,
                title: form.title.clone(),
                source: if row.is_some() {
                    "published"
                } else {
                    "builtin"
                },
                published_by: row.map(|row| row.published_by.clone()),
                published_at_ms: row.map(|row| row.published_at_ms),
                fields: count_fields(&form.fields),
            }
        })
        .collect();
    Ok(Json(json!({ "forms": forms })))
}

async fn definition(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Json<FormDefinition>, PusatError> {
    user.require_admin()?;
    let version: u32 = version.parse().map_err(|_| ApiError::NotFound)?;
    let catalog = state.catalog.fresh(&state.store).await?;
    let form = catalog
        .get(&FormRef {
            id: form_id,
            version,
        })
        .cloned()
        .ok_or(ApiError::NotFound)?;
    Ok(Json(form))
}

/// A refused publication: what happened and what to do, in both languages.
fn refusal(
    status: StatusCode,
    code: &str,
    message: &str,
    message_en: &str,
    extra: Value,
) -> Response {
    let mut error = json!({"code": code, "message": message, "message_en": message_en});
    if let (Some(error), Value::Object(extra)) = (error.as_object_mut(), extra) {
        error.extend(extra);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

fn problems_refusal(form: &FormDefinition, problems: &[DefinitionError]) -> Response {
    refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        "definition_problems",
        &format!(
            "Formulir {} versi {} tidak lolos pemeriksaan ({} masalah, dalam bahasa Inggris di bawah). Perbaiki definisinya lalu terbitkan lagi; tidak ada yang diubah.",
            form.id,
            form.version,
            problems.len()
        ),
        &format!(
            "Form {} version {} fails the checks ({} problems, listed below). Fix the definition and publish again; nothing was changed.",
            form.id,
            form.version,
            problems.len()
        ),
        json!({ "problems": problems }),
    )
}

fn exists_refusal(form: &FormDefinition, newest: u32) -> Response {
    let next = newest.saturating_add(1);
    refusal(
        StatusCode::CONFLICT,
        "form_version_exists",
        &format!(
            "Formulir {} sudah punya versi {newest}; versi yang sudah terbit tidak pernah diubah. Terbitkan sebagai versi {next}.",
            form.id
        ),
        &format!(
            "Form {} already has version {newest}; a published version is never changed. Publish it as version {next}.",
            form.id
        ),
        json!({ "detail": "version", "next_version": next }),
    )
}

async fn publish(
    State(state): State<AppState>,
    Client(client): Client,
    admin: CurrentUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PusatError> {
    admin.require_admin()?;
    // The body is read as bytes, so text that is not JSON and JSON that is
    // not a form definition get the same answer, with the reader's line and
    // column, rather than a generic "bad JSON".
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadJson(rejection.body_text())
        }
    })?;
    let form: FormDefinition = match serde_json::from_slice(&body) {
        Ok(form) => form,
        Err(error) => {
            return Ok(refusal(
                StatusCode::BAD_REQUEST,
                "invalid_definition",
                "Ini bukan definisi formulir yang bisa dibaca: periksa nama kunci dan jenis pertanyaannya (pesan pembaca di \"detail\"). Tidak ada yang diubah.",
                "This is not a form definition that can be read: check the key names and question types (the reader's message is in \"detail\"). Nothing was changed.",
                json!({ "detail": error.to_string() }),
            ));
        }
    };
    let problems = form.check();
    if !problems.is_empty() {
        return Ok(problems_refusal(&form, &problems));
    }
    let catalog = state.catalog.fresh(&state.store).await?;
    if let Some(newest) = catalog.latest(&form.id).map(|newest| newest.version)
        && newest >= form.version
    {
        return Ok(exists_refusal(&form, newest));
    }
    // Stored as the shared crate serializes it, so the stored JSON, its
    // hash and what phones receive agree.
    let definition_json = serde_json::to_string(&form).map_err(anyhow::Error::from)?;
    let content_hash = form.content_hash();
    let audit = AuditEntry {
        actor_id: Some(admin.user_id),
        actor: Some(admin.username.to_string()),
        action: "form_publish",
        target: Some(format!("{} v{}", form.id, form.version)),
        client: Some(client),
        detail: json!({
            "form": form.id,
            "version": form.version,
            "content_hash": content_hash.as_str(),
        }),
    };
    let new = NewPublishedForm {
        form_id: &form.id,
        version: form.version,
        definition_json: &definition_json,
        content_hash: content_hash.as_str(),
        user_id: admin.user_id,
        username: admin.username.as_str(),
    };
    if !state.store.publish_form(&new, &audit, now_ms()).await? {
        // Another admin published this version a moment ago.
        return Ok(exists_refusal(&form, form.version));
    }
    state.catalog.reload(&state.store).await?;
    tracing::info!(form = %form.id, version = form.version, admin = %admin.username, "published a form version");
    let body = json!({
        "form": form.id,
        "version": form.version,
        "content_hash": content_hash.as_str(),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
