//! Fuzzes what `kiln policy` reads from users: Rego policy text, stored evidence
//! documents, and every preset evaluated over any document that parses.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kiln_policy::Policy::from_source("fuzz.rego", text);
    }
    if let Ok(evidence) = kiln_policy::Evidence::from_json("fuzz", data) {
        let presets: Vec<_> = kiln_policy::preset::PRESETS
            .iter()
            .filter_map(|p| kiln_policy::Policy::preset(p.name).ok())
            .collect();
        let params = serde_json::json!({});
        let _ = kiln_policy::decide(&presets, &evidence, &params, kiln_policy::Mode::AllOf);
    }
});
