//! `kiln build`: from a YAML spec and its lock file to a minimal, hardened, reproducible
//! image with its evidence. The spec and the lock say what goes in; assembly unpacks the
//! locked `.deb` files into one root, does what their maintainer scripts would have done,
//! hardens it and writes deterministic layers; the evidence (SBOM, provenance,
//! signatures) is made from the same resolution.

pub mod spec;
