//! What a mail says: the subject, the answers under the form's own labels as
//! blocks (pairs and tables), and the HTML and plain-text bodies made of
//! them. The PDF letter ([`super::letter`]) and the public page draw the
//! same blocks.

use kabar_shared::form::{Date, FieldKind, FormDefinition, WITA_OFFSET_MINUTES};
use kabar_shared::report::Answers;
use kabar_shared::village::{Gazetteer, Village, VillageKind};
use kabar_shared::{Report, VillageCode};
use serde_json::Value as Json;

/// The answers of a report, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section's title.
    Heading(String),
    /// Questions and their answers, in form order.
    Pairs(Vec<(String, String)>),
    /// A repeat group: its title, its column labels and one row per entry.
    Table {
        title: String,
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

pub const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// `29 November 2026`.
pub fn long_date(date: Date) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[usize::from(date.month().clamp(1, 12)) - 1],
        date.year()
    )
}

/// A moment as a WITA date, `29 November 2026`.
pub fn wita_date(unix_ms: i64) -> String {
    Date::from_unix_millis(unix_ms, WITA_OFFSET_MINUTES)
        .map(long_date)
        .unwrap_or_default()
}

/// A moment in WITA, `29 November 2026 14.05 WITA`.
pub fn wita_date_time(unix_ms: i64) -> String {
    let seconds = unix_ms.div_euclid(1000) + i64::from(WITA_OFFSET_MINUTES) * 60;
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{} {:02}.{:02} WITA",
        wita_date(unix_ms),
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// The village of a code, from the gazetteer.
pub fn village(code: &VillageCode) -> Option<&'static Village> {
    Gazetteer::kotamobagu().village(code)
}

/// `Kelurahan Kotobangun` or `Desa Moyag`; the bare code when unknown.
pub fn village_title(code: &VillageCode) -> String {
    match village(code) {
        Some(village) => format!("{} {}", kind_word(village.kind), village.name),
        None => code.to_string(),
    }
}

pub fn kind_word(kind: VillageKind) -> &'static str {
    match kind {
        VillageKind::Desa => "Desa",
        VillageKind::Kelurahan => "Kelurahan",
    }
}

/// The kecamatan's name of a village code.
pub fn district_name(code: &VillageCode) -> Option<&'static str> {
    Gazetteer::kotamobagu()
        .districts
        .iter()
        .find(|district| district.code == code.district_code())
        .map(|district| district.name.as_str())
}

/// What the report is about in time: the month of a monthly report
/// (`November 2026`), else the date it names, else the day it was filled.
pub fn period(form: Option<&FormDefinition>, report: &Report) -> String {
    let answers = &report.answers;
    if let Some(period) = form.and_then(|form| form.period_of(answers)) {
        return format!(
            "{} {}",
            MONTHS[usize::from(period.month()) - 1],
            period.year()
        );
    }
    // The latest date the top of the form names: the day of an event or
    // an observation rather than, say, when a project started.
    let named_date = form.and_then(|form| {
        form.fields
            .iter()
            .filter_map(|field| {
                let value = answers.get(&field.code)?.as_str()?;
                match field.kind {
                    FieldKind::Date { .. } => Date::parse(value).ok(),
                    FieldKind::DateTime { .. } => Date::parse(value.get(..10)?).ok(),
                    _ => None,
                }
            })
            .max()
    });
    match named_date.or_else(|| report.filled_on()) {
        Some(date) => long_date(date),
        None => String::new(),
    }
}

/// The form's title in Indonesian, or its id when the catalog lacks it.
pub fn form_title(form: Option<&FormDefinition>, report: &Report) -> String {
    form.map(|form| form.title.id.clone())
        .unwrap_or_else(|| report.form.id.clone())
}

/// `[Kabar Desa] Laporan Bulanan Kependudukan — Desa Moyag — November 2026`.
pub fn subject(form: Option<&FormDefinition>, report: &Report, unreviewed: bool) -> String {
    let mark = if unreviewed {
        "[BELUM DIVERIFIKASI / unreviewed] "
    } else {
        ""
    };
    format!(
        "[Kabar Desa] {mark}{} — {} — {}",
        form_title(form, report),
        village_title(&report.village),
        period(form, report)
    )
}

