//! `GET /api/v1/pusat/export?format=csv|xlsx|geojson&…`: the reports of
//! the inbox's current filters, scoped by the reader, as a file. Every
//! export is written to the audit log with its filters and how many reports
//! it held; one over [`MAX_EXPORT_REPORTS`] is refused whole.
//!
//! CSV has one row per report, a header row, UTF-8, times in WITA; answers
//! are columns by field code, a GPS point is its JSON in one cell, and a
//! repeat group's cell holds its number of rows. The rows themselves come in
//! their own file, `format=csv&group=<repeat code>`: report id, row number
//! and the group's columns. Separate links rather than one ZIP, because a
//! reviewer opens a CSV straight in a spreadsheet, and a ZIP would first
//! have to be unpacked on an office computer that may not do it for them;
//! the Command Center offers one link per repeat group of the filtered form.
//!
//! XLSX (see `pusat_export_xlsx`) has one sheet per form version and one per
//! repeat group. GeoJSON holds the reports with a GPS answer as points.

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::pusat::{
    INBOX_FILTERS, PusatError, RawPairs, bad, command_center, inbox_query, query_pairs,
    village_name,
};
use crate::store::{AuditEntry, InboxRow, now_ms};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kabar_shared::form::{
    Date, Field, FieldKind, FormCatalog, FormDefinition, WITA_OFFSET_MINUTES,
};
use kabar_shared::period::report_period;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The most reports one export holds; a larger one is refused whole, so
/// nobody mistakes a cut file for the full one.
pub const MAX_EXPORT_REPORTS: u16 = 5000;

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub async fn export(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    raw: RawPairs,
) -> Result<Response, PusatError> {
    command_center(&user)?;
    let known: Vec<&str> = INBOX_FILTERS
        .iter()
        .copied()
        .filter(|name| !matches!(*name, "before" | "limit"))
        .chain(["format", "group"])
        .collect();
    let mut pairs = query_pairs(raw, &known)?;
    let format = pairs.remove("format").unwrap_or_default();
    if !matches!(format.as_str(), "csv" | "xlsx" | "geojson") {
        return Err(bad(
            "format",
            "csv, xlsx atau geojson.",
            "csv, xlsx or geojson.",
        ));
    }
    let group = pairs.remove("group");
    let mut query = inbox_query(&state, &user, &pairs)?;
    let catalog = state.catalog.current();
    let group_columns = match &group {
        Some(_) if format != "csv" => {
            return Err(bad(
                "group",
                "kelompok berulang hanya untuk format=csv; XLSX sudah memuatnya sebagai lembar.",
                "a repeat group is for format=csv only; XLSX already holds it as sheets.",
            ));
        }
        Some(code) => Some(group_fields(&catalog, query.form.as_deref(), code)?),
        None => None,
    };
    query.limit = MAX_EXPORT_REPORTS;
    let (rows, has_more) = state.store.inbox(&query).await?;
    if has_more {
        let body = json!({"error": {
            "code": "export_too_large",
            "message": format!("Lebih dari {MAX_EXPORT_REPORTS} laporan; persempit filternya."),
            "message_en": format!("More than {MAX_EXPORT_REPORTS} reports; narrow the filters."),
        }});
        return Ok((StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response());
    }
    // The file is built before the audit row is written, so a file that
    // cannot be built leaves no row claiming it was handed out.
    let (content_type, name, body): (&str, String, Vec<u8>) =
        match (format.as_str(), &group, &group_columns) {
            ("csv", Some(code), Some(columns)) => (
                "text/csv; charset=utf-8",
                format!("kabar-desa-{code}.csv"),
                group_csv(&rows, code, columns).into_bytes(),
            ),
            ("csv", _, _) => (
                "text/csv; charset=utf-8",
                "kabar-desa.csv".to_owned(),
                csv(&catalog, &rows).into_bytes(),
            ),
            ("xlsx", _, _) => (
                XLSX_TYPE,
                "kabar-desa.xlsx".to_owned(),
                crate::pusat_export_xlsx::workbook(&catalog, &rows)?,
            ),
            _ => (
                "application/geo+json",
                "kabar-desa.geojson".to_owned(),
                geojson(&rows).to_string().into_bytes(),
            ),
        };
    let mut filters: Vec<(&String, &String)> = pairs.iter().collect();
    filters.sort();
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: "export",
        target: None,
        client: Some(client),
        detail: json!({
            "format": format,
            "group": group,
            "filters": filters,
            "reports": rows.len(),
            "scope": user.access.scope(),
        }),
    };
    state.store.audit(&entry, now_ms()).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).map_err(anyhow::Error::from)?,
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// The columns of the repeat group `code` in every version of the forms the
/// export may hold (the filtered form, or any), in the order the newest
/// version asks them; refused when no such form has that repeat group.
fn group_fields(
    catalog: &FormCatalog,
    form: Option<&str>,
    code: &str,
) -> Result<Vec<Field>, PusatError> {
    let mut columns: Vec<Field> = Vec::new();
    let mut versions: Vec<&FormDefinition> = catalog
        .forms()
        .filter(|definition| form.is_none_or(|form| definition.id == form))
        .collect();
    versions.reverse();
    let mut found = false;
    for definition in versions {
        if let Some(FieldKind::Repeat { fields, .. }) = definition.field(code).map(|f| &f.kind) {
            found = true;
            for field in answer_fields(fields) {
                if !columns.iter().any(|known| known.code == field.code) {
                    columns.push(field.clone());
                }
            }
        }
    }
    if !found {
        let known = repeat_codes(catalog, form);
        return Err(bad(
            "group",
            &format!(
                "kode kelompok berulang dari formulirnya: {}.",
                if known.is_empty() {
                    "(tidak ada)".to_owned()
                } else {
                    known.join(", ")
                }
            ),
            &format!(
                "a repeat group code of the form: {}.",
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    Ok(columns)
}

/// The codes of the repeat groups of the form (or of every form).
fn repeat_codes(catalog: &FormCatalog, form: Option<&str>) -> Vec<String> {
    let mut codes: BTreeSet<String> = BTreeSet::new();
    for definition in catalog
        .forms()
        .filter(|definition| form.is_none_or(|form| definition.id == form))
    {
        collect_repeats(&definition.fields, &mut codes);
    }
    codes.into_iter().collect()
}

fn collect_repeats(fields: &[Field], codes: &mut BTreeSet<String>) {
    for field in fields {
        match &field.kind {
            FieldKind::Repeat { .. } => {
                codes.insert(field.code.clone());
            }
            FieldKind::Section { fields } => collect_repeats(fields, codes),
            _ => {}
        }
    }
}

/// The fields that hold answers, sections opened up, in the order the form
/// asks them; repeat groups are included as one field each.
pub(crate) fn answer_fields(fields: &[Field]) -> Vec<&Field> {
    let mut out = Vec::new();
    for field in fields {
        match &field.kind {
            FieldKind::Section { fields } => out.extend(answer_fields(fields)),
            kind if kind.takes_answer() => out.push(field),
            _ => {}
        }
    }
    out
}

/// Whether `code` is a repeat group of the report's form version; for a
/// form the catalog lacks, an array of objects is taken for one.
fn is_repeat(form: Option<&FormDefinition>, code: &str, value: &Value) -> bool {
    match form.and_then(|form| form.field(code)) {
        Some(field) => matches!(field.kind, FieldKind::Repeat { .. }),
        None => value
            .as_array()
            .is_some_and(|rows| !rows.is_empty() && rows.iter().all(Value::is_object)),
    }
}

/// `2026-03-05T14:05:09+08:00`.
pub(crate) fn wita(unix_ms: i64) -> String {
    let Some(date) = Date::from_unix_millis(unix_ms, WITA_OFFSET_MINUTES) else {
        return String::new();
    };
    let second_of_day =
        (unix_ms + i64::from(WITA_OFFSET_MINUTES) * 60_000).rem_euclid(86_400_000) / 1000;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        date.year(),
        date.month(),
        date.day(),
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// One CSV cell: quoted when it must be, and a leading `=`, `+`, `-` or
/// `@` of text defused, so a spreadsheet never runs a formula a village
/// typed.
fn cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn answer_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

const CSV_COLUMNS: &[&str] = &[
    "id",
    "form",
    "form_version",
    "village_code",
    "village",
    "status",
    "period",
    "created_at_wita",
    "received_at_wita",
    "submitted_by",
];

fn csv(catalog: &FormCatalog, rows: &[InboxRow]) -> String {
    let answer_codes: BTreeSet<&String> = rows
        .iter()
        .flat_map(|row| row.report.answers.keys())
        .collect();
    let mut out = String::new();
    let header: Vec<String> = CSV_COLUMNS
        .iter()
        .map(|name| (*name).to_owned())
        .chain(answer_codes.iter().map(|code| cell(code)))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let report = &row.report;
        let form = catalog.get(&report.form);
        let fixed = [
            report.id.to_string(),
            report.form.id.clone(),
            report.form.version.to_string(),
            report.village.to_string(),
            village_name(&report.village),
            row.status.as_str().to_owned(),
            report_period(form, report)
                .map(|month| month.to_string())
                .unwrap_or_default(),
            wita(report.created_at_ms),
            wita(row.received_at_ms),
            row.submitted_by.clone().unwrap_or_default(),
        ];
        let cells: Vec<String> = fixed
            .iter()
            .map(|text| cell(text))
            .chain(answer_codes.iter().map(|code| {
                let text = match report.answers.get(*code) {
                    // The rows are in the group's own file; here, how many.
                    Some(value) if is_repeat(form, code, value) => {
                        value.as_array().map_or(0, Vec::len).to_string()
                    }
                    Some(value) => answer_text(value),
                    None => String::new(),
                };
                cell(&text)
            }))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

const GROUP_COLUMNS: &[&str] = &["report_id", "row"];

/// The rows of the repeat group `code` of every report that has it: report
/// id, row number from 1, and the group's columns by field code.
fn group_csv(rows: &[InboxRow], code: &str, columns: &[Field]) -> String {
    let mut out = String::new();
    let header: Vec<String> = GROUP_COLUMNS
        .iter()
        .map(|name| (*name).to_owned())
        .chain(columns.iter().map(|field| cell(&field.code)))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let Some(group) = row.report.answers.get(code).and_then(Value::as_array) else {
            continue;
        };
        for (number, answers) in group.iter().enumerate() {
            let cells: Vec<String> = [row.report.id.to_string(), (number + 1).to_string()]
                .iter()
                .map(|text| cell(text))
                .chain(columns.iter().map(|field| {
                    cell(
                        &answers
                            .get(&field.code)
                            .map(answer_text)
                            .unwrap_or_default(),
                    )
                }))
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// The first answer that is a GPS point `{"lat", "lon", …}`.
fn gps_point(row: &InboxRow) -> Option<(f64, f64)> {
    row.report.answers.values().find_map(|value| {
        let lat = value.get("lat")?.as_f64()?;
        let lon = value.get("lon")?.as_f64()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    })
}

fn geojson(rows: &[InboxRow]) -> Value {
    let features: Vec<Value> = rows
        .iter()
        .filter_map(|row| {
            let (lat, lon) = gps_point(row)?;
            let report = &row.report;
            Some(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": report.id,
                    "form": report.form.id,
                    "form_version": report.form.version,
                    "village_code": report.village,
                    "village": village_name(&report.village),
                    "status": row.status,
                    "created_at": wita(report.created_at_ms),
                    "received_at": wita(row.received_at_ms),
                    "submitted_by": row.submitted_by,
                },
            }))
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("Jalan rusak"), "Jalan rusak");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("kata \"itu\""), "\"kata \"\"itu\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-12.5"), "-12.5");
        assert_eq!(cell("@foo"), "'@foo");
    }

    #[test]
    fn geojson_holds_the_reports_with_a_gps_answer() {
        let row = |seed: u8, answers: Value| InboxRow {
            report: kabar_shared::Report {
                id: kabar_shared::ReportId::new_v7(1_764_000_000_000, [seed; 10]),
                form: kabar_shared::report::FormRef {
                    id: "laporan-kejadian".into(),
                    version: 1,
                },
                village: kabar_shared::VillageCode::parse("71.74.02.1003").unwrap(),
                created_at_ms: 1_764_000_000_000,
                answers: serde_json::from_value(answers).unwrap(),
            },
            status: kabar_shared::report::ReviewStatus::Received,
            received_at_ms: 1_764_000_000_000,
            submitted_by: Some("lurah.kotobangun".into()),
        };
        let rows = [
            row(
                1,
                json!({"lokasi": {"lat": 0.7253, "lon": 124.3236, "accuracy_m": 8}}),
            ),
            row(2, json!({"uraian": "tanpa titik"})),
        ];
        let collection = geojson(&rows);
        let features = collection["features"].as_array().unwrap();
        assert_eq!(features.len(), 1);
        assert_eq!(
            features[0]["geometry"]["coordinates"],
            json!([124.3236, 0.7253])
        );
        assert_eq!(features[0]["properties"]["village"], "Kotobangun");
        let text = csv(&FormCatalog::builtin(), &rows);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "id,form,form_version,village_code,village,status,period,created_at_wita,received_at_wita,submitted_by,lokasi,uraian"
        );
        assert!(lines.next().unwrap().contains(",\"{\"\"accuracy_m\"\":8,"));
        assert!(lines.next().unwrap().ends_with(",tanpa titik"));
    }

    #[test]
    fn times_are_written_in_wita() {
        // 2026-02-28T16:00:00Z is midnight of 1 March in WITA.
        assert_eq!(wita(1_772_294_400_000), "2026-03-01T00:00:00+08:00");
    }
}
