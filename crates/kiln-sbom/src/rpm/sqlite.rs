//! Reading the header blobs out of an `rpmdb.sqlite` captured from an image: the bytes
//! (and a write-ahead log, when the image has one) are written to a private temporary
//! directory and opened there, so nothing in the image is touched.

use std::io::Write;

use rusqlite::{Connection, OpenFlags};

use crate::{Error, Result};

/// Every row of the `Packages` table as `(hnum, blob)`, in `hnum` order.
pub fn header_blobs(what: &str, db: &[u8], wal: Option<&[u8]>) -> Result<Vec<(i64, Vec<u8>)>> {
    let dir = tempfile::tempdir().map_err(|e| Error::Io {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let file = dir.path().join("rpmdb.sqlite");
    write(&file, db)?;
    if let Some(wal) = wal {
        write(&dir.path().join("rpmdb.sqlite-wal"), wal)?;
    }
    let sql = |source| Error::Sqlite {
        path: what.to_owned(),
        source,
    };
    let conn = Connection::open_with_flags(
        &file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(sql)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.map_err(sql)?);
    }
    Ok(out)
}

fn write(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut f = std::fs::File::create(path).map_err(io)?;
    f.write_all(bytes).map_err(io)
}
