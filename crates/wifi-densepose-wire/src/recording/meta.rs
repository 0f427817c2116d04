//! The `.csi.meta.json` sidecar (docs/wire.md §2.5) and the UTC timestamps it carries.

use std::path::{Path, PathBuf};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{WireError, WireResult};

const DATA_SUFFIX: &str = ".csi.jsonl";
const META_SUFFIX: &str = ".csi.meta.json";

/// The largest sidecar read: 16 MiB (a sidecar is a few hundred bytes per node).
pub const MAX_SIDECAR_LEN: usize = 16 << 20;

/// A recording's sidecar. `nodes` holds lines per node in order of first appearance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordingMeta {
    pub id: String,
    pub name: String,
    pub label: Option<String>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub started_at: String,
    pub ended_at: String,
    pub duration_secs: f64,
    /// Lines of the data file, all types.
    pub frame_count: u64,
    pub file_size_bytes: u64,
    pub file_path: String,
    #[serde(serialize_with = "serialize_nodes")]
    pub nodes: Vec<(u8, u64)>,
}

fn serialize_nodes<S: Serializer>(nodes: &[(u8, u64)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(nodes.len()))?;
    for (id, n) in nodes {
        map.serialize_entry(&id.to_string(), n)?;
    }
    map.end()
}

impl RecordingMeta {
    /// Parses a sidecar. Unknown keys are ignored; `label` may be missing or null; the
    /// timestamps may carry fractional seconds and `Z` or `+00:00`.
    pub fn from_json(text: &str) -> WireResult<RecordingMeta> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| WireError::invalid("sidecar", e.to_string()))?;
        let Value::Object(obj) = value else {
            return Err(WireError::invalid("sidecar", "must be a JSON object"));
        };
        let started_at = string(&obj, "started_at")?;
        let ended_at = string(&obj, "ended_at")?;
        parse_utc(&started_at).ok_or_else(|| bad_time("started_at", &started_at))?;
        parse_utc(&ended_at).ok_or_else(|| bad_time("ended_at", &ended_at))?;
        let label = match obj.get("label") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(WireError::invalid(
                    "label",
                    format!("must be a string or null, got {other}"),
                ))
            }
        };
        let nodes = match obj.get("nodes") {
            Some(Value::Object(_)) => ordered_nodes(text)?,
            Some(other) => {
                return Err(WireError::invalid(
                    "nodes",
                    format!("must be an object, got {other}"),
                ))
            }
            None => return Err(missing("nodes")),
        };
        Ok(RecordingMeta {
            id: string(&obj, "id")?,
            name: string(&obj, "name")?,
            label,
            started_at,
            ended_at,
            duration_secs: obj
                .get("duration_secs")
                .ok_or_else(|| missing("duration_secs"))?
                .as_f64()
                .ok_or_else(|| WireError::invalid("duration_secs", "must be a number"))?,
            frame_count: count(&obj, "frame_count")?,
            file_size_bytes: count(&obj, "file_size_bytes")?,
            file_path: string(&obj, "file_path")?,
            nodes,
        })
    }

    /// Reads the sidecar file at `path` (at most [`MAX_SIDECAR_LEN`] bytes).
    pub fn read(path: impl AsRef<Path>) -> WireResult<RecordingMeta> {
        use std::io::Read;
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| WireError::io(path.display(), e))?;
        let mut bytes = Vec::new();
        file.take(MAX_SIDECAR_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| WireError::io(path.display(), e))?;
        if bytes.len() > MAX_SIDECAR_LEN {
            return Err(WireError::invalid(
                "sidecar",
                format!("larger than {MAX_SIDECAR_LEN} bytes"),
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| WireError::invalid("sidecar", format!("not UTF-8: {e}")))?;
        RecordingMeta::from_json(&text)
    }

    /// Pretty-printed with 2-space indentation and a final newline, keys in spec order.
    pub fn to_json(&self) -> WireResult<String> {
        if !self.duration_secs.is_finite() {
            return Err(WireError::invalid(
                "duration_secs",
                format!("must be finite, got {}", self.duration_secs),
            ));
        }
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| WireError::invalid("sidecar", e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// Start time as Unix seconds.
    pub fn started_at_unix(&self) -> Option<f64> {
        parse_utc(&self.started_at)
    }
}

/// The `nodes` entries of a sidecar in document order (serde_json's own map is sorted).
#[derive(Deserialize)]
struct NodesInOrder {
    #[serde(deserialize_with = "entries_in_order")]
    nodes: Vec<(String, Value)>,
}

fn entries_in_order<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Value)>, D::Error> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, Value)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = access.next_entry::<String, Value>()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    d.deserialize_map(Entries)
}

