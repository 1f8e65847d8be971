# kiln preset "slsa-build-l2": signed SLSA provenance v1 from an allowed builder that
# names the image and pins every resolved dependency by digest (SLSA Build L2: provenance
# exists, is signed, and comes from a known build platform).
#
# The rules are in the library kiln.lib.slsa (shown below); see it for the parameters.
package kiln.preset.slsa_build_l2

import data.kiln.lib.slsa

deny contains d if {
	some d in slsa.deny
}
