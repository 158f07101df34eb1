//! The Command Center's calls to the server and the shapes of its answers.
//! The server is on the same origin; the session cookie travels by itself.

use crate::i18n::Lang;
use gloo_net::http::{Request, Response};
use kabar_shared::Report;
use kabar_shared::account::{LoginRequest, Me};
use kabar_shared::form::Period;
use kabar_shared::form::{CarryMismatch, FormDefinition, Text};
use kabar_shared::period::Filing;
use kabar_shared::report::{FormRef, ReviewStatus};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a call gave no usable answer, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The HTTP status, or 0 when the server could not be reached.
    pub status: u16,
    pub message: String,
    pub message_en: String,
    /// What exactly the server refused, when it says (for example which
    /// address is not valid), in both languages in one line.
    pub detail: Option<String>,
}

impl Failure {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.message,
            Lang::En => &self.message_en,
        }
    }

    /// The message followed by the server's detail, when there is one.
    pub fn text_with_detail(&self, lang: Lang) -> String {
        match &self.detail {
            Some(detail) => format!("{} {detail}", self.text(lang)),
            None => self.text(lang).to_owned(),
        }
    }

    fn unreachable() -> Failure {
        Failure {
            status: 0,
            message: "Server tidak terjangkau. Periksa koneksi lalu coba lagi.".into(),
            message_en: "The server cannot be reached. Check the connection and try again.".into(),
            detail: None,
        }
    }

    fn unreadable(status: u16) -> Failure {
        Failure {
            status,
            message: format!("Jawaban server tidak terbaca ({status})."),
            message_en: format!("The server's answer could not be read ({status})."),
            detail: None,
        }
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    message_en: String,
    detail: Option<String>,
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, Failure> {
    let response = response.map_err(|_| Failure::unreachable())?;
    let status = response.status();
    if response.ok() {
        return response
            .json()
            .await
            .map_err(|_| Failure::unreadable(status));
    }
    match response.json::<ErrorEnvelope>().await {
        Ok(envelope) => Err(Failure {
            status,
            message: envelope.error.message,
            message_en: envelope.error.message_en,
            detail: envelope.error.detail,
        }),
        Err(_) => Err(Failure::unreadable(status)),
    }
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    read(Request::get(path).send().await).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    let request = Request::post(path)
        .json(body)
        .map_err(|_| Failure::unreadable(0))?;
    read(request.send().await).await
}

pub async fn me() -> Result<Me, Failure> {
    get("/api/v1/auth/me").await
}

pub async fn login(request: &LoginRequest) -> Result<Me, Failure> {
    post("/api/v1/auth/login", request).await
}

pub async fn logout() {
    let _ = Request::post("/api/v1/auth/logout").send().await;
}

#[derive(Deserialize)]
struct Forms {
    forms: Vec<FormDefinition>,
}

pub async fn forms() -> Result<Vec<FormDefinition>, Failure> {
    get::<Forms>("/api/v1/pusat/forms")
        .await
        .map(|forms| forms.forms)
}

/// One report in the inbox.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InboxItem {
    pub id: String,
    pub form: FormRef,
    pub form_title: Option<Text>,
    pub village: String,
    pub village_name: String,
    pub status: ReviewStatus,
    pub created_at_ms: i64,
    pub received_at_ms: i64,
    pub submitted_by: Option<String>,
    pub urgency: Option<String>,
    pub period: Option<Period>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub next_before: Option<String>,
    pub counts: BTreeMap<String, i64>,
}

