//! Who receives the mail: the mayor's office and a camat per kecamatan,
//! editable by an admin. The server checks every address and says which
//! one it refuses; nothing is saved then.

use super::state::Pusat;
use crate::api::{self, CamatRecipient, Failure, Recipients};
use crate::i18n;
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The editor's inputs: the mayor's office as one comma-separated line, and
/// one address per kecamatan of the gazetteer (empty for none).
#[derive(Clone)]
struct Fields {
    mayor: RwSignal<String>,
    camat: Vec<(String, String, RwSignal<String>)>,
    from_config: RwSignal<bool>,
}

impl Fields {
    fn new() -> Fields {
        let camat = Gazetteer::kotamobagu()
            .districts
            .iter()
            .map(|district| {
                (
                    district.code.clone(),
                    district.name.clone(),
                    RwSignal::new(String::new()),
                )
            })
            .collect();
        Fields {
            mayor: RwSignal::new(String::new()),
            camat,
            from_config: RwSignal::new(false),
        }
    }

    fn fill(&self, recipients: Recipients) {
        self.mayor.set(recipients.mayor_office.join(", "));
        for (code, _, address) in &self.camat {
            let found = recipients
                .camat
                .iter()
                .find(|entry| &entry.kecamatan == code);
            address.set(found.map(|entry| entry.email.clone()).unwrap_or_default());
        }
        self.from_config.set(recipients.source == "configuration");
    }

    fn wanted(&self) -> Recipients {
        let mayor = self.mayor.get_untracked();
        let mayor_office = mayor
            .split(',')
            .map(str::trim)
            .filter(|text| !text.is_empty());
        let camat = self.camat.iter().filter_map(|(code, _, address)| {
            let email = address.get_untracked().trim().to_owned();
            (!email.is_empty()).then(|| CamatRecipient {
                kecamatan: code.clone(),
                email,
            })
        });
        Recipients {
            mayor_office: mayor_office.map(str::to_owned).collect(),
            camat: camat.collect(),
            source: String::new(),
        }
    }
}

#[component]
pub fn RecipientsEditor() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let fields = Fields::new();
    let (mayor, from_config, camat) = (fields.mayor, fields.from_config, fields.camat.clone());
    let outcome = RwSignal::new(None::<Result<(), Failure>>);
    let loaded = fields.clone();
    spawn_local(async move {
        match api::mail_recipients().await {
            Ok(recipients) => loaded.fill(recipients),
            Err(failure) => outcome.set(Some(Err(failure))),
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (wanted, fields) = (fields.wanted(), fields.clone());
        spawn_local(async move {
            let answer = api::set_mail_recipients(&wanted).await;
            outcome.set(Some(answer.map(|saved| fields.fill(saved))));
        });
    };
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <form class="recipients" on:submit=save>
            <h2>{t(i18n::RECIPIENTS_TITLE)}</h2>
            <Show when=move || from_config.get()><p class="hint">{t(i18n::RECIPIENTS_FROM_CONFIG)}</p></Show>
            <label for="recipient-mayor">{t(i18n::RECIPIENTS_MAYOR)}</label>
            <input id="recipient-mayor" type="text" bind:value=mayor />
            {camat.into_iter().map(|(code, name, address)| view! {
                <label for=format!("recipient-camat-{code}")>{t(i18n::RECIPIENTS_CAMAT)}" "{name}</label>
                <input id=format!("recipient-camat-{code}") type="email" bind:value=address />
            }).collect_view()}
            <button type="submit">{t(i18n::SAVE)}</button>
            {move || match outcome.get() {
                Some(Ok(())) => view! { <p class="saved" role="status">{i18n::SAVED_RECIPIENTS.get(lang.get())}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text_with_detail(lang.get())}</p> }.into_any(),
                None => ().into_any(),
            }}
        </form>
    }
}
