//! The PDF letter attached to a report's mail, drawn with printpdf: the
//! village's letterhead and its head's title (sangadi of a desa, lurah of a
//! kelurahan), the date in WITA, the answers as tables (repeat groups
//! included), a verification line with the report id and content hash, and
//! the report's link in the Command Center.
//!
//! The letter uses the PDF base-14 fonts (Helvetica), which every PDF reader
//! has: no font file travels with the server or the mail. They cover the
//! Windows-1252 characters, which is all Indonesian needs; anything else is
//! left out by printpdf.

use super::compose::{self, Block};
use kabar_shared::Report;
use kabar_shared::form::FormDefinition;
use kabar_shared::village::VillageKind;
use printpdf::{
    BuiltinFont, Color, IndirectFontRef, Line, Mm, PdfDocument, PdfDocumentReference,
    PdfLayerReference, Point, Rgb,
};

const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 20.0;
const BODY_SIZE: f32 = 10.0;
/// Millimetres per point.
const PT_MM: f32 = 0.352_778;

/// What the letter says beyond the report itself.
pub struct LetterFacts<'a> {
    pub report: &'a Report,
    pub form: Option<&'a FormDefinition>,
    pub content_hash: &'a str,
    /// When it was approved (or arrived, for an unreviewed urgent report).
    pub dated_ms: i64,
    pub unreviewed: bool,
    pub link: String,
}

/// A cursor running down the pages, adding a page when one is full.
struct Pen {
    doc: PdfDocumentReference,
    layer: PdfLayerReference,
    regular: IndirectFontRef,
    bold: IndirectFontRef,
    y: f32,
}

/// About how wide a text is in Helvetica: half an em a character, a little
/// more to be safe, so lines break before they reach the margin.
fn text_width_mm(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.53 * PT_MM
}

