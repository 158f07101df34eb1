//! Logins, device sessions and who is asking.
//!
//! Passwords are hashed with Argon2id at OWASP's parameters (19 MiB, two
//! passes, one lane). A login creates a session bound to the phone's device
//! id; the client gets an opaque random token of 256 bits in an `HttpOnly`,
//! `SameSite=Strict` cookie, and the server keeps only the token's SHA-256.
//! A session lasts 30 days and every request renews it (at most once an
//! hour, to spare the database), so a phone that syncs now and then stays
//! logged in through weeks offline; but never longer than 90 days after
//! the login. Logout and an admin end it early.
//!
//! Failed logins are throttled per name (five within 15 minutes lock it for
//! 15 minutes, whether an account of that name exists or not, so the
//! answers never reveal which names exist) and per client address (twenty
//! attempts of any kind within 15 minutes; an IPv6 client counts by its
//! /64), both counted in the database so every server behind a load
//! balancer agrees. An attempt is recorded before its password is checked,
//! atomically with the check of the limits, so parallel guesses never get
//! more than five evaluated; and only a few Argon2id hashes run at once
//! (a login that cannot get a slot within seconds gets 503).

use crate::error::ApiError;
use crate::store::{AuditEntry, LoginLimits, LoginReservation, NewSession, UserRecord, now_ms};
use crate::{ApiJson, AppState};
use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ipnet::IpNet;
use kabar_shared::account::{
    Access, ChangePasswordRequest, LoginRequest, Me, NewPassword, Username, valid_device_id,
};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

pub const SESSION_COOKIE: &str = "kabar_session";
pub const SESSION_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// However often it is renewed, a session ends this long after its login,
/// so a stolen phone's session does not live for ever.
pub const SESSION_ABSOLUTE_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// A session is renewed when less than this much of its life has passed
/// since the last renewal would be lost, i.e. at most once an hour.
const RENEW_AFTER_MS: i64 = 60 * 60 * 1000;
pub const LOCK_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const LOCK_AFTER_FAILURES: i64 = 5;
pub const CLIENT_FAILURE_LIMIT: i64 = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/me", get(me))
        .route("/v1/auth/password", post(change_password))
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a new password off the async threads: it takes tens of
/// milliseconds of CPU by design.
pub async fn hash_password(password: &NewPassword) -> anyhow::Result<String> {
    let password = password.as_str().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
        let salt = SaltString::encode_b64(&salt).map_err(|error| anyhow::anyhow!("{error}"))?;
        let hash = argon2()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))?;
        Ok(hash.to_string())
    })
    .await?
}

/// Checks a password against a stored hash, with the parameters stored in
/// the hash, so raising them later keeps old hashes working.
pub async fn verify_password(hash: String, password: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|error| anyhow::anyhow!("stored hash: {error}"))?;
        Ok(argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// A hash to check passwords of unknown usernames against, so a login for
/// a username that does not exist takes as long as one that does.
async fn decoy_hash() -> anyhow::Result<String> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return Ok(hash.clone());
    }
    let password = NewPassword::parse("decoy-password-never-used").expect("long enough");
    let hash = hash_password(&password).await?;
    Ok(DECOY.get_or_init(|| hash).clone())
}

fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The client's address, for per-client throttling and the audit log: the
/// socket's peer, or, when that peer is a trusted proxy, the address its
/// `X-Forwarded-For` names. Without it, every phone behind a city load
/// balancer would share one throttle, and one guesser would lock out all.
#[derive(Debug, Clone)]
pub struct Client(pub String);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Client, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(Client("unknown".into()));
        };
        // Read leniently: a phone's own junk bytes on the line a proxy
        // appends to must not hide the hop the proxy added.
        let lines: Vec<String> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect();
        let forwarded = lines.iter().map(String::as_str);
        let address = client_address(peer.ip(), forwarded, &state.settings.trusted_proxies);
        Ok(Client(address.to_string()))
    }
}

/// Walks `X-Forwarded-For` from the right (the hop nearest to us) past the
/// trusted proxies; the first address not trusted is the client. Only hops
/// the trusted proxies appended are believed: whatever a phone writes into
/// the header itself sits further left and is never reached while a
/// trusted proxy stands between. A malformed header falls back to the last
/// trusted hop.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|network| network.contains(address));
    // A server listening on `[::]` sees IPv4 peers as `::ffff:a.b.c.d`.
    let peer = peer.to_canonical();
    if !is_trusted(&peer) {
        return peer;
    }
    let mut nearest = peer;
    let hops = forwarded_for.rev().flat_map(|value| value.rsplit(','));
    for hop in hops {
        let Some(address) = parse_hop(hop.trim()) else {
            return nearest;
        };
        if !is_trusted(&address) {
            return address;
        }
        nearest = address;
    }
    nearest
}

