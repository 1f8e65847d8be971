//! A registry as an image source and as an image destination.

use std::io::Read;
use std::sync::Mutex;

use kiln_types::ImageRef;

use super::Client;
use crate::manifest::{Descriptor, RawManifest};
use crate::source::{ImageDestination, ImageSource};
use crate::{Error, Result};

/// Reads one image (or index) from a registry.
#[derive(Debug)]
pub struct RegistrySource {
    client: Client,
    reference: ImageRef,
    /// The root manifest once read, so a moving tag yields one image per source.
    root: Mutex<Option<RawManifest>>,
}

impl RegistrySource {
    /// A source for `reference`; nothing is fetched until asked for.
    pub fn open(client: Client, reference: ImageRef) -> Result<RegistrySource> {
        Ok(RegistrySource {
            client,
            reference,
            root: Mutex::new(None),
        })
    }

    pub fn reference(&self) -> &ImageRef {
        &self.reference
    }
}

impl ImageSource for RegistrySource {
    fn name(&self) -> String {
        self.reference.to_string()
    }

    fn root_manifest(&self) -> Result<RawManifest> {
        let mut root = self.root.lock().map_err(|_| Error::Transport {
            what: self.name(),
            reason: "a reader of this source panicked".to_owned(),
        })?;
        if let Some(raw) = root.as_ref() {
            return Ok(raw.clone());
        }
        let raw = self.client.get_manifest(&self.reference)?;
        *root = Some(raw.clone());
        Ok(raw)
    }

    fn manifest(&self, desc: &Descriptor) -> Result<RawManifest> {
        let pinned = self.reference.with_digest(desc.digest.clone());
        let raw = self.client.get_manifest(&pinned)?;
        if raw.bytes.len() as u64 != desc.size {
            return Err(Error::SizeMismatch {
                what: pinned.to_string(),
                expected: desc.size,
                actual: raw.bytes.len() as u64,
            });
        }
        Ok(raw)
    }

    fn blob_stream(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>> {
        self.client.get_blob(&self.reference, &desc.digest)
    }

    fn tag(&self) -> Option<String> {
        self.reference.tag().map(str::to_owned)
    }

    fn registry_location(&self) -> Option<&ImageRef> {
        Some(&self.reference)
    }
}

/// Pushes one image to a registry: blobs and child manifests by digest, then the root
/// under the reference's tag (`latest` when it has none) at [`ImageDestination::commit`].
#[derive(Debug)]
pub struct RegistryDestination {
    client: Client,
    reference: ImageRef,
}

impl RegistryDestination {
    pub fn new(client: Client, reference: ImageRef) -> RegistryDestination {
        RegistryDestination { client, reference }
    }
}

impl ImageDestination for RegistryDestination {
    fn name(&self) -> String {
        self.reference.to_string()
    }

    fn has_blob(&self, desc: &Descriptor) -> Result<bool> {
        self.client.blob_exists(&self.reference, &desc.digest)
    }

    fn put_blob(&self, desc: &Descriptor, data: &mut dyn Read) -> Result<()> {
        self.client.push_blob(&self.reference, desc, data)
    }

    fn mount_blob(&self, desc: &Descriptor, from: &ImageRef) -> Result<bool> {
        if from.registry() != self.reference.registry() {
            return Ok(false);
        }
        if from.repository() == self.reference.repository() {
            return self.has_blob(desc);
        }
        self.client.mount_blob(&self.reference, &desc.digest, from)
    }

    fn put_manifest(&self, raw: &RawManifest) -> Result<()> {
        self.client.put_manifest(&self.reference, None, raw)?;
        Ok(())
    }

    fn commit(self: Box<Self>, root: &RawManifest) -> Result<()> {
        let tag = self.reference.tag().unwrap_or("latest");
        self.client.put_manifest(&self.reference, Some(tag), root)?;
        Ok(())
    }
}
