//! Mail to the mayor's office, against a real SMTP server (see `smtp`):
//! approvals, retries while the SMTP server is down, several servers on one
//! database, urgent incidents on arrival, and the daily digest.

use super::photos::{jpeg_with_exif, tiny_png};
use super::smtp::{SmtpSink, free_port, pdf_text, read_messages};
use super::support::{
    Backend, KOTOBANGUN, MONGONDOW, Session, TestApp, Who, spawn_app, spawn_app_with,
};
use kabar_server::Settings;
use kabar_shared::form::{Date, WITA_OFFSET_MINUTES};
use kabar_shared::report::FormRef;
use kabar_shared::sync::{PushItem, PushOutcome};
use kabar_shared::{ContentHash, Report, ReportId, VillageCode};
use serde_json::{Value, json};
use std::time::Duration;

pub const MAYOR: &str = "walikota@kotamobagu.go.id";
pub const CAMAT_TIMUR: &str = "camat.timur@kotamobagu.go.id";
pub const BASE_URL: &str = "https://kabar.kotamobagu.go.id";

/// Mail through `smtp_url`, with a fast worker so tests take seconds.
pub fn with_mail(settings: &mut Settings, smtp_url: &str) {
    let mail = &mut settings.mail;
    mail.set("--smtp-url", smtp_url).unwrap();
    mail.set("--mail-from", "Kabar Desa <kabar@kotamobagu.go.id>")
        .unwrap();
    mail.set("--mayor-office-email", MAYOR).unwrap();
    mail.set("--camat-email", &format!("Kotamobagu Timur={CAMAT_TIMUR}"))
        .unwrap();
    mail.set("--public-base-url", BASE_URL).unwrap();
    mail.poll_interval = Duration::from_millis(50);
    mail.retry_base = Duration::from_millis(100);
    mail.retry_max = Duration::from_millis(300);
    mail.smtp_timeout = Duration::from_secs(5);
}

pub fn now_ms() -> i64 {
    kabar_server::store::now_ms()
}

/// Today in Kotamobagu, as the forms' date rules see it.
pub fn today() -> Date {
    Date::from_unix_millis(now_ms(), WITA_OFFSET_MINUTES).unwrap()
}

pub fn previous_month() -> (i32, u8) {
    let today = today();
    if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() - 1)
    }
}

pub fn catalog_report(form: &str, village: &str, seed: u8, answers: Value) -> Report {
    Report {
        id: ReportId::new_v7(now_ms() as u64, [seed; 10]),
        form: FormRef {
            id: form.into(),
            version: 1,
        },
        village: VillageCode::parse(village).unwrap(),
        created_at_ms: now_ms(),
        answers: serde_json::from_value(answers).unwrap(),
    }
}

/// A monthly population report for `year`/`month` with one birth.
pub fn monthly_report(village: &str, seed: u8, year: i32, month: u8) -> Report {
    let mut answers = json!({
        "tahun": year,
        "bulan": format!("{month:02}"),
        "awal_kk": 100,
        "akhir_kk": 101,
        "lahir_wni_l": 1,
        "daftar_kelahiran": [{
            "nama_bayi": "Bayi Uji",
            "jenis_kelamin_bayi": "l",
            "kewarganegaraan_bayi": "wni",
            "tanggal_lahir": format!("{year}-{month:02}-01"),
            "nama_ibu": "Ibu Uji",
        }],
    });
    for group in ["awal", "lahir", "meninggal", "datang", "pindah", "hilang"] {
        for kind in ["wni_l", "wni_p", "wna_l", "wna_p"] {
            let key = format!("{group}_{kind}");
            if answers.get(&key).is_none() {
                answers[key] = json!(if group == "awal" { 200 } else { 0 });
            }
        }
    }
    catalog_report("laporan-bulanan-kependudukan", village, seed, answers)
}

