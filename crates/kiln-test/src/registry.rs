//! A real registry for tests: Debian's `docker-registry` on 127.0.0.1, a free port, a temp dir.