fn ordered_nodes(text: &str) -> WireResult<Vec<(u8, u64)>> {
    let NodesInOrder { nodes } =
        serde_json::from_str(text).map_err(|e| WireError::invalid("nodes", e.to_string()))?;
    nodes
        .iter()
        .map(|(k, v)| {
            let id = k.parse::<u8>().map_err(|_| {
                WireError::invalid("nodes", format!("key {k:?} is not a node id in 0..=255"))
            })?;
            let n = v.as_u64().ok_or_else(|| {
                WireError::invalid(
                    "nodes",
                    format!("count of node {k} must be an integer, got {v}"),
                )
            })?;
            Ok((id, n))
        })
        .collect()
}

fn missing(key: &str) -> WireError {
    WireError::invalid(key, "missing from the sidecar")
}

fn bad_time(key: &str, value: &str) -> WireError {
    WireError::invalid(
        key,
        format!("must be UTC YYYY-MM-DDTHH:MM:SS[.f](Z|+00:00), got {value:?}"),
    )
}

fn string(obj: &Map<String, Value>, key: &str) -> WireResult<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(WireError::invalid(
            key,
            format!("must be a string, got {other}"),
        )),
        None => Err(missing(key)),
    }
}

fn count(obj: &Map<String, Value>, key: &str) -> WireResult<u64> {
    let v = obj.get(key).ok_or_else(|| missing(key))?;
    v.as_u64()
        .ok_or_else(|| WireError::invalid(key, format!("must be a non-negative integer, got {v}")))
}

/// The sidecar path of a data file: `x.csi.jsonl` → `x.csi.meta.json`.
pub fn sidecar_path(data_path: &Path) -> Option<PathBuf> {
    let name = data_path.file_name()?.to_str()?;
    let stem = name.strip_suffix(DATA_SUFFIX)?;
    Some(data_path.with_file_name(format!("{stem}{META_SUFFIX}")))
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ`, truncated to the second.
pub fn format_utc(unix_seconds: f64) -> String {
    let secs = unix_seconds.floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` → Unix seconds; `None` if malformed.
pub fn parse_utc(s: &str) -> Option<f64> {
    let body = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    let (date, time) = body.split_once('T')?;
    let mut date_parts = date.split('-');
    let (y, m, d) = (date_parts.next()?, date_parts.next()?, date_parts.next()?);
    if date_parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (hms, fraction) = match time.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => (hms, Some(f)),
        Some(_) => return None,
        None => (time, None),
    };
    let mut t = hms.split(':');
    let (hh, mm, ss) = (t.next()?, t.next()?, t.next()?);
    if t.next().is_some() || [hh, mm, ss].iter().any(|p| p.len() != 2) {
        return None;
    }
    let num = |p: &str| {
        if p.bytes().all(|c| c.is_ascii_digit()) {
            p.parse::<i64>().ok()
        } else {
            None
        }
    };
    let (y, m, d, hh, mm, ss) = (num(y)?, num(m)?, num(d)?, num(hh)?, num(mm)?, num(ss)?);
    if !(1..=12).contains(&m)
        || !(1..=days_in_month(y, m)).contains(&d)
        || hh > 23
        || mm > 59
        || ss > 60
    {
        return None;
    }
    let whole = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    let frac = match fraction {
        Some(f) => format!("0.{f}").parse::<f64>().ok()?,
        None => 0.0,
    };
    Some(whole as f64 + frac)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_and_parses() {
        assert_eq!(format_utc(0.0), "1970-01-01T00:00:00Z");
        // The excerpt's first and last line timestamps and its sidecar's times.
        assert_eq!(format_utc(1_775_182_186.957_775_8), "2026-04-03T02:09:46Z");
        assert_eq!(format_utc(1_775_182_195.086_895_5), "2026-04-03T02:09:55Z");
        assert_eq!(parse_utc("2026-04-03T02:09:46Z"), Some(1_775_182_186.0));
        assert_eq!(
            parse_utc("2026-04-03T02:09:46.5+00:00"),
            Some(1_775_182_186.5)
        );
        assert_eq!(parse_utc("2024-02-29T23:59:59Z"), Some(1_709_251_199.0));
        for bad in [
            "2026-04-03 02:09:46Z",
            "2026-04-03T02:09:46",
            "2023-02-29T00:00:00Z",
            "2026-4-03T02:09:46Z",
            "2026-04-03T02:09:46.Z",
            "2026-04-03T02:09:46+01:00",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn sidecar_path_replaces_the_suffix() {
        assert_eq!(
            sidecar_path(Path::new("a/b.csi.jsonl")),
            Some(PathBuf::from("a/b.csi.meta.json"))
        );
        assert_eq!(sidecar_path(Path::new("a/b.jsonl")), None);
    }
}
