//! No number in the workbook shows as `###`: for every bundled example (base case, with a small
//! Monte Carlo, and with the buyer's default forced where it has credit terms), every sheet and
//! every numeric cell, the text the cell's number format shows fits its column's width as the
//! workbook sets it (the default 8.43 when it sets none), with one character to spare. The
//! formatting here is written from Excel's number-format rules alone, not from the writer's own
//! width estimate, and reads the cells' formats from the file's styles.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use offtake_engine::{Outcome, Scenario, underwrite};
use offtake_model::Contract;
use offtake_report::document::Report;
use offtake_report::risk_view::RiskView;
use offtake_report::xlsx;

mod common;

/// Excel's default column width, in characters.
const DEFAULT_WIDTH: f64 = 8.43;

fn render(contract: &Contract, outcome: &Outcome, risk: Option<&RiskView>, name: &str) -> Vec<u8> {
    xlsx::render(&Report {
        contract,
        outcome,
        variants: &[],
        demand_factor: None,
        file_name: name,
        risk,
    })
    .unwrap()
}

fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<String> {
    let mut file = zip.by_name(name).ok()?;
    let mut xml = String::new();
    file.read_to_string(&mut xml).unwrap();
    Some(xml)
}

/// The value of attribute `name` in the start tag `tag` (the text after `<c `, say).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let head = &tag[..tag.find('>').unwrap_or(tag.len())];
    let key = format!(" {name}=\"");
    let start = format!(" {head}").find(&key)? + key.len() - 1;
    let rest = &head[start..];
    Some(&rest[..rest.find('"')?])
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The number format string of each cell style (`s` attribute), from `xl/styles.xml`.
fn style_formats(styles: &str) -> Vec<String> {
    let mut custom = BTreeMap::new();
    for fmt in styles.split("<numFmt ").skip(1) {
        let id: u32 = attr(fmt, "numFmtId").unwrap().parse().unwrap();
        custom.insert(id, unescape(attr(fmt, "formatCode").unwrap()));
    }
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    xfs.split("<xf ")
        .skip(1)
        .map(|xf| {
            let id: u32 = attr(xf, "numFmtId").unwrap_or("0").parse().unwrap();
            match id {
                0 => "General".to_string(),
                1 => "0".to_string(),
                2 => "0.00".to_string(),
                3 => "#,##0".to_string(),
                4 => "#,##0.00".to_string(),
                9 => "0%".to_string(),
                10 => "0.00%".to_string(),
                49 => "@".to_string(),
                id => custom
                    .get(&id)
                    .unwrap_or_else(|| panic!("number format {id} is not in styles.xml"))
                    .clone(),
            }
        })
        .collect()
}

/// Excel's date of serial `v` (days since 1899-12-30, past 1900-03-01).
fn excel_date(v: f64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap() + chrono::Days::new(v as u64)
}

