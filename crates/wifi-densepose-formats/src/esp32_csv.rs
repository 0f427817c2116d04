//! ESP32-CSI-Tool (Steven Hernandez) serial output: CSV lines
//! `CSI_DATA,role,mac,rssi,...,len,[i0 r0 i1 r1 ...]`.
//!
//! Column names come from the header line (`type,role,mac,rssi,rate,sig_mode,mcs,bandwidth,...,
//! real_timestamp,len,CSI_DATA`) when the file has one, else the tool's default order. The
//! bracketed list holds signed integers, two per subcarrier, imaginary part first (the ESP-IDF
//! `wifi_csi_info_t` buffer layout); `len` is the driver's buffer length, of which the tool may
//! print only a part. Lines that do not start with `CSI_DATA` (the header,
//! boot messages) are skipped.

use std::io::BufRead;

use num_complex::Complex64;

use crate::capture::Frame;
use crate::error::{FormatError, FormatResult, Reason};
use crate::source::Source;
use crate::{Format, FrameReader};

/// The tool's column order, used when a file has no header line.
pub const DEFAULT_COLUMNS: [&str; 26] = [
    "type",
    "role",
    "mac",
    "rssi",
    "rate",
    "sig_mode",
    "mcs",
    "bandwidth",
    "smoothing",
    "not_sounding",
    "aggregation",
    "stbc",
    "fec_coding",
    "sgi",
    "noise_floor",
    "ampdu_cnt",
    "channel",
    "secondary_channel",
    "local_timestamp",
    "ant",
    "sig_len",
    "rx_state",
    "real_time_set",
    "real_timestamp",
    "len",
    "CSI_DATA",
];

/// Whether `head` holds a header line or a `CSI_DATA,` line.
pub fn sniff(head: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    for line in text.lines() {
        let line = line.trim_start_matches('\u{feff}');
        if line.starts_with("type,role,mac") || line.starts_with("CSI_DATA,") {
            return Ok(());
        }
    }
    Err("no CSI_DATA line or ESP32-CSI-Tool header".into())
}

/// Streams `CSI_DATA` lines as frames (`n_rx = n_tx = 1`). Metadata: `rssi_dbm`, `noise_dbm`,
/// `channel`, `bandwidth_mhz`, `rate`, `sig_mode`, `mcs`, `local_timestamp_us`, `buffer_len`; source MAC.
#[derive(Debug)]
pub struct Esp32CsvReader<R> {
    src: Source<R>,
    columns: Vec<String>,
    line: Vec<u8>,
    line_no: usize,
}

impl<R: BufRead> Esp32CsvReader<R> {
    pub fn new(inner: R, len: u64) -> Self {
        Esp32CsvReader {
            src: Source::new(inner, len, Format::Esp32CsiTool),
            columns: DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect(),
            line: Vec::new(),
            line_no: 0,
        }
    }
}

fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

impl<R: BufRead + Send + Sync> FrameReader for Esp32CsvReader<R> {
    fn format(&self) -> Format {
        Format::Esp32CsiTool
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        loop {
            let Some((line_at, line_no)) = self.src.next_line(&mut self.line, &mut self.line_no)?
            else {
                return Ok(None);
            };
            let bad = |reason, detail: String| {
                FormatError::at_line(Format::Esp32CsiTool, line_at, line_no, reason, detail)
            };
            let text = std::str::from_utf8(&self.line)
                .map_err(|e| bad(Reason::BadLine, format!("not UTF-8: {e}")))?;
            let text = text.trim_start_matches('\u{feff}').trim_end();
            if text.starts_with("type,") {
                self.columns = text.split(',').map(|s| s.trim().to_string()).collect();
                continue;
            }
            if !text.starts_with("CSI_DATA,") {
                continue;
            }
            let (Some(open), Some(close)) = (text.find('['), text.rfind(']')) else {
                return Err(bad(Reason::BadLine, "no bracketed CSI list".into()));
            };
            if close < open {
                return Err(bad(Reason::BadLine, "']' before '['".into()));
            }
            let fields: Vec<&str> = text[..open].split(',').map(str::trim).collect();
            let field = |name: &str| -> Option<&str> {
                let i = self.columns.iter().position(|c| c == name)?;
                fields.get(i).copied().filter(|s| !s.is_empty())
            };
            let number = |name: &str| -> FormatResult<Option<f64>> {
                match field(name) {
                    None => Ok(None),
                    Some(s) => match s.parse::<f64>() {
                        Ok(v) if v.is_finite() => Ok(Some(v)),
                        _ => Err(bad(
                            Reason::BadLine,
                            format!("column {name}: {s:?} is not a number"),
                        )),
                    },
                }
            };
            let mut values = Vec::new();
            for token in text[open + 1..close]
                .split([' ', ','])
                .filter(|t| !t.is_empty())
            {
                let v: i32 = token.parse().map_err(|_| {
                    bad(
                        Reason::BadLine,
                        format!("CSI value {token:?} is not an integer"),
                    )
                })?;
                values.push(f64::from(v));
            }
            if values.is_empty() || values.len() % 2 != 0 {
                return Err(bad(
                    Reason::LengthMismatch,
                    format!("{} CSI values: not a positive even count", values.len()),
                ));
            }
            let csi: Vec<Complex64> = values
                .chunks_exact(2)
                .map(|p| Complex64::new(p[1], p[0]))
                .collect();
            let timestamp_s = match (number("real_timestamp")?, number("local_timestamp")?) {
                (Some(t), _) => t,
                (None, Some(us)) => us * 1e-6,
                (None, None) => {
                    return Err(bad(
                        Reason::BadLine,
                        "no real_timestamp or local_timestamp column".into(),
                    ))
                }
            };
            let n = csi.len();
            let mut frame = Frame::new(timestamp_s, n, 1, 1, csi);
            for (column, name) in [
                ("rssi", "rssi_dbm"),
                ("noise_floor", "noise_dbm"),
                ("channel", "channel"),
                ("rate", "rate"),
                ("sig_mode", "sig_mode"),
                ("mcs", "mcs"),
                ("local_timestamp", "local_timestamp_us"),
                // The driver's CSI buffer length, bytes; the tool prints only part of it (the
                // first 128 values, the L-LTF, in its default build), so it need not equal the
                // list's length.
                ("len", "buffer_len"),
            ] {
                if let Some(v) = number(column)? {
                    frame.meta.push((name, v));
                }
            }
            if let Some(bw) = number("bandwidth")? {
                // wifi_pkt_rx_ctrl_t.cwb: 0 = 20 MHz, 1 = 40 MHz.
                frame
                    .meta
                    .push(("bandwidth_mhz", if bw == 0.0 { 20.0 } else { 40.0 }));
            }
            frame.mac = field("mac").and_then(parse_mac);
            return Ok(Some(frame));
        }
    }

    source_progress!();
}
