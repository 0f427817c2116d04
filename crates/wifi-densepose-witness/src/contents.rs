//! Reading a bundle, a directory or a `.tar.gz`, into memory without following links.
//!
//! The verifier looks files up in this in-memory map only, so no manifest path can reach a
//! file outside the bundle; links and unsafe archive paths are recorded and reported.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use flate2::bufread::GzDecoder;

use crate::manifest::MANIFEST_FILE;

/// Upper bound on the bytes read from one bundle (the reference input is ~10 MB).
pub const MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;
/// Upper bound on the entries of one bundle.
pub const MAX_BUNDLE_ENTRIES: usize = 10_000;

/// The regular files of a bundle, keyed by `/`-separated path relative to its root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleContents {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Symbolic or hard links, which a bundle must not contain.
    pub links: Vec<String>,
    /// Archive member names that are absolute or contain `..`.
    pub unsafe_paths: Vec<String>,
    /// Entries that are neither files, directories nor links (devices, FIFOs).
    pub special: Vec<String>,
    /// "directory" or "archive".
    pub source: &'static str,
    /// Bytes of `files` so far, for the size limit.
    byte_total: u64,
}

impl BundleContents {
    fn new(source: &'static str) -> Self {
        BundleContents {
            source,
            ..BundleContents::default()
        }
    }

    fn entry_count(&self) -> usize {
        self.files.len() + self.links.len() + self.unsafe_paths.len() + self.special.len()
    }

    fn add_file(&mut self, path: String, bytes: Vec<u8>) {
        self.byte_total += bytes.len() as u64;
        self.files.insert(path, bytes);
    }
}

/// Reads a bundle directory, or a `.tar.gz` file holding one; the error explains why not.
pub fn load_bundle(path: &Path) -> Result<BundleContents, String> {
    // The bundle's own path may be a link (the caller chose it); links inside it may not.
    let metadata =
        fs::metadata(path).map_err(|e| format!("cannot read bundle {}: {e}", path.display()))?;
    if metadata.is_dir() {
        let mut contents = BundleContents::new("directory");
        read_directory(path, "", &mut contents)?;
        Ok(contents)
    } else if metadata.is_file() {
        let file = fs::File::open(path)
            .map_err(|e| format!("cannot open bundle {}: {e}", path.display()))?;
        read_archive(file)
    } else {
        Err(format!(
            "{} is neither a directory nor a .tar.gz file",
            path.display()
        ))
    }
}

fn read_directory(dir: &Path, prefix: &str, contents: &mut BundleContents) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        if contents.entry_count() >= MAX_BUNDLE_ENTRIES {
            return Err(format!("more than {MAX_BUNDLE_ENTRIES} entries"));
        }
        let name = entry.file_name().into_string().map_err(|name| {
            format!("{prefix}{}: file name is not UTF-8", name.to_string_lossy())
        })?;
        let relative = format!("{prefix}{name}");
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot stat {relative}: {e}"))?;
        if kind.is_symlink() {
            contents.links.push(relative);
        } else if kind.is_dir() {
            read_directory(&entry.path(), &format!("{relative}/"), contents)?;
        } else if kind.is_file() {
            let size = entry
                .metadata()
                .map_err(|e| format!("cannot stat {relative}: {e}"))?
                .len();
            if contents.byte_total + size > MAX_BUNDLE_BYTES {
                return Err(format!("larger than {MAX_BUNDLE_BYTES} bytes"));
            }
            let bytes =
                fs::read(entry.path()).map_err(|e| format!("cannot read {relative}: {e}"))?;
            contents.add_file(relative, bytes);
        } else {
            contents.special.push(relative);
        }
    }
    Ok(())
}

/// Decompressed bytes with a ceiling: past `MAX_BUNDLE_BYTES` reads fail and `exceeded` is
/// set, so the error names the limit instead of looking like a truncated archive.
struct Ceiling<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Ceiling<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            self.exceeded.set(true);
            return Err(std::io::Error::other(bomb_message()));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn bomb_message() -> String {
    format!("archive expands to more than {MAX_BUNDLE_BYTES} bytes (the bundle size limit)")
}

/// Reads a gzip-compressed tar stream. A bundle directory at the archive root is unwrapped.
///
/// The archive must be exactly one gzip member holding one tar stream: after the tar
/// end-of-archive marker only zero padding may follow, and nothing may follow the gzip
/// trailer, so no member can hide behind what was verified (`tar -i` would list it).
fn read_archive(reader: impl Read) -> Result<BundleContents, String> {
    let exceeded = Rc::new(Cell::new(false));
    let corrupt = |e: std::io::Error| {
        if exceeded.get() {
            bomb_message()
        } else {
            format!("archive is truncated or corrupt: {e}")
        }
    };
    let mut contents = BundleContents::new("archive");
    let decoder = Ceiling {
        inner: GzDecoder::new(BufReader::new(reader)),
        left: MAX_BUNDLE_BYTES,
        exceeded: exceeded.clone(),
    };
    let mut archive = tar::Archive::new(decoder);
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        if contents.entry_count() >= MAX_BUNDLE_ENTRIES {
            return Err(format!("more than {MAX_BUNDLE_ENTRIES} entries"));
        }
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() {
            continue;
        }
        let Some(name) = archive_member_path(&raw_name) else {
            contents.unsafe_paths.push(raw_name);
            continue;
        };
        if kind.is_symlink() || kind.is_hard_link() {
            contents.links.push(name);
        } else if kind.is_file() || kind.is_contiguous() {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(corrupt)?;
            contents.add_file(name, bytes);
        } else {
            contents.special.push(name);
        }
    }
    // Read to the end so the gzip trailer (CRC and length) is checked too; what follows the
    // end-of-archive marker must be zero padding.
    let mut rest = archive.into_inner();
    let mut chunk = [0u8; 8192];
    loop {
        let n = rest.read(&mut chunk).map_err(corrupt)?;
        if n == 0 {
            break;
        }
        if chunk[..n].iter().any(|&b| b != 0) {
            return Err("data after the tar end-of-archive marker".to_string());
        }
    }
    let mut compressed = rest.inner.into_inner();
    let trailing = compressed.fill_buf().map_err(corrupt)?;
    if !trailing.is_empty() {
        return Err(
            "data after the gzip stream (a second gzip member or trailing bytes)".to_string(),
        );
    }
    unwrap_root_directory(&mut contents);
    Ok(contents)
}

