//! Public information (keterbukaan informasi publik): reviewers make an
//! approved KIM activity log or development progress report public, and
//! anyone can read it without logging in at `/publik/`, a small
//! server-rendered page, or follow `/publik/feed.atom` and
//! `/publik/feed.json`.
//!
//! Every public output is built from [`kabar_shared::form::public_answers`]
//! of a report, so personal fields (marked in the form definitions) never
//! leave the server. Photos are served only when a public answer names them,
//! and they were stripped of their metadata on upload.

use crate::ApiJson;
use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::mail::compose::{self, Block};
use crate::store::{AuditEntry, now_ms};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::form::{FieldKind, FormDefinition, public_answers};
use kabar_shared::report::ReviewStatus;
use kabar_shared::village::Gazetteer;
use kabar_shared::{ContentHash, ReportId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The forms whose approved reports may be made public (the rule is the
/// shared crate's).
pub use kabar_shared::review::PUBLISHABLE_FORMS;

/// The answers that name a public item best, in order of preference.
const HEADLINE_FIELDS: &[&str] = &["topik", "nama_kegiatan"];

/// The most items a page or feed shows.
const MAX_ITEMS: i64 = 200;

/// `POST /api/v1/reports/{id}/public`, behind the API's session layer.
pub fn api_router() -> Router<AppState> {
    Router::new().route("/v1/reports/{id}/public", post(set_public))
}

/// The public page and feeds, without login.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/publik", get(page))
        .route("/publik/", get(page))
        .route("/publik/feed.atom", get(atom))
        .route("/publik/feed.json", get(json_feed))
        .route("/publik/foto/{hash}", get(photo))
        .with_state(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicRequest {
    public: bool,
}

#[derive(Serialize)]
struct PublicAnswer {
    public: bool,
}

async fn set_public(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PublicRequest>,
) -> Result<Json<PublicAnswer>, ApiError> {
    let id = ReportId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let stored = state.store.report(id).await?.ok_or(ApiError::NotFound)?;
    if !user.access.can_review(&stored.report.village) {
        return Err(ApiError::Forbidden);
    }
    let id_text = id.to_string();
    if request.public {
        if !PUBLISHABLE_FORMS.contains(&stored.report.form.id.as_str()) {
            return Err(ApiError::InvalidRequest(
                "hanya Catatan Kegiatan KIM dan Laporan Kemajuan Pembangunan yang dapat \
                 dipublikasikan / only KIM activity logs and development progress reports can be \
                 made public"
                    .into(),
            ));
        }
        if stored.status != ReviewStatus::Approved {
            return Err(ApiError::InvalidRequest(
                "hanya laporan yang disetujui yang dapat dipublikasikan / only approved reports \
                 can be made public"
                    .into(),
            ));
        }
        state
            .store
            .publish_report(&id_text, user.user_id, now_ms())
            .await?;
    } else {
        state.store.unpublish_report(&id_text).await?;
    }
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: if request.public {
            "report_published"
        } else {
            "report_unpublished"
        },
        target: Some(id_text),
        client: Some(client),
        detail: json!({}),
    };
    state.store.audit(&entry, now_ms()).await?;
    Ok(Json(PublicAnswer {
        public: request.public,
    }))
}

/// One public item, with personal answers already gone.
struct Item {
    id: ReportId,
    title: String,
    village: String,
    village_code: String,
    district_code: String,
    district: String,
    date: String,
    created_at_ms: i64,
    updated_at_ms: i64,
    blocks: Vec<Block>,
    photos: Vec<ContentHash>,
}

/// The photo references among public answers.
fn public_photos(
    form: &FormDefinition,
    answers: &kabar_shared::report::Answers,
) -> Vec<ContentHash> {
    fn walk(
        fields: &[kabar_shared::form::Field],
        answers: &kabar_shared::report::Answers,
        out: &mut Vec<ContentHash>,
    ) {
        for field in fields {
            match &field.kind {
                FieldKind::Section { fields } => walk(fields, answers, out),
                FieldKind::Photo { .. } => {
                    if let Some(serde_json::Value::Array(photos)) = answers.get(&field.code) {
                        out.extend(
                            photos
                                .iter()
                                .filter_map(|photo| photo.as_str())
                                .filter_map(|photo| ContentHash::parse(photo).ok()),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&form.fields, answers, &mut out);
    out
}

async fn items(state: &AppState) -> Result<Vec<Item>, ApiError> {
    let gazetteer = Gazetteer::kotamobagu();
    let mut items = Vec::new();
    let catalog = state.catalog.current();
    for public in state.store.public_reports(MAX_ITEMS).await? {
        let report = &public.report;
        // Without its form the server cannot tell personal fields apart:
        // such a report is not shown at all.
        let Some(form) = catalog.get(&report.form) else {
            continue;
        };
        let answers = public_answers(form, &report.answers);
        // The topic of a KIM activity or the name of a project, else the
        // first short text the public may see.
        let headline = HEADLINE_FIELDS
            .iter()
            .find_map(|code| answers.get(*code)?.as_str().map(str::to_owned))
            .or_else(|| {
                form.fields
                    .iter()
                    .filter(|field| matches!(field.kind, FieldKind::ShortText { .. }))
                    .find_map(|field| answers.get(&field.code)?.as_str().map(str::to_owned))
            });
        let title = match headline {
            Some(headline) => format!("{}: {headline}", form.title.id),
            None => form.title.id.clone(),
        };
        let photos = public_photos(form, &answers)
            .into_iter()
            .filter(|photo| public.photos.contains(photo))
            .collect();
        let district = gazetteer
            .districts
            .iter()
            .find(|district| district.code == report.village.district_code());
        let mut shown = report.clone();
        shown.answers = answers;
        items.push(Item {
            id: report.id,
            title,
            village: compose::village_title(&report.village),
            village_code: report.village.to_string(),
            district_code: report.village.district_code().to_owned(),
            district: district.map_or_else(String::new, |district| district.name.clone()),
            date: compose::period(Some(form), &shown),
            created_at_ms: report.created_at_ms,
            updated_at_ms: public.updated_at_ms.max(public.published_at_ms),
            blocks: compose::answer_blocks(Some(form), &shown.answers),
            photos,
        });
    }
    Ok(items)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    kecamatan: Option<String>,
    desa: Option<String>,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:42rem;padding:0.8rem;\
line-height:1.45;color:#222}h1{font-size:1.3rem}h2{font-size:1.15rem;border-bottom:2px solid #0a5;\
margin-top:1.6rem}h3{font-size:1rem;color:#0a5}article{border:1px solid #ddd;border-radius:6px;\
padding:0.6rem;margin:0.8rem 0}article h4{margin:0 0 0.3rem}table{border-collapse:collapse;width:100%;\
font-size:0.9rem}th{text-align:left;vertical-align:top;padding-right:0.6rem;width:40%}td,th{padding:2px 4px}\
.tabel td,.tabel th{border:1px solid #ccc}img{max-width:100%;height:auto;border-radius:4px;margin:0.2rem 0}\
nav a{margin-right:0.6rem}.kecil{font-size:0.85rem;color:#555}";

fn item_html(item: &Item) -> String {
    let mut html = format!(
        "<article id=\"laporan-{}\"><h4>{}</h4><p class=\"kecil\">{} · Kecamatan {} · {}</p>\n",
        item.id,
        compose::escape_html(&item.title),
        compose::escape_html(&item.village),
        compose::escape_html(&item.district),
        compose::escape_html(&item.date)
    );
    html.push_str(&compose::blocks_html(&item.blocks));
    for photo in &item.photos {
        html.push_str(&format!(
            "<img src=\"/publik/foto/{}\" alt=\"Foto kegiatan\" loading=\"lazy\">\n",
            photo.hex()
        ));
    }
    html.push_str("</article>\n");
    html
}

async fn page(
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.unwrap_or_default();
    let mut items = items(&state).await?;
    items.retain(|item| {
        query
            .kecamatan
            .as_deref()
            .is_none_or(|code| item.district_code == code)
            && query
                .desa
                .as_deref()
                .is_none_or(|code| item.village_code == code)
    });
    let mut html = format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Informasi Publik Kabar Desa — Kota Kotamobagu</title>\
         <link rel=\"alternate\" type=\"application/atom+xml\" href=\"/publik/feed.atom\">\
         <link rel=\"alternate\" type=\"application/feed+json\" href=\"/publik/feed.json\">\
         <style>{STYLE}</style></head><body>\n\
         <h1>Informasi Publik Desa dan Kelurahan Kota Kotamobagu</h1>\n\
         <p class=\"kecil\">Kegiatan KIM dan kemajuan pembangunan yang telah diperiksa. / Reviewed \
         KIM activities and development progress. <a href=\"/publik/feed.atom\">Atom</a> · \
         <a href=\"/publik/feed.json\">JSON Feed</a></p>\n<nav class=\"kecil\"><a href=\"/publik/\">Semua</a>"
    );
    for district in &Gazetteer::kotamobagu().districts {
        html.push_str(&format!(
            "<a href=\"/publik/?kecamatan={}\">{}</a>",
            compose::escape_html(&district.code),
            compose::escape_html(&district.name)
        ));
    }
    html.push_str("</nav>\n");
    if items.is_empty() {
        html.push_str("<p>Belum ada informasi publik. / Nothing published yet.</p>\n");
    }
    // Grouped by kecamatan, then village, in the gazetteer's order; each
    // village's items newest first.
    for district in &Gazetteer::kotamobagu().districts {
        let in_district: Vec<&Item> = items
            .iter()
            .filter(|item| item.district_code == district.code)
            .collect();
        if in_district.is_empty() {
            continue;
        }
        html.push_str(&format!(
            "<h2>Kecamatan {}</h2>\n",
            compose::escape_html(&district.name)
        ));
        for village in &district.villages {
            let in_village: Vec<&&Item> = in_district
                .iter()
                .filter(|item| item.village_code == village.code.as_str())
                .collect();
            if in_village.is_empty() {
                continue;
            }
            html.push_str(&format!(
                "<h3><a href=\"/publik/?desa={}\">{}</a></h3>\n",
                village.code,
                compose::escape_html(&compose::village_title(&village.code))
            ));
            for item in in_village {
                html.push_str(&item_html(item));
            }
        }
    }
    html.push_str("</body></html>\n");
    let mut response = axum::response::Html(html).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}

/// `2026-11-29T06:05:00Z`.
fn rfc3339(unix_ms: i64) -> String {
    let date = kabar_shared::form::Date::from_unix_millis(unix_ms, 0);
    let seconds = unix_ms.div_euclid(1000).rem_euclid(86_400);
    match date {
        Some(date) => format!(
            "{date}T{:02}:{:02}:{:02}Z",
            seconds / 3600,
            seconds % 3600 / 60,
            seconds % 60
        ),
        None => "1970-01-01T00:00:00Z".into(),
    }
}

fn item_url(state: &AppState, item: &Item) -> String {
    format!(
        "{}/publik/#laporan-{}",
        state.settings.mail.public_base_url, item.id
    )
}

fn item_content_html(state: &AppState, item: &Item) -> String {
    let mut html = format!(
        "<p>{} · Kecamatan {} · {}</p>",
        compose::escape_html(&item.village),
        compose::escape_html(&item.district),
        compose::escape_html(&item.date)
    );
    html.push_str(&compose::blocks_html(&item.blocks));
    for photo in &item.photos {
        html.push_str(&format!(
            "<img src=\"{}/publik/foto/{}\" alt=\"Foto\">",
            state.settings.mail.public_base_url,
            photo.hex()
        ));
    }
    html
}

async fn atom(State(state): State<AppState>) -> Result<Response, ApiError> {
    let items = items(&state).await?;
    let base = &state.settings.mail.public_base_url;
    let updated = items
        .iter()
        .map(|item| item.updated_at_ms)
        .max()
        .unwrap_or(0);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>Informasi Publik Kabar Desa — Kota Kotamobagu</title>\n<id>{}/publik/</id>\n\
         <link rel=\"alternate\" href=\"{}/publik/\"/>\n<link rel=\"self\" href=\"{}/publik/feed.atom\"/>\n\
         <updated>{}</updated>\n<author><name>Pemerintah Kota Kotamobagu</name></author>\n",
        compose::escape_html(base),
        compose::escape_html(base),
        compose::escape_html(base),
        rfc3339(updated)
    );
    for item in &items {
        xml.push_str(&format!(
            "<entry>\n<id>urn:uuid:{}</id>\n<title>{}</title>\n<link rel=\"alternate\" href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<category term=\"{}\" label=\"{}\"/>\n\
             <content type=\"html\">{}</content>\n</entry>\n",
            item.id,
            compose::escape_html(&item.title),
            compose::escape_html(&item_url(&state, item)),
            rfc3339(item.created_at_ms),
            rfc3339(item.updated_at_ms),
            compose::escape_html(&item.village_code),
            compose::escape_html(&item.village),
            compose::escape_html(&item_content_html(&state, item))
        ));
    }
    xml.push_str("</feed>\n");
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(response)
}

async fn json_feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let items = items(&state).await?;
    let base = &state.settings.mail.public_base_url;
    let entries: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            let mut entry = json!({
                "id": item.id.to_string(),
                "url": item_url(&state, item),
                "title": item.title,
                "content_html": item_content_html(&state, item),
                "content_text": compose::blocks_text(&item.blocks),
                "date_published": rfc3339(item.created_at_ms),
                "date_modified": rfc3339(item.updated_at_ms),
                "tags": [item.village, format!("Kecamatan {}", item.district)],
            });
            // JSON Feed wants no `image` rather than a null one.
            if let Some(photo) = item.photos.first() {
                entry["image"] = json!(format!("{base}/publik/foto/{}", photo.hex()));
            }
            entry
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Informasi Publik Kabar Desa — Kota Kotamobagu",
        "home_page_url": format!("{base}/publik/"),
        "feed_url": format!("{base}/publik/feed.json"),
        "language": "id",
        "items": entries,
    });
    let mut response = Json(feed).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/feed+json; charset=utf-8"),
    );
    Ok(response)
}

async fn photo(
    State(state): State<AppState>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = ContentHash::parse(&format!("sha256:{hash}")).map_err(|_| ApiError::NotFound)?;
    // Only a photo of a public, approved report (one cheap query turns
    // every other photo away), and only when a public answer of it names
    // the photo: a photo in a personal field stays private.
    let Some(content_type) = state.store.public_photo(&hash).await? else {
        return Err(ApiError::NotFound);
    };
    let named = items(&state)
        .await?
        .iter()
        .any(|item| item.photos.contains(&hash));
    if !named {
        return Err(ApiError::NotFound);
    }
    let bytes = state
        .photos
        .get(&crate::photos::object_path(&hash))
        .await
        .map_err(anyhow::Error::from)?
        .bytes()
        .await
        .map_err(anyhow::Error::from)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).map_err(anyhow::Error::from)?,
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
