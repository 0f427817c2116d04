//! UTC timestamps in the `ts` form of state payloads, and local time of day for the zone
//! primitives. Pure arithmetic: callers pass Unix seconds, nothing reads a clock.

/// Seconds per day.
pub const DAY_S: f64 = 86_400.0;

/// `2026-05-23T14:00:00Z` for Unix seconds `unix_s` (fraction truncated towards −∞).
///
/// Non-finite input formats as the epoch, so a payload is always well-formed; callers
/// validate times before they reach a payload.
pub fn iso8601_utc(unix_s: f64) -> String {
    let whole = if unix_s.is_finite() {
        unix_s.floor() as i64
    } else {
        0
    };
    let days = whole.div_euclid(86_400);
    let secs = whole.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Seconds since local midnight, in `[0, 86400)`, for a UTC offset in minutes.
pub fn seconds_of_day(unix_s: f64, utc_offset_minutes: i32) -> f64 {
    (unix_s + f64::from(utc_offset_minutes) * 60.0).rem_euclid(DAY_S)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601_utc(0.0), "1970-01-01T00:00:00Z");
        // 2026-05-23T14:00:00Z, the example of 7.8.
        assert_eq!(iso8601_utc(1_779_544_800.0), "2026-05-23T14:00:00Z");
        assert_eq!(iso8601_utc(1_779_544_800.999), "2026-05-23T14:00:00Z");
        // Leap day and the end of a year.
        assert_eq!(iso8601_utc(951_782_400.0), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_utc(1_767_225_599.0), "2025-12-31T23:59:59Z");
        assert_eq!(iso8601_utc(-1.0), "1969-12-31T23:59:59Z");
        assert_eq!(iso8601_utc(f64::NAN), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn local_time_of_day() {
        assert_eq!(seconds_of_day(1_779_544_800.0, 0), 14.0 * 3600.0);
        assert_eq!(seconds_of_day(1_779_544_800.0, 120), 16.0 * 3600.0);
        assert_eq!(seconds_of_day(1_779_544_800.0, -900), 23.0 * 3600.0);
    }
}
