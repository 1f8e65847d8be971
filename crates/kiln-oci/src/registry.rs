//! The OCI distribution API client: pull and push of manifests and blobs, auth
//! (`WWW-Authenticate` challenges, bearer tokens, credentials from docker/podman files),
//! retries, cross-repository mounts, tag listing, and OCI 1.1 referrers with the
//! referrers tag fallback.
//!
//! [`Client`] speaks to any registry; [`RegistrySource`] and [`RegistryDestination`]
//! adapt it to [`ImageSource`](crate::ImageSource) and
//! [`ImageDestination`](crate::ImageDestination). Loopback registries are reached over
//! plain HTTP, others over HTTPS unless [`RegistryOptions::insecure`] is set.

use std::path::PathBuf;

mod auth;
mod client;
mod credentials;
mod manifest;
mod referrers;
mod source;
mod token;
mod upload;

pub use auth::{Challenge, Credentials, Secret};
pub use client::Client;
pub use credentials::CredentialStore;
pub use manifest::{MAX_MANIFEST, PushedManifest};
pub use referrers::referrers_tag;
pub use source::{RegistryDestination, RegistrySource};

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Use plain HTTP for every registry, not only loopback ones.
    pub insecure: bool,
    /// Credentials file; default `$REGISTRY_AUTH_FILE`, then
    /// `$XDG_RUNTIME_DIR/containers/auth.json`, then `~/.docker/config.json`.
    pub auth_file: Option<PathBuf>,
}
