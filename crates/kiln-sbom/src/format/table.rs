//! The table for people: `NAME VERSION TYPE`, sorted, columns two spaces apart.

use kiln_types::Inventory;

pub fn render(inv: &Inventory) -> String {
    let mut rows: Vec<[&str; 3]> = inv
        .packages
        .iter()
        .map(|p| [p.name.as_str(), p.version.as_str(), p.kind.as_str()])
        .collect();
    rows.sort();
    rows.dedup();
    let header = ["NAME", "VERSION", "TYPE"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(rows.iter()) {
        let line = format!(
            "{:<w0$}  {:<w1$}  {}",
            r[0],
            r[1],
            r[2],
            w0 = widths[0],
            w1 = widths[1]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if inv.packages.is_empty() {
        out.push_str("(no packages found)\n");
    }
    out
}