pub async fn inbox(query: &str) -> Result<InboxPage, Failure> {
    get(&format!("/api/v1/pusat/inbox?{query}")).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReviewRecord {
    pub status: Option<ReviewStatus>,
    pub comment: Option<String>,
    pub reviewer: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PhotoView {
    pub sha256: String,
    pub arrived: bool,
    pub url: String,
}

/// One report with everything the detail screen shows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Detail {
    pub report: Report,
    pub received_at_ms: i64,
    pub status: ReviewStatus,
    pub submitted_by: Option<String>,
    pub form: Option<FormDefinition>,
    pub village_name: String,
    pub district_name: Option<String>,
    pub period: Option<Period>,
    pub device_id: Option<String>,
    pub submitter_name: Option<String>,
    pub reviews: Vec<ReviewRecord>,
    pub photos: Vec<PhotoView>,
    /// Whether a reviewer made the report public on `/publik/`.
    #[serde(default)]
    pub public: bool,
    /// Start-of-month figures that differ from the approved report of the
    /// month before.
    #[serde(default)]
    pub carry_mismatches: Vec<CarryMismatch>,
}

pub async fn detail(id: &str) -> Result<Detail, Failure> {
    get(&format!("/api/v1/pusat/reports/{id}")).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GridCell {
    pub month: Period,
    pub state: Filing,
    pub report_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GridVillage {
    pub code: String,
    pub name: String,
    pub cells: Vec<GridCell>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GridDistrict {
    pub code: String,
    pub name: String,
    pub villages: Vec<GridVillage>,
    pub counts: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Grid {
    pub form: String,
    pub title: Text,
    pub due_day: u8,
    pub months: Vec<Period>,
    pub districts: Vec<GridDistrict>,
    pub counts: BTreeMap<String, i64>,
}

pub async fn completeness(query: &str) -> Result<Grid, Failure> {
    get(&format!("/api/v1/pusat/completeness?{query}")).await
}

/// One mail of the outbox to the mayor's office.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OutboxMail {
    pub id: i64,
    /// `approved`, `urgent` or `digest`.
    pub kind: String,
    pub report_id: Option<String>,
    /// `pending`, `sent`, `dead` or `skipped`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_answer: Option<String>,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    /// The village of the mail's report; none for the digest.
    #[serde(default)]
    pub village_code: Option<String>,
}

#[derive(Deserialize)]
struct Outbox {
    mails: Vec<OutboxMail>,
}

pub async fn mail_outbox() -> Result<Vec<OutboxMail>, Failure> {
    get::<Outbox>("/api/v1/admin/mail")
        .await
        .map(|outbox| outbox.mails)
}

/// Puts a dead mail back in the queue; the server answers 202 without a body.
pub async fn resend_mail(id: i64) -> Result<(), Failure> {
    let response = Request::post(&format!("/api/v1/admin/mail/{id}/resend"))
        .send()
        .await;
    match response {
        Ok(response) if response.ok() => Ok(()),
        other => read::<serde_json::Value>(other).await.map(|_| ()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CamatRecipient {
    pub kecamatan: String,
    pub email: String,
}

/// Who receives the mail: the mayor's office and a camat per kecamatan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Recipients {
    pub mayor_office: Vec<String>,
    pub camat: Vec<CamatRecipient>,
    /// `configuration` or `command_center`; only ever read.
    #[serde(default, skip_serializing)]
    pub source: String,
}

pub async fn mail_recipients() -> Result<Recipients, Failure> {
    get("/api/v1/admin/mail/recipients").await
}

pub async fn set_mail_recipients(recipients: &Recipients) -> Result<Recipients, Failure> {
    let request = Request::put("/api/v1/admin/mail/recipients")
        .json(recipients)
        .map_err(|_| Failure::unreadable(0))?;
    read(request.send().await).await
}

#[derive(Serialize, Deserialize)]
struct Public {
    public: bool,
}

/// Shows an approved report on `/publik/`, or hides it again.
pub async fn set_public(id: &str, public: bool) -> Result<bool, Failure> {
    post::<_, Public>(&format!("/api/v1/reports/{id}/public"), &Public { public })
        .await
        .map(|answer| answer.public)
}

// Form versions for admins (`/api/v1/pusat/admin/forms`).

/// One form version in the admins' list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FormVersion {
    pub id: String,
    pub version: u32,
    pub title: Text,
    /// `builtin` or `published`.
    pub source: String,
    pub published_by: Option<String>,
    pub published_at_ms: Option<i64>,
    pub fields: usize,
}

#[derive(Deserialize)]
struct FormVersions {
    forms: Vec<FormVersion>,
}

pub async fn admin_forms() -> Result<Vec<FormVersion>, Failure> {
    get::<FormVersions>("/api/v1/pusat/admin/forms")
        .await
        .map(|list| list.forms)
}

pub async fn admin_form(id: &str, version: u32) -> Result<FormDefinition, Failure> {
    get(&format!(
        "/api/v1/pusat/admin/forms/{}/{version}",
        js_sys::encode_uri_component(id)
    ))
    .await
}

/// A published version, as the server confirms it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Published {
    pub form: String,
    pub version: u32,
}

/// One problem the definition checks found: where, and what (in English,
/// for form authors).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DefinitionError {
    pub path: String,
    pub message: String,
}

/// Why a definition was not published, with the checks' findings.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishRefusal {
    pub failure: Failure,
    pub problems: Vec<DefinitionError>,
}

/// Sends the text as it was pasted; the server says whether it is JSON and
/// a form definition that passes the checks.
pub async fn publish_form(definition: &str) -> Result<Published, PublishRefusal> {
    let refusal = |failure| PublishRefusal {
        failure,
        problems: Vec::new(),
    };
    let response = Request::post("/api/v1/pusat/admin/forms")
        .header("content-type", "application/json")
        .body(definition.to_owned())
        .map_err(|_| refusal(Failure::unreadable(0)))?
        .send()
        .await
        .map_err(|_| refusal(Failure::unreachable()))?;
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|_| refusal(Failure::unreadable(status)))?;
    if (200..300).contains(&status) {
        return serde_json::from_value(body).map_err(|_| refusal(Failure::unreadable(status)));
    }
    let error = &body["error"];
    let text = |key: &str| error[key].as_str().map(str::to_owned);
    let (Some(message), Some(message_en)) = (text("message"), text("message_en")) else {
        return Err(refusal(Failure::unreadable(status)));
    };
    Err(PublishRefusal {
        failure: Failure {
            status,
            message,
            message_en,
            detail: text("detail"),
        },
        problems: serde_json::from_value(error["problems"].clone()).unwrap_or_default(),
    })
}

// The map, versions and administration screens (issue 10).

/// Where the map's tiles come from, as the server is set up.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MapConfig {
    pub tile_url: String,
}