/// A member name without `./` prefixes or a trailing `/`; `None` if absolute or with `..`.
fn archive_member_path(raw: &str) -> Option<String> {
    if raw.starts_with('/') || raw.contains('\\') {
        return None;
    }
    let parts: Vec<&str> = raw
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

/// `witness-bundle-.../MANIFEST.sha256` in an archive means every member sits in that one
/// directory: strip it so paths match the manifest.
fn unwrap_root_directory(contents: &mut BundleContents) {
    if contents.files.contains_key(MANIFEST_FILE) {
        return;
    }
    let Some(root) = contents
        .files
        .keys()
        .next()
        .and_then(|k| k.split_once('/'))
        .map(|p| p.0)
    else {
        return;
    };
    let prefix = format!("{root}/");
    let all_under_root = contents.files.keys().all(|k| k.starts_with(&prefix))
        && contents
            .links
            .iter()
            .chain(&contents.special)
            .all(|k| k.starts_with(&prefix));
    if !all_under_root
        || !contents
            .files
            .contains_key(&format!("{prefix}{MANIFEST_FILE}"))
    {
        return;
    }
    let strip = |k: &String| k[prefix.len()..].to_owned();
    contents.files = std::mem::take(&mut contents.files)
        .into_iter()
        .map(|(k, v)| (strip(&k), v))
        .collect();
    contents.links = contents.links.iter().map(strip).collect();
    contents.special = contents.special.iter().map(strip).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_are_normalised_or_refused() {
        assert_eq!(
            archive_member_path("./b/MANIFEST.sha256"),
            Some("b/MANIFEST.sha256".into())
        );
        assert_eq!(archive_member_path("b//c/"), Some("b/c".into()));
        assert_eq!(archive_member_path("/etc/passwd"), None);
        assert_eq!(archive_member_path("b/../../x"), None);
        assert_eq!(archive_member_path("./"), None);
    }

    #[test]
    fn a_single_root_directory_is_unwrapped() {
        let mut contents = BundleContents::new("archive");
        contents
            .files
            .insert(format!("bundle/{MANIFEST_FILE}"), vec![1]);
        contents.files.insert("bundle/proof/x".into(), vec![2]);
        unwrap_root_directory(&mut contents);
        assert_eq!(
            contents.files.keys().collect::<Vec<_>>(),
            [MANIFEST_FILE, "proof/x"]
        );

        let mut mixed = BundleContents::new("archive");
        mixed
            .files
            .insert(format!("bundle/{MANIFEST_FILE}"), vec![1]);
        mixed.files.insert("other/x".into(), vec![2]);
        unwrap_root_directory(&mut mixed);
        assert!(mixed.files.contains_key("other/x"));
        assert!(mixed.files.contains_key(&format!("bundle/{MANIFEST_FILE}")));
    }

    #[test]
    fn oversized_directories_are_refused_before_reading() {
        let dir = std::env::temp_dir().join(format!("witness-oversized-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // A sparse file: its length counts, but nothing is written or read.
        let big = fs::File::create(dir.join("big.bin")).unwrap();
        big.set_len(MAX_BUNDLE_BYTES + 1).unwrap();
        let e = load_bundle(&dir).unwrap_err();
        fs::remove_dir_all(&dir).unwrap();
        assert!(e.contains("larger than 67108864 bytes"), "{e}");
    }

    #[test]
    fn garbage_is_not_an_archive() {
        let e = read_archive(&b"definitely not gzip"[..]).unwrap_err();
        assert!(e.contains("truncated or corrupt"), "{e}");
        let e = load_bundle(Path::new("no/such/bundle")).unwrap_err();
        assert!(e.contains("no/such/bundle"), "{e}");
    }

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_member_after_the_end_of_archive_marker_is_refused() {
        let mut data = tar_of(&[("a/MANIFEST.sha256", b"x\n")]);
        assert!(read_archive(&gzip(&data)[..]).is_ok());
        data.extend(tar_of(&[("b/evil.sh", b"echo hi\n")]));
        let e = read_archive(&gzip(&data)[..]).unwrap_err();
        assert_eq!(e, "data after the tar end-of-archive marker");
    }

    #[test]
    fn a_second_gzip_member_is_refused() {
        let mut data = gzip(&tar_of(&[("a/MANIFEST.sha256", b"x\n")]));
        data.extend(gzip(&tar_of(&[("b/evil.sh", b"echo hi\n")])));
        let e = read_archive(&data[..]).unwrap_err();
        assert!(e.starts_with("data after the gzip stream"), "{e}");
    }

    #[test]
    fn a_gzip_bomb_names_the_limit() {
        let big = vec![0u8; (MAX_BUNDLE_BYTES + 1024) as usize];
        let data = gzip(&tar_of(&[("a/big.bin", &big)]));
        let e = read_archive(&data[..]).unwrap_err();
        assert_eq!(
            e,
            "archive expands to more than 67108864 bytes (the bundle size limit)"
        );
    }
}
