//! Users, their device sessions and failed logins.

use super::Store;
use anyhow::Context;
use kabar_shared::VillageCode;
use kabar_shared::account::{Access, DistrictCode, Role, Scope, Username};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub access: Access,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: Username,
    pub display_name: String,
    pub access: Access,
    pub password_hash: String,
    pub disabled_at_ms: Option<i64>,
    pub locked_until_ms: i64,
    pub last_login_ms: i64,
    /// When an admin last changed the account (password reset, enable,
    /// disable); failed logins before it no longer count toward a lock.
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub token_hash: String,
    pub user_id: i64,
    pub device_id: String,
    pub device_name: String,
    pub client: String,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionRecord {
    pub id: String,
    pub username: String,
    pub device_id: String,
    pub device_name: String,
    pub client: String,
    pub created_at_ms: i64,
    pub last_seen_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// The login throttle's limits.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub window_ms: i64,
    /// Failed attempts on one name within the window that lock it.
    pub per_name: i64,
    /// Attempts of any kind from one address within the window.
    pub per_client: i64,
}

/// The answer of [`Store::reserve_login_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginReservation {
    /// The password may be checked. The attempt is recorded as a failure
    /// under `id` until released; `failures_before` counts the name's
    /// earlier failures in the window.
    Granted { id: i64, failures_before: i64 },
    /// The address has made too many attempts.
    ClientThrottled { retry_after_ms: i64 },
    /// The name (an account or not) has failed too often.
    NameLocked { retry_after_ms: i64 },
}

const USER_COLUMNS: &str = "id, username, display_name, role, scope_kind, village_code, district_code, \
     password_hash, disabled_at_ms, locked_until_ms, last_login_ms, updated_at_ms";

fn user_record(row: &AnyRow) -> anyhow::Result<UserRecord> {
    let role = Role::parse(&row.try_get::<String, _>(3)?)?;
    let scope = match row.try_get::<String, _>(4)?.as_str() {
        "village" => Scope::Village(VillageCode::parse(
            &row.try_get::<Option<String>, _>(5)?
                .context("village scope without a village")?,
        )?),
        "district" => Scope::District(DistrictCode::parse(
            &row.try_get::<Option<String>, _>(6)?
                .context("district scope without a district")?,
        )?),
        "all" => Scope::All,
        other => anyhow::bail!("unknown stored scope {other:?}"),
    };
    Ok(UserRecord {
        id: row.try_get(0)?,
        username: Username::parse(&row.try_get::<String, _>(1)?)?,
        display_name: row.try_get(2)?,
        access: Access::new(role, scope)?,
        password_hash: row.try_get(7)?,
        disabled_at_ms: row.try_get(8)?,
        locked_until_ms: row.try_get(9)?,
        last_login_ms: row.try_get(10)?,
        updated_at_ms: row.try_get(11)?,
    })
}

fn scope_columns(scope: &Scope) -> (&'static str, Option<String>, Option<String>) {
    match scope {
        Scope::Village(code) => ("village", Some(code.as_str().to_owned()), None),
        Scope::District(code) => ("district", None, Some(code.as_str().to_owned())),
        Scope::All => ("all", None, None),
    }
}

