//! A photo field: take or pick pictures, shrink them in the browser, keep
//! them in IndexedDB by their hash, and answer with the list of
//! `sha256:<hex>` references. Thumbnails are object URLs of the stored
//! JPEGs, released when a photo is removed or the field goes away.
//!
//! Removing a photo from the answer leaves its bytes in IndexedDB: the same
//! picture may belong to a report already saved, and the store keeps one
//! copy per content.

use super::form_state::{FormState, Slot};
use super::photo_capture::{JPEG_MIME, downscale_to_jpeg};
use super::state::PhoneState;
use crate::i18n;
use crate::storage;
use crate::time::now_ms;
use kabar_shared::form::{Field, FieldKind};
use kabar_shared::report::ContentHash;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use web_sys::{File, HtmlInputElement, Url};

#[component]
pub(crate) fn PhotoInput(state: FormState, field: &'static Field, at: Slot) -> impl IntoView {
    // `slot` is a reserved attribute name in `view!`, hence `at`.
    let FieldKind::Photo { max_count } = field.kind else {
        return ().into_any();
    };
    let code = field.code.as_str();
    let references = photo_references(state, at, code);
    let urls = thumbnail_urls(references);
    let failed = RwSignal::new(false);
    let picked = StoredValue::new_local(Vec::<File>::new());
    let keeping = Action::new_local(move |_: &()| {
        let files = picked.try_update_value(std::mem::take).unwrap_or_default();
        async move {
            for file in files {
                match keep_photo(&file).await {
                    Ok((reference, url)) => add_reference(state, at, code, urls, reference, url),
                    Err(error) => {
                        // The browser's words are for the console; the
                        // notice says what to do.
                        leptos::logging::warn!("photo: {error}");
                        failed.try_set(true);
                    }
                }
            }
        }
    });
    let photos = PhotoAnswer {
        state,
        slot: at,
        code,
        max_count: max_count as usize,
        references,
        urls,
        failed,
        over_limit: RwSignal::new(false),
        picked,
        keeping,
    };
    let id = at.dom_id(code);
    let remove = Callback::new(move |reference: String| photos.remove(&reference));
    view! {
        <div class="photos" id=id.clone() tabindex="-1" aria-labelledby=format!("{id}-label")>
            <Thumbnails references urls=photos.urls remove />
            <PhotoAddButton photos input_id=format!("{id}-file") />
            <PhotoNotices busy=photos.keeping.pending() over_limit=photos.over_limit failed=photos.failed />
        </div>
    }
    .into_any()
}

/// The "add photo" button over a hidden file input, and the count so far.
#[component]
fn PhotoAddButton(photos: PhotoAnswer, input_id: String) -> impl IntoView {
    let lang = photos.state.lang;
    let max_count = photos.max_count;
    // Made once: `pending()` makes a new memo on every call.
    let keeping = photos.keeping.pending();
    let unavailable = move || photos.is_full() || keeping.get();
    view! {
        <label class="button secondary" class:disabled=unavailable for=input_id.clone()>
            {move || i18n::PHOTO_ADD.get(lang.get())}
        </label>
        <input
            id=input_id
            class="visually-hidden"
            type="file"
            accept="image/*"
            capture="environment"
            multiple={max_count > 1}
            disabled=unavailable
            on:change=move |ev| photos.pick(ev)
        />
        <p class="hint">
            {move || {
                format!("{} / {max_count} {}", photos.references.with(Vec::len), i18n::PHOTO_OF.get(lang.get()))
            }}
        </p>
    }
}

