# kiln preset "sbom": a signed SPDX or CycloneDX attestation names the image and lists
# exactly the packages kiln finds in it (compared by purl type, namespace, name and
# version; input.attestations[_].sbom).
#
# Reads: input.verification, input.attestations.
# Parameters (data.params, optional):
#   allowed_keys       key ids that may sign the SBOM (default: every trusted key)
#   sbom_allow_extra   true to accept SBOMs that list packages the image lacks (default false)
package kiln.preset.sbom

params := object.get(data, "params", {})

allowed_keys := object.get(params, "allowed_keys", input.verification.trusted_keys)

allow_extra := object.get(params, "sbom_allow_extra", false)

sboms := [a |
	some a in input.attestations
	a.sbom != null
	some k in a.signers
	k in allowed_keys
]

matches(a) if {
	a.covers_image
	a.sbom.error == null
	a.sbom.missing_count == 0
	extra_ok(a)
}

extra_ok(a) if a.sbom.extra_count == 0

extra_ok(_) if allow_extra == true

deny contains d if {
	not input.verification.checked
	d := {
		"rule": "sbom/checked",
		"reason": sprintf("attestations were not checked: %v", [input.verification.note]),
		"evidence": input.verification,
	}
}

deny contains d if {
	input.verification.checked
	count(sboms) == 0
	d := {
		"rule": "sbom/present",
		"reason": "no SBOM attestation (SPDX or CycloneDX) signed by an allowed key",
		"evidence": {
			"predicate_types": [a.predicate_type | some a in input.attestations],
			"allowed_keys": allowed_keys,
		},
	}
}

deny contains d if {
	count(sboms) > 0
	not any_matches
	d := {
		"rule": "sbom/matches-image",
		"reason": sprintf("no attested SBOM matches the image: %s", [concat("; ", [mismatch(a) | some a in sboms])]),
		"evidence": [{"location": a.location, "covers_image": a.covers_image, "sbom": a.sbom} | some a in sboms],
	}
}

any_matches if {
	some a in sboms
	matches(a)
}

mismatch(a) := sprintf("%s does not name the image", [a.location]) if not a.covers_image

else := sprintf("%s: %s", [a.location, a.sbom.error]) if a.sbom.error != null

else := sprintf("%s leaves out %d of the image's packages (e.g. %s) and lists %d it lacks", [a.location, a.sbom.missing_count, first(a.sbom.missing), a.sbom.extra_count]) if a.sbom.missing_count > 0

else := sprintf("%s lists %d package(s) the image lacks (e.g. %s)", [a.location, a.sbom.extra_count, first(a.sbom.extra)])

first(list) := list[0] if count(list) > 0

else := "-"
