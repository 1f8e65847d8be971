//! `/etc/passwd` and `/etc/group` (no shadow files: no account has a password), what
//! base-passwd's and adduser's scripts would have written. System accounts come from
//! base-passwd's master files when that package is in the root, else `root` and
//! `nobody`; the spec's accounts follow. Home directories are made, owned by their user.

use std::collections::BTreeSet;

use crate::input::{Accounts, NONROOT, Variant};
use crate::rootfs::{Node, Rootfs};
use crate::{Error, Result};

const PASSWD_MASTER: &str = "/usr/share/base-passwd/passwd.master";
const GROUP_MASTER: &str = "/usr/share/base-passwd/group.master";
const NOLOGIN: &str = "/usr/sbin/nologin";

/// The numeric `uid:gid` the image runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

/// Writes the account files into `root` and returns who the image runs as.
pub fn write(root: &mut Rootfs, accounts: &Accounts, variant: Variant) -> Result<RunAs> {
    let bad = |reason: String| Error::Accounts { reason };
    let mut passwd: Vec<(String, u32, String)> = base_lines(root, PASSWD_MASTER)
        .unwrap_or_else(|| {
            vec![
                "root:x:0:0:root:/root:/bin/sh".to_owned(),
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin".to_owned(),
            ]
        })
        .into_iter()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.to_owned();
            let uid = f.nth(1)?.parse().ok()?;
            Some((name, uid, l))
        })
        .collect();
    let mut groups: Vec<(String, u32, String)> = base_lines(root, GROUP_MASTER)
        .unwrap_or_else(|| vec!["root:x:0:".to_owned(), "nogroup:x:65534:".to_owned()])
        .into_iter()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.to_owned();
            let gid = f.nth(1)?.parse().ok()?;
            Some((name, gid, l))
        })
        .collect();
    // The runtime root account gets no login shell either.
    if variant == Variant::Runtime {
        for (name, _, line) in &mut passwd {
            if name == "root" {
                *line = "root:x:0:0:root:/root:/usr/sbin/nologin".to_owned();
            }
        }
    }
    let mut seen = BTreeSet::new();
    for g in &accounts.groups {
        check_name(&g.name).map_err(|r| bad(format!("group {:?}: {r}", g.name)))?;
        if !seen.insert(g.name.clone()) {
            return Err(bad(format!("group {:?} is defined twice", g.name)));
        }
        groups.retain(|(name, _, _)| name != &g.name);
        if let Some((other, _, _)) = groups.iter().find(|(_, gid, _)| *gid == g.gid) {
            return Err(bad(format!(
                "group {:?} has gid {}, which {other:?} has already",
                g.name, g.gid
            )));
        }
        groups.push((
            g.name.clone(),
            g.gid,
            format!("{}:x:{}:{}", g.name, g.gid, g.members.join(",")),
        ));
    }
    let mut homes = Vec::new();
    seen.clear();
    for u in &accounts.users {
        check_name(&u.name).map_err(|r| bad(format!("user {:?}: {r}", u.name)))?;
        if !seen.insert(u.name.clone()) {
            return Err(bad(format!("user {:?} is defined twice", u.name)));
        }
        passwd.retain(|(name, _, _)| name != &u.name);
        if let Some((other, _, _)) = passwd.iter().find(|(_, uid, _)| *uid == u.uid) {
            return Err(bad(format!(
                "user {:?} has uid {}, which {other:?} has already",
                u.name, u.uid
            )));
        }
        let home = u
            .home
            .clone()
            .unwrap_or_else(|| format!("/home/{}", u.name));
        let shell = u.shell.clone().unwrap_or_else(|| NOLOGIN.to_owned());
        for field in [&home, &shell] {
            if field.contains([':', '\n']) {
                return Err(bad(format!(
                    "user {:?}: {field:?} has ':' or a newline",
                    u.name
                )));
            }
        }
        passwd.push((
            u.name.clone(),
            u.uid,
            format!("{}:x:{}:{}:{}:{home}:{shell}", u.name, u.uid, u.gid, u.name),
        ));
        homes.push((home, u.uid, u.gid));
    }
    let run_as = run_as(accounts, variant, &passwd)?;
    let text = |lines: &[(String, u32, String)]| -> Vec<u8> {
        lines
            .iter()
            .flat_map(|(_, _, l)| format!("{l}\n").into_bytes())
            .collect()
    };
    root.insert("/etc/passwd", Node::file(text(&passwd)))?;
    root.insert("/etc/group", Node::file(text(&groups)))?;
    let mut root_home = Node::dir();
    root_home.mode = 0o700;
    root.insert("/root", root_home)?;
    for (home, uid, gid) in homes {
        if home == "/nonexistent" {
            continue;
        }
        let mut dir = Node::dir();
        dir.uid = uid;
        dir.gid = gid;
        root.insert(&home, dir)?;
    }
    Ok(run_as)
}

