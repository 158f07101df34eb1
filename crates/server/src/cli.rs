//! The admin command line: `kabar-server user …` and `kabar-server session …`
//! work on the same database as the server, running or not.

use crate::auth::hash_password;
use crate::config::Command;
use crate::store::{AuditEntry, NewUser, Store, now_ms};
use anyhow::{Context, bail};
use kabar_shared::VillageCode;
use kabar_shared::account::{Access, DistrictCode, NewPassword, Role, Scope, Username};
use std::io::{BufRead, Write};

/// Runs one admin command, reading a password from `input` when needed and
/// writing what it did to `output`.
pub async fn run(
    store: &Store,
    command: &Command,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
) -> anyhow::Result<()> {
    let now = now_ms();
    match command {
        Command::Serve => bail!("serve is not an admin command"),
        Command::UserCreate {
            username,
            role,
            village,
            district,
            name,
        } => {
            let username = Username::parse(username)?;
            let role = Role::parse(role)?;
            let scope = match (village, district) {
                (Some(_), Some(_)) => bail!("give --village or --district, not both"),
                (Some(village), None) => Scope::Village(VillageCode::parse(village)?),
                (None, Some(district)) => Scope::District(DistrictCode::parse(district)?),
                (None, None) => Scope::All,
            };
            let access = Access::new(role, scope)?;
            let password = read_password(input)?;
            let user = NewUser {
                display_name: name.clone().unwrap_or_else(|| username.to_string()),
                username: username.clone(),
                access,
                password_hash: hash_password(&password).await?,
            };
            let Some(id) = store.create_user(&user, now).await? else {
                bail!("a user named {username} exists already");
            };
            audit(
                store,
                "user_created",
                &username,
                serde_json::json!({ "access": user.access }),
            )
            .await?;
            writeln!(output, "created user {username} (id {id}, {role})")?;
        }
        Command::UserResetPassword { username } => {
            let user = find_user(store, username).await?;
            let password = read_password(input)?;
            store
                .set_password_hash(user.0, &hash_password(&password).await?, now)
                .await?;
            let ended = store.revoke_sessions_of(user.0, now).await?;
            audit(
                store,
                "password_reset",
                &user.1,
                serde_json::json!({ "sessions_ended": ended }),
            )
            .await?;
            writeln!(
                output,
                "password of {} reset; {ended} session(s) ended",
                user.1
            )?;
        }
        Command::UserDisable { username } => {
            let user = find_user(store, username).await?;
            store.set_disabled(user.0, Some(now), now).await?;
            let ended = store.revoke_sessions_of(user.0, now).await?;
            audit(
                store,
                "user_disabled",
                &user.1,
                serde_json::json!({ "sessions_ended": ended }),
            )
            .await?;
            writeln!(output, "disabled {}; {ended} session(s) ended", user.1)?;
        }
        Command::UserEnable { username } => {
            let user = find_user(store, username).await?;
            store.set_disabled(user.0, None, now).await?;
            audit(store, "user_enabled", &user.1, serde_json::json!({})).await?;
            writeln!(output, "enabled {}", user.1)?;
        }
        Command::UserList => {
            for user in store.users().await? {
                let scope = match user.access.scope() {
                    Scope::Village(code) => code.to_string(),
                    Scope::District(code) => format!("kecamatan {code}"),
                    Scope::All => "all villages".into(),
                };
                let state = if user.disabled_at_ms.is_some() {
                    "disabled"
                } else if user.locked_until_ms > now {
                    "locked"
                } else {
                    "active"
                };
                writeln!(
                    output,
                    "{}\t{}\t{}\t{}\t{}",
                    user.username,
                    user.access.role(),
                    scope,
                    state,
                    user.display_name
                )?;
            }
        }
        Command::SessionList { username } => {
            let username = username.as_deref().map(Username::parse).transpose()?;
            writeln!(
                output,
                "id\tuser\tdevice\tlast seen (ms)\texpires (ms)\tstate"
            )?;
            for session in store.sessions(username.as_ref()).await? {
                let state = if session.revoked_at_ms.is_some() {
                    "revoked"
                } else if session.expires_at_ms <= now {
                    "expired"
                } else {
                    "live"
                };
                writeln!(
                    output,
                    "{}\t{}\t{} {}\t{}\t{}\t{}",
                    session.id,
                    session.username,
                    session.device_id,
                    // Rows from before names were cleaned on input.
                    crate::auth::sanitize_device_name(&session.device_name),
                    session.last_seen_ms,
                    session.expires_at_ms,
                    state
                )?;
            }
        }
        Command::Backup { .. } | Command::Restore { .. } => {
            bail!("backup and restore work on the database itself: see kabar_server::backup")
        }
        Command::SessionRevoke { id, username } => {
            let ended = match (id, username) {
                (Some(id), _) => u64::from(store.revoke_session(id, now).await?),
                (None, Some(username)) => {
                    let user = find_user(store, username).await?;
                    store.revoke_sessions_of(user.0, now).await?
                }
                (None, None) => bail!("session revoke needs --id or --username"),
            };
            let entry = AuditEntry {
                actor_id: None,
                actor: Some("cli".into()),
                action: "session_revoked",
                target: id.clone().or_else(|| username.clone()),
                client: Some("cli".into()),
                detail: serde_json::json!({ "sessions_ended": ended }),
            };
            store.audit(&entry, now).await?;
            writeln!(output, "{ended} session(s) ended")?;
        }
    }
    Ok(())
}

fn read_password(input: &mut dyn BufRead) -> anyhow::Result<NewPassword> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']);
    Ok(NewPassword::parse(password)?)
}

async fn find_user(store: &Store, username: &str) -> anyhow::Result<(i64, Username)> {
    let username = Username::parse(username)?;
    let user = store
        .user_by_username(&username)
        .await?
        .with_context(|| format!("no user named {username}"))?;
    Ok((user.id, user.username))
}

async fn audit(
    store: &Store,
    action: &'static str,
    target: &Username,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    let entry = AuditEntry {
        actor_id: None,
        actor: Some("cli".into()),
        action,
        target: Some(target.to_string()),
        client: Some("cli".into()),
        detail,
    };
    store.audit(&entry, now_ms()).await
}
