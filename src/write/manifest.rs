//! The manifest: what the last build wrote into the output folder. It is
//! the [`MARKER`](super::MARKER) file, so a folder holding it is Dossier's.
//!
//! Per file: a hash of its bytes (for a copied file, of its source's path,
//! size and modification time, so it need not be read), its size, and for a
//! template page the page's fingerprint
//! ([`Renderer::fingerprint`](crate::render::Renderer::fingerprint)), with
//! which the next build skips rendering pages whose inputs are the same.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::render::OutputFile;

/// Format version; a manifest of another version is not read.
const VERSION: u32 = 1;

/// One file Dossier wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// [`content_hash`] of what was written.
    pub hash: [u64; 2],
    /// Its size in bytes.
    pub size: u64,
    /// For a template page, its fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<u64>,
}

impl Entry {
    /// An entry that matches no file: written for files being replaced, so
    /// a build killed part way rewrites them next time.
    pub const UNKNOWN: Entry = Entry {
        hash: [0, 0],
        size: u64::MAX,
        fingerprint: None,
    };
}

/// What a build wrote, by path relative to the output folder.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    version: u32,
    /// Which Dossier binary rendered the pages: fingerprints say which
    /// inputs a page had, not how this binary renders them, so another
    /// binary's are not trusted.
    binary: String,
    /// The files, in path order, so the manifest is the same for the same output.
    pub files: BTreeMap<String, Entry>,
}

impl Manifest {
    /// An empty manifest for this binary.
    pub fn for_this_binary() -> Manifest {
        Manifest {
            version: VERSION,
            binary: binary_id(),
            files: BTreeMap::new(),
        }
    }

    /// Reads the manifest in `path`; `None` when there is none or it is from
    /// an older Dossier (a plain marker file) or unreadable.
    pub fn read(path: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(path).ok()?;
        let manifest: Manifest = serde_json::from_slice(&bytes).ok()?;
        (manifest.version == VERSION).then_some(manifest)
    }

    /// Whether this manifest's page fingerprints were made by this binary.
    pub fn same_binary(&self) -> bool {
        self.binary == binary_id()
    }

    /// Writes the manifest to `path` through a temporary file and a rename,
    /// so it is never torn.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let temp = path.with_extension("tmp");
        let json = serde_json::to_vec(self).map_err(io::Error::other)?;
        std::fs::write(&temp, json)?;
        std::fs::rename(&temp, path)
    }
}

/// An identity for the running binary: its version, size and modification
/// time. A rebuilt binary renders pages anew once.
fn binary_id() -> String {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    match meta {
        Ok(meta) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {} {modified}", env!("CARGO_PKG_VERSION"), meta.len())
        }
        // Unknown: fingerprints from another run are never trusted.
        Err(_) => format!("unknown {}", std::process::id()),
    }
}

/// A hash of what `file` writes and its size: of the bytes, or for a copy,
/// of the source's path, size and modification time (not read).
pub fn content_hash(file: &OutputFile) -> io::Result<([u64; 2], u64)> {
    let split = |h: u128| [(h >> 64) as u64, h as u64];
    match file {
        OutputFile::Bytes { contents, .. } => Ok((
            split(xxhash_rust::xxh3::xxh3_128(contents)),
            contents.len() as u64,
        )),
        OutputFile::Copy { source, .. } => {
            let meta = std::fs::metadata(source)?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            let identity = format!("{}\0{}\0{modified}", source.display(), meta.len());
            Ok((
                split(xxhash_rust::xxh3::xxh3_128(identity.as_bytes())),
                meta.len(),
            ))
        }
    }
}