/// One answer as text, in Indonesian: choices by their labels, yes/no as
/// Ya/Tidak, a GPS point as coordinates, photos counted.
pub fn answer_text(kind: &FieldKind, value: &Json) -> String {
    let label_of = |code: &str| {
        kind.choices()
            .iter()
            .find(|choice| choice.code == code)
            .map(|choice| choice.label.id.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    match (kind, value) {
        (_, Json::Null) => String::new(),
        (FieldKind::SelectOne { .. }, Json::String(code)) => label_of(code),
        (FieldKind::SelectMany { .. }, Json::Array(codes)) => codes
            .iter()
            .filter_map(Json::as_str)
            .map(label_of)
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::YesNo, Json::Bool(yes)) => if *yes { "Ya" } else { "Tidak" }.to_owned(),
        (FieldKind::Photo { .. }, Json::Array(photos)) => format!("{} foto", photos.len()),
        (FieldKind::Gps { .. }, Json::Object(point)) => {
            let number = |key: &str| point.get(key).and_then(Json::as_f64);
            match (number("lat"), number("lon")) {
                (Some(lat), Some(lon)) => match number("accuracy_m") {
                    Some(accuracy) => format!("{lat:.6}, {lon:.6} (±{accuracy:.0} m)"),
                    None => format!("{lat:.6}, {lon:.6}"),
                },
                _ => String::new(),
            }
        }
        (_, Json::String(text)) => text.clone(),
        (_, Json::Number(number)) => number.to_string(),
        (_, Json::Bool(yes)) => if *yes { "Ya" } else { "Tidak" }.to_owned(),
        (_, other) => other.to_string(),
    }
}

/// The answers as blocks under the form's labels: answered questions only,
/// sections as headings, repeat groups as tables. A report whose form the
/// catalog lacks shows its raw answers by code.
pub fn answer_blocks(form: Option<&FormDefinition>, answers: &Answers) -> Vec<Block> {
    let Some(form) = form else {
        return vec![Block::Pairs(
            answers
                .iter()
                .map(|(code, value)| (code.clone(), answer_text(&FieldKind::Note, value)))
                .collect(),
        )];
    };
    fn walk(fields: &[kabar_shared::form::Field], answers: &Answers, blocks: &mut Vec<Block>) {
        let mut pairs = Vec::new();
        let flush = |pairs: &mut Vec<(String, String)>, blocks: &mut Vec<Block>| {
            if !pairs.is_empty() {
                blocks.push(Block::Pairs(std::mem::take(pairs)));
            }
        };
        for field in fields {
            match &field.kind {
                FieldKind::Section { fields } => {
                    let has_answers = fields.iter().any(|child| answers.contains_key(&child.code));
                    if has_answers {
                        flush(&mut pairs, blocks);
                        blocks.push(Block::Heading(field.label.id.clone()));
                        walk(fields, answers, blocks);
                    }
                }
                FieldKind::Repeat { fields, .. } => {
                    let Some(Json::Array(rows)) = answers.get(&field.code) else {
                        continue;
                    };
                    flush(&mut pairs, blocks);
                    let columns: Vec<_> = fields.iter().filter(|f| f.kind.takes_answer()).collect();
                    blocks.push(Block::Table {
                        title: field.label.id.clone(),
                        columns: columns.iter().map(|f| f.label.id.clone()).collect(),
                        rows: rows
                            .iter()
                            .map(|row| {
                                columns
                                    .iter()
                                    .map(|column| {
                                        row.get(&column.code)
                                            .map(|value| answer_text(&column.kind, value))
                                            .unwrap_or_default()
                                    })
                                    .collect()
                            })
                            .collect(),
                    });
                }
                kind if kind.takes_answer() => {
                    if let Some(value) = answers.get(&field.code) {
                        let text = answer_text(kind, value);
                        if !text.is_empty() {
                            pairs.push((field.label.id.clone(), text));
                        }
                    }
                }
                _ => {}
            }
        }
        flush(&mut pairs, blocks);
    }
    let mut blocks = Vec::new();
    walk(&form.fields, answers, &mut blocks);
    blocks
}

/// Text made safe inside HTML elements and attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The blocks as HTML tables.
pub fn blocks_html(blocks: &[Block]) -> String {
    let mut html = String::new();
    for block in blocks {
        match block {
            Block::Heading(title) => {
                html.push_str(&format!("<h3>{}</h3>\n", escape_html(title)));
            }
            Block::Pairs(pairs) => {
                html.push_str("<table class=\"jawaban\">\n");
                for (label, value) in pairs {
                    html.push_str(&format!(
                        "<tr><th>{}</th><td>{}</td></tr>\n",
                        escape_html(label),
                        escape_html(value).replace('\n', "<br>")
                    ));
                }
                html.push_str("</table>\n");
            }
            Block::Table {
                title,
                columns,
                rows,
            } => {
                html.push_str(&format!(
                    "<h3>{}</h3>\n<table class=\"tabel\">\n<tr>",
                    escape_html(title)
                ));
                html.push_str("<th>No.</th>");
                for column in columns {
                    html.push_str(&format!("<th>{}</th>", escape_html(column)));
                }
                html.push_str("</tr>\n");
                for (number, row) in rows.iter().enumerate() {
                    html.push_str(&format!("<tr><td>{}</td>", number + 1));
                    for cell in row {
                        html.push_str(&format!("<td>{}</td>", escape_html(cell)));
                    }
                    html.push_str("</tr>\n");
                }
                html.push_str("</table>\n");
            }
        }
    }
    html
}

/// The blocks as plain text.
pub fn blocks_text(blocks: &[Block]) -> String {
    let mut text = String::new();
    for block in blocks {
        match block {
            Block::Heading(title) => text.push_str(&format!(
                "\n{}\n{}\n",
                title,
                "-".repeat(title.chars().count())
            )),
            Block::Pairs(pairs) => {
                for (label, value) in pairs {
                    text.push_str(&format!("{label}: {value}\n"));
                }
            }
            Block::Table {
                title,
                columns,
                rows,
            } => {
                text.push_str(&format!("\n{title}\n"));
                for (number, row) in rows.iter().enumerate() {
                    let cells: Vec<String> = columns
                        .iter()
                        .zip(row)
                        .map(|(column, cell)| format!("{column}: {cell}"))
                        .collect();
                    text.push_str(&format!("{}. {}\n", number + 1, cells.join("; ")));
                }
            }
        }
    }
    text
}

/// Everything a report's mail says, besides its attachments.
pub struct ReportMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the mail of one report needs to know.
pub struct ReportFacts<'a> {
    pub report: &'a Report,
    pub form: Option<&'a FormDefinition>,
    pub content_hash: &'a str,
    pub received_at_ms: i64,
    /// True for an urgent report mailed before review.
    pub unreviewed: bool,
    /// The report in the Command Center.
    pub link: String,
    /// Notes about attachments (photos cut at the size cap, missing ones).
    pub notes: Vec<String>,
}