/// One `X-Forwarded-For` hop: an address, or an address with a port as some
/// balancers write it (`203.0.113.7:51234`, `[2001:db8::7]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let address = hop
        .parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()?;
    Some(address.to_canonical())
}

/// The logged-in user of a request. Extracting it from a request without a
/// live session answers 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user_id: i64,
    pub username: Username,
    pub display_name: String,
    pub access: Access,
    pub session_id: String,
    pub device_id: String,
    pub expires_at_ms: i64,
}

impl CurrentUser {
    pub fn me(&self) -> Me {
        Me {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            access: self.access.clone(),
            device_id: self.device_id.clone(),
            session_expires_at_ms: self.expires_at_ms,
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.access.role() == kabar_shared::account::Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<CurrentUser, ApiError> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
    }
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn session_cookie(state: &AppState, token: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    ))
    .expect("cookie characters are ASCII")
}

/// Middleware: finds the request's session, renews it when due (sending the
/// cookie again with a fresh lifetime), and makes [`CurrentUser`]
/// available to handlers.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = session_token(request.headers()).map(str::to_owned) else {
        return Ok(next.run(request).await);
    };
    let now = now_ms();
    let Some((session, user)) = state.store.live_session(&token_hash(&token), now).await? else {
        return Ok(next.run(request).await);
    };
    // Sliding, but never past the absolute end.
    let absolute_end = session.created_at_ms.saturating_add(SESSION_ABSOLUTE_MS);
    if now >= absolute_end {
        return Ok(next.run(request).await);
    }
    let renewed_until = (now + SESSION_MS).min(absolute_end);
    let renew = renewed_until - session.expires_at_ms >= RENEW_AFTER_MS;
    let expires_at_ms = if renew {
        state
            .store
            .renew_session(&session.id, now, renewed_until)
            .await?;
        renewed_until
    } else {
        session.expires_at_ms
    };
    request.extensions_mut().insert(CurrentUser {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        access: user.access,
        session_id: session.id,
        device_id: session.device_id,
        expires_at_ms,
    });
    let mut response = next.run(request).await;
    if renew {
        response.headers_mut().append(
            header::SET_COOKIE,
            session_cookie(&state, &token, (renewed_until - now) / 1000),
        );
    }
    Ok(response)
}

/// The longest username a login may name. Real ones are at most 32
/// characters; anything longer is refused at the edge, before it reaches
/// the throttle or the audit log.
pub const MAX_USERNAME_CHARS: usize = 64;

/// How long a refused login is told to wait when the server is busy.
const BUSY_RETRY_AFTER_S: i64 = 5;

const LOGIN_LIMITS: LoginLimits = LoginLimits {
    window_ms: LOCK_WINDOW_MS,
    per_name: LOCK_AFTER_FAILURES,
    per_client: CLIENT_FAILURE_LIMIT,
};