/// A development progress report with its photos.
pub fn progress_report(
    village: &str,
    seed: u8,
    photos: &[&ContentHash],
    pelaksana: &str,
) -> Report {
    catalog_report(
        "laporan-kemajuan-pembangunan",
        village,
        seed,
        json!({
            "nama_kegiatan": format!("Pembangunan jalan usaha tani {seed}"),
            "bidang": "infrastruktur",
            "lokasi": "Lingkungan II",
            "titik_lokasi": {"lat": 0.7401, "lon": 124.3201, "accuracy_m": 8.0},
            "pelaksana": pelaksana,
            "sumber_dana": ["dana_desa"],
            "anggaran_rp": 150_000_000,
            "realisasi_rp": 90_000_000,
            "tanggal_mulai": "2025-01-15",
            "tanggal_laporan": today().to_string(),
            "persen_selesai": 60.0,
            "kendala": "Hujan deras minggu lalu.",
            "foto": photos.iter().map(|hash| hash.as_str()).collect::<Vec<_>>(),
        }),
    )
}

pub fn incident_report(village: &str, seed: u8, urgency: &str) -> Report {
    let mut answers = json!({
        "jenis_kejadian": "banjir",
        "waktu_kejadian": format!("{}T07:30", today()),
        "lokasi": "Lingkungan III dekat sungai",
        "ada_korban": false,
        "kerusakan": ["jalan_jembatan"],
        "tingkat_urgensi": urgency,
        "uraian": "Air sungai meluap setinggi lutut dan menutup jalan.",
    });
    if urgency == "tinggi" || urgency == "darurat" {
        answers["kebutuhan_mendesak"] = json!("Perahu karet dan makanan siap saji.");
    }
    catalog_report("laporan-kejadian", village, seed, answers)
}

pub async fn push_accepted(app: &TestApp, session: &Session, report: &Report) {
    let response = app
        .push_as(session, vec![PushItem::new(report.clone())])
        .await;
    assert_eq!(
        response.results[0].outcome,
        PushOutcome::Accepted,
        "{response:?}"
    );
}

pub async fn upload_photo(app: &TestApp, session: &Session, bytes: &[u8]) {
    let hash = ContentHash::of_bytes(bytes);
    let response = app
        .put(Some(session), &format!("/api/v1/photos/{}", hash.as_str()))
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{response:?}");
}

