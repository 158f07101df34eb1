//! The XLSX export (`format=xlsx`), written with `rust_xlsxwriter`: one
//! sheet per form version, headed by that version's field labels after the
//! report's id, village, kecamatan, status, period, submitter and times in
//! WITA; and one sheet per repeat group of each version (report id, row
//! number, the group's columns). Numbers are written as numbers, so a
//! reviewer can add them up; text is always written as text, so nothing a
//! village typed ever runs as a formula.

use crate::pusat::village_name;
use crate::pusat_export::{answer_fields, wita};
use crate::store::InboxRow;
use kabar_shared::form::{Field, FieldKind, FormCatalog, FormDefinition};
use kabar_shared::period::report_period;
use kabar_shared::report::FormRef;
use kabar_shared::village::Gazetteer;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Excel's limits: a sheet name's length and a cell's text length.
const MAX_SHEET_NAME: usize = 31;
const MAX_CELL_CHARS: usize = 32_767;

const FIXED_HEADERS: &[&str] = &[
    "ID laporan / Report id",
    "Desa/Kelurahan / Village",
    "Kecamatan",
    "Status",
    "Periode / Period",
    "Dikirim oleh / Filed by",
    "Dibuat di ponsel (WITA) / Created on the phone",
    "Diterima (WITA) / Arrived",
];

/// One cell's content.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Number(f64),
    Text(String),
    Empty,
}