/// The key the per-address limit counts under: the address, or for IPv6
/// its /64, since one home or phone gets a whole /64 and could otherwise
/// pick a fresh address for every guess.
pub fn client_key(client: &str) -> String {
    match client.parse::<IpAddr>() {
        Ok(IpAddr::V6(address)) => {
            let prefix = u128::from(address) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
        _ => client.to_owned(),
    }
}

async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    if !valid_device_id(&request.device_id) {
        return Err(ApiError::InvalidRequest(
            "device_id must be 8-64 letters, digits or '-'".into(),
        ));
    }
    if request.username.chars().count() > MAX_USERNAME_CHARS {
        return Err(ApiError::InvalidRequest(format!(
            "username must be at most {MAX_USERNAME_CHARS} characters"
        )));
    }
    if request.password.len() > 1024 {
        return Err(ApiError::InvalidCredentials);
    }
    let now = now_ms();
    let username = Username::parse(&request.username).ok();
    let user = match &username {
        Some(username) => state.store.user_by_username(username).await?,
        None => None,
    };
    // Known and unknown names are throttled alike, under the same key, so
    // the answers never tell an outsider which names exist.
    let name_key = match &username {
        Some(username) => username.to_string(),
        None => request.username.trim().to_lowercase(),
    };
    // An admin's change (a password reset) or a good login lifts a lock.
    let counts_since = user
        .as_ref()
        .map(|user| user.last_login_ms.max(user.updated_at_ms))
        .unwrap_or(0);
    let reservation = state
        .store
        .reserve_login_attempt(
            &name_key,
            &client_key(&client),
            counts_since,
            now,
            LOGIN_LIMITS,
        )
        .await?;
    let (attempt, failures_before) = match reservation {
        LoginReservation::ClientThrottled { retry_after_ms } => {
            audit_login(
                &state,
                "login_refused_throttled",
                user.as_ref(),
                &request.username,
                &client,
            )
            .await?;
            return Err(ApiError::TooManyAttempts {
                retry_after_s: retry_after_ms / 1000,
            });
        }
        LoginReservation::NameLocked { retry_after_ms } => {
            audit_login(
                &state,
                "login_refused_locked",
                user.as_ref(),
                &request.username,
                &client,
            )
            .await?;
            return Err(ApiError::AccountLocked {
                retry_after_s: retry_after_ms / 1000,
            });
        }
        LoginReservation::Granted {
            id,
            failures_before,
        } => (id, failures_before),
    };
    // Argon2id takes 19 MiB and a core for tens of milliseconds: only so
    // many run at once, and a login that cannot get a slot soon enough is
    // told to come back rather than queue without end.
    let slot = match tokio::time::timeout(
        state.settings.login_queue_timeout,
        state.login_hashes.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(slot)) => slot,
        _ => {
            state.store.release_login_attempt(attempt).await?;
            return Err(ApiError::Busy {
                retry_after_s: BUSY_RETRY_AFTER_S,
            });
        }
    };
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => decoy_hash().await?,
    };
    let password_ok = verify_password(hash, request.password.clone()).await?;
    drop(slot);
    let user = match user {
        Some(user) if password_ok => user,
        other => {
            return Err(login_failed(
                &state,
                other.as_ref(),
                &request.username,
                &client,
                failures_before + 1,
                now,
            )
            .await?);
        }
    };
    state.store.release_login_attempt(attempt).await?;
    if user.disabled_at_ms.is_some() {
        audit_login(
            &state,
            "login_refused_disabled",
            Some(&user),
            &request.username,
            &client,
        )
        .await?;
        return Err(ApiError::AccountDisabled);
    }

    let token = random_hex(32)?;
    let session = NewSession {
        id: random_hex(12)?,
        token_hash: token_hash(&token),
        user_id: user.id,
        device_id: request.device_id.clone(),
        device_name: sanitize_device_name(&request.device_name),
        client: client.clone(),
        expires_at_ms: now + SESSION_MS,
    };
    state.store.create_session(&session, now).await?;
    state.store.mark_login(user.id, now).await?;
    audit_login(&state, "login", Some(&user), &request.username, &client).await?;
    let me = CurrentUser {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        access: user.access,
        session_id: session.id,
        device_id: session.device_id,
        expires_at_ms: session.expires_at_ms,
    }
    .me();
    let mut response = Json(me).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&state, &token, SESSION_MS / 1000),
    );
    Ok(response)
}

/// The longest device name kept.
pub const MAX_DEVICE_NAME_CHARS: usize = 64;

/// A device name as the phone sent it, made safe to print: control
/// characters (terminal escape sequences among them) and the bidirectional
/// overrides that can disguise text are dropped, runs of whitespace become
/// one space, and the result is cut to [`MAX_DEVICE_NAME_CHARS`].
pub fn sanitize_device_name(name: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    };
    let mut clean = String::new();
    let mut space = false;
    for c in name.chars() {
        if c.is_whitespace() {
            space = !clean.is_empty();
        } else if !hidden(c) {
            if space {
                clean.push(' ');
                space = false;
            }
            clean.push(c);
        }
    }
    clean.chars().take(MAX_DEVICE_NAME_CHARS).collect()
}

