//! Debian archives as kiln's builder and catalogers need them: deb822 control data
//! (`control`), and, built on it, apt sources, signed Release files, Packages indexes,
//! dependency resolution, the content-addressed package cache and `.deb` reading.
//! Only the fetching modules touch the network.

pub mod archive;
pub mod cache;
pub mod control;
pub mod deb;
pub mod index;
pub mod keyring;
pub mod relation;
pub mod release;
pub mod resolve;
pub mod sources;
pub mod transport;
