//! The integration tests of kiln-cli, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod assess;
mod attest;
mod bad_input;
mod build;
mod build_variants;
mod copy;
mod db;
mod db_update;
mod inspect;
mod keyless;
mod layout_signatures;
mod policy;
mod registry;
mod sbom;
mod sbom_ecosystems;
mod sbom_java;
mod scan;
mod scan_ownership;
mod scan_vex_attest;
mod sigstore_js;
mod skopeo_sigstore;
mod support;
mod surface;
