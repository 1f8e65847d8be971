//! Test support: a merged view built from hand-written layers, captured the way
//! [`crate::Catalog`] captures.

use kiln_oci::fs::{Budget, LayerIndex, Limits, MergedFs};
use kiln_test::fixture::LayerSpec;
use kiln_types::Inventory;

use crate::Catalog;

pub fn merged(layers: &[LayerSpec], catalog: &Catalog) -> MergedFs {
    let limits = Limits::default();
    let budget = Budget::new(limits.max_capture_total);
    let mut fs = MergedFs::default();
    for (i, spec) in layers.iter().enumerate() {
        let tar = spec.tar();
        let index =
            LayerIndex::read_selected(&mut &tar[..], i, "test layer", catalog, &limits, &budget)
                .unwrap();
        fs.apply(index, &limits).unwrap();
    }
    fs
}

/// Catalogues `layers` with the default catalogers.
pub fn inventory(layers: &[LayerSpec]) -> Inventory {
    let catalog = Catalog::default();
    catalog.catalog_fs(&merged(layers, &catalog))
}

pub const DEBIAN_OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n\
NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\n\
VERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n";
