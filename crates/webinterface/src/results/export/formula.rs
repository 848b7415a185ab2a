//! Cells a spreadsheet would run as a formula, neutralised for CSV the way OWASP's "CSV
//! Injection" page describes: a text cell that begins with `=`, `+`, `-`, `@`, tab or carriage
//! return gets a leading `'`, so Excel and LibreOffice show it as text. Numbers (`-1.5`, `+3`,
//! `-1e-3`) are left as they are: a spreadsheet reads them as numbers, not formulas.

use std::borrow::Cow;

/// The first characters that make a spreadsheet treat a cell as a formula (or, for tab and
/// carriage return, hide one behind them).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell`, with a `'` in front if a spreadsheet would otherwise run it; numbers and harmless
/// text come back unchanged (borrowed). The CSV writer quotes the result as CSV requires.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A decimal number as spreadsheets read one: optional sign, digits with at most one point
/// (at least one digit), optional exponent (`e`, optional sign, digits). Nothing else —
/// not `inf` or `NaN`, which a spreadsheet reads as a name.
fn is_plain_number(cell: &str) -> bool {
    let b = cell.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote_in_front() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-inf", "'-inf"),
            ("+1e", "'+1e"),
            ("-.", "'-."),
        ] {
            assert_eq!(neutralise(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn numbers_and_plain_text_stay_as_they_are() {
        for cell in [
            "-1.5",
            "+3",
            "-1e-3",
            "-3e-300",
            "-0",
            "-.5",
            "-5.",
            "1E+9",
            "42",
            "",
            "sine",
            "a=b",
            "['start']",
            "18/04/2020-11:55:03",
            " =1",
        ] {
            assert!(
                matches!(neutralise(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }
}
