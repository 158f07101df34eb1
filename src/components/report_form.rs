//! A new report under the form picker: the village, and the chosen form
//! rendered from its definition. Saving runs the shared validator with today's date
//! in Kotamobagu; problems appear next to their fields and nothing else
//! changes. A valid report is written to IndexedDB first and the form is
//! cleared only after the write completed, so a failed save loses nothing.

use super::draft_keeper::DraftKeeper;
use super::duties::PeriodTaken;
use super::form_catalog::{forms_for, latest};
use super::form_picker::PickedForm;
use super::form_state::{FormState, coerce, dom_id_of_path};
use super::form_view::FormView;
use super::state::{PhoneState, Session};
use crate::device::random_bytes;
use crate::i18n::{self, Lang};
use crate::storage;
use crate::time::now_ms;
use kabar_shared::acceptance::{FilingRefusal, decide_filing};
use kabar_shared::account::Access;
use kabar_shared::form::{AnswerError, Date, FormDefinition, WITA_OFFSET_MINUTES, validate};
use kabar_shared::report::Answers;
use kabar_shared::village::Gazetteer;
use kabar_shared::{Report, ReportId, VillageCode};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The last village chosen, a preference kept in localStorage.
const VILLAGE_KEY: &str = "kabar-desa.village";

#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Saved,
    FixProblems,
    SaveFailed,
}

/// The new report under the form picker: the village, the chosen form's
/// fields and saving. In the second wasm module (`later`); the picker above
/// it is on the first screen, and `picked` is what the two share.
#[component]
pub(crate) fn ReportForm(picked: PickedForm) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let access = state.session.with_untracked(|session| match session {
        Session::SignedIn(me) => Some(me.access.clone()),
        Session::SignedOut => None,
    });
    let offered = forms_for(access.as_ref());
    let Some(first_form) = latest(&picked.form_id.get_untracked())
        .filter(|form| offered.iter().any(|o| o.id == form.id))
        .or_else(|| forms_for(access.as_ref()).first().copied())
    else {
        // The app shows this form only once the forms came; a role that may
        // file none is told where to go instead.
        return ().into_any();
    };
    let filing = NewReport::start(state, access, first_form, picked.form_id);
    let NewReport {
        gazetteer,
        form_id,
        answers,
        problems,
        village,
        village_missing,
        notice,
        drafts,
        ..
    } = filing;
    // A pick made on the picker, also one made before this module was
    // here, switches the form here, where its draft is kept.
    Effect::new(move |_| {
        if let Some(id) = picked.requested.get() {
            filing.pick(&id, &offered);
        }
    });
    let save = Action::new_local(move |_: &()| filing.submit());
    let saving = save.pending();
    Effect::new(move |_| picked.saving.set(saving.get()));
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        // A second tap while saving does nothing.
        if !saving.get_untracked() {
            save.dispatch_local(());
        }
    };

    // The villages' last approved periodic reports, for carried figures: as
    // the phone kept them, until a pull brings newer ones.
    let approved = state.approved;
    // Only the form's id is read here, so typing never rebuilds the form.
    let form_view = move || {
        let form = latest(&form_id.get()).unwrap_or(first_form);
        let form_state = FormState::new(form, answers, problems, lang, wita_today(now_ms()))
            .with_approved(approved, village);
        view! { <FormView state=form_state /> }
    };

    view! {
        <form on:submit=submit novalidate>
            {drafts.notice(lang)}
            <VillagePicker gazetteer village missing=village_missing />
            {form_view}
            <PeriodTaken form_id answers />
            <button class="primary" type="submit" disabled=move || saving.get()>
                {move || if saving.get() { i18n::SAVING.get(lang.get()) } else { i18n::SAVE.get(lang.get()) }}
            </button>
            {move || notice.get().map(|notice| notice_view(notice, lang.get()))}
        </form>
    }
    .into_any()
}

/// The report being filled in: its signals, and what saving it does.
#[derive(Clone, Copy)]
struct NewReport {
    state: PhoneState,
    access: StoredValue<Option<Access>>,
    gazetteer: StoredValue<Gazetteer>,
    form_id: RwSignal<String>,
    answers: RwSignal<Answers>,
    problems: RwSignal<Vec<AnswerError>>,
    village: RwSignal<String>,
    village_missing: RwSignal<bool>,
    notice: RwSignal<Option<Notice>>,
    drafts: DraftKeeper,
}

