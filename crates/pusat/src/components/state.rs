//! What every screen shares: the language, who is signed in, the forms,
//! and which screen is open (kept in the address's `#` part, so the back
//! button and a pasted link work).

use crate::api;
use crate::i18n::Lang;
use kabar_shared::account::Me;
use kabar_shared::form::FormDefinition;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Inbox,
    Report(String),
    Grid,
    /// The outbox to the mayor's office and its recipients (admins only).
    Mail,
    /// Form versions: list, view, publish (admins only).
    Forms,
    /// Reports with a GPS point on a map.
    Map,
    /// Accounts, device sessions and the audit log (admins only).
    Accounts,
    Sessions,
    Audit,
}

impl Screen {
    pub fn from_hash(hash: &str) -> Screen {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        match path.split_once('/') {
            Some(("laporan", id)) if !id.is_empty() => Screen::Report(id.to_owned()),
            _ if path == "kelengkapan" => Screen::Grid,
            _ if path == "surat" => Screen::Mail,
            _ if path == "formulir" => Screen::Forms,
            _ if path == "peta" => Screen::Map,
            _ if path == "akun" => Screen::Accounts,
            _ if path == "sesi" => Screen::Sessions,
            _ if path == "audit" => Screen::Audit,
            _ => Screen::Inbox,
        }
    }

    pub fn hash(&self) -> String {
        match self {
            Screen::Inbox => "#/".into(),
            Screen::Report(id) => format!("#/laporan/{id}"),
            Screen::Grid => "#/kelengkapan".into(),
            Screen::Mail => "#/surat".into(),
            Screen::Forms => "#/formulir".into(),
            Screen::Map => "#/peta".into(),
            Screen::Accounts => "#/akun".into(),
            Screen::Sessions => "#/sesi".into(),
            Screen::Audit => "#/audit".into(),
        }
    }

    /// The screen the address names now.
    pub fn current() -> Screen {
        Screen::from_hash(&window().location().hash().unwrap_or_default())
    }
}

/// Opens a screen by changing the address; the `hashchange` listener in
/// the app follows.
pub fn go(screen: &Screen) {
    let _ = window().location().set_hash(&screen.hash());
}

const LANG_KEY: &str = "kabar-pusat-lang";

#[derive(Clone, Copy)]
pub struct Pusat {
    pub lang: RwSignal<Lang>,
    pub me: RwSignal<Option<Me>>,
    pub screen: RwSignal<Screen>,
    pub forms: RwSignal<Vec<FormDefinition>>,
    /// Set when a village head or volunteer signed in here.
    pub field_user_refused: RwSignal<bool>,
}

impl Pusat {
    pub fn new() -> Pusat {
        let stored = storage().and_then(|storage| storage.get_item(LANG_KEY).ok().flatten());
        let lang = if stored.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Id
        };
        Pusat {
            lang: RwSignal::new(lang),
            me: RwSignal::new(None),
            screen: RwSignal::new(Screen::current()),
            forms: RwSignal::new(Vec::new()),
            field_user_refused: RwSignal::new(false),
        }
    }

    pub fn toggle_lang(self) {
        let lang = match self.lang.get_untracked() {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        };
        self.lang.set(lang);
        if let Some(storage) = storage() {
            let _ = storage.set_item(LANG_KEY, if lang == Lang::En { "en" } else { "id" });
        }
    }

    /// Lets reviewers and admins in. A village head or volunteer is signed
    /// out again at once and told where their app is.
    pub fn signed_in(self, me: Me) {
        if me.access.role().is_village_bound() {
            self.field_user_refused.set(true);
            spawn_local(api::logout());
            return;
        }
        self.field_user_refused.set(false);
        self.me.set(Some(me));
        spawn_local(async move {
            if let Ok(forms) = api::forms().await {
                self.forms.set(forms);
            }
        });
    }

    /// The newest version of each form, in catalog order.
    pub fn latest_forms(self) -> Vec<FormDefinition> {
        let mut latest: Vec<FormDefinition> = Vec::new();
        for form in self.forms.get() {
            match latest.iter_mut().find(|known| known.id == form.id) {
                Some(known) if known.version < form.version => *known = form,
                Some(_) => {}
                None => latest.push(form),
            }
        }
        latest
    }
}

impl Default for Pusat {
    fn default() -> Pusat {
        Pusat::new()
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// This browser's device id for logins, kept in local storage.
pub fn device_id() -> String {
    const KEY: &str = "kabar-pusat-device";
    if let Some(id) = storage().and_then(|storage| storage.get_item(KEY).ok().flatten()) {
        return id;
    }
    let mut bytes = [0u8; 12];
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    let id: String = std::iter::once("pusat-".to_owned())
        .chain(bytes.iter().map(|byte| format!("{byte:02x}")))
        .collect();
    if let Some(storage) = storage() {
        let _ = storage.set_item(KEY, &id);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_round_trip_through_the_address() {
        for screen in [
            Screen::Inbox,
            Screen::Grid,
            Screen::Forms,
            Screen::Map,
            Screen::Accounts,
            Screen::Sessions,
            Screen::Audit,
            Screen::Report("019ab697-e801-7101-8101-010101010101".into()),
        ] {
            assert_eq!(Screen::from_hash(&screen.hash()), screen);
        }
        assert_eq!(Screen::from_hash(""), Screen::Inbox);
        assert_eq!(Screen::from_hash("#/laporan/"), Screen::Inbox);
        assert_eq!(Screen::from_hash("#/tidak-ada"), Screen::Inbox);
    }
}
