# kiln library for the SLSA presets: signed SLSA provenance v1 that names the image,
# comes from an allowed builder, and pins every resolved dependency by digest.
#
# Reads: input.verification, input.provenance.
# Parameters (data.params):
#   allowed_builders    builder ids (runDetails.builder.id) to accept; required
#   allowed_keys        key ids that may sign provenance (default: every trusted key)
#   pinning_algorithms  digest algorithms that pin a dependency
#                       (default: sha256, sha384, sha512, sha3_256, sha3_512, gitCommit)
package kiln.lib.slsa

params := object.get(data, "params", {})

allowed_builders := object.get(params, "allowed_builders", [])

allowed_keys := object.get(params, "allowed_keys", input.verification.trusted_keys)

pinning_algorithms := object.get(params, "pinning_algorithms", ["sha256", "sha384", "sha512", "sha3_256", "sha3_512", "gitCommit"])

# Provenance signed by an allowed key, valid v1, naming the image.
valid := [p |
	some p in input.provenance
	p.error == null
	p.covers_image
	some k in p.signers
	k in allowed_keys
]

# Valid provenance from an allowed builder.
from_allowed := [p | some p in valid; p.builder_id in allowed_builders]

pinned(dep) if {
	some alg, value in dep.digest
	alg in pinning_algorithms
	value != ""
}

unpinned(p) := [dep | some dep in p.resolved_dependencies; not pinned(dep)]

fully_pinned(p) if {
	count(p.resolved_dependencies) > 0
	count(unpinned(p)) == 0
}

deny contains d if {
	count(allowed_builders) == 0
	d := {
		"rule": "slsa/builders-configured",
		"reason": "no allowed builder ids: set data.params.allowed_builders",
		"evidence": {"params": params},
	}
}

deny contains d if {
	not input.verification.checked
	d := {
		"rule": "slsa/checked",
		"reason": sprintf("attestations were not checked: %v", [input.verification.note]),
		"evidence": input.verification,
	}
}

deny contains d if {
	input.verification.checked
	count(valid) == 0
	d := {
		"rule": "slsa/provenance",
		"reason": sprintf("no valid SLSA provenance v1 signed by an allowed key names the image (%d provenance attestation(s) found)", [count(input.provenance)]),
		"evidence": {
			"provenance": [{"location": p.location, "signers": p.signers, "covers_image": p.covers_image, "error": p.error} | some p in input.provenance],
			"allowed_keys": allowed_keys,
		},
	}
}

deny contains d if {
	count(valid) > 0
	count(allowed_builders) > 0
	count(from_allowed) == 0
	d := {
		"rule": "slsa/builder",
		"reason": sprintf("the provenance comes from builder(s) %s, none of them allowed", [concat(", ", {p.builder_id | some p in valid})]),
		"evidence": {"builders": [p.builder_id | some p in valid], "allowed_builders": allowed_builders},
	}
}

deny contains d if {
	count(from_allowed) > 0
	not any_fully_pinned
	d := {
		"rule": "slsa/pinned",
		"reason": pinned_reason,
		"evidence": [{"location": p.location, "builder_id": p.builder_id, "dependencies": count(p.resolved_dependencies), "unpinned": unpinned(p)} | some p in from_allowed],
	}
}

any_fully_pinned if {
	some p in from_allowed
	fully_pinned(p)
}

pinned_reason := "the provenance records no resolved dependencies, so none can be shown pinned by digest" if {
	every p in from_allowed {
		count(p.resolved_dependencies) == 0
	}
}

else := sprintf("%d resolved dependencies are not pinned by digest: %s", [count(names), concat(", ", names)]) if {
	names := [dependency_name(dep) | some p in from_allowed; some dep in unpinned(p)]
}

dependency_name(dep) := dep.uri if dep.uri != null

else := dep.name if dep.name != null

else := "(unnamed)"