pub fn report_mail(facts: &ReportFacts<'_>) -> ReportMail {
    let report = facts.report;
    let blocks = answer_blocks(facts.form, &report.answers);
    let title = form_title(facts.form, report);
    let place = village_title(&report.village);
    let district = district_name(&report.village).unwrap_or("");
    let intro = if facts.unreviewed {
        format!(
            "BELUM DIVERIFIKASI / unreviewed: laporan kejadian dengan urgensi tinggi dari {place}, \
             dikirim saat tiba sebelum diperiksa peninjau. / An urgent incident report, mailed on \
             arrival before review."
        )
    } else {
        format!(
            "Laporan berikut dari {place}, Kecamatan {district}, telah diperiksa dan disetujui di \
             Kabar Desa. / The following report has been reviewed and approved."
        )
    };
    let verification = format!(
        "Verifikasi: laporan {} · hash isi {} · diterima {}",
        report.id,
        facts.content_hash,
        wita_date_time(facts.received_at_ms)
    );
    let mut text = format!(
        "{intro}\n\n{title}\n{place} — {}\n{}\n",
        period(facts.form, report),
        "=".repeat(title.chars().count())
    );
    text.push_str(&blocks_text(&blocks));
    for note in &facts.notes {
        text.push_str(&format!("\nCatatan: {note}\n"));
    }
    text.push_str(&format!(
        "\n{verification}\nLihat di Pusat Komando / Command Center: {}\n",
        facts.link
    ));
    let mut html = String::from(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <style>body{font-family:sans-serif}th{text-align:left;vertical-align:top;padding-right:1em}\
         .tabel td,.tabel th{border:1px solid #999;padding:2px 6px}.peringatan{color:#b00;font-weight:bold}</style>\
         </head><body>\n",
    );
    html.push_str(&format!(
        "<p{}>{}</p>\n<h2>{}</h2>\n<p>{} — {}</p>\n",
        if facts.unreviewed {
            " class=\"peringatan\""
        } else {
            ""
        },
        escape_html(&intro),
        escape_html(&title),
        escape_html(&place),
        escape_html(&period(facts.form, report))
    ));
    html.push_str(&blocks_html(&blocks));
    for note in &facts.notes {
        html.push_str(&format!("<p><em>Catatan: {}</em></p>\n", escape_html(note)));
    }
    html.push_str(&format!(
        "<p><small>{}</small></p>\n<p><a href=\"{}\">Lihat di Pusat Komando / Command Center</a></p>\n</body></html>\n",
        escape_html(&verification),
        escape_html(&facts.link)
    ));
    ReportMail {
        subject: subject(facts.form, report, facts.unreviewed),
        text,
        html,
    }
}

/// The daily digest's content.
pub struct Digest<'a> {
    pub day: &'a str,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Village, form title, report id of each report that arrived.
    pub filed: Vec<(VillageCode, String, String)>,
    pub approved: Vec<(VillageCode, String, String)>,
    /// The month the monthly report is due for, and who has not filed it.
    pub monthly_period: String,
    pub not_filed: Vec<VillageCode>,
}