impl NewReport {
    fn start(
        state: PhoneState,
        access: Option<Access>,
        first_form: &FormDefinition,
        form_id: RwSignal<String>,
    ) -> Self {
        let gazetteer = StoredValue::new(villages_for(access.as_ref()));
        form_id.set(first_form.id.clone());
        let answers = RwSignal::new(first_form.initial_answers());
        let village = RwSignal::new(first_village(gazetteer));
        NewReport {
            state,
            access: StoredValue::new(access),
            gazetteer,
            form_id,
            answers,
            problems: RwSignal::new(Vec::new()),
            village,
            village_missing: RwSignal::new(false),
            notice: RwSignal::new(None),
            // What is typed is kept as a draft per form, so switching
            // forms, a reload or a killed tab does not throw work away.
            drafts: DraftKeeper::start(
                state.username_untracked().unwrap_or_default(),
                form_id,
                answers,
                village,
                state.storage_error,
            ),
        }
    }

    /// Switches to the latest version of form `id`, if the user may file it;
    /// the draft of the form left behind is kept.
    fn pick(self, id: &str, offered: &[&FormDefinition]) {
        let Some(next) = latest(id).filter(|form| offered.iter().any(|o| o.id == form.id)) else {
            return;
        };
        if self.form_id.get_untracked() != next.id {
            self.problems.set(Vec::new());
            self.notice.set(None);
            self.drafts.switch_to(next);
        }
    }

    /// Checks the report as the server will and, when it may be filed,
    /// saves it. The check is done at once; the saving is the future.
    fn submit(self) -> impl Future<Output = ()> + 'static {
        // A notice of the previous save must not pass for this one's.
        self.notice.set(None);
        let village_code = VillageCode::parse(&self.village.get_untracked())
            .ok()
            .filter(|code| self.gazetteer.with_value(|g| g.village(code).is_some()));
        self.village_missing.set(village_code.is_none());
        let filed = self.access.with_value(|access| {
            checked_report(
                &self.form_id.get_untracked(),
                village_code,
                access.as_ref(),
                self.answers,
                self.problems,
            )
        });
        match &filed {
            Some(_) => self.drafts.cancel_pending(),
            None => self.notice.set(Some(Notice::FixProblems)),
        }
        async move {
            if let Some(report) = filed {
                save(report, self.state, self.drafts, self.problems, self.notice).await;
            }
        }
    }
}

/// Only the villages this account may file for: the server refuses a push
/// for any other, so offering them would only strand reports.
fn villages_for(access: Option<&Access>) -> Gazetteer {
    let mut allowed = Gazetteer::kotamobagu().clone();
    for district in &mut allowed.districts {
        district
            .villages
            .retain(|v| access.is_some_and(|access| access.can_file_for(&v.code)));
    }
    allowed
        .districts
        .retain(|district| !district.villages.is_empty());
    allowed
}

/// The village a new report starts with: the only one the user may file
/// for, else the one chosen last time.
fn first_village(gazetteer: StoredValue<Gazetteer>) -> String {
    let only_village =
        gazetteer.with_value(|g| match g.villages().collect::<Vec<_>>().as_slice() {
            [single] => Some(single.code.to_string()),
            _ => None,
        });
    let remembered = storage::preference(VILLAGE_KEY).filter(|code| {
        VillageCode::parse(code)
            .is_ok_and(|code| gazetteer.with_value(|g| g.village(&code).is_some()))
    });
    only_village.or(remembered).unwrap_or_default()
}

/// Asks the shared filing decision, the same one the server makes on push,
/// whether this user may file these answers today (in Kotamobagu), and shows
/// its problems. Returns the cleaned report to save, or moves the focus to
/// the first problem. Nothing reaches IndexedDB that the server would refuse
/// for a rule the phone knows.
fn checked_report(
    form_id: &str,
    village: Option<VillageCode>,
    access: Option<&Access>,
    answers: RwSignal<Answers>,
    problems: RwSignal<Vec<AnswerError>>,
) -> Option<Report> {
    let form = latest(form_id)?;
    let now = now_ms();
    let answers = coerce(&form.fields, &answers.get_untracked());
    let Some(village) = village else {
        // Still show what else is missing, so one pass fixes everything.
        problems.set(validate(form, &answers, wita_today(now)).problems);
        focus("village");
        return None;
    };
    let candidate = Report {
        id: ReportId::new_v7(now as u64, random_bytes()),
        form: form.form_ref(),
        village,
        created_at_ms: now,
        answers,
    };
    let refusals = match decide_filing(access?, form, &candidate) {
        Ok(accepted) => {
            problems.set(Vec::new());
            return Some(accepted.report);
        }
        Err(refusals) => refusals,
    };
    // Role and village refusals cannot happen for what the picker offers;
    // should one, the village is where to look.
    if !show_refusals(refusals, problems) {
        focus("village");
    }
    None
}