pub async fn map_config() -> Result<MapConfig, Failure> {
    get("/api/v1/pusat/map/config").await
}

/// A form that has a GPS question, for the map's form filter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MapForm {
    pub id: String,
    pub title: Text,
}

/// One report on the map.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MapPoint {
    pub id: String,
    pub form: String,
    pub title: Option<Text>,
    pub village_name: String,
    pub status: ReviewStatus,
    pub lat: f64,
    pub lon: f64,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MapPoints {
    pub forms: Vec<MapForm>,
    pub points: Vec<MapPoint>,
    pub truncated: bool,
}

pub async fn map_points(query: &str) -> Result<MapPoints, Failure> {
    get(&format!("/api/v1/pusat/map?{query}")).await
}

/// One version of a report: the first as filed, then one per edit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportVersion {
    pub version: i64,
    pub report: Report,
    pub received_at_ms: i64,
    pub submitted_by: Option<String>,
}

#[derive(Deserialize)]
struct Versions {
    versions: Vec<ReportVersion>,
}

pub async fn versions(id: &str) -> Result<Vec<ReportVersion>, Failure> {
    get::<Versions>(&format!("/api/v1/reports/{id}/versions"))
        .await
        .map(|answer| answer.versions)
}

/// An account as the admin screen lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    #[serde(flatten)]
    pub access: kabar_shared::account::Access,
    /// `active`, `locked` or `disabled`.
    pub state: String,
}

#[derive(Deserialize)]
struct Accounts {
    users: Vec<Account>,
}

pub async fn accounts() -> Result<Vec<Account>, Failure> {
    get::<Accounts>("/api/v1/pusat/admin/users")
        .await
        .map(|answer| answer.users)
}

/// A new account: a role with a village or a kecamatan (or neither).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAccount {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    pub password: String,
}

pub async fn create_account(account: &NewAccount) -> Result<serde_json::Value, Failure> {
    post("/api/v1/pusat/admin/users", account).await
}

#[derive(Serialize)]
struct NewPasswordBody<'a> {
    password: &'a str,
}

/// What a password reset or a disable ended.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountChanged {
    pub sessions_ended: u64,
}

pub async fn reset_password(username: &str, password: &str) -> Result<AccountChanged, Failure> {
    post(
        &format!("/api/v1/pusat/admin/users/{username}/password"),
        &NewPasswordBody { password },
    )
    .await
}

pub async fn set_account_enabled(username: &str, enabled: bool) -> Result<AccountChanged, Failure> {
    let action = if enabled { "enable" } else { "disable" };
    post(
        &format!("/api/v1/pusat/admin/users/{username}/{action}"),
        &serde_json::json!({}),
    )
    .await
}

/// One device session.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeviceSession {
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SessionsPage {
    pub sessions: Vec<DeviceSession>,
    pub next: Option<String>,
}

pub async fn sessions(query: &str) -> Result<SessionsPage, Failure> {
    get(&format!("/api/v1/admin/sessions?{query}")).await
}

/// Ends a session; the server answers 204 without a body.
pub async fn revoke_session(id: &str) -> Result<(), Failure> {
    let response = Request::post(&format!("/api/v1/admin/sessions/{id}/revoke"))
        .send()
        .await;
    match response {
        Ok(response) if response.ok() => Ok(()),
        other => read::<serde_json::Value>(other).await.map(|_| ()),
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub client: Option<String>,
    pub detail: serde_json::Value,
    pub repeats: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

pub async fn audit(query: &str) -> Result<AuditPage, Failure> {
    get(&format!("/api/v1/admin/audit?{query}")).await
}
