//! What the maintainer scripts kiln does not run would have done: `/etc/passwd` and
//! `/etc/group` from the accounts, the CA bundle from `/usr/share/ca-certificates` per
//! `/etc/ca-certificates.conf`, and the distroless-style package records in
//! `/var/lib/dpkg/status.d/`.