/// Shows the answer problems among the filing decision's refusals next to
/// their fields and moves the focus to the first; false when there was
/// none (the refusal was about the role or the village).
pub(super) fn show_refusals(
    refusals: Vec<FilingRefusal>,
    problems: RwSignal<Vec<AnswerError>>,
) -> bool {
    let answer_problems: Vec<AnswerError> = refusals
        .into_iter()
        .filter_map(|refusal| match refusal {
            FilingRefusal::Answer(problem) => Some(problem),
            _ => None,
        })
        .collect();
    let shown = match answer_problems.first() {
        Some(first) => {
            focus(&dom_id_of_path(&first.path));
            true
        }
        None => false,
    };
    problems.set(answer_problems);
    shown
}

/// Saves a report: written to IndexedDB first, and the form is cleared
/// only after the write completed, so a failed save loses nothing. (Not a
/// Leptos `Action`: one costs about 10 kB of wasm for what a signal and a
/// task do here.)
async fn save(
    report: Report,
    state: PhoneState,
    drafts: DraftKeeper,
    problems: RwSignal<Vec<AnswerError>>,
    notice: RwSignal<Option<Notice>>,
) {
    let owner = state.username_untracked().unwrap_or_default();
    match storage::save_report(&report, report.created_at_ms, &owner).await {
        Ok(()) => {
            storage::set_preference(VILLAGE_KEY, report.village.as_str());
            // The picker is disabled while saving, so the open form is still
            // the one just saved.
            drafts.saved();
            problems.set(Vec::new());
            notice.set(Some(Notice::Saved));
            state.reload_entries().await;
            crate::sync_engine::request_sync(state);
        }
        Err(error) => {
            // The browser's words are for the console; the notice says what
            // to do.
            leptos::logging::warn!("save: {error}");
            notice.set(Some(Notice::SaveFailed));
        }
    }
}

/// The village of the report, among those the user may file for.
#[component]
fn VillagePicker(
    gazetteer: StoredValue<Gazetteer>,
    village: RwSignal<String>,
    missing: RwSignal<bool>,
) -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    let districts = gazetteer.with_value(|g| g.districts.clone());
    let groups = districts
        .into_iter()
        .map(|district| {
            let options = district
                .villages
                .into_iter()
                .map(|v| {
                    let selected = village.get_untracked() == v.code.as_str();
                    view! { <option value=v.code.to_string() selected=selected>{v.name}</option> }
                })
                .collect_view();
            view! { <optgroup label=format!("Kec. {}", district.name)>{options}</optgroup> }
        })
        .collect_view();
    view! {
        <label for="village">{move || i18n::VILLAGE.get(lang.get())}</label>
        <select
            id="village"
            name="village"
            prop:value=move || village.get()
            on:change=move |ev| village.set(event_target_value(&ev))
        >
            <option value="">{move || i18n::CHOOSE_VILLAGE.get(lang.get())}</option>
            {groups}
        </select>
        {move || {
            missing
                .get()
                .then(|| view! { <p class="field-error" role="alert">{i18n::VILLAGE_REQUIRED.get(lang.get())}</p> })
        }}
    }
}

/// Today in Kotamobagu (WITA), whatever time zone the phone is set to: the
/// day the validator judges `today()` and relative date bounds against, as
/// the server does with the report's `created_at_ms`.
pub(super) fn wita_today(now_ms: i64) -> Date {
    Date::from_unix_millis(now_ms, WITA_OFFSET_MINUTES)
        .or_else(|| Date::new(1970, 1, 1))
        .expect("1970-01-01 is a date")
}

/// Moves the focus to the first field with a problem, which also scrolls it
/// into view on a small screen.
pub(super) fn focus(element_id: &str) {
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(element_id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

fn notice_view(notice: Notice, lang: Lang) -> impl IntoView {
    let (class, role, text) = match notice {
        Notice::Saved => (
            "notice ok",
            "status",
            i18n::SAVED_OFFLINE.get(lang).to_owned(),
        ),
        Notice::FixProblems => (
            "notice bad",
            "alert",
            i18n::FIX_PROBLEMS.get(lang).to_owned(),
        ),
        Notice::SaveFailed => (
            "notice bad",
            "alert",
            i18n::SAVE_FAILED.get(lang).to_owned(),
        ),
    };
    view! { <p class=class role=role>{text}</p> }
}
