//! Readers for the CSI capture formats of other tools, as one frame iterator and one capture type.
//!
//! * [`intel5300`]: Linux 802.11n CSI Tool `bfee` logs (`.dat`), raw and `get_scaled_csi` CSI.
//! * [`nexmon`]: nexmon_csi UDP payloads in pcap files (BCM4339, BCM4358, BCM43455c0, BCM4366c0).
//! * [`picoscenes`]: PicoScenes `.csi` files (Intel 5300 CSI).
//! * [`atheros`]: Atheros CSI Tool logs, either byte order.
//! * [`feitcsi`]: FeitCSI (Intel AX200/AX210) `.csi` files.
//! * [`esp32_csv`]: ESP32-CSI-Tool `CSI_DATA` CSV lines.
//! * [`ruview_v1`]: RuView's older amplitude-only `.csi.jsonl` recordings.
//!
//! Every reader streams: it holds one frame at a time, reads through a [`source::Source`] that
//! knows how many bytes remain (a length field never allocates more than the input holds), and
//! turns malformed input into a typed [`FormatError`] naming the byte offset, never a panic.
//!
//! Plain Rust: no I/O beyond the files a caller names.

/// `FrameReader::position` and `total_len` of a reader whose byte source is `self.src`.
macro_rules! source_progress {
    () => {
        fn position(&self) -> u64 {
            self.src.position()
        }

        fn total_len(&self) -> u64 {
            self.src.total_len()
        }
    };
}

pub mod atheros;
pub mod capture;
pub mod error;
pub mod esp32_csv;
pub mod feitcsi;
pub mod intel5300;
pub mod nexmon;
pub mod picoscenes;
pub mod ruview_v1;
pub mod source;

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use num_complex::Complex64;

pub use capture::{mac_string, Capture, CaptureBuilder, Frame, FrameFields};
pub use error::{FormatError, FormatResult, Malformed, Reason};
pub use nexmon::NexmonChip;

/// A CSI capture format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    Intel5300,
    Nexmon,
    PicoScenes,
    Atheros,
    FeitCsi,
    Esp32CsiTool,
    RuViewV1,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: [Format; 7] = [
        Format::Intel5300,
        Format::Nexmon,
        Format::PicoScenes,
        Format::Atheros,
        Format::FeitCsi,
        Format::Esp32CsiTool,
        Format::RuViewV1,
    ];

    /// The format's name as the Python API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Intel5300 => "intel5300",
            Format::Nexmon => "nexmon",
            Format::PicoScenes => "picoscenes",
            Format::Atheros => "atheros",
            Format::FeitCsi => "feitcsi",
            Format::Esp32CsiTool => "esp32-csi-tool",
            Format::RuViewV1 => "ruview-v1",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// False when the format records amplitudes only.
    pub fn has_phase(self) -> bool {
        !matches!(self, Format::RuViewV1)
    }

    /// What the format's timestamps mean.
    pub fn timestamp_doc(self) -> &'static str {
        match self {
            Format::Intel5300 => "NIC clock (timestamp_low, µs), 32-bit wraps unwrapped; relative",
            Format::Nexmon => "pcap capture time, Unix seconds",
            Format::PicoScenes => "RxSBasic timestamp (NIC clock, µs); relative",
            Format::Atheros => "NIC clock (TSF, µs); relative",
            Format::FeitCsi => "NIC µs clock (32-bit wraps unwrapped); relative",
            Format::Esp32CsiTool => {
                "real_timestamp column, seconds (Unix when the tool set the clock, else since boot)"
            }
            Format::RuViewV1 => "host receive time, Unix seconds",
        }
    }

    /// Whether `head` (the first bytes of a file) looks like this format; `Err` says why not.
    pub fn sniff(self, head: &[u8]) -> Result<(), String> {
        match self {
            Format::Intel5300 => intel5300::sniff(head),
            Format::Nexmon => nexmon::sniff(head),
            Format::PicoScenes => picoscenes::sniff(head),
            Format::Atheros => atheros::sniff(head),
            Format::FeitCsi => feitcsi::sniff(head),
            Format::Esp32CsiTool => esp32_csv::sniff(head),
            Format::RuViewV1 => ruview_v1::sniff(head),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Options a reader may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Nexmon: the chip whose CSI encoding to use; `None` takes it from each packet's chip field.
    pub nexmon_chip: Option<NexmonChip>,
}

/// A streaming reader of one format: yields one frame at a time.
pub trait FrameReader: Send + Sync {
    fn format(&self) -> Format;
    /// The next frame, `Ok(None)` at the end of the input.
    fn next_frame(&mut self) -> FormatResult<Option<Frame>>;
    /// Appends the next frame to `builder`; false at the end of the input. Readers whose
    /// frames are large override it to decode in place.
    fn next_into(&mut self, builder: &mut CaptureBuilder) -> FormatResult<bool> {
        Ok(match self.next_frame()? {
            Some(frame) => {
                builder.push(frame);
                true
            }
            None => false,
        })
    }
    /// Bytes consumed so far.
    fn position(&self) -> u64;
    /// The input's size, bytes.
    fn total_len(&self) -> u64;
}

/// Bytes a detector looks at.
pub const SNIFF_LEN: usize = 4096;

/// The format of a file starting with `head`; the error lists every format tried and why.
pub fn detect(head: &[u8]) -> FormatResult<Format> {
    let mut tried = Vec::new();
    for format in Format::ALL {
        match format.sniff(head) {
            Ok(()) => return Ok(format),
            Err(why) => tried.push((format, why)),
        }
    }
    Err(FormatError::Unrecognized { tried })
}

/// A reader of `format` over `inner` (`len` bytes in all).
pub fn reader<R: BufRead + Send + Sync + 'static>(
    inner: R,
    len: u64,
    format: Format,
    options: ReadOptions,
) -> FormatResult<Box<dyn FrameReader>> {
    Ok(match format {
        Format::Intel5300 => Box::new(intel5300::Intel5300Reader::new(inner, len)),
        Format::Nexmon => Box::new(nexmon::NexmonReader::new(inner, len, options.nexmon_chip)?),
        Format::PicoScenes => Box::new(picoscenes::PicoScenesReader::new(inner, len)),
        Format::Atheros => Box::new(atheros::AtherosReader::new(inner, len)),
        Format::FeitCsi => Box::new(feitcsi::FeitCsiReader::new(inner, len)),
        Format::Esp32CsiTool => Box::new(esp32_csv::Esp32CsvReader::new(inner, len)),
        Format::RuViewV1 => Box::new(ruview_v1::RuViewV1Reader::new(inner, len)),
    })
}

