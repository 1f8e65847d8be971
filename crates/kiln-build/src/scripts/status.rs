//! Package records as distroless writes them, so Syft, Trivy and kiln see what is
//! installed: `/var/lib/dpkg/status.d/<name>` holds the package's control paragraph with
//! `Status: install ok installed` after `Package`, and `<name>.md5sums` the md5sums of
//! its files still in the root.

use kiln_debian::control::Paragraph;
use kiln_debian::deb::Control;

use crate::Result;
use crate::rootfs::{Node, NodeKind, Rootfs};

/// The directory of the records.
pub const STATUS_D: &str = "/var/lib/dpkg/status.d";

/// Writes the records of one package.
pub fn write(root: &mut Rootfs, control: &Control) -> Result<()> {
    let Some(name) = control.package() else {
        return Ok(());
    };
    root.insert(STATUS_D, Node::dir())?;
    root.insert(
        &format!("{STATUS_D}/{name}"),
        Node::file(paragraph_text(&control.paragraph).into_bytes()),
    )?;
    let kept: String = control
        .md5sums
        .iter()
        .filter(|m| {
            let path = format!("/{}", m.path.trim_start_matches("./"));
            root.resolve(&path)
                .and_then(|at| root.get(&at).map(|n| matches!(n.kind, NodeKind::File(_))))
                .unwrap_or(false)
        })
        .map(|m| format!("{}  {}\n", m.md5, m.path))
        .collect();
    if !kept.is_empty() {
        root.insert(
            &format!("{STATUS_D}/{name}.md5sums"),
            Node::file(kept.into_bytes()),
        )?;
    }
    Ok(())
}

/// The paragraph as dpkg writes a status entry: `Package`, `Status`, then the rest in
/// order, continuation lines indented by one space (empty ones as ` .`).
pub fn paragraph_text(p: &Paragraph) -> String {
    let mut out = String::new();
    let mut push = |name: &str, value: &str| {
        out.push_str(name);
        out.push(':');
        let mut lines = value.split('\n');
        if let Some(first) = lines.next()
            && !first.is_empty()
        {
            out.push(' ');
            out.push_str(first);
        }
        out.push('\n');
        for line in lines {
            out.push(' ');
            out.push_str(if line.is_empty() { "." } else { line });
            out.push('\n');
        }
    };
    if let Some(name) = p.get_all("Package") {
        push("Package", name);
    }
    push("Status", "install ok installed");
    for (name, value) in &p.fields {
        if !name.eq_ignore_ascii_case("Package") && !name.eq_ignore_ascii_case("Status") {
            push(name, value);
        }
    }
    out
}
