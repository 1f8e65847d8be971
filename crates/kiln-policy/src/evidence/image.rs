//! Image facts: the digests, the platform, the runtime config, and the user a container
//! starts as, resolved to a uid through the image's own `/etc/passwd` (a name that maps
//! to uid 0 is root, whatever it is called).

use kiln_oci::Image;

use super::{ConfigFacts, ImageFacts, UserFacts};

/// The file user names resolve through.
pub const PASSWD: &str = "/etc/passwd";

/// The facts of `image`, named `reference`; `passwd` is the image's `/etc/passwd`.
pub fn facts(image: &Image, reference: &str, passwd: Option<&[u8]>) -> ImageFacts {
    let runtime = image.config.config.clone().unwrap_or_default();
    let config = ConfigFacts {
        user: runtime.user.clone().unwrap_or_default(),
        entrypoint: runtime.entrypoint.unwrap_or_default(),
        cmd: runtime.cmd.unwrap_or_default(),
        env: runtime.env.unwrap_or_default(),
        labels: runtime.labels.unwrap_or_default(),
        working_dir: runtime.working_dir.unwrap_or_default(),
        exposed_ports: runtime
            .exposed_ports
            .map(|p| p.into_keys().collect())
            .unwrap_or_default(),
    };
    let passwd = passwd.map(String::from_utf8_lossy);
    ImageFacts {
        reference: reference.to_owned(),
        digest: image.root.digest.to_string(),
        manifest_digest: image.manifest.digest.to_string(),
        platform: image.config.platform().to_string(),
        created: image.config.created.clone(),
        layers: image.layers().len(),
        user: resolve_user(&config.user, passwd.as_deref()),
        config,
    }
}

/// Resolves a config `User` (`""`, `name`, `uid`, `name:group`, `uid:gid`).
pub fn resolve_user(user: &str, passwd: Option<&str>) -> UserFacts {
    let (name, group) = match user.split_once(':') {
        Some((u, g)) => (u.trim(), Some(g.trim())),
        None => (user.trim(), None),
    };
    let numeric_gid = group.and_then(|g| g.parse::<u64>().ok());
    if name.is_empty() {
        return UserFacts {
            name: String::new(),
            uid: Some(0),
            gid: numeric_gid.or(Some(0)),
            resolved_by: "default".to_owned(),
        };
    }
    if let Ok(uid) = name.parse::<u64>() {
        return UserFacts {
            name: name.to_owned(),
            uid: Some(uid),
            gid: numeric_gid,
            resolved_by: "numeric".to_owned(),
        };
    }
    let found = passwd.and_then(|text| {
        text.lines().find_map(|line| {
            let mut fields = line.split(':');
            (fields.next()? == name).then_some(())?;
            let _password = fields.next()?;
            let uid = fields.next()?.trim().parse::<u64>().ok()?;
            let gid = fields.next()?.trim().parse::<u64>().ok();
            Some((uid, gid))
        })
    });
    match found {
        Some((uid, gid)) => UserFacts {
            name: name.to_owned(),
            uid: Some(uid),
            gid: numeric_gid.or(gid),
            resolved_by: "passwd".to_owned(),
        },
        None => UserFacts {
            name: name.to_owned(),
            uid: None,
            gid: numeric_gid,
            resolved_by: "unresolved".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD_TEXT: &str = "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";

    #[test]
    fn users_resolve_to_uids() {
        let u = resolve_user("", Some(PASSWD_TEXT));
        assert_eq!((u.uid, u.resolved_by.as_str()), (Some(0), "default"));
        let u = resolve_user("65532:65532", None);
        assert_eq!((u.uid, u.gid), (Some(65532), Some(65532)));
        assert_eq!(u.resolved_by, "numeric");
        let u = resolve_user("nonroot", Some(PASSWD_TEXT));
        assert_eq!((u.uid, u.gid), (Some(65532), Some(65532)));
        // A root alias is root.
        let u = resolve_user("toor:toor", Some(PASSWD_TEXT));
        assert_eq!((u.uid, u.resolved_by.as_str()), (Some(0), "passwd"));
        let u = resolve_user("ghost", Some(PASSWD_TEXT));
        assert_eq!((u.uid, u.resolved_by.as_str()), (None, "unresolved"));
        let u = resolve_user("nonroot", None);
        assert_eq!(u.uid, None);
    }
}