impl Store {
    /// Creates a user; `None` when the username is taken.
    pub async fn create_user(&self, user: &NewUser, now_ms: i64) -> anyhow::Result<Option<i64>> {
        let (kind, village, district) = scope_columns(user.access.scope());
        let row = sqlx::query(
            "INSERT INTO users (username, display_name, role, scope_kind, village_code, district_code,
                                password_hash, created_at_ms, updated_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (username) DO NOTHING
             RETURNING id",
        )
        .bind(user.username.as_str())
        .bind(&user.display_name)
        .bind(user.access.role().as_str())
        .bind(kind)
        .bind(village)
        .bind(district)
        .bind(&user.password_hash)
        .bind(now_ms)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|row| Ok(row.try_get(0)?)).transpose()
    }

    pub async fn user_by_username(
        &self,
        username: &Username,
    ) -> anyhow::Result<Option<UserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username.as_str())
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(user_record).transpose()
    }

    pub async fn users(&self) -> anyhow::Result<Vec<UserRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.writer)
        .await?;
        rows.iter().map(user_record).collect()
    }

    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE users SET password_hash = $1, locked_until_ms = 0, updated_at_ms = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(now_ms)
        .bind(user_id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn set_disabled(
        &self,
        user_id: i64,
        disabled_at_ms: Option<i64>,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE users SET disabled_at_ms = $1, updated_at_ms = $2 WHERE id = $3")
            .bind(disabled_at_ms)
            .bind(now_ms)
            .bind(user_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Decides, atomically, whether one more login attempt may have its
    /// password checked, and records it before it is checked.
    ///
    /// Within one transaction, serialized against every other reservation
    /// (SQLite has one writer; PostgreSQL takes an advisory lock), this
    /// prunes rows older than the window, refuses the attempt when the
    /// address (`client_key`) has reached its limit or the name has, and
    /// otherwise records it as a failure. A refused attempt is recorded too,
    /// counting toward the address's limit but not the name's lock. The
    /// caller removes a granted attempt's row when the password was right
    /// ([`Store::release_login_attempt`]). So however many guesses arrive at
    /// once, at most `limits.per_name` of them are ever evaluated.
    pub async fn reserve_login_attempt(
        &self,
        name_key: &str,
        client_key: &str,
        name_counts_since_ms: i64,
        now_ms: i64,
        limits: LoginLimits,
    ) -> anyhow::Result<LoginReservation> {
        let window_start = now_ms - limits.window_ms;
        let mut tx = self.begin().await?;
        if self.backend == super::Backend::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(4000002)) AS locked")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at_ms <= $1")
            .bind(window_start)
            .execute(&mut *tx)
            .await?;
        let insert = "INSERT INTO login_failures (username, client, at_ms, counts_for_account)
                      VALUES ($1, $2, $3, $4) RETURNING id";
        let client_attempts: i64 =
            sqlx::query("SELECT COUNT(*) FROM login_failures WHERE client = $1 AND at_ms > $2")
                .bind(client_key)
                .bind(window_start)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        if client_attempts >= limits.per_client {
            sqlx::query(insert)
                .bind(name_key)
                .bind(client_key)
                .bind(now_ms)
                .bind(0i32)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(LoginReservation::ClientThrottled {
                retry_after_ms: limits.window_ms,
            });
        }
        let name_since = window_start.max(name_counts_since_ms);
        let name_failures: Vec<i64> = sqlx::query(
            "SELECT at_ms FROM login_failures
             WHERE username = $1 AND counts_for_account = 1 AND at_ms > $2
             ORDER BY at_ms DESC LIMIT $3",
        )
        .bind(name_key)
        .bind(name_since)
        .bind(limits.per_name)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
        let failures = name_failures.len() as i64;
        if failures >= limits.per_name {
            sqlx::query(insert)
                .bind(name_key)
                .bind(client_key)
                .bind(now_ms)
                .bind(0i32)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            // The name unlocks when the oldest of its last `per_name`
            // failures leaves the window.
            let oldest = name_failures.last().copied().unwrap_or(now_ms);
            return Ok(LoginReservation::NameLocked {
                retry_after_ms: (oldest + limits.window_ms - now_ms).max(1000),
            });
        }
        let id: i64 = sqlx::query(insert)
            .bind(name_key)
            .bind(client_key)
            .bind(now_ms)
            .bind(1i32)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        tx.commit().await?;
        Ok(LoginReservation::Granted {
            id,
            failures_before: failures,
        })
    }

    /// Forgets a granted attempt: the password was right, or it was never
    /// checked.
    pub async fn release_login_attempt(&self, id: i64) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// How many rows the throttle holds (the tests check it is pruned).
    pub async fn login_failure_rows(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM login_failures")
            .fetch_one(&self.writer)
            .await?
            .try_get(0)?)
    }

    pub async fn lock_user(&self, user_id: i64, until_ms: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE users SET locked_until_ms = $1 WHERE id = $2")
            .bind(until_ms)
            .bind(user_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn mark_login(&self, user_id: i64, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE users SET last_login_ms = $1, locked_until_ms = 0 WHERE id = $2")
            .bind(now_ms)
            .bind(user_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn create_session(&self, session: &NewSession, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, device_id, device_name, client,
                                   created_at_ms, last_seen_ms, expires_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
        )
        .bind(&session.id)
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.device_id)
        .bind(&session.device_name)
        .bind(&session.client)
        .bind(now_ms)
        .bind(session.expires_at_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The live session with this token hash and its user: not revoked, not
    /// expired, and the user not disabled.
    pub async fn live_session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> anyhow::Result<Option<(SessionRecord, UserRecord)>> {
        let columns: String = USER_COLUMNS
            .split(", ")
            .map(|column| format!("u.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(&format!(
            "SELECT {columns}, s.id, s.device_id, s.device_name, s.client, s.created_at_ms,
                    s.last_seen_ms, s.expires_at_ms
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at_ms IS NULL AND s.expires_at_ms > $2
               AND u.disabled_at_ms IS NULL"
        ))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.writer)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_record(&row)?;
        let session = SessionRecord {
            id: row.try_get(12)?,
            username: user.username.to_string(),
            device_id: row.try_get(13)?,
            device_name: row.try_get(14)?,
            client: row.try_get(15)?,
            created_at_ms: row.try_get(16)?,
            last_seen_ms: row.try_get(17)?,
            expires_at_ms: row.try_get(18)?,
            revoked_at_ms: None,
        };
        Ok(Some((session, user)))
    }

    pub async fn renew_session(
        &self,
        id: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_ms = $1, expires_at_ms = $2 WHERE id = $3 AND revoked_at_ms IS NULL")
            .bind(now_ms)
            .bind(expires_at_ms)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Revokes one session; false when there is no such live session.
    pub async fn revoke_session(&self, id: &str, now_ms: i64) -> anyhow::Result<bool> {
        let result = sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Revokes every live session of a user; returns how many.
    pub async fn revoke_sessions_of(&self, user_id: i64, now_ms: i64) -> anyhow::Result<u64> {
        let result = sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1 WHERE user_id = $2 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(user_id)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected())
    }

    /// Revokes every live session of a user but one (the one that changed
    /// the password); returns how many.
    pub async fn revoke_other_sessions(
        &self,
        user_id: i64,
        keep_session_id: &str,
        now_ms: i64,
    ) -> anyhow::Result<u64> {
        let result = sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1
             WHERE user_id = $2 AND id <> $3 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(user_id)
        .bind(keep_session_id)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected())
    }

    /// Sessions, newest first, of one user or of everyone.
    pub async fn sessions(
        &self,
        username: Option<&Username>,
    ) -> anyhow::Result<Vec<SessionRecord>> {
        self.sessions_page(username, None, i64::MAX).await
    }

    /// At most `limit` sessions, newest first, after the session `after`
    /// (its creation time and id) when given.
    pub async fn sessions_page(
        &self,
        username: Option<&Username>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> anyhow::Result<Vec<SessionRecord>> {
        let (after_ms, after_id) = after.unwrap_or((i64::MAX, ""));
        let rows = sqlx::query(
            "SELECT s.id, u.username, s.device_id, s.device_name, s.client, s.created_at_ms,
                    s.last_seen_ms, s.expires_at_ms, s.revoked_at_ms
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE ($1 = '' OR u.username = $1)
               AND (s.created_at_ms < $2 OR (s.created_at_ms = $2 AND s.id > $3))
             ORDER BY s.created_at_ms DESC, s.id
             LIMIT $4",
        )
        .bind(username.map(Username::as_str).unwrap_or("").to_owned())
        .bind(after_ms)
        .bind(after_id.to_owned())
        .bind(limit)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionRecord {
                    id: row.try_get(0)?,
                    username: row.try_get(1)?,
                    device_id: row.try_get(2)?,
                    device_name: row.try_get(3)?,
                    client: row.try_get(4)?,
                    created_at_ms: row.try_get(5)?,
                    last_seen_ms: row.try_get(6)?,
                    expires_at_ms: row.try_get(7)?,
                    revoked_at_ms: row.try_get(8)?,
                })
            })
            .collect()
    }
}
