//! cosign storage