/// Records a review; sending back and rejecting say why, as the shared
/// transition table requires.
pub async fn review(app: &TestApp, reviewer: &Session, report: &Report, status: &str) {
    let response = review_request(app, reviewer, report, status).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

pub async fn review_request(
    app: &TestApp,
    reviewer: &Session,
    report: &Report,
    status: &str,
) -> reqwest::Response {
    let comment = matches!(status, "needs_revision" | "rejected").then_some("Angka belum sesuai.");
    app.post(
        Some(reviewer),
        &format!("/api/v1/reports/{}/review", report.id),
    )
    .json(&json!({"status": status, "comment": comment}))
    .send()
    .await
    .unwrap()
}

async fn outbox(app: &TestApp, admin: &Session) -> Vec<Value> {
    let body = app.get_json(Some(admin), "/api/v1/admin/mail").await;
    body["mails"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{body}"))
}

/// Waits until the outbox row about `report` satisfies `check`.
async fn wait_for_row(
    app: &TestApp,
    admin: &Session,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let rows = outbox(app, admin).await;
        if let Some(row) = rows.iter().find(|row| check(row)) {
            return row.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no outbox row {what}: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn attachment<'a>(message: &'a Value, content_type: &str) -> Vec<&'a Value> {
    message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|attachment| attachment["content_type"] == content_type)
        .collect()
}

fn recipients(message: &Value) -> Vec<String> {
    let mut to: Vec<String> = message["rcpt_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|address| address.as_str().unwrap().to_owned())
        .collect();
    to.sort();
    to
}

fn month_name(month: u8) -> &'static str {
    kabar_server::mail::compose::MONTHS[usize::from(month) - 1]
}

pub async fn an_approval_mails_the_mayor_once_with_its_letter_and_photos(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;

    let png = tiny_png();
    let jpeg = jpeg_with_exif(2000);
    let photos = [ContentHash::of_bytes(&png), ContentHash::of_bytes(&jpeg)];
    let progress = progress_report(KOTOBANGUN, 1, &[&photos[0], &photos[1]], "TPK Kotobangun");
    push_accepted(&app, &head, &progress).await;
    upload_photo(&app, &head, &png).await;
    upload_photo(&app, &head, &jpeg).await;
    let (year, month) = previous_month();
    let monthly = monthly_report(KOTOBANGUN, 2, year, month);
    push_accepted(&app, &head, &monthly).await;

    assert!(
        sink.messages().is_empty(),
        "nothing is mailed before approval"
    );
    review(&app, &reviewer, &progress, "approved").await;
    review(&app, &reviewer, &monthly, "approved").await;
    // Approving again is refused by the table and changes nothing: one mail
    // per approved content.
    let again = review_request(&app, &reviewer, &progress, "approved").await;
    assert_eq!(again.status(), 409);
    let messages = sink.wait_for(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 2, "exactly one mail per approval");

    let find = |report: &Report| {
        messages
            .iter()
            .find(|message| {
                attachment(message, "application/pdf")
                    .iter()
                    .any(|pdf| pdf["filename"] == format!("laporan-{}.pdf", report.id))
            })
            .unwrap_or_else(|| panic!("no mail for {}: {messages:#?}", report.id))
    };
    let progress_mail = find(&progress);
    assert_eq!(recipients(progress_mail), vec![CAMAT_TIMUR, MAYOR]);
    assert_eq!(
        progress_mail["subject"],
        format!(
            "[Kabar Desa] Laporan Kemajuan Pembangunan — Kelurahan Kotobangun — {} {} {}",
            today().day(),
            month_name(today().month()),
            today().year()
        )
    );
    assert_eq!(progress_mail["html_problems"], json!([]), "valid HTML");
    let html = progress_mail["html"].as_str().unwrap();
    assert!(html.contains("<th>Nama kegiatan</th><td>Pembangunan jalan usaha tani 1</td>"));
    let text = progress_mail["text"].as_str().unwrap();
    assert!(text.contains("Sumber dana: Dana Desa"), "{text}");
    assert!(text.contains(&format!("{BASE_URL}/pusat/laporan/{}", progress.id)));
    let images: Vec<_> = progress_mail["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["content_type"].as_str().unwrap().starts_with("image/"))
        .collect();
    assert_eq!(images.len(), 2, "both photos attached");
    let letter = pdf_text(
        attachment(progress_mail, "application/pdf")[0]["path"]
            .as_str()
            .unwrap(),
    );
    assert!(letter.contains("KELURAHAN KOTOBANGUN"), "{letter}");
    assert!(letter.contains(&progress.id.to_string()), "{letter}");
    assert!(letter.contains("Lurah Kotobangun"), "{letter}");
    assert!(letter.contains("WITA"), "{letter}");

    let monthly_mail = find(&monthly);
    assert_eq!(
        monthly_mail["subject"],
        format!(
            "[Kabar Desa] Laporan Bulanan Kependudukan — Kelurahan Kotobangun — {} {year}",
            month_name(month)
        )
    );
    let pdf_path = attachment(monthly_mail, "application/pdf")[0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let letter = pdf_text(&pdf_path);
    assert!(
        letter.contains("Rincian kelahiran"),
        "the repeat group: {letter}"
    );
    assert!(letter.contains("Bayi Uji"), "{letter}");
    assert!(letter.contains(&monthly.id.to_string()), "{letter}");
    // The README's picture of the letter comes from this file.
    let _ = std::fs::copy(
        &pdf_path,
        std::env::temp_dir().join("kabar-desa-contoh-surat.pdf"),
    );

    let rows = outbox(&mail_app, &admin).await;
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row["status"], "sent", "{row}");
        assert_eq!(row["attempts"], 1);
        assert!(
            row["last_answer"].as_str().unwrap().starts_with("250"),
            "{row}"
        );
    }
    let document = app.get_json(None, "/api/openapi.json").await;
    for path in [
        "/api/v1/admin/mail",
        "/api/v1/admin/mail/{id}/resend",
        "/api/v1/reports/{id}/public",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
    let reviewer_sees = app
        .get(Some(&reviewer), "/api/v1/admin/mail")
        .send()
        .await
        .unwrap();
    assert_eq!(reviewer_sees.status(), 403, "the outbox is for admins");
}

pub async fn a_report_sent_back_before_its_mail_left_is_not_mailed(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let (year, month) = previous_month();
    let monthly = monthly_report(KOTOBANGUN, 3, year, month);
    push_accepted(&app, &head, &monthly).await;
    // No server sends mail yet: approved, then sent back.
    review(&app, &reviewer, &monthly, "approved").await;
    review(&app, &reviewer, &monthly, "needs_revision").await;

    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;
    let row = wait_for_row(&mail_app, &admin, "skipped", |row| {
        row["status"] == "skipped"
    })
    .await;
    assert!(
        row["last_answer"]
            .as_str()
            .unwrap()
            .contains("no longer approved")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink.messages().is_empty());

    // The head corrects it (a new version), it is approved: now it goes, once.
    let mut corrected = monthly.clone();
    corrected
        .answers
        .insert("akhir_kk".into(), serde_json::json!(102));
    // An edit names the hash the server stored (of the cleaned answers).
    let stored = app
        .get_json(Some(&reviewer), &format!("/api/v1/reports/{}", monthly.id))
        .await;
    let stored_hash = ContentHash::parse(stored["content_hash"].as_str().unwrap()).unwrap();
    let response = app
        .push_as(&head, vec![PushItem::edit(corrected, stored_hash)])
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);
    review(&app, &reviewer, &monthly, "approved").await;
    sink.wait_for(1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1);
}

pub async fn with_the_smtp_server_down_mail_waits_and_arrives_once_when_it_is_back(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let port = free_port();
    let mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &format!("smtp://127.0.0.1:{port}?tls=none"));
        settings.mail.max_attempts = 1000;
    })
    .await;
    let (year, month) = previous_month();
    let monthly = monthly_report(KOTOBANGUN, 4, year, month);
    push_accepted(&app, &head, &monthly).await;
    // The approval does not wait for the SMTP server.
    review(&app, &reviewer, &monthly, "approved").await;
    let waiting = wait_for_row(&mail_app, &admin, "retried", |row| {
        row["status"] == "pending" && row["attempts"].as_i64().unwrap() >= 2
    })
    .await;
    assert!(
        !waiting["last_answer"].as_str().unwrap_or("").is_empty(),
        "the failure is recorded: {waiting}"
    );

    let sink = SmtpSink::start_on(port, &app.dir.path().join("smtp"));
    sink.wait_for(1, Duration::from_secs(30)).await;
    wait_for_row(&mail_app, &admin, "sent", |row| row["status"] == "sent").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 1, "arrives once");
}

