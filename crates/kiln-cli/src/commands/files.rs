//! The `--files` listing of `kiln inspect`: the merged filesystem with owning layers.

use anyhow::Result;
use kiln_oci::{Image, ImageSource};
use serde::Serialize;

/// One path of the merged filesystem.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileView {
    pub path: String,
}

pub fn list(_src: &dyn ImageSource, _image: &Image) -> Result<Vec<FileView>> {
    anyhow::bail!("--files is not available yet")
}

pub fn table(files: &[FileView]) -> String {
    files.iter().map(|f| format!("{}\n", f.path)).collect()
}
