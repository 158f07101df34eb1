//! The app's HTTP calls to the server, over `fetch`. Every call has a
//! deadline: on EDGE a request can hang for minutes, and a hung request must
//! not keep the outbox from trying again.

use crate::storage::StoredPhoto;
use gloo_net::http::{Request, RequestBuilder, Response};
use gloo_timers::callback::Timeout;
use kabar_shared::account::{ChangePasswordRequest, LoginRequest, Me};
use kabar_shared::sync::{PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse};
use serde::Deserialize;
use web_sys::AbortController;

const PROBE_DEADLINE_MS: u32 = 10_000;
const PUSH_DEADLINE_MS: u32 = 60_000;
/// Smaller bodies (a login) are sent as they are: gzip's header and the
/// compressor's start-up would cost more than they save.
const GZIP_FROM_BYTES: usize = 512;

/// Why a call to the server did not give an answer we can use.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestError {
    /// No connection: the request never got an HTTP answer.
    Unreachable,
    /// The request started but did not finish in time.
    TimedOut,
    /// The server answered with an error; its message is in both languages.
    Refused {
        status: u16,
        message_id: String,
        message_en: String,
    },
    /// The server answered 200 with something this app cannot read.
    Unreadable(String),
    /// Something other than the Kabar Desa server answered: a captive
    /// portal's login page, a proxy's error page. Every answer of the API
    /// is JSON, so a page of another type means the phone is not yet
    /// connected to the server, whatever its status says.
    NotOurServer,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    message_en: String,
}

#[derive(Deserialize)]
struct Health {
    status: String,
}

/// Whether the server answers its health check: a real round trip, since
/// `navigator.onLine` only knows whether some network interface is up. Only
/// the server's own `{"status": "ok"}` counts: a captive portal answers 200
/// too.
pub async fn server_reachable() -> Result<(), RequestError> {
    let response = send_with_deadline(Request::get("/api/health"), PROBE_DEADLINE_MS).await?;
    from_our_server(&response)?;
    match response.json::<Health>().await {
        Ok(health) if response.ok() && health.status == "ok" => Ok(()),
        Ok(_) => Err(RequestError::Unreachable),
        Err(_) => Err(RequestError::NotOurServer),
    }
}

/// Refuses an answer that is not the API's JSON: see
/// [`RequestError::NotOurServer`].
fn from_our_server(response: &Response) -> Result<(), RequestError> {
    // An empty 204 is the server's answer when there is nothing to say (a
    // password changed); a portal answers with a page, never with nothing.
    if response.status() == 204 {
        return Ok(());
    }
    let json = response
        .headers()
        .get("content-type")
        .is_some_and(|value| value.trim_start().starts_with("application/json"));
    if json {
        Ok(())
    } else {
        Err(RequestError::NotOurServer)
    }
}

pub async fn push(request: &PushRequest) -> Result<PushResponse, RequestError> {
    post_json("/api/v1/sync/push", request, PUSH_DEADLINE_MS).await
}

/// One page of what changed on the server since `cursor`.
pub async fn pull(cursor: Option<&str>) -> Result<PullResponse, RequestError> {
    // The villages' last approved periodic reports come only when asked, so
    // the server never sends them to a phone too old to read them.
    let mut builder = Request::get("/api/v1/sync/pull").query([("approved", "true")]);
    if let Some(cursor) = cursor {
        builder = builder.query([("cursor", cursor)]);
    }
    let response = send_with_deadline(builder, PUSH_DEADLINE_MS).await?;
    from_our_server(&response)?;
    if !response.ok() {
        return Err(refusal(&response).await);
    }
    let page: PullResponse = response
        .json()
        .await
        .map_err(|error| RequestError::Unreadable(error.to_string()))?;
    if page.protocol_version != PROTOCOL_VERSION {
        return Err(RequestError::Unreadable(format!(
            "protocol {}",
            page.protocol_version
        )));
    }
    Ok(page)
}

/// Uploads one photo to its content address. The server answers 201 for a
/// new photo and 200 for one it already has, so a retry is harmless.
pub async fn upload_photo(photo: &StoredPhoto) -> Result<(), RequestError> {
    let url = format!("/api/v1/photos/{}", photo.reference.as_str());
    let builder = Request::put(&url).header("content-type", &photo.mime);
    let bytes = js_sys::Uint8Array::from(photo.bytes.as_slice());
    let response = with_deadline(PUSH_DEADLINE_MS * 2, |signal| async move {
        let request = builder
            .abort_signal(Some(&signal))
            .body(bytes)
            .map_err(|error| RequestError::Unreadable(error.to_string()))?;
        request.send().await.map_err(|_| RequestError::Unreachable)
    })
    .await?;
    // A portal's 200 must not count as a stored photo.
    from_our_server(&response)?;
    if response.ok() {
        Ok(())
    } else {
        Err(refusal(&response).await)
    }
}

