//! The files of an input: a plain file, every file under a directory, or
//! every member of a zip archive (zips inside directories included).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::{Result, VulnError};

/// Members larger than this are not advisory files; reading stops there.
const MAX_ENTRY: u64 = 512 * 1024 * 1024;

/// One file's name (`path` or `archive.zip!member`) and bytes.
#[derive(Debug)]
pub struct Entry {
    /// Where it came from, for warnings.
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Calls `each` for every file of `path`.
pub fn walk(path: &Path, each: &mut dyn FnMut(Entry)) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| VulnError::Read {
        path: path.to_owned(),
        source,
    })?;
    if meta.is_dir() {
        let mut children: Vec<_> = std::fs::read_dir(path)
            .and_then(|rd| rd.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>())
            .map_err(|source| VulnError::Read {
                path: path.to_owned(),
                source,
            })?;
        children.sort();
        for child in children {
            walk(&child, each)?;
        }
        Ok(())
    } else if is_zip(path) {
        walk_zip(path, each)
    } else {
        let bytes = std::fs::read(path).map_err(|source| VulnError::Read {
            path: path.to_owned(),
            source,
        })?;
        each(Entry {
            name: path.display().to_string(),
            bytes,
        });
        Ok(())
    }
}

fn walk_zip(path: &Path, each: &mut dyn FnMut(Entry)) -> Result<()> {
    let zip_err = |source| VulnError::Zip {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(|source| VulnError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).map_err(zip_err)?;
        if member.is_dir() {
            continue;
        }
        let name = format!("{}!{}", path.display(), member.name());
        let mut bytes =
            Vec::with_capacity(usize::try_from(member.size().min(1 << 20)).unwrap_or(0));
        (&mut member)
            .take(MAX_ENTRY)
            .read_to_end(&mut bytes)
            .map_err(|source| VulnError::Read {
                path: name.clone().into(),
                source,
            })?;
        each(Entry { name, bytes });
    }
    Ok(())
}
