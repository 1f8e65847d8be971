//! Image fixtures built in tests from real files: OCI layouts and docker-archives written
//! by hand, independently of kiln-oci, so they check its readers.
//!
//! ```no_run
//! use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
//! let dir = tempfile::tempdir().unwrap();
//! let image = ImageBuilder::new()
//!     .platform("linux", "arm64")
//!     .layer(LayerSpec::new().dir("/etc").file("/etc/os-release", b"ID=test\n", 0o644), Compression::Gzip)
//!     .user("65532")
//!     .write_layout(dir.path(), "1.0");
//! println!("{}", image.manifest_digest);
//! ```

mod image;
mod layer;
mod layout;
mod tool;

pub use image::{FixtureImage, ImageBuilder};
pub use layer::{BuiltLayer, Compression, FIXED_MTIME, LayerSpec};
pub use layout::{FixtureIndex, blob_path, write_index_layout};
pub use tool::{find_tool, require_tool};
