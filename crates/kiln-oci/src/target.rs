//! Targets as users write them: `oci:DIR[:TAG|@DIGEST]`, `docker-archive:FILE[:REF]`,
//! `dir:PATH`, `registry:REF` (or `docker://REF`), or a bare path or reference.

use std::fmt;
use std::path::{Path, PathBuf};

use kiln_types::{Digest, ImageRef, Platform};

use crate::archive::{ArchiveDestination, ArchiveSource};
use crate::layout::{LayoutDestination, LayoutRef, LayoutSource};
use crate::registry::{Client, RegistryDestination, RegistryOptions, RegistrySource};
use crate::rootfs::{DirDestination, DirSource};
use crate::source::{ImageDestination, ImageSource};
use crate::{Error, Result};

/// A place an image is read from or written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Layout {
        dir: PathBuf,
        reference: LayoutRef,
    },
    Archive {
        file: PathBuf,
        reference: Option<String>,
    },
    Dir {
        path: PathBuf,
    },
    Registry {
        reference: ImageRef,
    },
}

/// Settings that apply to every kind of target.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The platform to pick from an index; `None` means the host's (or the only one).
    pub platform: Option<Platform>,
    /// The registry settings (plain HTTP, credentials file).
    pub registry: RegistryOptions,
}

impl Target {
    pub fn parse(input: &str) -> Result<Target> {
        let bad = |reason: &str| Error::InvalidTarget {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(rest) = input
            .strip_prefix("oci:")
            .or_else(|| input.strip_prefix("oci-dir:"))
        {
            let (dir, reference) = split_layout(rest).map_err(|r| bad(&r))?;
            if dir.is_empty() {
                return Err(bad("the layout directory is empty"));
            }
            return Ok(Target::Layout {
                dir: dir.into(),
                reference,
            });
        }
        if let Some(rest) = input.strip_prefix("docker-archive:") {
            let (file, reference) = split_archive(rest);
            if file.is_empty() {
                return Err(bad("the archive path is empty"));
            }
            return Ok(Target::Archive {
                file: file.into(),
                reference,
            });
        }
        if let Some(rest) = input.strip_prefix("dir:") {
            if rest.is_empty() {
                return Err(bad("the directory path is empty"));
            }
            return Ok(Target::Dir { path: rest.into() });
        }
        if let Some(rest) = input
            .strip_prefix("registry:")
            .or_else(|| input.strip_prefix("docker://"))
        {
            let reference = rest
                .parse()
                .map_err(|e: kiln_types::ImageRefError| bad(&e.to_string()))?;
            return Ok(Target::Registry { reference });
        }
        // A bare argument: an existing path is read by what it is, anything else must be
        // an image reference.
        let path = Path::new(input);
        if path.is_dir() {
            if path.join("oci-layout").is_file() {
                return Ok(Target::Layout {
                    dir: path.into(),
                    reference: LayoutRef::Default,
                });
            }
            return Ok(Target::Dir { path: path.into() });
        }
        if path.is_file() {
            return Ok(Target::Archive {
                file: path.into(),
                reference: None,
            });
        }
        match input.parse::<ImageRef>() {
            Ok(reference) => Ok(Target::Registry { reference }),
            Err(e) => Err(bad(&format!(
                "not an existing path, and not an image reference ({e}); \
                 use oci:DIR, docker-archive:FILE, dir:PATH or registry:REF"
            ))),
        }
    }

    /// Opens the target for reading.
    pub fn open(&self, options: &OpenOptions) -> Result<Box<dyn ImageSource>> {
        Ok(match self {
            Target::Layout { dir, reference } => {
                Box::new(LayoutSource::open(dir, reference.clone())?)
            }
            Target::Archive { file, reference } => {
                Box::new(ArchiveSource::open(file, reference.as_deref())?)
            }
            Target::Dir { path } => {
                let platform = options.platform.clone().unwrap_or_else(Platform::host);
                Box::new(DirSource::open(path, &platform)?)
            }
            Target::Registry { reference } => {
                let client = Client::new(options.registry.clone())?;
                Box::new(RegistrySource::open(client, reference.clone())?)
            }
        })
    }

    /// Opens the target for writing. `source_tag` names the image when the target does
    /// not (an `oci:DIR` without a tag keeps the source's tag).
    pub fn create(
        &self,
        options: &OpenOptions,
        source_tag: Option<String>,
    ) -> Result<Box<dyn ImageDestination>> {
        Ok(match self {
            Target::Layout { dir, reference } => {
                let tag = match reference {
                    LayoutRef::Tag(t) => Some(t.clone()),
                    LayoutRef::Default => source_tag,
                    LayoutRef::Digest(_) => {
                        return Err(Error::InvalidTarget {
                            input: self.to_string(),
                            reason: "a destination is named by a tag, not a digest".to_owned(),
                        });
                    }
                };
                Box::new(LayoutDestination::create(dir, tag)?)
            }
            Target::Archive { file, reference } => Box::new(ArchiveDestination::create(
                file,
                reference.clone().or(source_tag),
            )?),
            Target::Dir { path } => {
                Box::new(DirDestination::create(path, options.platform.clone())?)
            }
            Target::Registry { reference } => {
                if reference.digest().is_some() {
                    return Err(Error::InvalidTarget {
                        input: self.to_string(),
                        reason: "a destination is named by a tag, not a digest".to_owned(),
                    });
                }
                let client = Client::new(options.registry.clone())?;
                Box::new(RegistryDestination::new(client, reference.clone()))
            }
        })
    }
}

fn split_layout(rest: &str) -> std::result::Result<(&str, LayoutRef), String> {
    if let Some((dir, digest)) = rest.rsplit_once('@') {
        let digest: Digest = digest
            .parse()
            .map_err(|e: kiln_types::DigestError| e.to_string())?;
        return Ok((dir, LayoutRef::Digest(digest)));
    }
    // The tag is what follows the last `:`, when that part has no `/`.
    match rest.rsplit_once(':') {
        Some((dir, tag)) if !tag.contains('/') && !dir.is_empty() => {
            if tag.is_empty() {
                return Err("the tag after `:` is empty".to_owned());
            }
            Ok((dir, LayoutRef::Tag(tag.to_owned())))
        }
        _ => Ok((rest, LayoutRef::Default)),
    }
}

fn split_archive(rest: &str) -> (&str, Option<String>) {
    // `docker-archive:FILE:REF`, as skopeo writes it; a `:` inside REF's registry port
    // means the reference starts at the first `:` whose left side is an existing file
    // or ends in `.tar`.
    let mut search = 0;
    while let Some(i) = rest[search..].find(':') {
        let at = search + i;
        let (file, reference) = (&rest[..at], &rest[at + 1..]);
        if !reference.is_empty() && (file.ends_with(".tar") || Path::new(file).is_file()) {
            return (file, Some(reference.to_owned()));
        }
        search = at + 1;
    }
    (rest, None)
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Layout { dir, reference } => {
                write!(f, "oci:{}", dir.display())?;
                match reference {
                    LayoutRef::Default => Ok(()),
                    LayoutRef::Tag(t) => write!(f, ":{t}"),
                    LayoutRef::Digest(d) => write!(f, "@{d}"),
                }
            }
            Target::Archive {
                file,
                reference: None,
            } => write!(f, "docker-archive:{}", file.display()),
            Target::Archive {
                file,
                reference: Some(r),
            } => {
                write!(f, "docker-archive:{}:{r}", file.display())
            }
            Target::Dir { path } => write!(f, "dir:{}", path.display()),
            Target::Registry { reference } => write!(f, "registry:{reference}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme() {
        let d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            Target::parse("oci:out:1.0").unwrap(),
            Target::Layout {
                dir: "out".into(),
                reference: LayoutRef::Tag("1.0".into())
            }
        );
        assert_eq!(
            Target::parse(&format!("oci:a/b@{d}")).unwrap(),
            Target::Layout {
                dir: "a/b".into(),
                reference: LayoutRef::Digest(d.parse().unwrap())
            }
        );
        assert_eq!(
            Target::parse("oci:./x/y").unwrap(),
            Target::Layout {
                dir: "./x/y".into(),
                reference: LayoutRef::Default
            }
        );
        assert_eq!(
            Target::parse("docker-archive:img.tar").unwrap(),
            Target::Archive {
                file: "img.tar".into(),
                reference: None
            }
        );
        assert_eq!(
            Target::parse("docker-archive:img.tar:app:1").unwrap(),
            Target::Archive {
                file: "img.tar".into(),
                reference: Some("app:1".into())
            }
        );
        assert_eq!(
            Target::parse("dir:/tmp/r").unwrap(),
            Target::Dir {
                path: "/tmp/r".into()
            }
        );
        let Target::Registry { reference } = Target::parse("127.0.0.1:5000/app:1.0").unwrap()
        else {
            panic!("not a registry target")
        };
        assert_eq!(reference.registry(), "127.0.0.1:5000");
        assert!(matches!(
            Target::parse("registry:app").unwrap(),
            Target::Registry { .. }
        ));
    }

    #[test]
    fn rejects_nonsense_naming_the_input() {
        for bad in [
            "oci:",
            "dir:",
            "registry:Bad Ref",
            "not a path or ref",
            "oci:x:",
        ] {
            let err = Target::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
