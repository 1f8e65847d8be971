//! The distribution and release from `/etc/os-release`, else `/usr/lib/os-release`.

use kiln_oci::fs::MergedFs;
use kiln_types::Distro;

use crate::Result;
use crate::cataloger::{Cataloger, Context};

const PATHS: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];

/// Reads os-release into [`Context::distro`].
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRelease;

impl Cataloger for OsRelease {
    fn name(&self) -> &'static str {
        "os-release"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        PATHS.contains(&path)
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for path in PATHS {
            // /etc/os-release is usually a symlink to ../usr/lib/os-release.
            if let Some(bytes) = fs.read_resolved(path) {
                match Distro::from_os_release(&String::from_utf8_lossy(bytes)) {
                    Some(d) => {
                        ctx.distro = Some(d);
                        return Ok(());
                    }
                    None => ctx.warn(self.name(), format!("{path}: no ID field")),
                }
            }
        }
        Ok(())
    }
}
