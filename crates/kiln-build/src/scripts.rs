//! What the maintainer scripts kiln does not run would have done: `/etc/passwd` and
//! `/etc/group` from the accounts ([`accounts`]), the CA bundle from
//! `/usr/share/ca-certificates` per `/etc/ca-certificates.conf` ([`certs`]) with the
//! OpenSSL hash links of `/etc/ssl/certs` ([`rehash`]), the
//! distroless-style package records in `/var/lib/dpkg/status.d/` ([`status`]), and the
//! library directories the dynamic linker would need a cache for ([`ldso`]).

pub mod accounts;
pub mod certs;
pub mod ldso;
pub mod rehash;
pub mod status;