/// The text Excel shows for `v` in number format `code` (the parts of the format language the
/// workbook uses: sections, quoted and plain literals, `$`, `%`, `0`/`#` digits, `,` grouping,
/// colours, `yyyy`/`mm` dates, General).
fn shown(v: f64, code: &str) -> String {
    if code == "General" {
        // General rounds to fit: at most 11 characters.
        let s = format!("{v}");
        return s.chars().take(11).collect();
    }
    let sections: Vec<&str> = code.split(';').collect();
    let (section, v, sign) = if v < 0.0 && sections.len() > 1 {
        (sections[1], -v, "")
    } else {
        (sections[0], v.abs(), if v < 0.0 { "-" } else { "" })
    };
    if section.contains("yyyy") {
        let d = excel_date(v);
        return section
            .replace("yyyy", &d.format("%Y").to_string())
            .replace("mm", &d.format("%m").to_string());
    }
    // Literals before and after the digits, and the digit pattern.
    let (mut before, mut after, mut digits) = (String::new(), String::new(), String::new());
    let mut chars = section.chars().peekable();
    let mut percent = false;
    while let Some(ch) = chars.next() {
        let first_digits = after.is_empty();
        let out = if digits.is_empty() {
            &mut before
        } else {
            &mut after
        };
        match ch {
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    out.push(c);
                }
            }
            '[' => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            '\\' => out.extend(chars.next()),
            '%' => {
                percent = true;
                out.push('%');
            }
            '0' | '#' | ',' | '.' if first_digits => {
                digits.push(ch);
                while let Some(&c) = chars.peek() {
                    if matches!(c, '0' | '#' | ',' | '.') {
                        digits.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            c => out.push(c),
        }
    }
    let x = if percent { v * 100.0 } else { v };
    let (int_pattern, frac_pattern) = digits.split_once('.').unwrap_or((&digits, ""));
    let fixed = frac_pattern.chars().filter(|c| *c == '0').count();
    let places = frac_pattern
        .chars()
        .filter(|c| matches!(c, '0' | '#'))
        .count();
    // Excel rounds halves away from zero (Rust's formatting to even).
    let scale = 10f64.powi(places as i32);
    let x = (x * scale).round() / scale;
    let text = format!("{x:.places$}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac.to_string();
    while frac.len() > fixed && frac.ends_with('0') {
        frac.pop();
    }
    let int = if int == "0" && !int_pattern.contains('0') {
        String::new()
    } else if int_pattern.contains(',') {
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        grouped
    } else {
        int.to_string()
    };
    // A format with a decimal point shows it even with no decimals left (`0.##` → `5.`).
    let point = if digits.contains('.') { "." } else { "" };
    let negative = if x == 0.0 && int.chars().all(|c| c == '0') && frac.chars().all(|c| c == '0') {
        ""
    } else {
        sign
    };
    format!("{negative}{before}{int}{point}{frac}{after}")
}

/// Every numeric cell of every sheet fits its column: (cells checked, sheets with numbers).
/// Panics naming the first cell that would show `###`.
fn check_widths(bytes: &[u8], what: &str) -> (usize, usize) {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let formats = style_formats(&part(&mut zip, "xl/styles.xml").unwrap());
    let workbook = part(&mut zip, "xl/workbook.xml").unwrap();
    let names: Vec<String> = workbook
        .split("<sheet ")
        .skip(1)
        .map(|s| unescape(attr(s, "name").unwrap()))
        .collect();
    let (mut cells, mut sheets) = (0, 0);
    for (n, name) in names.iter().enumerate() {
        let xml = part(&mut zip, &format!("xl/worksheets/sheet{}.xml", n + 1)).unwrap();
        let mut widths = BTreeMap::new();
        if let Some(cols) = xml.split("<cols>").nth(1) {
            let cols = &cols[..cols.find("</cols>").unwrap()];
            for col in cols.split("<col ").skip(1) {
                let get = |a: &str| -> f64 { attr(col, a).unwrap().parse().unwrap() };
                for c in get("min") as u32..=get("max") as u32 {
                    widths.insert(c, get("width"));
                }
            }
        }
        let before = cells;
        for c in xml.split("<c ").skip(1) {
            let end = c.find("</c>").unwrap_or(c.len());
            let c = &c[..end];
            if attr(c, "t").is_some_and(|t| t != "n") {
                continue;
            }
            let Some(v) = c.split("<v>").nth(1) else {
                continue;
            };
            let v: f64 = v[..v.find("</v>").unwrap()].parse().unwrap();
            let r = attr(c, "r").unwrap();
            let letters: String = r.chars().take_while(char::is_ascii_uppercase).collect();
            let col = letters
                .bytes()
                .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
            let style: usize = attr(c, "s").map_or(0, |s| s.parse().unwrap());
            let code = &formats[style];
            let text = shown(v, code);
            let width = widths.get(&col).copied().unwrap_or(DEFAULT_WIDTH);
            assert!(
                text.chars().count() as f64 + 1.0 <= width,
                "{what}: {name}!{r} shows {text:?} (format {code:?}) in a column {width} wide: ###"
            );
            cells += 1;
        }
        sheets += usize::from(cells > before);
    }
    (cells, sheets)
}

#[test]
fn the_formatter_shows_what_excel_shows() {
    assert_eq!(shown(7920806337.8, "$#,##0;[Red]-$#,##0"), "$7,920,806,338");
    assert_eq!(shown(-1234.5, "$#,##0;[Red]-$#,##0"), "-$1,235");
    assert_eq!(shown(0.4567, "0.0%"), "45.7%");
    assert_eq!(shown(3.291, "\"min \"0.00\"×\""), "min 3.29×");
    assert_eq!(shown(1234.56, "#,##0.0 \"MW\""), "1,234.6 MW");
    assert_eq!(shown(5.0, "0.##\" yr\""), "5. yr");
    assert_eq!(shown(0.125, "$0.00##\"/PFLOP-h\""), "$0.125/PFLOP-h");
    assert_eq!(shown(3.0, "\"Y\"0"), "Y3");
    assert_eq!(shown(46023.0, "yyyy-mm"), "2026-01");
    assert_eq!(shown(-0.0001, "#,##0.0;[Red]-#,##0.0"), "-0.0");
}

/// The buyer's default forced at period 30 (`--default buyer=…`), as the CLI builds it.
fn forced_default(contract: &Contract) -> Option<Scenario> {
    let parties = contract.parties();
    let buyer = parties.iter().position(|(_, id, _)| *id == "buyer")?;
    contract.buyer.credit.as_ref()?;
    let mut scenario = Scenario::base(contract);
    let mut given = vec![None; parties.len()];
    given[buyer] = Some(30);
    scenario.defaults = Some(given);
    Some(scenario)
}

/// Issue 19 and the audit's item 3: on every example, with and without risk and with a forced
/// default, every numeric cell of every sheet (the Summary's credit block in F–I included)
/// fits its column.
#[test]
fn every_numeric_cell_of_every_example_fits_its_column() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut total = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(path).unwrap();
        let (contract, outcome) = common::run(&src, &[]);
        let (cells, sheets) = check_widths(&render(&contract, &outcome, None, &name), &name);
        // Summary, Annual, Monthly, Inputs and Charts hold numbers (and Debt when present).
        assert!(sheets >= 5, "{name}: numbers on {sheets} sheets");
        total += cells;
        let (_, view) = common::monte_carlo(&contract, 64);
        let what = format!("{name} with risk");
        check_widths(&render(&contract, &outcome, Some(&view), &name), &what);
        if let Some(scenario) = forced_default(&contract) {
            let outcome = underwrite(&contract, &scenario);
            let what = format!("{name} with the buyer's default forced");
            check_widths(&render(&contract, &outcome, None, &name), &what);
        }
    }
    // The hand-filled MODEL v2 example: credit block and Debt sheet.
    for forced in [false, true] {
        let (contract, outcome) = common::v2_example(forced);
        check_widths(
            &render(&contract, &outcome, None, "v2.toml"),
            &format!("v2 example (forced {forced})"),
        );
    }
    assert!(total > 10_000, "{total} numeric cells checked");
}
