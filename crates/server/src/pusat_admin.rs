//! Accounts over HTTP for Diskominfo's admins, with the same rules as the
//! `kabar-server user …` commands: create with a role and a village or
//! kecamatan (checked by `Access::new`), reset a password (ending every
//! session), disable (ending every session) and enable. Device sessions are
//! seen and revoked through `/api/v1/admin/sessions`. Every change is
//! written to the audit log with the admin who made it.

use crate::auth::{Client, CurrentUser, hash_password};
use crate::error::ApiError;
use crate::pusat::PusatError;
use crate::store::{AuditEntry, NewUser, now_ms};
use crate::{ApiJson, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::VillageCode;
use kabar_shared::account::{Access, DistrictCode, NewPassword, Role, Scope, Username};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/pusat/admin/users", get(list).post(create))
        .route(
            "/v1/pusat/admin/users/{username}/password",
            post(reset_password),
        )
        .route("/v1/pusat/admin/users/{username}/disable", post(disable))
        .route("/v1/pusat/admin/users/{username}/enable", post(enable))
}

/// A refused account change, named and explained in both languages.
fn invalid(field: &str, message: &str, message_en: &str) -> PusatError {
    PusatError::Invalid {
        field: field.to_owned(),
        message: message.to_owned(),
        message_en: message_en.to_owned(),
    }
}

#[derive(Serialize)]
struct AccountView {
    username: String,
    display_name: String,
    #[serde(flatten)]
    access: Access,
    /// `active`, `locked` or `disabled`.
    state: &'static str,
}

#[derive(Serialize)]
struct Accounts {
    users: Vec<AccountView>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Accounts>, PusatError> {
    user.require_admin()?;
    let now = now_ms();
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|record| AccountView {
            state: if record.disabled_at_ms.is_some() {
                "disabled"
            } else if record.locked_until_ms > now {
                "locked"
            } else {
                "active"
            },
            username: record.username.to_string(),
            display_name: record.display_name,
            access: record.access,
        })
        .collect();
    Ok(Json(Accounts { users }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    username: String,
    #[serde(default)]
    display_name: Option<String>,
    role: String,
    #[serde(default)]
    village: Option<String>,
    #[serde(default)]
    district: Option<String>,
    password: String,
}

fn password(text: &str) -> Result<NewPassword, PusatError> {
    NewPassword::parse(text).map_err(|_| {
        invalid(
            "password",
            &format!(
                "Kata sandi harus {} sampai {} karakter.",
                NewPassword::MIN_CHARS,
                NewPassword::MAX_CHARS
            ),
            &format!(
                "A password has {} to {} characters.",
                NewPassword::MIN_CHARS,
                NewPassword::MAX_CHARS
            ),
        )
    })
}

fn access(request: &CreateRequest) -> Result<Access, PusatError> {
    let role = Role::parse(&request.role).map_err(|_| {
        invalid(
            "role",
            "Peran harus village_head, kim_volunteer, reviewer atau admin.",
            "The role must be village_head, kim_volunteer, reviewer or admin.",
        )
    })?;
    let scope = match (&request.village, &request.district) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "scope",
                "Isi desa/kelurahan atau kecamatan, tidak keduanya.",
                "Give a village or a kecamatan, not both.",
            ));
        }
        (Some(village), None) => Scope::Village(VillageCode::parse(village).map_err(|_| {
            invalid(
                "village",
                "Kode desa/kelurahan tidak dikenal.",
                "Unknown village code.",
            )
        })?),
        (None, Some(district)) => Scope::District(DistrictCode::parse(district).map_err(|_| {
            invalid(
                "district",
                "Kode kecamatan tidak dikenal.",
                "Unknown kecamatan code.",
            )
        })?),
        (None, None) => Scope::All,
    };
    Access::new(role, scope).map_err(|error| {
        invalid(
            "scope",
            "Peran dan wilayahnya tidak cocok: kepala desa/kelurahan dan relawan KIM satu desa/kelurahan, peninjau satu kecamatan atau semua, admin semua.",
            &format!("The role and its area do not fit: {error}."),
        )
    })
}

