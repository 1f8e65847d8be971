//! `kiln inspect TARGET`: what an image is — digests, platforms, config, layers, files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use kiln_oci::Image;
use serde::Serialize;

use crate::cli::{GlobalArgs, InspectArgs, InspectFormat};
use crate::output::{self, human_size, plural};

pub fn run(args: InspectArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    let target = super::parse_target(&args.target)?;
    let options = super::open_options(args.platform.as_deref(), &args.registry)?;
    let src = target.open(&options)?;
    if args.attack_surface {
        return super::surface::run(&args, &target, src.as_ref(), &options);
    }
    if args.raw {
        let root = src.root_manifest()?;
        output::stdout(&root.bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    let image = Image::resolve(src.as_ref(), options.platform.as_ref())?;
    if args.config {
        output::stdout(&image.config_bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    let files = if args.files {
        Some(super::files::list(src.as_ref(), &image)?)
    } else {
        None
    };
    let view = View::new(&target.to_string(), &image, files);
    match args.format {
        InspectFormat::Json => output::json(&view)?,
        InspectFormat::Table => output::stdout(view.table().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// What `inspect` reports; its JSON form is stable for machines.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct View {
    target: String,
    digest: String,
    media_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    platforms: Vec<PlatformView>,
    manifest: ManifestView,
    platform: String,
    config: ConfigView,
    layers: Vec<LayerView>,
    total_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<super::files::FileView>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformView {
    platform: String,
    digest: String,
    size: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestView {
    digest: String,
    media_type: String,
    size: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigView {
    digest: String,
    created: Option<String>,
    user: Option<String>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    env: Vec<String>,
    working_dir: Option<String>,
    exposed_ports: Vec<String>,
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerView {
    digest: String,
    media_type: String,
    size: u64,
    diff_id: Option<String>,
    created_by: Option<String>,
}

impl View {
    fn new(target: &str, image: &Image, files: Option<Vec<super::files::FileView>>) -> View {
        let runtime = image.config.config.clone().unwrap_or_default();
        let history: Vec<_> = image
            .config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .collect();
        let layers: Vec<LayerView> = image
            .layers()
            .iter()
            .enumerate()
            .map(|(i, l)| LayerView {
                digest: l.digest.to_string(),
                media_type: l.media_type.clone(),
                size: l.size,
                diff_id: image.diff_id(i).map(ToString::to_string),
                created_by: history.get(i).and_then(|h| h.created_by.clone()),
            })
            .collect();
        View {
            target: target.to_owned(),
            digest: image.root.digest.to_string(),
            media_type: image.root.media_type.clone(),
            platforms: image
                .platforms
                .iter()
                .map(|p| PlatformView {
                    platform: p.platform.to_string(),
                    digest: p.descriptor.digest.to_string(),
                    size: p.descriptor.size,
                })
                .collect(),
            manifest: ManifestView {
                digest: image.manifest.digest.to_string(),
                media_type: image.manifest.media_type.clone(),
                size: image.manifest.bytes.len() as u64,
            },
            platform: image.config.platform().to_string(),
            config: ConfigView {
                digest: image.parsed.config.digest.to_string(),
                created: image.config.created.clone(),
                user: runtime.user.filter(|u| !u.is_empty()),
                entrypoint: runtime.entrypoint,
                cmd: runtime.cmd,
                env: runtime.env.unwrap_or_default(),
                working_dir: runtime.working_dir.filter(|w| !w.is_empty()),
                exposed_ports: runtime
                    .exposed_ports
                    .unwrap_or_default()
                    .into_keys()
                    .collect(),
                labels: runtime.labels.unwrap_or_default(),
            },
            total_size: layers.iter().map(|l| l.size).sum(),
            layers,
            files,
        }
    }

    fn table(&self) -> String {
        let mut out = String::new();
        let mut row = |k: &str, v: &str| {
            let _ = writeln!(out, "{k:<12} {v}");
        };
        row("Target", &self.target);
        row("Digest", &self.digest);
        row("Media type", &self.media_type);
        if !self.platforms.is_empty() {
            let list: Vec<_> = self.platforms.iter().map(|p| p.platform.as_str()).collect();
            row("Platforms", &list.join(", "));
            row(
                "Manifest",
                &format!("{} ({})", self.manifest.digest, self.platform),
            );
        }
        row("Platform", &self.platform);
        row("Config", &self.config.digest);
        let c = &self.config;
        row("Created", c.created.as_deref().unwrap_or("-"));
        row("User", c.user.as_deref().unwrap_or("- (root)"));
        row(
            "Entrypoint",
            &c.entrypoint
                .as_ref()
                .map_or("-".to_owned(), |e| json_list(e)),
        );
        row(
            "Cmd",
            &c.cmd.as_ref().map_or("-".to_owned(), |e| json_list(e)),
        );
        row("Workdir", c.working_dir.as_deref().unwrap_or("-"));
        for (i, e) in c.env.iter().enumerate() {
            row(if i == 0 { "Env" } else { "" }, e);
        }
        if !c.exposed_ports.is_empty() {
            row("Ports", &c.exposed_ports.join(", "));
        }
        for (i, (k, v)) in c.labels.iter().enumerate() {
            row(if i == 0 { "Labels" } else { "" }, &format!("{k}={v}"));
        }
        row(
            "Size",
            &format!(
                "{} in {}",
                human_size(self.total_size),
                plural(self.layers.len(), "layer")
            ),
        );
        out.push('\n');
        let rows: Vec<Vec<String>> = self
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    i.to_string(),
                    l.digest.clone(),
                    human_size(l.size),
                    l.media_type.clone(),
                    l.created_by
                        .clone()
                        .unwrap_or_default()
                        .chars()
                        .take(60)
                        .collect(),
                ]
            })
            .collect();
        out.push_str(&output::columns(
            &["#", "LAYER", "SIZE", "MEDIA TYPE", "CREATED BY"],
            &rows,
        ));
        if let Some(files) = &self.files {
            out.push('\n');
            out.push_str(&super::files::table(files));
        }
        out
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_default()
}
