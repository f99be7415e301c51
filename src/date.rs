//! Note dates: what `date:` may say, checked with `jiff`, and the same date
//! as RFC 3339 for feeds and ordering.
//!
//! A date is a year (`2025`), a month (`2025-03`), a day (`2025-03-04`), or
//! a day with a time (`2025-03-04 10:30`, `2025-03-04T10:30:00`) and
//! optionally a zone (`Z`, `+08:00`). Anything else, `2025-02-30` or
//! `2025-03-04Tgarbage`, is not a date.

use jiff::civil::{Date, Time};

/// A date as a note wrote it, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteDate {
    date: Date,
    time: Option<Time>,
    /// Minutes east of UTC, when the note gave a zone.
    offset: Option<i32>,
}

impl NoteDate {
    /// Reads a date; `None` if `text` is not one.
    pub fn parse(text: &str) -> Option<NoteDate> {
        let text = text.trim();
        let (day, time) = match text.split_once(['T', ' ']) {
            Some((day, time)) => (day, Some(time.trim())),
            None => (text, None),
        };
        let date = parse_day(day)?;
        let Some(time) = time.filter(|t| !t.is_empty()) else {
            return Some(NoteDate {
                date,
                time: None,
                offset: None,
            });
        };
        let (clock, offset) = split_zone(time)?;
        let time: Time = clock.parse().ok()?;
        Some(NoteDate {
            date,
            time: Some(time),
            offset,
        })
    }

    /// The date in RFC 3339, as Atom wants it: midnight UTC for a date
    /// without a time, UTC for a time without a zone.
    pub fn rfc3339(&self) -> String {
        let d = self.date;
        let mut out = format!("{:04}-{:02}-{:02}T", d.year(), d.month(), d.day());
        let t = self.time.unwrap_or(Time::midnight());
        out.push_str(&format!(
            "{:02}:{:02}:{:02}",
            t.hour(),
            t.minute(),
            t.second()
        ));
        let nanos = t.subsec_nanosecond();
        if nanos > 0 {
            let fraction = format!("{nanos:09}");
            out.push('.');
            out.push_str(fraction.trim_end_matches('0'));
        }
        match self.offset {
            None | Some(0) => out.push('Z'),
            Some(minutes) => {
                let sign = if minutes < 0 { '-' } else { '+' };
                let minutes = minutes.abs();
                out.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
            }
        }
        out
    }
}

/// `2025`, `2025-03` or `2025-03-04`, each part with its exact digit count.
fn parse_day(day: &str) -> Option<Date> {
    let mut parts = day.split('-');
    // The next part, `width` digits; 1 where the text stops (a month or a
    // year alone starts on the first).
    let mut next = |width: usize| -> Option<i16> {
        match parts.next() {
            None if width == 2 => Some(1),
            Some(p) if p.len() == width && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
            _ => None,
        }
    };
    let (year, month, dom) = (next(4)?, next(2)?, next(2)?);
    if parts.next().is_some() {
        return None;
    }
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(dom).ok()?).ok()
}

/// Splits `10:30+08:00` into the clock and the zone in minutes (`Z` is 0).
fn split_zone(time: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, Some(0)));
    }
    let Some(at) = time.rfind(['+', '-']) else {
        return Some((time, None));
    };
    let (clock, zone) = time.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zone = &zone[1..];
    let (hours, minutes) = match zone.split_once(':') {
        Some((h, m)) => (h, m),
        None if zone.len() == 4 => zone.split_at(2),
        None => (zone, "0"),
    };
    let hours: i32 = hours.parse().ok().filter(|h| (0..=23).contains(h))?;
    let minutes: i32 = minutes.parse().ok().filter(|m| (0..=59).contains(m))?;
    Some((clock, Some(sign * (hours * 60 + minutes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(text: &str) -> Option<String> {
        NoteDate::parse(text).map(|d| d.rfc3339())
    }

    #[test]
    fn dates_become_rfc3339() {
        assert_eq!(rfc("2025").as_deref(), Some("2025-01-01T00:00:00Z"));
        assert_eq!(rfc("2025-03").as_deref(), Some("2025-03-01T00:00:00Z"));
        assert_eq!(rfc("2025-03-04").as_deref(), Some("2025-03-04T00:00:00Z"));
        assert_eq!(
            rfc("2025-03-04 10:30").as_deref(),
            Some("2025-03-04T10:30:00Z")
        );
        assert_eq!(
            rfc("2025-03-04T10:30:00Z").as_deref(),
            Some("2025-03-04T10:30:00Z")
        );
        assert_eq!(
            rfc("2025-03-04T10:30:00+08:00").as_deref(),
            Some("2025-03-04T10:30:00+08:00")
        );
        assert_eq!(
            rfc("2025-03-04T10:30-0530").as_deref(),
            Some("2025-03-04T10:30:00-05:30")
        );
        assert_eq!(
            rfc("2025-03-04T10:30:00.250").as_deref(),
            Some("2025-03-04T10:30:00.25Z")
        );
    }

    #[test]
    fn what_is_not_a_date_is_refused() {
        for bad in [
            "March 2025",
            "2025-13-01",
            "2025-02-30",
            "2025-03-04Tgarbage",
            "2025-3-4",
            "25-03-04",
            "2025-03-04T25:00",
            "2025-03-04T10:30+99:00",
            "2025-03-04-05",
            "",
        ] {
            assert_eq!(NoteDate::parse(bad), None, "{bad:?}");
        }
    }
}
