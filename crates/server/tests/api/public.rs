//! The public page and feeds: public, approved KIM logs and development
//! progress reports, and never a personal answer.

use super::mail::{catalog_report, progress_report, push_accepted, review, today, upload_photo};
use super::photos::tiny_png;
use super::support::{Backend, KOTOBANGUN, TestApp, Who, spawn_app};
use kabar_shared::ContentHash;
use kabar_shared::Report;
use serde_json::{Value, json};

/// Personal answers carry these; none may appear in public output.
const MARKER: &str = "PENANDA-PRIBADI-7731";
const GPS_MARKERS: [&str; 2] = ["0.7314", "124.3141"];

fn kim_log(seed: u8, topic: &str, photos: &[&ContentHash]) -> Report {
    catalog_report(
        "catatan-kegiatan-kim",
        KOTOBANGUN,
        seed,
        json!({
            "jenis_kegiatan": "diseminasi_informasi",
            "tanggal": today().to_string(),
            "tempat": "Balai Kelurahan Kotobangun",
            "titik_lokasi": {"lat": 0.7314159, "lon": 124.3141592, "accuracy_m": 12.0},
            "topik": topic,
            "peserta_l": 12,
            "peserta_p": 15,
            "ringkasan": "Sosialisasi jadwal vaksinasi dan layanan Posyandu kepada warga.",
            "foto": photos.iter().map(|hash| hash.as_str()).collect::<Vec<_>>(),
        }),
    )
}

async fn set_public(
    app: &TestApp,
    session: &super::support::Session,
    report: &Report,
    public: bool,
) -> (u16, Value) {
    let response = app
        .post(
            Some(session),
            &format!("/api/v1/reports/{}/public", report.id),
        )
        .json(&json!({"public": public}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The page and both feeds, fetched without a session.
async fn public_outputs(app: &TestApp) -> [String; 3] {
    let mut outputs = Vec::new();
    for path in ["/publik/", "/publik/feed.atom", "/publik/feed.json"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        outputs.push(response.text().await.unwrap());
    }
    outputs.try_into().unwrap()
}

pub async fn public_page_and_feeds_show_public_items_and_never_a_personal_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let kim = app.login_as(Who::Kim).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;

    let png = tiny_png();
    let photo = ContentHash::of_bytes(&png);
    let public_log = kim_log(1, "Sosialisasi vaksinasi anak", &[&photo]);
    let private_log = kim_log(2, "Rapat internal tidak untuk umum", &[]);
    let unapproved_log = kim_log(3, "Kegiatan belum diperiksa", &[]);
    let progress = progress_report(KOTOBANGUN, 4, &[&photo], MARKER);
    for report in [&public_log, &private_log, &unapproved_log] {
        push_accepted(&app, &kim, report).await;
    }
    push_accepted(&app, &head, &progress).await;
    upload_photo(&app, &kim, &png).await;
    for report in [&public_log, &private_log, &progress] {
        review(&app, &reviewer, report, "approved").await;
    }

    // Only reviewers of the village, only approved reports of the two
    // public forms.
    assert_eq!(set_public(&app, &kim, &public_log, true).await.0, 403);
    assert_eq!(
        set_public(&app, &far_reviewer, &public_log, true).await.0,
        403
    );
    let (status, body) = set_public(&app, &reviewer, &unapproved_log, true).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("disetujui"),
        "{body}"
    );
    assert_eq!(
        set_public(&app, &reviewer, &public_log, true).await,
        (200, json!({"public": true}))
    );
    // The Command Center's report detail says so, for its switch.
    let detail_of = |report: &Report| format!("/api/v1/pusat/reports/{}", report.id);
    assert_eq!(
        app.get_json(Some(&reviewer), &detail_of(&public_log)).await["public"],
        json!(true)
    );
    assert_eq!(
        app.get_json(Some(&reviewer), &detail_of(&private_log))
            .await["public"],
        json!(false)
    );
    assert_eq!(set_public(&app, &reviewer, &progress, true).await.0, 200);
    // A resident's aspiration is never public, approved or not.
    let aspiration = super::photos::report_with_photos(KOTOBANGUN, 9, &[]);
    push_accepted(&app, &kim, &aspiration).await;
    review(&app, &reviewer, &aspiration, "approved").await;
    assert_eq!(set_public(&app, &reviewer, &aspiration, true).await.0, 400);

    let [page, atom, feed] = public_outputs(&app).await;
    for output in [&page, &atom, &feed] {
        assert!(output.contains("Sosialisasi vaksinasi anak"), "{output}");
        assert!(
            output.contains("Pembangunan jalan usaha tani 4"),
            "{output}"
        );
        assert!(
            !output.contains("Rapat internal tidak untuk umum"),
            "not public"
        );
        assert!(!output.contains("Kegiatan belum diperiksa"), "not approved");
        assert!(
            !output.contains(MARKER),
            "a personal answer leaked: {output}"
        );
        for marker in GPS_MARKERS {
            assert!(
                !output.contains(marker),
                "a personal GPS point leaked: {output}"
            );
        }
    }
    assert!(page.contains("<h4>Catatan Kegiatan KIM: Sosialisasi vaksinasi anak</h4>"));
    assert!(
        atom.contains(
            "<title>Laporan Kemajuan Pembangunan: Pembangunan jalan usaha tani 4</title>"
        )
    );
    assert!(page.contains("Kecamatan Kotamobagu Timur"));
    assert!(page.contains("Kelurahan Kotobangun"));
    assert!(page.contains("name=\"viewport\""), "made for phones");
    // Newest first: the progress report was filed after the KIM log.
    assert!(page.find("Pembangunan jalan").unwrap() < page.find("Sosialisasi vaksinasi").unwrap());
    assert!(
        atom.starts_with("<?xml") && atom.matches("<entry>").count() == 2,
        "{atom}"
    );
    assert_well_formed_xml(&atom);
    let feed: Value = serde_json::from_str(&feed).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["items"].as_array().unwrap().len(), 2);
    for item in feed["items"].as_array().unwrap() {
        let image = item["image"].as_str().unwrap();
        assert!(
            image.ends_with(&format!("/publik/foto/{}", photo.hex())),
            "{item}"
        );
    }

    // The photo of a public item is served without login.
    let photo_path = format!("/publik/foto/{}", photo.hex());
    assert!(page.contains(&photo_path));
    let served = app.client.get(app.url(&photo_path)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());

    // Sent back for revision, a public item disappears at once, photo too.
    review(&app, &reviewer, &progress, "needs_revision").await;
    review(&app, &reviewer, &public_log, "needs_revision").await;
    let [page, atom, feed] = public_outputs(&app).await;
    for output in [&page, &atom, &feed] {
        assert!(!output.contains("Sosialisasi vaksinasi anak"), "{output}");
        assert!(
            !output.contains("Pembangunan jalan usaha tani 4"),
            "{output}"
        );
    }
    let hidden = app.client.get(app.url(&photo_path)).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
}

/// Python's XML parser reads the feed (the tests need python3 anyway).
fn assert_well_formed_xml(xml: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Atom feed is not well-formed XML: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