pub async fn a_dead_mail_is_sent_again_when_an_admin_asks(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let port = free_port();
    let mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &format!("smtp://127.0.0.1:{port}?tls=none"));
        settings.mail.max_attempts = 2;
    })
    .await;
    let (year, month) = previous_month();
    let monthly = monthly_report(KOTOBANGUN, 5, year, month);
    push_accepted(&app, &head, &monthly).await;
    review(&app, &reviewer, &monthly, "approved").await;
    let dead = wait_for_row(&mail_app, &admin, "dead", |row| row["status"] == "dead").await;
    assert_eq!(dead["attempts"], 2);
    let dead_list = mail_app
        .get_json(Some(&admin), "/api/v1/admin/mail?status=dead")
        .await;
    assert_eq!(dead_list["mails"].as_array().unwrap().len(), 1);
    assert_eq!(
        dead_list["mails"][0]["village_code"], KOTOBANGUN,
        "the list names the report's village"
    );

    let sink = SmtpSink::start_on(port, &app.dir.path().join("smtp"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(sink.messages().is_empty(), "a dead mail stays dead");
    let path = format!("/api/v1/admin/mail/{}/resend", dead["id"]);
    let refused = mail_app.post(Some(&reviewer), &path).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let resent = mail_app.post(Some(&admin), &path).send().await.unwrap();
    assert_eq!(resent.status(), 202);
    sink.wait_for(1, Duration::from_secs(30)).await;
    let again = mail_app.post(Some(&admin), &path).send().await.unwrap();
    assert_eq!(again.status(), 404, "only a dead mail is sent again");
}

pub async fn two_servers_on_one_database_send_each_mail_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let _first = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;
    let _second = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;
    let (year, month) = previous_month();
    // One village files one report a month: six months of last year.
    let _ = month;
    let reports: Vec<Report> = (10..16)
        .map(|seed| monthly_report(KOTOBANGUN, seed, year - 1, seed - 9))
        .collect();
    for report in &reports {
        push_accepted(&app, &head, report).await;
    }
    for report in &reports {
        review(&app, &reviewer, report, "approved").await;
    }
    sink.wait_for(reports.len(), Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let messages = sink.messages();
    assert_eq!(
        messages.len(),
        reports.len(),
        "one mail each: {messages:#?}"
    );
    for report in &reports {
        let name = format!("laporan-{}.pdf", report.id);
        let count = messages
            .iter()
            .filter(|message| {
                attachment(message, "application/pdf")
                    .iter()
                    .any(|pdf| pdf["filename"] == name)
            })
            .count();
        assert_eq!(count, 1, "{name}");
    }
}

pub async fn an_urgent_incident_is_mailed_on_arrival_marked_unreviewed(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let _mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;
    let calm = incident_report(KOTOBANGUN, 20, "rendah");
    let urgent = incident_report(KOTOBANGUN, 21, "darurat");
    push_accepted(&app, &head, &calm).await;
    push_accepted(&app, &head, &urgent).await;
    // A replay (the phone lost the answer) mails nothing more.
    let replay = app
        .push_as(&head, vec![PushItem::new(urgent.clone())])
        .await;
    assert_eq!(replay.results[0].outcome, PushOutcome::Duplicate);

    let messages = sink.wait_for(1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 1, "only the urgent one, once");
    let message = &messages[0];
    let subject = message["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[Kabar Desa] [BELUM DIVERIFIKASI / unreviewed] Laporan Kejadian"),
        "{subject}"
    );
    assert!(
        message["text"]
            .as_str()
            .unwrap()
            .contains("BELUM DIVERIFIKASI")
    );
    assert!(recipients(message).contains(&MAYOR.to_owned()));
    let letter = pdf_text(
        attachment(message, "application/pdf")[0]["path"]
            .as_str()
            .unwrap(),
    );
    assert!(letter.contains("BELUM DIVERIFIKASI"), "{letter}");
    assert!(letter.contains(&urgent.id.to_string()), "{letter}");
}

