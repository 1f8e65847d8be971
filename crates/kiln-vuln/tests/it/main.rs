//! The integration tests of kiln-vuln, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod cvss_oracle;
mod ecosystems;
mod osv_versions_oracle;
mod properties;
mod rubysec;
mod scan;
mod support;