/// The `sha256:<hex>` references the answer holds.
fn photo_references(state: FormState, slot: Slot, code: &'static str) -> Memo<Vec<String>> {
    Memo::new(move |_| {
        let value = state.value(slot, code);
        let items = value.as_ref().and_then(Json::as_array);
        items.map_or_else(Vec::new, |items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
    })
}

/// One photo field's answer and what is happening to it: the pictures
/// being shrunk and stored, and what went wrong last.
#[derive(Clone, Copy)]
struct PhotoAnswer {
    state: FormState,
    slot: Slot,
    code: &'static str,
    max_count: usize,
    references: Memo<Vec<String>>,
    urls: RwSignal<BTreeMap<String, String>>,
    failed: RwSignal<bool>,
    over_limit: RwSignal<bool>,
    /// The pictures picked last, until `keeping` takes them.
    picked: StoredValue<Vec<File>, LocalStorage>,
    /// Shrinking and storing the picked pictures, one after the other; each
    /// is added to the answer once it is in IndexedDB. Every action of the
    /// app takes and gives `()`, which keeps one copy of Leptos's action
    /// code in the wasm.
    keeping: Action<(), ()>,
}

impl PhotoAnswer {
    fn is_full(self) -> bool {
        self.references.with(|r| r.len() >= self.max_count)
    }

    /// Takes the picked pictures, as many as there is room for.
    fn pick(self, ev: leptos::ev::Event) {
        let input: HtmlInputElement = event_target(&ev);
        let mut files: Vec<File> = match input.files() {
            Some(list) => (0..list.length()).filter_map(|i| list.get(i)).collect(),
            None => Vec::new(),
        };
        // Emptied so picking the same picture again fires `change` again.
        input.set_value("");
        let room = self
            .max_count
            .saturating_sub(self.references.get_untracked().len());
        self.over_limit.set(files.len() > room);
        files.truncate(room);
        if files.is_empty() {
            return;
        }
        self.failed.set(false);
        self.picked.set_value(files);
        self.keeping.dispatch_local(());
    }

    fn remove(self, reference: &str) {
        let remaining: Vec<Json> = self
            .references
            .get_untracked()
            .into_iter()
            .filter(|r| r != reference)
            .map(Json::String)
            .collect();
        let answer = (!remaining.is_empty()).then_some(Json::Array(remaining));
        self.state.set(self.slot, self.code, answer);
    }
}

/// Reference → object URL of its JPEG, for the thumbnails. URLs of photos
/// that left the answer (removed, or the form was cleared after saving) are
/// released, and every URL when the field goes away. Photos chosen in an
/// earlier visit to this form (a draft kept while another form was open)
/// are read back from IndexedDB.
fn thumbnail_urls(references: Memo<Vec<String>>) -> RwSignal<BTreeMap<String, String>> {
    let urls = RwSignal::new(BTreeMap::<String, String>::new());
    Effect::new(move |_| {
        let current = references.get();
        urls.update(|urls| {
            urls.retain(|reference, url| {
                let keep = current.contains(reference);
                if !keep {
                    let _ = Url::revoke_object_url(url);
                }
                keep
            })
        });
    });
    on_cleanup(move || {
        urls.try_with_untracked(|urls| {
            for url in urls.values() {
                let _ = Url::revoke_object_url(url);
            }
        });
    });
    Effect::new(move |_| {
        for reference in references.get() {
            if urls.with_untracked(|urls| urls.contains_key(&reference)) {
                continue;
            }
            spawn_local(async move {
                if let Some(url) = stored_photo_url(&reference).await {
                    let stale = urls
                        .try_update(|urls| urls.insert(reference, url.clone()))
                        .flatten();
                    if let Some(stale) = stale {
                        let _ = Url::revoke_object_url(&stale);
                    }
                }
            });
        }
    });
    urls
}

/// The photos of the answer, each with a button that removes it.
#[component]
fn Thumbnails(
    references: Memo<Vec<String>>,
    urls: RwSignal<BTreeMap<String, String>>,
    remove: Callback<String>,
) -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    view! {
        <ul class="thumbs">
            <For
                each=move || references.get()
                key=|reference| reference.clone()
                children=move |reference: String| {
                    let shown = reference.clone();
                    let src = move || urls.with(|urls| urls.get(&shown).cloned());
                    let data = reference.clone();
                    view! {
                        <li data-photo=data>
                            <img src=src alt="" />
                            <button
                                type="button"
                                class="thumb-remove"
                                aria-label=move || i18n::PHOTO_REMOVE.get(lang.get())
                                on:click=move |_| remove.run(reference.clone())
                            >
                                // An inline cross: older phones lack the ✕ glyph.
                                <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                                    <path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" />
                                </svg>
                            </button>
                        </li>
                    }
                }
            />
        </ul>
    }
}

/// Says that pictures are being processed, that the limit was reached, or
/// that keeping a picture failed.
#[component]
fn PhotoNotices(
    #[prop(into)] busy: Signal<bool>,
    over_limit: RwSignal<bool>,
    failed: RwSignal<bool>,
) -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    view! {
        {move || busy.get().then(|| view! { <p class="notice wait" role="status">{i18n::PHOTO_PROCESSING.get(lang.get())}</p> })}
        {move || over_limit.get().then(|| view! { <p class="notice wait" role="status">{i18n::PHOTO_LIMIT_REACHED.get(lang.get())}</p> })}
        {move || {
            failed.get().then(|| {
                view! { <p class="notice bad" role="alert">{i18n::PHOTO_FAILED.get(lang.get())}</p> }
            })
        }}
    }
}

/// Shrinks a picture, stores it and makes a thumbnail URL for it.
async fn keep_photo(file: &File) -> Result<(String, String), String> {
    let photo = downscale_to_jpeg(file).await?;
    let reference = storage::keep_photo(&photo.bytes, JPEG_MIME, now_ms())
        .await
        .map_err(|error| error.to_string())?;
    let url =
        Url::create_object_url_with_blob(&photo.blob).map_err(|_| "no object URL".to_owned())?;
    Ok((reference.as_str().to_owned(), url))
}

/// Adds a stored photo to the answer, once: the same picture picked twice is
/// one reference.
fn add_reference(
    state: FormState,
    slot: Slot,
    code: &'static str,
    urls: RwSignal<BTreeMap<String, String>>,
    reference: String,
    url: String,
) {
    let Some(mut list) = state.raw.try_with_untracked(|answers| {
        let current = match slot {
            Slot::Top => answers.get(code),
            Slot::Row { repeat, index } => answers
                .get(repeat)
                .and_then(|rows| rows.get(index))
                .and_then(|row| row.get(code)),
        };
        current
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    }) else {
        let _ = Url::revoke_object_url(&url);
        return;
    };
    if list
        .iter()
        .any(|item| item.as_str() == Some(reference.as_str()))
    {
        let _ = Url::revoke_object_url(&url);
        return;
    }
    // The URL first, so the thumbnail has its picture when it appears.
    if let Some(Some(stale)) = urls.try_update(|urls| urls.insert(reference.clone(), url)) {
        let _ = Url::revoke_object_url(&stale);
    }
    list.push(Json::String(reference));
    state.set(slot, code, Some(Json::Array(list)));
}

/// An object URL for a photo kept in IndexedDB.
async fn stored_photo_url(reference: &str) -> Option<String> {
    if !reference.starts_with("sha256:") {
        return None;
    }
    let reference = ContentHash::from_stored(reference.to_owned());
    let photo = storage::photo(&reference).await.ok()??;
    let bytes = js_sys::Uint8Array::from(photo.bytes.as_slice());
    let parts = js_sys::Array::of1(&bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&photo.mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    Url::create_object_url_with_blob(&blob).ok()
}
