//! `.csi.jsonl` recordings and their `.csi.meta.json` sidecar (docs/wire.md §2).

mod loaded;
mod meta;
mod reader;
mod record;
mod replay;
mod writer;

pub use loaded::{CsiSeries, NodeSummary, Recording, RecordingSummary};
pub use meta::{format_utc, parse_utc, sidecar_path, RecordingMeta};
pub use reader::{read_line_bounded, LineOutcome, ReadMode, RecordingReader, MAX_LINE_LEN};
pub use record::{parse_line, FeatureRecord, RawCsiRecord, Record, RecordBody, VitalsRecord};
pub use replay::Replayer;
pub use writer::RecordingWriter;