/// Records a failed login in the audit log; at the name's fifth failure in
/// the window a real account is marked locked (for `user list`), and says
/// so. The attempt itself was recorded when it was reserved.
async fn login_failed(
    state: &AppState,
    user: Option<&UserRecord>,
    attempted: &str,
    client: &str,
    failures: i64,
    now: i64,
) -> anyhow::Result<ApiError> {
    audit_login(state, "login_failed", user, attempted, client).await?;
    if failures >= LOCK_AFTER_FAILURES
        && let Some(user) = user
    {
        state.store.lock_user(user.id, now + LOCK_WINDOW_MS).await?;
        audit_login(state, "account_locked", Some(user), attempted, client).await?;
    }
    Ok(ApiError::InvalidCredentials)
}

async fn audit_login(
    state: &AppState,
    action: &'static str,
    user: Option<&UserRecord>,
    attempted: &str,
    client: &str,
) -> anyhow::Result<()> {
    let entry = AuditEntry {
        actor_id: user.map(|user| user.id),
        actor: Some(
            user.map(|user| user.username.to_string())
                .unwrap_or_else(|| {
                    attempted
                        .trim()
                        .to_lowercase()
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_USERNAME_CHARS)
                        .collect()
                }),
        ),
        action,
        target: None,
        client: Some(client.to_owned()),
        detail: serde_json::json!({}),
    };
    // Events an outsider can repeat at will are coalesced per window, so a
    // flood of guesses cannot push real events out of the admin's view.
    // A throttled address is one subject whatever names it tries, or it
    // could write a row per invented name.
    let repeatable = action != "login";
    let subject = if action == "login_refused_throttled" {
        String::new()
    } else {
        entry.actor.clone().unwrap_or_default()
    };
    let result = if repeatable {
        state
            .store
            .audit_coalesced(&entry, &subject, now_ms(), LOCK_WINDOW_MS)
            .await
    } else {
        state.store.audit(&entry, now_ms()).await
    };
    result.context("auditing a login")
}

async fn logout(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
) -> Result<Response, ApiError> {
    let now = now_ms();
    state.store.revoke_session(&user.session_id, now).await?;
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: "logout",
        target: Some(user.session_id.clone()),
        client: Some(client),
        detail: serde_json::json!({}),
    };
    state.store.audit(&entry, now).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

