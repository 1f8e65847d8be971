# kiln preset "hardened": the image runs as a non-root user and holds no shell, no
# package manager and no setuid or setgid file (the checks of a hardened runtime image).
#
# Reads: input.image.user, input.image.config.user, input.files.
# Parameters (data.params, all optional):
#   allowed_package_managers  names to tolerate, e.g. ["pip"]      (default: none)
#   allowed_setuid            paths to tolerate, e.g. ["/usr/bin/su"] (default: none)
package kiln.preset.hardened

params := object.get(data, "params", {})

allowed_package_managers := object.get(params, "allowed_package_managers", [])

allowed_setuid := object.get(params, "allowed_setuid", [])

deny contains d if {
	input.image.user.uid == 0
	d := {
		"rule": "hardened/non-root",
		"reason": sprintf("the container runs as root (User %q, uid 0 by %s)", [input.image.config.user, input.image.user.resolved_by]),
		"evidence": input.image.user,
	}
}

deny contains d if {
	input.image.user.uid == null
	d := {
		"rule": "hardened/non-root",
		"reason": sprintf("user %q is not in the image's /etc/passwd, so it cannot be shown to be non-root", [input.image.user.name]),
		"evidence": input.image.user,
	}
}

deny contains d if {
	shells := input.files.shells
	count(shells) > 0
	d := {
		"rule": "hardened/no-shell",
		"reason": sprintf("%d shell executable(s) in the image: %s", [count(shells), concat(", ", [s.path | some s in shells])]),
		"evidence": shells,
	}
}

deny contains d if {
	managers := [m | some m in input.files.package_managers; not m.name in allowed_package_managers]
	count(managers) > 0
	d := {
		"rule": "hardened/no-package-manager",
		"reason": sprintf("%d package manager executable(s) in the image: %s", [count(managers), concat(", ", [m.path | some m in managers])]),
		"evidence": managers,
	}
}

deny contains d if {
	files := [f | some f in array.concat(input.files.setuid, input.files.setgid); not f.path in allowed_setuid]
	count(files) > 0
	d := {
		"rule": "hardened/no-setuid",
		"reason": sprintf("%d setuid or setgid file(s) in the image: %s", [count(files), concat(", ", [sprintf("%s (%s)", [f.path, f.mode]) | some f in files])]),
		"evidence": files,
	}
}
