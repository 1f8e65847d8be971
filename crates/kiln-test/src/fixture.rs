//! Image fixtures built in tests from real files: OCI layouts and docker-archives written by hand, independently of kiln-oci, so they check its readers.