/// Opens `path`; `format` `None` detects it from the file's first bytes.
pub fn open(
    path: &Path,
    format: Option<Format>,
    options: ReadOptions,
) -> FormatResult<Box<dyn FrameReader>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let format = match format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(SNIFF_LEN);
            (&mut file).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
            drop(file);
            file = File::open(path)?;
            detect(&head)?
        }
    };
    reader(
        BufReader::with_capacity(1 << 16, file),
        len,
        format,
        options,
    )
}

/// A reader over bytes in memory; `format` `None` detects it.
pub fn open_bytes(
    data: Vec<u8>,
    format: Option<Format>,
    options: ReadOptions,
) -> FormatResult<Box<dyn FrameReader>> {
    let format = match format {
        Some(f) => f,
        None => detect(&data[..data.len().min(SNIFF_LEN)])?,
    };
    let len = data.len() as u64;
    reader(std::io::Cursor::new(data), len, format, options)
}

/// Up to `max_frames` next frames as one capture; `None` at the end of the input. `strict`
/// false keeps the frames before an input that ends inside a frame and reports the cut in
/// [`Capture::truncated`]; true returns the error.
pub fn read_chunk(
    reader: &mut dyn FrameReader,
    max_frames: usize,
    strict: bool,
) -> FormatResult<Option<Capture>> {
    read_chunk_reusing(reader, max_frames, strict, Vec::new())
}

/// [`read_chunk`] storing the chunk's CSI in `buffer` (cleared first): a caller that copies
/// each chunk elsewhere hands the previous chunk's array back, so the chunks' values stay in
/// the same, cache-warm memory.
pub fn read_chunk_reusing(
    reader: &mut dyn FrameReader,
    max_frames: usize,
    strict: bool,
    buffer: Vec<Complex64>,
) -> FormatResult<Option<Capture>> {
    gather(reader, max_frames.max(1), strict, buffer)
}

/// Every frame of the input as one capture (possibly with zero frames); `strict` as
/// [`read_chunk`].
pub fn read_all(reader: &mut dyn FrameReader, strict: bool) -> FormatResult<Capture> {
    let format = reader.format();
    Ok(gather(reader, usize::MAX, strict, Vec::new())?
        .unwrap_or_else(|| CaptureBuilder::new(format).finish()))
}

fn gather(
    reader: &mut dyn FrameReader,
    max_frames: usize,
    strict: bool,
    buffer: Vec<Complex64>,
) -> FormatResult<Option<Capture>> {
    let mut builder = CaptureBuilder::with_buffer(reader.format(), buffer);
    let start = reader.position();
    let mut truncated = None;
    while builder.n_frames() < max_frames {
        match reader.next_into(&mut builder) {
            Ok(true) => {}
            Ok(false) => break,
            Err(FormatError::Malformed(m)) if !strict && m.reason == Reason::Truncated => {
                truncated = Some(m);
                break;
            }
            Err(e) => return Err(e),
        }
        if builder.n_frames() == 1 {
            // Room for as many frames as the rest of the input holds if they are like the first:
            // bounded by the bytes that remain, so a length field cannot inflate it.
            let first = reader.position().saturating_sub(start).max(1);
            let more = reader.total_len().saturating_sub(reader.position()) / first;
            builder.reserve((more as usize).min(max_frames - 1));
        }
    }
    if builder.n_frames() == 0 && truncated.is_none() {
        return Ok(None);
    }
    let mut capture = builder.finish();
    capture.truncated = truncated;
    Ok(Some(capture))
}
