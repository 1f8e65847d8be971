# kiln preset "signed": the image carries a verified signature by an allowed key.
#
# Signatures are verified with the trusted keys given to kiln (--key); every key id in
# input.verification.trusted_keys is allowed unless data.params.allowed_keys narrows it.
#
# Reads: input.verification, input.signatures.
# Parameters (data.params, optional):
#   allowed_keys  key ids (lowercase hex SHA-256 of the public key's SubjectPublicKeyInfo)
package kiln.preset.signed

params := object.get(data, "params", {})

allowed_keys := object.get(params, "allowed_keys", input.verification.trusted_keys)

allowed(s) if {
	some k in s.signers
	k in allowed_keys
}

deny contains d if {
	not input.verification.checked
	d := {
		"rule": "signed/checked",
		"reason": sprintf("signatures were not checked: %v", [input.verification.note]),
		"evidence": input.verification,
	}
}

deny contains d if {
	input.verification.checked
	good := [s | some s in input.signatures; allowed(s)]
	count(good) == 0
	d := {
		"rule": "signed/allowed-key",
		"reason": sprintf("no signature by an allowed key (%d verified signature(s), %d allowed key(s))", [count(input.signatures), count(allowed_keys)]),
		"evidence": {
			"signatures": input.signatures,
			"allowed_keys": allowed_keys,
			"note": input.verification.note,
			"rejected": input.verification.rejected,
		},
	}
}