async fn audit(
    state: &AppState,
    admin: &CurrentUser,
    client: String,
    action: &'static str,
    target: &Username,
    detail: serde_json::Value,
) -> Result<(), PusatError> {
    let entry = AuditEntry {
        actor_id: Some(admin.user_id),
        actor: Some(admin.username.to_string()),
        action,
        target: Some(target.to_string()),
        client: Some(client),
        detail,
    };
    state.store.audit(&entry, now_ms()).await?;
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    Client(client): Client,
    admin: CurrentUser,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), PusatError> {
    admin.require_admin()?;
    let username = Username::parse(&request.username).map_err(|_| {
        invalid(
            "username",
            "Nama pengguna 3-32 huruf kecil, angka, '.', '_' atau '-'.",
            "A username is 3-32 lowercase letters, digits, '.', '_' or '-'.",
        )
    })?;
    let access = access(&request)?;
    let password = password(&request.password)?;
    let display_name = request
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(username.as_str())
        .to_owned();
    let user = NewUser {
        username: username.clone(),
        display_name,
        access,
        password_hash: hash_password(&password).await?,
    };
    let Some(id) = state.store.create_user(&user, now_ms()).await? else {
        return Err(invalid(
            "username",
            "Nama pengguna itu sudah dipakai.",
            "That username is taken.",
        ));
    };
    audit(
        &state,
        &admin,
        client,
        "user_created",
        &username,
        serde_json::json!({ "access": user.access }),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "username": username })),
    ))
}

async fn find(state: &AppState, username: &str) -> Result<(i64, Username), PusatError> {
    let username = Username::parse(username).map_err(|_| ApiError::NotFound)?;
    let user = state
        .store
        .user_by_username(&username)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((user.id, user.username))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordRequest {
    password: String,
}

#[derive(Serialize)]
struct Changed {
    username: Username,
    sessions_ended: u64,
}

async fn reset_password(
    State(state): State<AppState>,
    Client(client): Client,
    admin: CurrentUser,
    Path(username): Path<String>,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<Json<Changed>, PusatError> {
    admin.require_admin()?;
    let (id, username) = find(&state, &username).await?;
    let password = password(&request.password)?;
    let now = now_ms();
    state
        .store
        .set_password_hash(id, &hash_password(&password).await?, now)
        .await?;
    let ended = state.store.revoke_sessions_of(id, now).await?;
    let detail = serde_json::json!({ "sessions_ended": ended });
    audit(&state, &admin, client, "password_reset", &username, detail).await?;
    Ok(Json(Changed {
        username,
        sessions_ended: ended,
    }))
}

async fn set_disabled(
    state: AppState,
    client: String,
    admin: CurrentUser,
    username: String,
    disable: bool,
) -> Result<Json<Changed>, PusatError> {
    admin.require_admin()?;
    let (id, username) = find(&state, &username).await?;
    if disable && id == admin.user_id {
        return Err(invalid(
            "username",
            "Admin tidak dapat menonaktifkan akunnya sendiri.",
            "An admin cannot disable their own account.",
        ));
    }
    let now = now_ms();
    state
        .store
        .set_disabled(id, disable.then_some(now), now)
        .await?;
    let ended = if disable {
        state.store.revoke_sessions_of(id, now).await?
    } else {
        0
    };
    let action = if disable {
        "user_disabled"
    } else {
        "user_enabled"
    };
    let detail = serde_json::json!({ "sessions_ended": ended });
    audit(&state, &admin, client, action, &username, detail).await?;
    Ok(Json(Changed {
        username,
        sessions_ended: ended,
    }))
}

async fn disable(
    State(state): State<AppState>,
    Client(client): Client,
    admin: CurrentUser,
    Path(username): Path<String>,
) -> Result<Json<Changed>, PusatError> {
    set_disabled(state, client, admin, username, true).await
}

async fn enable(
    State(state): State<AppState>,
    Client(client): Client,
    admin: CurrentUser,
    Path(username): Path<String>,
) -> Result<Json<Changed>, PusatError> {
    set_disabled(state, client, admin, username, false).await
}