/// The signed-in user changes their own password. The current password is
/// checked as a login is, in a hashing slot and counted against the name
/// and the client like a failed login, so a stolen phone's session cannot
/// be used to guess it. Every other session of the user ends; this one
/// stays.
async fn change_password(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let new_password = NewPassword::parse(&request.new_password).map_err(ApiError::WeakPassword)?;
    if request.current_password.len() > 1024 {
        return Err(ApiError::WrongPassword);
    }
    let now = now_ms();
    let record = state
        .store
        .user_by_username(&user.username)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let counts_since = record.last_login_ms.max(record.updated_at_ms);
    let reservation = state
        .store
        .reserve_login_attempt(
            user.username.as_str(),
            &client_key(&client),
            counts_since,
            now,
            LOGIN_LIMITS,
        )
        .await?;
    let (attempt, failures_before) = match reservation {
        LoginReservation::ClientThrottled { retry_after_ms } => {
            return Err(ApiError::TooManyAttempts {
                retry_after_s: retry_after_ms / 1000,
            });
        }
        LoginReservation::NameLocked { retry_after_ms } => {
            return Err(ApiError::AccountLocked {
                retry_after_s: retry_after_ms / 1000,
            });
        }
        LoginReservation::Granted {
            id,
            failures_before,
        } => (id, failures_before),
    };
    let Ok(Ok(slot)) = tokio::time::timeout(
        state.settings.login_queue_timeout,
        state.login_hashes.clone().acquire_owned(),
    )
    .await
    else {
        state.store.release_login_attempt(attempt).await?;
        return Err(ApiError::Busy {
            retry_after_s: BUSY_RETRY_AFTER_S,
        });
    };
    let current_ok = verify_password(
        record.password_hash.clone(),
        request.current_password.clone(),
    )
    .await?;
    drop(slot);
    if !current_ok {
        let refused = login_failed(
            &state,
            Some(&record),
            user.username.as_str(),
            &client,
            failures_before + 1,
            now,
        )
        .await?;
        // A lock is still a lock; any other failure is a wrong password,
        // never a 401 that would sign the phone out.
        return Err(match refused {
            ApiError::InvalidCredentials => ApiError::WrongPassword,
            other => other,
        });
    }
    state.store.release_login_attempt(attempt).await?;
    let hash = hash_password(&new_password).await?;
    state
        .store
        .set_password_hash(user.user_id, &hash, now)
        .await?;
    let ended = state
        .store
        .revoke_other_sessions(user.user_id, &user.session_id, now)
        .await?;
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: "password_changed",
        target: Some(user.username.to_string()),
        client: Some(client),
        detail: serde_json::json!({ "other_sessions_ended": ended }),
    };
    state.store.audit(&entry, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(user: CurrentUser) -> Json<Me> {
    Json(user.me())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        fn check(peer: &str, forwarded_for: &[&str], trusted: &str, expect: &str) {
            let trusted: Vec<IpNet> = trusted
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let got = client_address(
                peer.parse().unwrap(),
                forwarded_for.iter().copied(),
                &trusted,
            );
            assert_eq!(
                got.to_string(),
                expect,
                "{peer} {forwarded_for:?} {trusted:?}"
            );
        }
        // Nobody trusted: the header is ignored, however it is set.
        check("203.0.113.7", &["198.51.100.1"], "", "203.0.113.7");
        // The balancer appended the phone's address.
        check("10.0.0.2", &["203.0.113.7"], "10.0.0.0/8", "203.0.113.7");
        // A phone that writes its own header only fools itself: the hop the
        // balancer added is the one believed.
        check(
            "10.0.0.2",
            &["1.2.3.4, 203.0.113.7"],
            "10.0.0.0/8",
            "203.0.113.7",
        );
        // Two trusted hops (nginx behind the balancer), header split in two.
        check(
            "10.0.0.2",
            &["203.0.113.7", "10.0.0.9"],
            "10.0.0.0/8",
            "203.0.113.7",
        );
        // A request from the trusted proxy itself, or a broken header.
        check("10.0.0.2", &[], "10.0.0.0/8", "10.0.0.2");
        check(
            "10.0.0.2",
            &["10.0.0.9, nonsense"],
            "10.0.0.0/8",
            "10.0.0.2",
        );
        check("10.0.0.2", &["unknown, 10.0.0.9"], "10.0.0.0/8", "10.0.0.9");
        check("::1", &["2001:db8::7"], "::1/128", "2001:db8::7");
        // Balancers that write ports, and IPv4 peers of a server on `[::]`.
        check(
            "10.0.0.2",
            &["203.0.113.7:51234"],
            "10.0.0.0/8",
            "203.0.113.7",
        );
        check(
            "10.0.0.2",
            &["[2001:db8::7]:443"],
            "10.0.0.0/8",
            "2001:db8::7",
        );
        check(
            "::ffff:10.0.0.2",
            &["203.0.113.7"],
            "10.0.0.0/8",
            "203.0.113.7",
        );
        check(
            "::ffff:10.0.0.2",
            &["::ffff:10.0.0.9, 203.0.113.7"],
            "10.0.0.0/8",
            "203.0.113.7",
        );
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_at_owasp_parameters_and_verify() {
        let password = NewPassword::parse("kata-sandi-panjang").unwrap();
        let hash = hash_password(&password).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password(hash.clone(), "kata-sandi-panjang".into())
                .await
                .unwrap()
        );
        assert!(
            !verify_password(hash.clone(), "kata-sandi-salah".into())
                .await
                .unwrap()
        );
        let again = hash_password(&password).await.unwrap();
        assert_ne!(hash, again, "every hash has its own salt");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64_and_ipv4_by_address() {
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("unknown"), "unknown");
    }

    #[test]
    fn device_names_lose_control_characters_and_bidi_overrides() {
        assert_eq!(sanitize_device_name("Samsung A05"), "Samsung A05");
        assert_eq!(
            sanitize_device_name("\u{1b}[31mMerah\u{1b}[0m\t\r\nHP\u{202E}kcaB\u{0}"),
            "[31mMerah[0m HPkcaB"
        );
        assert_eq!(sanitize_device_name("  \n "), "");
        assert_eq!(sanitize_device_name(&"é".repeat(100)).chars().count(), 64);
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_must_look_like_a_token() {
        fn check(cookie: &str, expect: Option<&str>) {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
            assert_eq!(session_token(&headers), expect, "{cookie:?}");
        }
        let token = "ab".repeat(32);
        check(&format!("kabar_session={token}"), Some(&token));
        check(
            &format!("lang=id; kabar_session={token}; x=1"),
            Some(&token),
        );
        check("kabar_session=short", None);
        check(&format!("other_session={token}"), None);
    }
}
