//! GitLab CI pinning: remote includes, project includes not at a commit, and job and
//! service images not pinned by digest in `.gitlab-ci.yml`.

use serde_yaml_ng::Value;

use super::workflow::image_of;
use crate::check::Finding;
use crate::pipeline::{self, str_field};

/// Adds the unpinned references of a `.gitlab-ci.yml` to `findings`, counting every
/// reference in `seen`.
pub fn pins(text: &str, findings: &mut Vec<Finding>, seen: &mut usize) {
    let path = ".gitlab-ci.yml";
    let Ok(doc) = serde_yaml_ng::from_str::<Value>(text) else {
        return;
    };
    let includes: Vec<&Value> = match doc.get("include") {
        Some(Value::Sequence(s)) => s.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    for inc in includes {
        if let Some(remote) =
            str_field(inc, "remote").or_else(|| inc.as_str().filter(|s| s.contains("://")))
        {
            *seen += 1;
            findings.push(Finding::at(
                path,
                pipeline::line_of(text, remote),
                format!("includes remote `{remote}`, which can change under the pipeline"),
            ));
        } else if let Some(project) = str_field(inc, "project") {
            *seen += 1;
            let r = str_field(inc, "ref").unwrap_or("");
            if !(r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())) {
                findings.push(Finding::at(
                    path,
                    pipeline::line_of(text, project),
                    format!("includes project `{project}` at `{r}`, not a commit"),
                ));
            }
        }
    }
    let mut images = Vec::new();
    if let Value::Mapping(m) = &doc {
        for (key, v) in m {
            if key.as_str() == Some("image") {
                images.extend(image_of(v));
            } else if let Some(img) = v.get("image").and_then(image_of) {
                images.push(img);
            }
            if let Some(Value::Sequence(services)) = v.get("services") {
                images.extend(services.iter().filter_map(image_of));
            }
        }
    }
    for image in images {
        *seen += 1;
        if !image.contains("@sha256:") {
            findings.push(Finding::at(
                path,
                pipeline::line_of(text, image),
                format!("runs in image `{image}`, not pinned by digest"),
            ));
        }
    }
}
