# kiln preset "slsa-build-l3": everything "slsa-build-l2" asks, and provenance the tenant
# could not have forged (SLSA Build L3): signed by the build platform's own key, not a
# key the build's user holds, and tied to one recorded build invocation. The platform's
# isolation itself cannot be seen in the provenance; it is trusted through the builder
# id and the platform key.
#
# Parameters (data.params): those of kiln.lib.slsa, and
#   builder_keys  key ids of the build platform's provenance signing keys; required
package kiln.preset.slsa_build_l3

import data.kiln.lib.slsa

builder_keys := object.get(slsa.params, "builder_keys", [])

deny contains d if {
	some d in slsa.deny
}

deny contains d if {
	count(builder_keys) == 0
	d := {
		"rule": "slsa-l3/builder-keys-configured",
		"reason": "no build platform keys: set data.params.builder_keys",
		"evidence": {"params": slsa.params},
	}
}

platform_signed := [p |
	some p in slsa.from_allowed
	some k in p.signers
	k in builder_keys
]

deny contains d if {
	count(builder_keys) > 0
	count(slsa.from_allowed) > 0
	count(platform_signed) == 0
	d := {
		"rule": "slsa-l3/platform-signed",
		"reason": "the provenance is not signed by a build platform key",
		"evidence": {
			"signers": [p.signers | some p in slsa.from_allowed],
			"builder_keys": builder_keys,
		},
	}
}

deny contains d if {
	count(platform_signed) > 0
	invoked := [p | some p in platform_signed; p.invocation_id != null; p.invocation_id != ""]
	count(invoked) == 0
	d := {
		"rule": "slsa-l3/invocation",
		"reason": "the provenance records no build invocation id (runDetails.metadata.invocationId)",
		"evidence": [{"location": p.location, "invocation_id": p.invocation_id} | some p in platform_signed],
	}
}
