//! A report's photos: thumbnails that open the full-size photo.

use super::state::Pusat;
use crate::api::PhotoView;
use crate::i18n;
use leptos::prelude::*;

#[component]
pub fn PhotosView(photos: Vec<PhotoView>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    if photos.is_empty() {
        return ().into_any();
    }
    let items = photos
        .into_iter()
        .enumerate()
        .map(|(index, photo)| {
            let alt = move || format!("{} {}", i18n::PHOTOS.get(lang.get()), index + 1);
            if photo.arrived {
                view! {
                <a class="photo" href=photo.url.clone() target="_blank" rel="noopener">
                    <img src=photo.url.clone() alt=alt loading="lazy" width="160" height="120" />
                </a>
            }.into_any()
            } else {
                view! { <p class="photo pending">{move || i18n::PHOTO_PENDING.get(lang.get())}</p> }
                    .into_any()
            }
        })
        .collect_view();
    view! {
        <section class="photos">
            <h2>{move || i18n::PHOTOS.get(lang.get())}</h2>
            <div class="photo-grid">{items}</div>
        </section>
    }
    .into_any()
}