pub async fn the_digest_lists_villages_that_did_not_file_their_monthly_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let far_head = app.login_as(Who::FarHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let (year, month) = previous_month();
    let filed = monthly_report(KOTOBANGUN, 30, year, month);
    push_accepted(&app, &head, &filed).await;
    review(&app, &reviewer, &filed, "approved").await;
    push_accepted(&app, &far_head, &incident_report(MONGONDOW, 31, "rendah")).await;

    // Two servers at the digest hour (0: any time of day is past it) make
    // one digest.
    let dir = app.dir.path().join("smtp");
    let sink = SmtpSink::start(&dir);
    let mut servers = Vec::new();
    for _ in 0..2 {
        servers.push(
            spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
                with_mail(settings, &sink.url());
                settings.mail.set("--digest-hour-wita", "0").unwrap();
            })
            .await,
        );
    }
    // The approval mail of the filed report, and the digest.
    sink.wait_for(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let messages = read_messages(&dir);
    let digests: Vec<&Value> = messages
        .iter()
        .filter(|message| {
            message["subject"]
                .as_str()
                .unwrap()
                .starts_with("[Kabar Desa] Ringkasan harian")
        })
        .collect();
    assert_eq!(digests.len(), 1, "one digest a day: {messages:#?}");
    let text = digests[0]["text"].as_str().unwrap();
    let (activity, not_filed) = text
        .split_once("Belum mengirim Laporan Bulanan Kependudukan")
        .unwrap();
    assert!(
        not_filed.contains(&format!("{} {year}", month_name(month))),
        "{text}"
    );
    assert!(not_filed.contains("Kelurahan Mongondow"), "{text}");
    assert!(!not_filed.contains("Kelurahan Kotobangun"), "{text}");
    assert!(activity.contains(&format!(
        "Kelurahan Kotobangun — Laporan Bulanan Kependudukan ({})",
        filed.id
    )));
    assert!(
        activity.contains("Kelurahan Mongondow — Laporan Kejadian"),
        "{text}"
    );
    let (_, approved) = activity.split_once("Laporan disetujui").unwrap();
    assert!(approved.contains(&filed.id.to_string()), "{text}");
    assert_eq!(digests[0]["html_problems"], json!([]));
}

