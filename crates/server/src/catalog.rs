//! The server's live form catalog: the built-in forms shipped in
//! `kabar-shared` together with every version an admin published in the
//! Command Center (the `published_forms` table).
//!
//! Reports are validated against it, the sync pull sends it to phones, and
//! the Command Center renders reports with it. A publication replaces the
//! whole catalog at once, so a request that took a [`Snapshot`] keeps one
//! consistent set of forms and its fingerprint while it runs.
//!
//! Several servers may share one PostgreSQL database; a version published
//! through one of them reaches the others at their next [`LiveCatalog::fresh`]
//! (the sync endpoints call it), which compares the number of published rows
//! with what this server loaded. Published versions are never changed or
//! deleted, so that count grows exactly when something new was published.

use crate::store::Store;
use kabar_shared::form::{FormCatalog, FormDefinition};
use std::ops::Deref;
use std::sync::{Arc, RwLock};

/// One consistent state of the catalog.
#[derive(Debug)]
pub struct Snapshot {
    pub forms: FormCatalog,
    /// The fingerprint of every form version, for pull cursors.
    pub fingerprint: String,
    /// How many published (not built-in) versions it holds.
    pub published: i64,
}

impl Deref for Snapshot {
    type Target = FormCatalog;

    fn deref(&self) -> &FormCatalog {
        &self.forms
    }
}

impl Snapshot {
    fn of(forms: FormCatalog, published: i64) -> Snapshot {
        let all: Vec<&FormDefinition> = forms.forms().collect();
        Snapshot {
            fingerprint: crate::sync::fingerprint(&all),
            forms,
            published,
        }
    }
}

#[derive(Debug)]
pub struct LiveCatalog {
    current: RwLock<Arc<Snapshot>>,
}

impl LiveCatalog {
    /// The built-in forms and every published version in `store`.
    pub async fn load(store: &Store) -> anyhow::Result<LiveCatalog> {
        let catalog = LiveCatalog {
            current: RwLock::new(Arc::new(Snapshot::of(FormCatalog::builtin(), 0))),
        };
        catalog.reload(store).await?;
        Ok(catalog)
    }

    /// The catalog as it is now.
    pub fn current(&self) -> Arc<Snapshot> {
        // A poisoned lock only means another thread panicked while swapping
        // an `Arc`; the value inside is still whole.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The catalog, first reloaded when another server sharing the
    /// database published a version this one has not seen yet.
    pub async fn fresh(&self, store: &Store) -> anyhow::Result<Arc<Snapshot>> {
        let current = self.current();
        if store.published_form_count().await? == current.published {
            return Ok(current);
        }
        self.reload(store).await
    }

    /// Reads every published version again and swaps the catalog.
    pub async fn reload(&self, store: &Store) -> anyhow::Result<Arc<Snapshot>> {
        let published = store.published_forms().await?;
        let mut forms = FormCatalog::builtin();
        for row in &published {
            let definition = match serde_json::from_str::<FormDefinition>(&row.definition_json) {
                Ok(definition) => definition,
                Err(error) => {
                    // Only definitions that passed the checks are stored;
                    // one this build cannot read (written by a newer
                    // server) is left out rather than stopping the server.
                    tracing::warn!(form = %row.form_id, version = row.version, %error, "a published form version cannot be read; left out");
                    continue;
                }
            };
            if let Err(error) = forms.publish(definition) {
                // A built-in file shipped later under the same id and
                // version wins; the admin publishes the next version.
                tracing::warn!(form = %row.form_id, version = row.version, %error, "a published form version clashes with the catalog; left out");
            }
        }
        let count = i64::try_from(published.len()).unwrap_or(i64::MAX);
        let snapshot = Arc::new(Snapshot::of(forms, count));
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = snapshot.clone();
        Ok(snapshot)
    }
}