pub fn digest_mail(digest: &Digest<'_>) -> ReportMail {
    let subject = format!(
        "[Kabar Desa] Ringkasan harian — {}",
        Date::parse(digest.day).map(long_date).unwrap_or_default()
    );
    let window = format!(
        "{} s.d. {}",
        wita_date_time(digest.from_ms),
        wita_date_time(digest.to_ms)
    );
    let list = |items: &[(VillageCode, String, String)]| -> Vec<String> {
        let mut lines: Vec<String> = items
            .iter()
            .map(|(village, form, id)| format!("{} — {form} ({id})", village_title(village)))
            .collect();
        lines.sort();
        lines
    };
    let filed = list(&digest.filed);
    let approved = list(&digest.approved);
    let mut not_filed: Vec<String> = digest.not_filed.iter().map(village_title).collect();
    not_filed.sort();
    let sections = [
        (format!("Laporan masuk / filed ({})", filed.len()), filed),
        (
            format!("Laporan disetujui / approved ({})", approved.len()),
            approved,
        ),
        (
            format!(
                "Belum mengirim Laporan Bulanan Kependudukan {} / monthly report not filed ({})",
                digest.monthly_period,
                not_filed.len()
            ),
            not_filed,
        ),
    ];
    let mut text = format!("{subject}\n{window}\n");
    let mut html = format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"></head><body>\n<h2>{}</h2>\n<p>{}</p>\n",
        escape_html(&subject),
        escape_html(&window)
    );
    for (title, lines) in &sections {
        text.push_str(&format!("\n{title}\n"));
        html.push_str(&format!("<h3>{}</h3>\n<ul>\n", escape_html(title)));
        if lines.is_empty() {
            text.push_str("- (tidak ada / none)\n");
            html.push_str("<li>(tidak ada / none)</li>\n");
        }
        for line in lines {
            text.push_str(&format!("- {line}\n"));
            html.push_str(&format!("<li>{}</li>\n", escape_html(line)));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</body></html>\n");
    ReportMail {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kabar_shared::ReportId;
    use kabar_shared::form::FormCatalog;
    use kabar_shared::report::FormRef;

    fn monthly_report() -> Report {
        let answers: Answers = serde_json::from_value(serde_json::json!({
            "tahun": 2026, "bulan": "11", "awal_wni_l": 10,
            "daftar_kelahiran": [{"nama_bayi": "Budi", "jenis_kelamin_bayi": "l"}],
        }))
        .unwrap();
        Report {
            id: ReportId::new_v7(1_764_000_000_000, [1; 10]),
            form: FormRef {
                id: "laporan-bulanan-kependudukan".into(),
                version: 1,
            },
            village: VillageCode::parse("71.74.02.2001").unwrap(),
            created_at_ms: 1_764_000_000_000,
            answers,
        }
    }

    #[test]
    fn the_subject_names_form_village_and_period_in_indonesian() {
        let catalog = FormCatalog::builtin();
        let report = monthly_report();
        let form = catalog.get(&report.form);
        let subject = subject(form, &report, false);
        assert!(
            subject.starts_with("[Kabar Desa] Laporan Bulanan Kependudukan — Desa "),
            "{subject}"
        );
        assert!(subject.ends_with(" — November 2026"), "{subject}");
        assert!(!subject.contains("BELUM DIVERIFIKASI"));
    }

    #[test]
    fn repeat_groups_become_tables_and_choices_their_labels() {
        let catalog = FormCatalog::builtin();
        let report = monthly_report();
        let blocks = answer_blocks(catalog.get(&report.form), &report.answers);
        let table = blocks
            .iter()
            .find_map(|block| match block {
                Block::Table { rows, columns, .. } => Some((columns.clone(), rows.clone())),
                _ => None,
            })
            .unwrap();
        assert_eq!(table.0[0], "Nama bayi");
        assert_eq!(table.1[0][0], "Budi");
        assert_eq!(table.1[0][1], "Laki-laki");
        assert!(blocks_html(&blocks).contains("<th>Nama bayi</th>"));
    }

    #[test]
    fn wita_is_eight_hours_ahead_of_utc() {
        // 2025-11-24 16:00 UTC is midnight of the 25th in Kotamobagu.
        assert_eq!(
            wita_date_time(1_764_000_000_000),
            "25 November 2025 00.00 WITA"
        );
    }
}
