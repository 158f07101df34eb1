//! The short report form: village, title, body. Saving writes to IndexedDB
//! first and only then clears the form, so a failed save loses nothing.

use super::state::{AppState, VILLAGE_KEY, database, local_storage_get, local_storage_set};
use crate::i18n::{self, Lang};
use crate::time::now_ms;
use kabar_shared::report::FieldProblem;
use kabar_shared::village::Gazetteer;
use kabar_shared::{Report, ReportBody, ReportId, ReportTitle, VillageCode};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Saved,
    SaveFailed(String),
}

/// Problems shown next to the fields; recomputed only on submit so the user
/// is not scolded while typing.
#[derive(Debug, Clone, Default, PartialEq)]
struct FormProblems {
    village: bool,
    title: Option<FieldProblem>,
    body: Option<FieldProblem>,
}

#[component]
pub fn ReportForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let gazetteer = StoredValue::new(Gazetteer::kotamobagu());
    let village = RwSignal::new(local_storage_get(VILLAGE_KEY).unwrap_or_default());
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let problems = RwSignal::new(FormProblems::default());
    let notice = RwSignal::new(None::<Notice>);
    let saving = RwSignal::new(false);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let village_code = VillageCode::parse(&village.get_untracked())
            .ok()
            .filter(|code| gazetteer.with_value(|g| g.village(code).is_some()));
        let parsed_title = ReportTitle::parse(&title.get_untracked());
        let parsed_body = ReportBody::parse(&body.get_untracked());
        let found = FormProblems {
            village: village_code.is_none(),
            title: parsed_title.as_ref().err().cloned(),
            body: parsed_body.as_ref().err().cloned(),
        };
        problems.set(found.clone());
        let (Some(village_code), Ok(parsed_title), Ok(parsed_body)) =
            (village_code, parsed_title, parsed_body)
        else {
            notice.set(None);
            return;
        };
        let now = now_ms();
        let report = Report::short(
            ReportId::new_v7(now as u64, random_bytes()),
            village_code.clone(),
            now,
            &parsed_title,
            &parsed_body,
        );
        saving.set(true);
        spawn_local(async move {
            let saved = match database().await {
                Ok(db) => db.save_new(&report, now).await,
                Err(error) => Err(error),
            };
            saving.set(false);
            match saved {
                Ok(()) => {
                    local_storage_set(VILLAGE_KEY, village_code.as_str());
                    title.set(String::new());
                    body.set(String::new());
                    notice.set(Some(Notice::Saved));
                    state.reload_entries().await;
                    state.request_sync();
                }
                Err(error) => notice.set(Some(Notice::SaveFailed(error.to_string()))),
            }
        });
    };

    let problem_text = move |problem: Option<FieldProblem>| {
        problem.map(|problem| view! { <p class="field-error">{i18n::field_problem(&problem, lang.get())}</p> })
    };

    view! {
        <section class="card">
            <h2>{move || i18n::NEW_REPORT.get(lang.get())}</h2>
            <form on:submit=submit novalidate>
                <label for="village">{move || i18n::VILLAGE.get(lang.get())}</label>
                <select
                    id="village"
                    name="village"
                    prop:value=move || village.get()
                    on:change=move |ev| village.set(event_target_value(&ev))
                >
                    <option value="">{move || i18n::CHOOSE_VILLAGE.get(lang.get())}</option>
                    {gazetteer
                        .with_value(|g| g.districts.clone())
                        .into_iter()
                        .map(|district| {
                            view! {
                                <optgroup label=format!("Kec. {}", district.name)>
                                    {district
                                        .villages
                                        .into_iter()
                                        .map(|v| {
                                            let selected = village.get_untracked() == v.code.as_str();
                                            view! {
                                                <option value=v.code.to_string() selected=selected>
                                                    {v.name}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </optgroup>
                            }
                        })
                        .collect_view()}
                </select>
                {move || {
                    problems
                        .get()
                        .village
                        .then(|| view! { <p class="field-error">{i18n::VILLAGE_REQUIRED.get(lang.get())}</p> })
                }}

                <label for="title">{move || i18n::TITLE.get(lang.get())}</label>
                <input
                    id="title"
                    name="title"
                    type="text"
                    autocomplete="off"
                    maxlength=ReportTitle::MAX_CHARS.to_string()
                    placeholder=move || i18n::TITLE_HINT.get(lang.get())
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
                {move || problem_text(problems.get().title)}

                <label for="body">{move || i18n::BODY.get(lang.get())}</label>
                <textarea
                    id="body"
                    name="body"
                    maxlength=ReportBody::MAX_CHARS.to_string()
                    prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))
                ></textarea>
                {move || problem_text(problems.get().body)}

                <button class="primary" type="submit" disabled=move || saving.get()>
                    {move || if saving.get() { i18n::SAVING.get(lang.get()) } else { i18n::SAVE.get(lang.get()) }}
                </button>
                {move || notice.get().map(|notice| notice_view(notice, lang.get()))}
            </form>
        </section>
    }
}

fn notice_view(notice: Notice, lang: Lang) -> impl IntoView {
    let (class, role, text) = match notice {
        Notice::Saved => (
            "notice ok",
            "status",
            i18n::SAVED_OFFLINE.get(lang).to_owned(),
        ),
        Notice::SaveFailed(detail) => (
            "notice bad",
            "alert",
            format!("{} ({detail})", i18n::SAVE_FAILED.get(lang)),
        ),
    };
    view! { <p class=class role=role>{text}</p> }
}

/// Ten bytes from the browser's CSPRNG for the UUIDv7's random part.
fn random_bytes() -> [u8; 10] {
    let mut bytes = [0u8; 10];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Every browser that runs wasm has crypto.getRandomValues; this only
        // keeps ids distinct if one somehow does not.
        let seed = (js_sys::Math::random() * f64::from(u32::MAX)) as u64;
        bytes.copy_from_slice(&(seed.to_le_bytes(), [0u8; 2]).0.repeat(2)[..10]);
    }
    bytes
}
