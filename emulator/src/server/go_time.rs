//! Go's `time.Parse(time.RFC3339, v)` for query parameters, with Go's error texts: the
//! layout `2006-01-02T15:04:05Z07:00` walked element by element, as `time/format.go` does.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _, Utc};

const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

/// Parses `value`; the error is Go's `*time.ParseError` text.
pub(crate) fn parse_rfc3339(value: &str) -> Result<DateTime<Utc>, String> {
    let cannot = |rest: &str, element: &str| {
        format!(
            "parsing time \"{value}\" as \"{LAYOUT}\": cannot parse \"{rest}\" as \"{element}\""
        )
    };
    let out_of_range = |what: &str| format!("parsing time \"{value}\": {what} out of range");
    let mut rest = value;
    let year = digits(&mut rest, 4, 4).ok_or_else(|| cannot(rest, "2006"))?;
    literal(&mut rest, "-").ok_or_else(|| cannot(rest, "-"))?;
    let month = digits(&mut rest, 2, 2).ok_or_else(|| cannot(rest, "01"))?;
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month"));
    }
    literal(&mut rest, "-").ok_or_else(|| cannot(rest, "-"))?;
    let day = digits(&mut rest, 2, 2).ok_or_else(|| cannot(rest, "02"))?;
    if day > 31 {
        return Err(out_of_range("day"));
    }
    literal(&mut rest, "T").ok_or_else(|| cannot(rest, "T"))?;
    let hour = digits(&mut rest, 1, 2).ok_or_else(|| cannot(rest, "15"))?;
    if hour >= 24 {
        return Err(out_of_range("hour"));
    }
    literal(&mut rest, ":").ok_or_else(|| cannot(rest, ":"))?;
    let minute = digits(&mut rest, 2, 2).ok_or_else(|| cannot(rest, "04"))?;
    if minute >= 60 {
        return Err(out_of_range("minute"));
    }
    literal(&mut rest, ":").ok_or_else(|| cannot(rest, ":"))?;
    let second = digits(&mut rest, 2, 2).ok_or_else(|| cannot(rest, "05"))?;
    if second >= 60 {
        return Err(out_of_range("second"));
    }
    // A fraction is accepted after the seconds although the layout has none.
    let mut nanos = 0u32;
    if rest.len() >= 2 && rest.starts_with(['.', ',']) && rest.as_bytes()[1].is_ascii_digit() {
        let frac: String = rest[1..].chars().take_while(char::is_ascii_digit).collect();
        rest = &rest[1 + frac.len()..];
        let padded = format!("{:0<9}", &frac[..frac.len().min(9)]);
        nanos = padded.parse().unwrap_or(0);
    }
    let offset_seconds = if let Some(after) = rest.strip_prefix('Z') {
        rest = after;
        0
    } else {
        let b = rest.as_bytes();
        if b.len() < 6 || b[3] != b':' {
            return Err(cannot(rest, "Z07:00"));
        }
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(cannot(rest, "Z07:00")),
        };
        let (mut hh, mut mm) = (&rest[1..3], &rest[4..6]);
        let (h, m) = (digits(&mut hh, 2, 2), digits(&mut mm, 2, 2));
        let (Some(h), Some(m)) = (h, m) else {
            return Err(cannot(rest, "Z07:00"));
        };
        if h > 24 {
            return Err(out_of_range("time zone offset hour"));
        }
        if m > 60 {
            return Err(out_of_range("time zone offset minute"));
        }
        rest = &rest[6..];
        sign * (h * 3600 + m * 60)
    };
    if !rest.is_empty() {
        return Err(format!("parsing time \"{value}\": extra text: \"{rest}\""));
    }
    let date = NaiveDate::from_ymd_opt(year, month.unsigned_abs(), day.unsigned_abs())
        .ok_or_else(|| out_of_range("day"))?;
    let time = date
        .and_hms_nano_opt(
            hour.unsigned_abs(),
            minute.unsigned_abs(),
            second.unsigned_abs(),
            nanos,
        )
        .ok_or_else(|| out_of_range("second"))?;
    let offset = FixedOffset::east_opt(offset_seconds)
        .ok_or_else(|| out_of_range("time zone offset hour"))?;
    offset
        .from_local_datetime(&time)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| cannot(value, "2006"))
}

/// Between `min` and `max` leading digits of `rest`, consumed.
fn digits(rest: &mut &str, min: usize, max: usize) -> Option<i32> {
    let n = rest
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n < min {
        return None;
    }
    let value = rest[..n].parse().ok()?;
    *rest = &rest[n..];
    Some(value)
}

fn literal(rest: &mut &str, expected: &str) -> Option<()> {
    *rest = rest.strip_prefix(expected)?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn go_wording() {
        assert!(parse_rfc3339("2024-01-02T03:04:05Z").is_ok());
        assert!(parse_rfc3339("2024-01-02T03:04:05.123+02:00").is_ok());
        assert_eq!(
            parse_rfc3339("2024-13-01T00:00:00Z").unwrap_err(),
            "parsing time \"2024-13-01T00:00:00Z\": month out of range"
        );
        assert_eq!(
            parse_rfc3339("2024-02-30T00:00:00Z").unwrap_err(),
            "parsing time \"2024-02-30T00:00:00Z\": day out of range"
        );
        assert_eq!(
            parse_rfc3339("").unwrap_err(),
            "parsing time \"\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"2006\""
        );
        assert_eq!(
            parse_rfc3339("2024-01-02").unwrap_err(),
            "parsing time \"2024-01-02\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\""
        );
        assert_eq!(
            parse_rfc3339("2024-01-02T03:04:05Zx").unwrap_err(),
            "parsing time \"2024-01-02T03:04:05Zx\": extra text: \"x\""
        );
    }
}
