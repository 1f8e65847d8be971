// Checks a Sigstore bundle with Sigstore's own JavaScript verifier, trusting one public
// key and no transparency log (kiln's key-based bundles carry none).
//
//   node verify.js BUNDLE.json PUBLIC.pem [ARTIFACT]
//
// Prints {"verified":true,...} and exits 0, or prints the verifier's error and exits 1.
// For a DSSE bundle it also prints the payload type and the payload, base64, so the
// caller can check the statement's subject.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const [bundlePath, keyPath, artifactPath] = process.argv.slice(2);
try {
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const key = crypto.createPublicKey(fs.readFileSync(keyPath));
  const details = { ec: 'PKIX_ECDSA_P256_SHA_256', ed25519: 'PKIX_ED25519' }[key.asymmetricKeyType];
  if (!details) throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  const hint = bundle.verificationMaterial.content.publicKey.hint;
  const keys = { [hint]: { rawBytes: key.export({ type: 'spki', format: 'der' }), keyDetails: details } };
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
  };
  const verifier = new Verifier(toTrustMaterial(root, keys), {
    tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0,
  });
  const artifact = artifactPath ? fs.readFileSync(artifactPath) : undefined;
  verifier.verify(toSignedEntity(bundle, artifact));
  const out = { verified: true, content: bundle.content.$case };
  if (bundle.content.$case === 'dsseEnvelope') {
    out.payloadType = bundle.content.dsseEnvelope.payloadType;
    out.payload = Buffer.from(bundle.content.dsseEnvelope.payload).toString('base64');
  }
  console.log(JSON.stringify(out));
} catch (e) {
  console.log(JSON.stringify({ verified: false, error: String(e && e.message || e) }));
  process.exit(1);
}