pub async fn photos_over_the_attachment_cap_are_left_out_with_a_note(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let _mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url());
        settings
            .mail
            .set("--mail-attachment-cap-bytes", "50000")
            .unwrap();
    })
    .await;
    let big = [jpeg_with_exif(30_000), jpeg_with_exif(30_001)];
    let hashes = [
        ContentHash::of_bytes(&big[0]),
        ContentHash::of_bytes(&big[1]),
    ];
    let progress = progress_report(KOTOBANGUN, 40, &[&hashes[0], &hashes[1]], "TPK");
    push_accepted(&app, &head, &progress).await;
    for photo in &big {
        upload_photo(&app, &head, photo).await;
    }
    review(&app, &reviewer, &progress, "approved").await;
    let messages = sink.wait_for(1, Duration::from_secs(30)).await;
    let message = &messages[0];
    assert_eq!(
        attachment(message, "image/jpeg").len(),
        1,
        "one photo fits under the cap"
    );
    let text = message["text"].as_str().unwrap();
    assert!(
        text.contains("1 foto tidak dilampirkan karena melebihi batas ukuran lampiran"),
        "{text}"
    );
    assert!(
        message["html"]
            .as_str()
            .unwrap()
            .contains("1 foto tidak dilampirkan")
    );
}

/// A server that died while sending leaves its mail leased: nobody sends it
/// until the lease runs out, and then another server sends it, once.
pub async fn a_mail_leased_by_a_server_that_died_is_sent_once_its_lease_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let (year, month) = previous_month();
    let monthly = monthly_report(KOTOBANGUN, 50, year, month);
    push_accepted(&app, &head, &monthly).await;
    review(&app, &reviewer, &monthly, "approved").await;
    // The dead server's claim: the attempt counted, the lease held.
    let lease_until = now_ms() + 5000;
    let claimed = app
        .store
        .claim_mail("server-that-died", now_ms(), lease_until)
        .await
        .unwrap()
        .expect("the approval queued a mail");
    assert_eq!(claimed.attempts, 1);
    assert!(
        app.store
            .claim_mail("another", now_ms(), now_ms() + 1500)
            .await
            .unwrap()
            .is_none(),
        "a leased mail is nobody else's"
    );

    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let _restarted = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(now_ms() < lease_until, "the test checks within the lease");
    assert!(sink.messages().is_empty(), "not while the lease holds");
    sink.wait_for(1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sink.messages().len(), 1);
    let rows = app.store.outbox_mails(None, 10).await.unwrap();
    assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("sent", 2));
}

pub async fn an_admin_changes_the_recipients_and_bad_addresses_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let sink = SmtpSink::start(&app.dir.path().join("smtp"));
    let mail_app = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        with_mail(settings, &sink.url())
    })
    .await;
    let path = "/api/v1/admin/mail/recipients";
    let initial = mail_app.get_json(Some(&admin), path).await;
    assert_eq!(initial["source"], "configuration");
    assert_eq!(initial["mayor_office"], json!([MAYOR]));
    assert_eq!(
        initial["camat"],
        json!([{"kecamatan": "71.74.02", "email": CAMAT_TIMUR}])
    );

    let put = |session: &Session, body: Value| mail_app.put(Some(session), path).json(&body).send();
    assert_eq!(
        put(&reviewer, json!({"mayor_office": [], "camat": []}))
            .await
            .unwrap()
            .status(),
        403
    );
    for bad in [
        json!({"mayor_office": ["sekda@@kotamobagu"], "camat": []}),
        json!({"mayor_office": [], "camat": []}),
        json!({"mayor_office": ["sekda@kotamobagu.go.id"], "camat": [{"kecamatan": "Atlantis", "email": "a@b.id"}]}),
    ] {
        let response = put(&admin, bad.clone()).await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert!(!body["error"]["detail"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        mail_app.get_json(Some(&admin), path).await,
        initial,
        "nothing changed"
    );

    let response = put(
        &admin,
        json!({
            "mayor_office": ["Sekretariat Daerah <sekda@kotamobagu.go.id>"],
            "camat": [{"kecamatan": "Kotamobagu Timur", "email": "camat.baru@kotamobagu.go.id"}],
        }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let changed = mail_app.get_json(Some(&admin), path).await;
    assert_eq!(changed["source"], "command_center");
    assert_eq!(changed["camat"][0]["kecamatan"], "71.74.02");

    let (year, month) = previous_month();
    let monthly = monthly_report(KOTOBANGUN, 60, year, month);
    push_accepted(&app, &head, &monthly).await;
    review(&app, &reviewer, &monthly, "approved").await;
    let messages = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(
        recipients(&messages[0]),
        vec!["camat.baru@kotamobagu.go.id", "sekda@kotamobagu.go.id"]
    );
}