/// Breaks a text into lines that fit `width_mm`, at spaces where it can.
fn wrap(text: &str, size: f32, width_mm: f32) -> Vec<String> {
    let max_chars = ((width_mm / (size * 0.53 * PT_MM)) as usize).max(4);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > max_chars {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(max_chars).collect();
                word = word.chars().skip(max_chars).collect();
                lines.push(head);
            }
            let needed =
                line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if needed > max_chars && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

impl Pen {
    fn line_height(size: f32) -> f32 {
        size * 1.35 * PT_MM
    }

    /// Makes room for `height_mm`, on a new page when this one is full.
    fn need(&mut self, height_mm: f32) {
        if self.y - height_mm < MARGIN {
            let (page, layer) = self.doc.add_page(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "isi");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn text_at(&self, text: &str, size: f32, x: f32, y: f32, bold: bool) {
        let font = if bold { &self.bold } else { &self.regular };
        self.layer.use_text(text, size, Mm(x), Mm(y), font);
    }

    /// A paragraph from the left margin, wrapped.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool) {
        for line in wrap(text, size, PAGE_WIDTH - 2.0 * MARGIN) {
            self.need(Pen::line_height(size));
            self.y -= Pen::line_height(size);
            self.text_at(&line, size, MARGIN, self.y, bold);
        }
    }

    fn centered(&mut self, text: &str, size: f32, bold: bool) {
        self.need(Pen::line_height(size));
        self.y -= Pen::line_height(size);
        let x = ((PAGE_WIDTH - text_width_mm(text, size)) / 2.0).max(MARGIN);
        self.text_at(text, size, x, self.y, bold);
    }

    fn rule(&mut self, from_x: f32, to_x: f32, thickness: f32) {
        self.layer.set_outline_thickness(thickness);
        self.layer.add_line(Line {
            points: vec![
                (Point::new(Mm(from_x), Mm(self.y)), false),
                (Point::new(Mm(to_x), Mm(self.y)), false),
            ],
            is_closed: false,
        });
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    /// A table with ruled rows; `widths` in millimetres, a header row in
    /// bold when given. Cells wrap; a row never splits across pages.
    fn table(&mut self, header: Option<&[String]>, rows: &[Vec<String>], widths: &[f32]) {
        let size = BODY_SIZE - 1.0;
        let line_height = Pen::line_height(size);
        let left = MARGIN;
        let right = left + widths.iter().sum::<f32>();
        let draw_row = |pen: &mut Pen, cells: &[String], bold: bool| {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(widths)
                .map(|(cell, width)| wrap(cell, size, width - 2.0))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * line_height + 1.6;
            pen.need(height + 0.5);
            if pen.y > PAGE_HEIGHT - MARGIN - 0.1 || bold {
                pen.rule(left, right, 0.6);
            }
            let top = pen.y;
            let mut x = left;
            for (cell_lines, width) in wrapped.iter().zip(widths) {
                for (index, line) in cell_lines.iter().enumerate() {
                    let baseline = top - 0.8 - (index as f32 + 1.0) * line_height + 0.8;
                    pen.text_at(line, size, x + 1.0, baseline, bold);
                }
                x += width;
            }
            pen.y = top - height;
            pen.rule(left, right, 0.3);
        };
        if let Some(header) = header {
            draw_row(self, header, true);
        }
        for row in rows {
            draw_row(self, row, false);
        }
    }
}

/// The letter as PDF bytes.
pub fn render(facts: &LetterFacts<'_>) -> anyhow::Result<Vec<u8>> {
    let report = facts.report;
    let title = compose::form_title(facts.form, report);
    let (doc, page, layer) = PdfDocument::new(
        format!("{title} - {}", compose::village_title(&report.village)),
        Mm(PAGE_WIDTH),
        Mm(PAGE_HEIGHT),
        "isi",
    );
    let regular = doc.add_builtin_font(BuiltinFont::Helvetica)?;
    let bold = doc.add_builtin_font(BuiltinFont::HelveticaBold)?;
    let layer = doc.get_page(page).get_layer(layer);
    let mut pen = Pen {
        doc,
        layer,
        regular,
        bold,
        y: PAGE_HEIGHT - MARGIN + 4.0,
    };

    // The letterhead.
    let village = compose::village(&report.village);
    let kind = village.map_or(report.village.kind(), |village| village.kind);
    let name = village.map_or_else(
        || report.village.to_string(),
        |village| village.name.clone(),
    );
    let district = compose::district_name(&report.village).unwrap_or("");
    pen.centered("PEMERINTAH KOTA KOTAMOBAGU", 12.0, true);
    pen.centered(
        &format!("KECAMATAN {}", district.to_uppercase()),
        12.0,
        true,
    );
    pen.centered(
        &format!(
            "{} {}",
            compose::kind_word(kind).to_uppercase(),
            name.to_uppercase()
        ),
        14.0,
        true,
    );
    pen.gap(2.5);
    pen.rule(MARGIN, PAGE_WIDTH - MARGIN, 1.2);
    pen.gap(0.8);
    pen.rule(MARGIN, PAGE_WIDTH - MARGIN, 0.4);
    pen.gap(4.0);

    let date_line = format!("Kotamobagu, {}", compose::wita_date_time(facts.dated_ms));
    pen.need(6.0);
    pen.y -= Pen::line_height(BODY_SIZE);
    let x = PAGE_WIDTH - MARGIN - text_width_mm(&date_line, BODY_SIZE);
    pen.text_at(&date_line, BODY_SIZE, x, pen.y, false);
    pen.gap(2.0);
    if facts.unreviewed {
        pen.layer
            .set_fill_color(Color::Rgb(Rgb::new(0.7, 0.0, 0.0, None)));
        pen.paragraph("BELUM DIVERIFIKASI / unreviewed", 13.0, true);
        pen.layer
            .set_fill_color(Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)));
    }
    pen.paragraph("Kepada Yth. Wali Kota Kotamobagu", BODY_SIZE, false);
    pen.paragraph("di Kotamobagu", BODY_SIZE, false);
    pen.gap(2.0);
    pen.paragraph(
        &format!("Perihal: {title} — {}", compose::period(facts.form, report)),
        BODY_SIZE,
        true,
    );
    pen.gap(2.0);
    let opening = if facts.unreviewed {
        "Dengan hormat, bersama ini disampaikan laporan kejadian dengan urgensi tinggi yang baru \
         diterima dan belum diperiksa peninjau, sebagai berikut:"
    } else {
        "Dengan hormat, bersama ini kami sampaikan laporan yang telah diperiksa dan disetujui di \
         Kabar Desa, sebagai berikut:"
    };
    pen.paragraph(opening, BODY_SIZE, false);
    pen.gap(3.0);

    let usable = PAGE_WIDTH - 2.0 * MARGIN;
    for block in compose::answer_blocks(facts.form, &report.answers) {
        match block {
            Block::Heading(heading) => {
                pen.gap(2.0);
                pen.paragraph(&heading, BODY_SIZE + 1.0, true);
                pen.gap(1.0);
            }
            Block::Pairs(pairs) => {
                let rows: Vec<Vec<String>> = pairs
                    .into_iter()
                    .map(|(label, value)| vec![label, value])
                    .collect();
                pen.table(None, &rows, &[usable * 0.42, usable * 0.58]);
            }
            Block::Table {
                title,
                columns,
                rows,
            } => {
                pen.gap(2.0);
                pen.paragraph(&title, BODY_SIZE + 1.0, true);
                pen.gap(1.0);
                let mut header = vec!["No.".to_owned()];
                header.extend(columns);
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .enumerate()
                    .map(|(index, row)| {
                        let mut numbered = vec![(index + 1).to_string()];
                        numbered.extend(row);
                        numbered
                    })
                    .collect();
                let number_width = 10.0;
                let each = (usable - number_width) / (header.len() - 1).max(1) as f32;
                let mut widths = vec![number_width];
                widths.extend(std::iter::repeat_n(each, header.len() - 1));
                pen.table(Some(&header), &rows, &widths);
            }
        }
    }

    // The signature block of the village head.
    pen.gap(8.0);
    let head_title = match kind {
        VillageKind::Desa => "Sangadi",
        VillageKind::Kelurahan => "Lurah",
    };
    let head_name = village
        .and_then(|village| village.profile.as_ref())
        .and_then(|profile| profile.head_name.clone());
    pen.paragraph(&format!("{head_title} {name}"), BODY_SIZE, true);
    pen.gap(12.0);
    pen.paragraph(
        head_name
            .as_deref()
            .unwrap_or("(dikirim secara elektronik)"),
        BODY_SIZE,
        false,
    );

    // How to check the letter against the Command Center.
    pen.gap(8.0);
    pen.rule(MARGIN, PAGE_WIDTH - MARGIN, 0.3);
    pen.paragraph(
        &format!(
            "Verifikasi: laporan {} - hash isi {}",
            report.id, facts.content_hash
        ),
        BODY_SIZE - 2.0,
        false,
    );
    pen.paragraph(
        &format!("Pusat Komando / Command Center: {}", facts.link),
        BODY_SIZE - 2.0,
        false,
    );
    Ok(pen.doc.save_to_bytes()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_and_paragraphs_wrap_within_the_width() {
        let lines = wrap(&"kata ".repeat(60), BODY_SIZE, 80.0);
        assert!(lines.len() > 2);
        assert!(
            lines
                .iter()
                .all(|line| text_width_mm(line, BODY_SIZE) <= 80.0)
        );
        let long = wrap(&"x".repeat(200), BODY_SIZE, 40.0);
        assert!(
            long.iter()
                .all(|line| text_width_mm(line, BODY_SIZE) <= 40.0)
        );
        assert_eq!(wrap("a\nb", BODY_SIZE, 80.0), vec!["a", "b"]);
    }
}