/// Who the image runs as: `run_as` by name or as `uid[:gid]`; by default `nonroot` for
/// runtime images and `root` for dev ones.
fn run_as(
    accounts: &Accounts,
    variant: Variant,
    passwd: &[(String, u32, String)],
) -> Result<RunAs> {
    let wanted = accounts.run_as.clone().unwrap_or_else(|| match variant {
        Variant::Runtime => NONROOT.to_owned(),
        Variant::Dev => "root".to_owned(),
    });
    if let Some((uid, gid)) = numeric(&wanted) {
        return Ok(RunAs { uid, gid });
    }
    let line = passwd
        .iter()
        .find(|(name, _, _)| *name == wanted)
        .ok_or_else(|| Error::Accounts {
            reason: format!("run-as {wanted:?}: no such user; add it to the users or set run-as"),
        })?;
    let gid = line
        .2
        .split(':')
        .nth(3)
        .and_then(|g| g.parse().ok())
        .unwrap_or(line.1);
    Ok(RunAs { uid: line.1, gid })
}

fn numeric(s: &str) -> Option<(u32, u32)> {
    match s.split_once(':') {
        Some((u, g)) => Some((u.parse().ok()?, g.parse().ok()?)),
        None => {
            let id = s.parse().ok()?;
            Some((id, id))
        }
    }
}

fn check_name(name: &str) -> std::result::Result<(), &'static str> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err("not a valid account name (letters, digits, '_', '-', '.'; at most 32)")
    }
}

fn base_lines(root: &Rootfs, master: &str) -> Option<Vec<String>> {
    let text = std::str::from_utf8(root.read(master)?).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Group, User};

    fn text(root: &Rootfs, path: &str) -> String {
        String::from_utf8(root.read(path).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn base_passwd_master_files_are_the_system_accounts() {
        let mut root = Rootfs::new();
        let master =
            "root:*:0:0:root:/root:/bin/bash\ndaemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
        root.insert(PASSWD_MASTER, Node::file(master.as_bytes().to_vec()))
            .unwrap();
        root.insert(
            GROUP_MASTER,
            Node::file(b"root:*:0:\ndaemon:*:1:\n".to_vec()),
        )
        .unwrap();
        let run = write(&mut root, &Accounts::default(), Variant::Dev).unwrap();
        assert_eq!(run, RunAs { uid: 0, gid: 0 });
        assert_eq!(
            text(&root, "/etc/passwd"),
            "root:*:0:0:root:/root:/bin/bash\ndaemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
             nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin\n"
        );
        assert_eq!(
            text(&root, "/etc/group"),
            "root:*:0:\ndaemon:*:1:\nnonroot:x:65532:\n"
        );
    }

    #[test]
    fn numeric_run_as_and_bad_names() {
        let mut root = Rootfs::new();
        let mut accounts = Accounts {
            run_as: Some("1234:5678".to_owned()),
            ..Accounts::default()
        };
        let run = write(&mut root, &accounts, Variant::Runtime).unwrap();
        assert_eq!(
            run,
            RunAs {
                uid: 1234,
                gid: 5678
            }
        );
        accounts.users.push(User::new("bad:name", 10, 10));
        let e = write(&mut root, &accounts, Variant::Runtime).unwrap_err();
        assert!(
            e.to_string()
                .contains("user \"bad:name\": not a valid account name"),
            "{e}"
        );
        accounts.users.pop();
        accounts.groups.push(Group::new("nonroot", 1));
        let e = write(&mut root, &accounts, Variant::Runtime).unwrap_err();
        assert!(
            e.to_string().contains("group \"nonroot\" is defined twice"),
            "{e}"
        );
    }
}