/// Logs in this device. The session cookie is HttpOnly: the browser keeps it
/// and sends it with every later call; the app never sees the token.
pub async fn login(request: &LoginRequest) -> Result<Me, RequestError> {
    post_json("/api/v1/auth/login", request, PROBE_DEADLINE_MS * 3).await
}

/// Ends the session on the server; the outbox on the phone is untouched.
pub async fn logout() -> Result<(), RequestError> {
    let response =
        send_with_deadline(Request::post("/api/v1/auth/logout"), PROBE_DEADLINE_MS).await?;
    if response.ok() || response.status() == 401 {
        Ok(())
    } else {
        Err(refusal(&response).await)
    }
}

/// The signed-in user changes their password (online only).
pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), RequestError> {
    send_json("/api/v1/auth/password", request, PROBE_DEADLINE_MS)
        .await
        .map(drop)
}

/// POSTs `body` as JSON, gzipped when it is large enough to gain, and reads
/// a JSON answer, or the server's refusal.
async fn post_json<Body, Answer>(
    url: &str,
    body: &Body,
    deadline_ms: u32,
) -> Result<Answer, RequestError>
where
    Body: serde::Serialize + ?Sized,
    Answer: serde::de::DeserializeOwned,
{
    send_json(url, body, deadline_ms)
        .await?
        .json()
        .await
        .map_err(|error| RequestError::Unreadable(error.to_string()))
}

/// POSTs `body` as JSON and returns the server's successful answer, or its
/// refusal.
async fn send_json<Body>(url: &str, body: &Body, deadline_ms: u32) -> Result<Response, RequestError>
where
    Body: serde::Serialize + ?Sized,
{
    let mut bytes =
        serde_json::to_vec(body).map_err(|error| RequestError::Unreadable(error.to_string()))?;
    let mut builder = Request::post(url).header("content-type", "application/json");
    if bytes.len() >= GZIP_FROM_BYTES
        && let Some(compressed) = crate::gzip::gzip(&bytes).await
    {
        builder = builder.header("content-encoding", "gzip");
        bytes = compressed;
    }
    let body = js_sys::Uint8Array::from(bytes.as_slice());
    let response = with_deadline(deadline_ms, |signal| async move {
        let request = builder
            .abort_signal(Some(&signal))
            .body(body)
            .map_err(|error| RequestError::Unreadable(error.to_string()))?;
        request.send().await.map_err(|_| RequestError::Unreachable)
    })
    .await?;
    from_our_server(&response)?;
    if !response.ok() {
        return Err(refusal(&response).await);
    }
    Ok(response)
}

async fn send_with_deadline(
    builder: RequestBuilder,
    deadline_ms: u32,
) -> Result<Response, RequestError> {
    with_deadline(deadline_ms, |signal| async move {
        builder
            .abort_signal(Some(&signal))
            .send()
            .await
            .map_err(|_| RequestError::Unreachable)
    })
    .await
}

/// Runs `call` with an abort signal that fires after `deadline_ms`.
async fn with_deadline<F, Fut>(deadline_ms: u32, call: F) -> Result<Response, RequestError>
where
    F: FnOnce(web_sys::AbortSignal) -> Fut,
    Fut: std::future::Future<Output = Result<Response, RequestError>>,
{
    let controller = AbortController::new().map_err(|_| RequestError::Unreachable)?;
    let signal = controller.signal();
    let timer_signal = signal.clone();
    let timeout = Timeout::new(deadline_ms, move || controller.abort());
    let result = call(signal).await;
    let timed_out = timer_signal.aborted();
    drop(timeout);
    match result {
        Err(RequestError::Unreachable) if timed_out => Err(RequestError::TimedOut),
        other => other,
    }
}

async fn refusal(response: &Response) -> RequestError {
    let status = response.status();
    match response.json::<ErrorEnvelope>().await {
        Ok(envelope) => RequestError::Refused {
            status,
            message_id: envelope.error.message,
            message_en: envelope.error.message_en,
        },
        Err(_) => RequestError::Refused {
            status,
            message_id: format!("Kode {status}"),
            message_en: format!("Status {status}"),
        },
    }
}
