//! Property tests: PAE determinism and injectivity, sign → verify round trips, any
//! flipped bit in a payload, payload type or signature fails, and the parsers of
//! untrusted documents never panic.

use std::sync::LazyLock;

use kiln_attest::bundle::RawBundle;
use kiln_attest::dsse::{Envelope, pae};
use kiln_attest::key::{KeySet, KeyType, PublicKey, SigningKey};
use kiln_attest::simple_signing::SimpleSigning;
use kiln_attest::statement::Statement;
use proptest::prelude::*;

static ECDSA: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate(KeyType::EcdsaP256));
static ED25519: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate(KeyType::Ed25519));

fn key(ed: bool) -> &'static SigningKey {
    if ed { &ED25519 } else { &ECDSA }
}

proptest! {
    #[test]
    fn pae_is_deterministic_and_injective(
        t1 in ".{0,20}", b1 in proptest::collection::vec(any::<u8>(), 0..40),
        t2 in ".{0,20}", b2 in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        prop_assert_eq!(pae(&t1, &b1), pae(&t1, &b1));
        if (t1.as_str(), &b1) != (t2.as_str(), &b2) {
            prop_assert_ne!(pae(&t1, &b1), pae(&t2, &b2));
        }
    }

    #[test]
    fn signed_envelopes_verify_and_round_trip(
        ed in any::<bool>(), t in "[a-z/+.]{1,30}", payload in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let key = key(ed);
        let env = Envelope::sign(&t, payload.clone(), &[key]);
        let back = Envelope::parse(&env.to_json(), "e").unwrap();
        prop_assert_eq!(&back, &env);
        let verified = back.verify(&KeySet::new(vec![key.public_key()]), 1, "e").unwrap();
        prop_assert_eq!(&verified.value().bytes, &payload);
        prop_assert_eq!(verified.signers(), &[key.public_key()][..]);
    }

    #[test]
    fn any_flipped_bit_fails(
        ed in any::<bool>(), payload in proptest::collection::vec(any::<u8>(), 1..100),
        which in 0usize..3, index in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        let key = key(ed);
        let env = Envelope::sign("application/vnd.in-toto+json", payload.clone(), &[key]);
        let mut raw = env.to_raw();
        let flip = |bytes: &mut Vec<u8>| {
            let i = index.index(bytes.len());
            bytes[i] ^= 1 << bit;
        };
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        match which {
            0 => {
                let mut p = payload.clone();
                flip(&mut p);
                raw.payload = b64.encode(p);
            }
            1 => {
                let mut t = raw.payload_type.clone().into_bytes();
                flip(&mut t);
                raw.payload_type = String::from_utf8_lossy(&t).into_owned();
            }
            _ => {
                let mut s = env.signatures()[0].sig.clone();
                flip(&mut s);
                raw.signatures[0].sig = b64.encode(s);
            }
        }
        let json = serde_json::to_vec(&raw).unwrap();
        let keys = KeySet::new(vec![key.public_key()]);
        if let Ok(env) = Envelope::parse(&json, "e") {
            prop_assert!(env.verify(&keys, 1, "e").is_err());
        }
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Envelope::parse(&bytes, "x");
        let _ = Statement::parse(&bytes, "x");
        let _ = SimpleSigning::parse(&bytes, "x");
        let _ = RawBundle::parse(&bytes, "x").map(|b| b.check("x"));
        let _ = PublicKey::from_pem(&bytes, "x");
        let _ = SigningKey::from_pem(&bytes, Some(b""), "x");
    }

    #[test]
    fn json_shaped_parsers_never_panic(s in r#"\{("[a-zA-Z_]{1,12}":("[a-zA-Z0-9:/=]{0,20}"|\[\]|\{\}|null|[0-9]{1,3}),?){0,6}\}"#) {
        let _ = Envelope::parse(s.as_bytes(), "x");
        let _ = Statement::parse(s.as_bytes(), "x");
        let _ = SimpleSigning::parse(s.as_bytes(), "x");
        let _ = RawBundle::parse(s.as_bytes(), "x").map(|b| b.check("x"));
    }
}