pub fn workbook(catalog: &FormCatalog, rows: &[InboxRow]) -> anyhow::Result<Vec<u8>> {
    let mut by_version: BTreeMap<(String, u32), Vec<&InboxRow>> = BTreeMap::new();
    for row in rows {
        let form = &row.report.form;
        by_version
            .entry((form.id.clone(), form.version))
            .or_default()
            .push(row);
    }
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut names = SheetNames::default();
    if by_version.is_empty() {
        // An empty workbook is not a valid file; say why it is empty.
        let sheet = workbook.add_worksheet();
        sheet.set_name(names.unique("Laporan"))?;
        sheet.write_string(
            0,
            0,
            "Tidak ada laporan untuk filter ini. / No reports match these filters.",
        )?;
    }
    for ((id, version), rows) in &by_version {
        let definition = catalog.get(&FormRef {
            id: id.clone(),
            version: *version,
        });
        let sheet = workbook.add_worksheet();
        sheet.set_name(names.unique(&format!("{id} v{version}")))?;
        report_sheet(sheet, &bold, definition, rows)?;
        let Some(definition) = definition else {
            continue;
        };
        for group in repeat_groups(&definition.fields) {
            let FieldKind::Repeat { fields, .. } = &group.kind else {
                continue;
            };
            let sheet = workbook.add_worksheet();
            sheet.set_name(names.unique(&format!("{} ({id} v{version})", group.code)))?;
            group_sheet(sheet, &bold, &group.code, &answer_fields(fields), rows)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

fn repeat_groups(fields: &[Field]) -> Vec<&Field> {
    answer_fields(fields)
        .into_iter()
        .filter(|field| matches!(field.kind, FieldKind::Repeat { .. }))
        .collect()
}

fn headers(sheet: &mut Worksheet, bold: &Format, headers: &[String]) -> anyhow::Result<()> {
    for (col, text) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(col)?, text, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn write(sheet: &mut Worksheet, row: usize, col: usize, cell: &Cell) -> anyhow::Result<()> {
    let (row, col) = (u32::try_from(row)?, u16::try_from(col)?);
    match cell {
        Cell::Number(number) => {
            sheet.write_number(row, col, *number)?;
        }
        Cell::Text(text) => {
            let text: String = text.chars().take(MAX_CELL_CHARS).collect();
            sheet.write_string(row, col, text)?;
        }
        Cell::Empty => {}
    }
    Ok(())
}

/// A form version's sheet: fixed columns, then one per question. A version
/// the catalog lacks gets its answer codes as headers.
fn report_sheet(
    sheet: &mut Worksheet,
    bold: &Format,
    definition: Option<&FormDefinition>,
    rows: &[&InboxRow],
) -> anyhow::Result<()> {
    let fields: Vec<&Field> = definition.map_or_else(Vec::new, |form| answer_fields(&form.fields));
    let codes: Vec<String> = match definition {
        Some(_) => fields.iter().map(|field| field.code.clone()).collect(),
        None => rows
            .iter()
            .flat_map(|row| row.report.answers.keys().cloned())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect(),
    };
    let titles: Vec<String> = FIXED_HEADERS
        .iter()
        .map(|text| (*text).to_owned())
        .chain(match definition {
            Some(_) => fields.iter().map(|field| field.label.id.clone()).collect(),
            None => codes.clone(),
        })
        .collect();
    headers(sheet, bold, &titles)?;
    for (index, row) in rows.iter().enumerate() {
        let report = &row.report;
        let fixed = [
            report.id.to_string(),
            village_name(&report.village),
            district_name(report.village.district_code()),
            row.status.as_str().to_owned(),
            report_period(definition, report)
                .map(|month| month.to_string())
                .unwrap_or_default(),
            row.submitted_by.clone().unwrap_or_default(),
            wita(report.created_at_ms),
            wita(row.received_at_ms),
        ];
        let line = index + 1;
        for (col, text) in fixed.into_iter().enumerate() {
            write(sheet, line, col, &Cell::Text(text))?;
        }
        for (offset, code) in codes.iter().enumerate() {
            let field = fields.get(offset).copied();
            let value = report.answers.get(code).unwrap_or(&Value::Null);
            write(
                sheet,
                line,
                FIXED_HEADERS.len() + offset,
                &cell(field, value),
            )?;
        }
    }
    Ok(())
}

/// A repeat group's sheet: report id, row number, the group's columns.
fn group_sheet(
    sheet: &mut Worksheet,
    bold: &Format,
    code: &str,
    columns: &[&Field],
    rows: &[&InboxRow],
) -> anyhow::Result<()> {
    let titles: Vec<String> = ["ID laporan / Report id", "Baris / Row"]
        .iter()
        .map(|text| (*text).to_owned())
        .chain(columns.iter().map(|field| field.label.id.clone()))
        .collect();
    headers(sheet, bold, &titles)?;
    let mut line = 0;
    for row in rows {
        let Some(group) = row.report.answers.get(code).and_then(Value::as_array) else {
            continue;
        };
        for (number, answers) in group.iter().enumerate() {
            line += 1;
            write(sheet, line, 0, &Cell::Text(row.report.id.to_string()))?;
            write(sheet, line, 1, &Cell::Number((number + 1) as f64))?;
            for (col, field) in columns.iter().enumerate() {
                let value = answers.get(&field.code).unwrap_or(&Value::Null);
                write(sheet, line, 2 + col, &cell(Some(field), value))?;
            }
        }
    }
    Ok(())
}

fn district_name(code: &str) -> String {
    Gazetteer::kotamobagu()
        .districts
        .iter()
        .find(|district| district.code == code)
        .map_or_else(|| code.to_owned(), |district| district.name.clone())
}

fn choice_label(field: &Field, code: &str) -> String {
    field
        .kind
        .choices()
        .iter()
        .find(|choice| choice.code == code)
        .map_or_else(|| code.to_owned(), |choice| choice.label.id.clone())
}

/// How an answer reads in a spreadsheet: numbers as numbers, choices by
/// their Indonesian label, yes/no as Ya/Tidak, a GPS point as "lat, lon",
/// photos and repeat groups by how many there are (a group's rows are on
/// its own sheet).
fn cell(field: Option<&Field>, value: &Value) -> Cell {
    let kind = field.map(|field| &field.kind);
    match (kind, value) {
        (_, Value::Null) => Cell::Empty,
        (_, Value::Number(number)) => number.as_f64().map_or(Cell::Empty, Cell::Number),
        (_, Value::Bool(yes)) => Cell::Text(if *yes { "Ya" } else { "Tidak" }.to_owned()),
        (Some(FieldKind::Repeat { .. } | FieldKind::Photo { .. }), Value::Array(items)) => {
            Cell::Number(items.len() as f64)
        }
        (Some(FieldKind::SelectOne { .. }), Value::String(code)) => {
            Cell::Text(field.map_or_else(|| code.clone(), |field| choice_label(field, code)))
        }
        (Some(FieldKind::SelectMany { .. }), Value::Array(codes)) => Cell::Text(
            codes
                .iter()
                .filter_map(Value::as_str)
                .map(|code| {
                    field.map_or_else(|| code.to_owned(), |field| choice_label(field, code))
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (_, Value::Object(point)) if point.contains_key("lat") && point.contains_key("lon") => {
            Cell::Text(format!(
                "{}, {}",
                point.get("lat").unwrap_or(&Value::Null),
                point.get("lon").unwrap_or(&Value::Null)
            ))
        }
        (_, Value::String(text)) => Cell::Text(text.clone()),
        (_, other) => Cell::Text(other.to_string()),
    }
}

/// Sheet names Excel accepts: at most 31 characters, none of `[]:*?/\`,
/// and unique without regard to case.
#[derive(Default)]
struct SheetNames {
    taken: BTreeSet<String>,
}

impl SheetNames {
    fn unique(&mut self, wanted: &str) -> String {
        let clean: String = wanted
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .collect();
        let clean = clean.trim_matches('\'');
        let mut number = 1;
        loop {
            let suffix = if number == 1 {
                String::new()
            } else {
                format!(" ~{number}")
            };
            let room = MAX_SHEET_NAME - suffix.chars().count();
            let name: String = clean.chars().take(room).collect::<String>() + &suffix;
            if self.taken.insert(name.to_lowercase()) {
                return name;
            }
            number += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sheet_names_fit_excel_and_are_unique() {
        let mut names = SheetNames::default();
        let long = "daftar_kelahiran (laporan-bulanan-kependudukan v1)";
        let first = names.unique(long);
        assert_eq!(first, "daftar_kelahiran (laporan-bulan");
        assert_eq!(first.chars().count(), 31);
        let second = names.unique(long);
        assert_eq!(second, "daftar_kelahiran (laporan-bu ~2");
        assert_eq!(names.unique("a/b:c"), "a_b_c");
        assert_eq!(names.unique("A_B_C"), "A_B_C ~2");
    }

    #[test]
    fn answers_read_as_numbers_labels_and_counts() {
        let catalog = FormCatalog::builtin();
        let monthly = catalog.latest("laporan-bulanan-kependudukan").unwrap();
        let month = monthly.field("bulan").unwrap();
        assert_eq!(cell(Some(month), &json!("03")), Cell::Text("Maret".into()));
        let births = monthly.field("daftar_kelahiran").unwrap();
        assert_eq!(cell(Some(births), &json!([{}, {}])), Cell::Number(2.0));
        assert_eq!(cell(None, &json!(510)), Cell::Number(510.0));
        assert_eq!(cell(None, &json!("=1+1")), Cell::Text("=1+1".into()));
        assert_eq!(
            cell(None, &json!({"lat": 0.72, "lon": 124.32})),
            Cell::Text("0.72, 124.32".into())
        );
    }

    #[test]
    fn an_empty_export_is_still_a_workbook() {
        let bytes = workbook(&FormCatalog::builtin(), &[]).unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a ZIP");
    }
}
