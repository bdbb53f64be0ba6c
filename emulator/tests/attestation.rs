//! Packed attestation with a certificate chain (`x5c`), checked as go-webauthn v0.10.0 checks it
//! (`protocol/attestation_packed.go`): real certificates made here with rcgen, real signatures
//! over the virtual authenticator's authenticator data, posted to a running emulator.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, IsCa,
    Issuer, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, RsaKeySize, SigningKey as _,
    date_time_ymd,
};
use serde_cbor_2::Value as Cbor;
use serde_json::Value;
use sha2::{Digest, Sha256};

const AAGUID: uuid::Uuid = uuid::uuid!("f1d0f1d0-f1d0-f1d0-f1d0-f1d0f1d0f1d0");
const ES256: i64 = -7;
const RS256: i64 = -257;
const EDDSA: i64 = -8;
const TITLE: &str = "failed to validate attestation";

/// The `id-fido-gen-ce-aaguid` extension with `aaguid` (an OCTET STRING in the extension's
/// OCTET STRING).
fn aaguid_extension(aaguid: &[u8], critical: bool) -> CustomExtension {
    let mut content = vec![0x04, u8::try_from(aaguid.len()).unwrap()];
    content.extend_from_slice(aaguid);
    let mut extension =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 45724, 1, 1, 4], content);
    extension.set_criticality(critical);
    extension
}

/// A leaf that meets every requirement: C, O, OU "Authenticator Attestation", CN, CA false, the
/// AAGUID extension.
fn leaf_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(
        DnType::CountryName,
        DnValue::PrintableString("DE".try_into().unwrap()),
    );
    name.push(DnType::OrganizationName, "Hanko Test Vendor");
    name.push(DnType::OrganizationalUnitName, "Authenticator Attestation");
    name.push(DnType::CommonName, "Hanko Test Attestation");
    params.distinguished_name = name;
    params.is_ca = IsCa::ExplicitNoCa;
    params.custom_extensions = vec![aaguid_extension(AAGUID.as_bytes(), false)];
    params
}

fn p256() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap()
}

/// A self-signed certificate for `params` with a new P-256 key.
fn self_signed(params: &CertificateParams) -> (KeyPair, Vec<u8>) {
    let key = p256();
    let cert = params.self_signed(&key).unwrap();
    (key, cert.der().to_vec())
}

/// An emulator and an authenticator with [`AAGUID`].
async fn setup() -> (Harness, VirtualAuthenticator) {
    let h = start().await;
    let auth = VirtualAuthenticator::new(h.emu.origin()).aaguid(AAGUID);
    (h, auth)
}

/// A registration of `user` after a real `registration/initialize`, its statement replaced by
/// a packed one: `alg`, the signature `sign` makes over `authData ‖ SHA-256(clientDataJSON)`,
/// and `x5c`.
async fn packed_registration(
    h: &Harness,
    auth: &VirtualAuthenticator,
    user: &str,
    alg: i64,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
    x5c: Vec<Cbor>,
) -> Value {
    let mut credential = h.registration_by(auth, user).await;
    let decode = |credential: &Value, name: &str| {
        URL_SAFE_NO_PAD
            .decode(credential["response"][name].as_str().unwrap())
            .unwrap()
    };
    let client_data = decode(&credential, "clientDataJSON");
    let Cbor::Map(mut object) =
        serde_cbor_2::from_slice(&decode(&credential, "attestationObject")).unwrap()
    else {
        panic!("attestation object is not a map");
    };
    let Some(Cbor::Bytes(auth_data)) = object.get(&Cbor::Text("authData".into())) else {
        panic!("no authData");
    };
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(&client_data));
    let statement = [
        ("alg", Cbor::Integer(alg.into())),
        ("sig", Cbor::Bytes(sign(&signed))),
        ("x5c", Cbor::Array(x5c)),
    ]
    .into_iter()
    .map(|(k, v)| (Cbor::Text(k.into()), v))
    .collect();
    object.insert(Cbor::Text("fmt".into()), Cbor::Text("packed".into()));
    object.insert(Cbor::Text("attStmt".into()), Cbor::Map(statement));
    credential["response"]["attestationObject"] = URL_SAFE_NO_PAD
        .encode(serde_cbor_2::to_vec(&Cbor::Map(object)).unwrap())
        .into();
    credential
}

/// A registration signed by `key` and carrying `chain`.
async fn signed_by(
    h: &Harness,
    auth: &VirtualAuthenticator,
    user: &str,
    key: &KeyPair,
    chain: &[&[u8]],
) -> Value {
    let x5c = chain.iter().map(|c| Cbor::Bytes(c.to_vec())).collect();
    packed_registration(h, auth, user, ES256, |m| key.sign(m).unwrap(), x5c).await
}

/// Posts `credential` and returns the refusal's details (after checking status and title).
async fn refused(h: &Harness, credential: &Value) -> String {
    let body = expect_error(
        h.post("/registration/finalize", credential).await,
        400,
        TITLE,
    )
    .await;
    body["details"].as_str().unwrap().to_string()
}

/// The leaf made from `leaf_params()` changed by `edit`, signed and posted: its details.
async fn leaf_refused_with(edit: impl FnOnce(&mut CertificateParams)) -> String {
    let (h, auth) = setup().await;
    let mut params = leaf_params();
    edit(&mut params);
    let (key, der) = self_signed(&params);
    let credential = signed_by(&h, &auth, "alice", &key, &[&der]).await;
    refused(&h, &credential).await
}

#[tokio::test]
async fn a_certificate_that_meets_the_requirements_registers_and_the_credential_logs_in() {
    let (h, auth) = setup().await;
    let (key, der) = self_signed(&leaf_params());
    let credential = signed_by(&h, &auth, "alice", &key, &[&der]).await;
    let token = ok_json(h.post("/registration/finalize", &credential).await).await;
    let id = claims(token["token"].as_str().unwrap())["cred"]
        .as_str()
        .unwrap()
        .to_string();
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(dto["attestation_type"], "packed");
    assert_eq!(dto["aaguid"], AAGUID.to_string());

    // The stored key is the credential's, not the attestation certificate's.
    let options = h.login_options(Some("alice")).await;
    let assertion = auth.login(&options).await.unwrap();
    let token = ok_json(h.post("/login/finalize", &assertion).await).await;
    assert_eq!(claims(token["token"].as_str().unwrap())["cred"], id);
}

#[tokio::test]
async fn a_leaf_without_a_country_is_an_invalid_country_code() {
    let details = leaf_refused_with(|p| {
        p.distinguished_name.remove(DnType::CountryName);
    })
    .await;
    assert_eq!(details, "Attestation Certificate Country Code is invalid");
}

#[tokio::test]
async fn a_ca_leaf_is_refused_for_its_basic_constraints() {
    let details = leaf_refused_with(|p| {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    })
    .await;
    assert_eq!(
        details,
        "Attestation certificate's Basic Constraints marked as CA"
    );
}

#[tokio::test]
async fn any_organizational_unit_is_accepted() {
    let (h, auth) = setup().await;
    for (user, ou) in [("other-ou", Some("Something Else")), ("no-ou", None)] {
        let mut params = leaf_params();
        params
            .distinguished_name
            .remove(DnType::OrganizationalUnitName);
        if let Some(ou) = ou {
            params
                .distinguished_name
                .push(DnType::OrganizationalUnitName, ou);
        }
        let (key, der) = self_signed(&params);
        let credential = signed_by(&h, &auth, user, &key, &[&der]).await;
        let token = ok_json(h.post("/registration/finalize", &credential).await).await;
        assert!(token["token"].is_string(), "{user}");
    }
}

#[tokio::test]
async fn a_signature_that_does_not_verify_is_an_ecdsa_verification_failure() {
    let (h, auth) = setup().await;
    let (_, der) = self_signed(&leaf_params());
    // Signed by another key than the certificate's.
    let other = p256();
    let credential = signed_by(&h, &auth, "alice", &other, &[&der]).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Signature validation error: x509: ECDSA verification failure\n"
    );
    // Not DER at all.
    let credential = packed_registration(
        &h,
        &auth,
        "alice",
        ES256,
        |_| b"not a signature".to_vec(),
        vec![Cbor::Bytes(der.clone())],
    )
    .await;
    assert_eq!(
        refused(&h, &credential).await,
        "Signature validation error: x509: ECDSA verification failure\n"
    );
}

#[tokio::test]
async fn an_algorithm_that_does_not_fit_the_key_is_refused_with_gos_message() {
    let (h, auth) = setup().await;
    let (key, der) = self_signed(&leaf_params());
    let chain = || vec![Cbor::Bytes(der.clone())];
    let credential =
        packed_registration(&h, &auth, "a", RS256, |m| key.sign(m).unwrap(), chain()).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Signature validation error: x509: signature algorithm specifies an RSA public key, but have public key of type *ecdsa.PublicKey\n"
    );
    // go-webauthn maps EdDSA to no x509 algorithm at all.
    let credential =
        packed_registration(&h, &auth, "a", EDDSA, |m| key.sign(m).unwrap(), chain()).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Signature validation error: x509: cannot verify signature: algorithm unimplemented\n"
    );
}

#[tokio::test]
async fn an_rsa_attestation_certificate_verifies_rs256() {
    let (h, auth) = setup().await;
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
    let der = leaf_params().self_signed(&key).unwrap().der().to_vec();
    let chain = || vec![Cbor::Bytes(der.clone())];
    let credential =
        packed_registration(&h, &auth, "a", RS256, |m| key.sign(m).unwrap(), chain()).await;
    ok_json(h.post("/registration/finalize", &credential).await).await;

    let credential = packed_registration(&h, &auth, "b", RS256, |_| vec![0; 256], chain()).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Signature validation error: crypto/rsa: verification error\n"
    );
    let credential =
        packed_registration(&h, &auth, "c", ES256, |m| key.sign(m).unwrap(), chain()).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Signature validation error: x509: signature algorithm specifies an ECDSA public key, but have public key of type *rsa.PublicKey\n"
    );
}

#[tokio::test]
async fn the_other_subject_fields_are_required_in_gos_order() {
    let details = leaf_refused_with(|p| {
        p.distinguished_name.remove(DnType::OrganizationName);
    })
    .await;
    assert_eq!(details, "Attestation Certificate Organization is invalid");
    let details = leaf_refused_with(|p| {
        p.distinguished_name.remove(DnType::CommonName);
    })
    .await;
    assert_eq!(details, "Attestation Certificate Common Name not set");
    // The country is checked first.
    let details = leaf_refused_with(|p| {
        p.distinguished_name = DistinguishedName::new();
    })
    .await;
    assert_eq!(details, "Attestation Certificate Country Code is invalid");
    // A country of the wrong string type does not even parse in Go.
    let details = leaf_refused_with(|p| {
        p.distinguished_name.push(
            DnType::CountryName,
            DnValue::UniversalString("DE".try_into().unwrap()),
        );
    })
    .await;
    assert_eq!(
        details,
        "Error parsing certificate from ASN.1 data: x509: invalid RDNSequence: invalid attribute value: unsupported string type: 28"
    );
}

#[tokio::test]
async fn the_aaguid_extension_must_match_and_not_be_critical() {
    let details = leaf_refused_with(|p| {
        p.custom_extensions = vec![aaguid_extension(&[7; 16], false)];
    })
    .await;
    assert_eq!(
        details,
        "Certificate AAGUID does not match Auth Data certificate"
    );
    let details = leaf_refused_with(|p| {
        p.custom_extensions = vec![aaguid_extension(AAGUID.as_bytes(), true)];
    })
    .await;
    assert_eq!(
        details,
        "Attestation certificate FIDO extension marked as critical"
    );
    // Without the extension nothing is compared.
    let (h, auth) = setup().await;
    let mut params = leaf_params();
    params.custom_extensions.clear();
    let (key, der) = self_signed(&params);
    let credential = signed_by(&h, &auth, "alice", &key, &[&der]).await;
    ok_json(h.post("/registration/finalize", &credential).await).await;
}

#[tokio::test]
async fn a_chain_is_parsed_and_time_checked_but_not_verified() {
    let (h, auth) = setup().await;
    let mut ca_params = leaf_params();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.custom_extensions.clear();
    let ca_key = p256();
    let ca = ca_params.self_signed(&ca_key).unwrap().der().to_vec();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = p256();
    let leaf = leaf_params()
        .signed_by(&leaf_key, &issuer)
        .unwrap()
        .der()
        .to_vec();

    // A leaf with its CA: registers.
    let credential = signed_by(&h, &auth, "chain", &leaf_key, &[&leaf, &ca]).await;
    ok_json(h.post("/registration/finalize", &credential).await).await;

    // An unrelated certificate behind the leaf is not checked against it.
    let (_, stranger) = self_signed(&leaf_params());
    let credential = signed_by(&h, &auth, "stranger", &leaf_key, &[&leaf, &stranger]).await;
    ok_json(h.post("/registration/finalize", &credential).await).await;

    // But every certificate must parse and be within its validity period.
    let mut expired = leaf_params();
    expired.not_before = date_time_ymd(2019, 1, 1);
    expired.not_after = date_time_ymd(2020, 1, 1);
    let (_, expired) = self_signed(&expired);
    let credential = signed_by(&h, &auth, "expired", &leaf_key, &[&leaf, &expired]).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Cert in chain not time valid"
    );
    let mut future = leaf_params();
    future.not_before = date_time_ymd(2999, 1, 1);
    let (future_key, future) = self_signed(&future);
    let credential = signed_by(&h, &auth, "future", &future_key, &[&future]).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Cert in chain not time valid"
    );

    let credential = signed_by(&h, &auth, "garbage", &leaf_key, &[&leaf, b"garbage"]).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Error parsing certificate from ASN.1 data: x509: malformed certificate"
    );
    let trailing = [leaf.as_slice(), &[0]].concat();
    let credential = signed_by(&h, &auth, "trailing", &leaf_key, &[&trailing]).await;
    assert_eq!(
        refused(&h, &credential).await,
        "Error parsing certificate from ASN.1 data: x509: trailing data"
    );
    let credential = packed_registration(
        &h,
        &auth,
        "text",
        ES256,
        |m| leaf_key.sign(m).unwrap(),
        vec![
            Cbor::Bytes(leaf.clone()),
            Cbor::Text("not a certificate".into()),
        ],
    )
    .await;
    assert_eq!(
        refused(&h, &credential).await,
        "Error getting certificate from x5c cert chain"
    );
}

#[tokio::test]
async fn the_statement_is_read_as_go_decodes_it() {
    let (h, auth) = setup().await;
    let (key, der) = self_signed(&leaf_params());
    let chain = || vec![Cbor::Bytes(der.clone())];
    // A positive `alg` decodes to a Go uint64, not the int64 go-webauthn looks for.
    let credential =
        packed_registration(&h, &auth, "a", 7, |m| key.sign(m).unwrap(), chain()).await;
    assert_eq!(refused(&h, &credential).await, "Error retrieving alg value");

    // An empty chain: go-webauthn reads `x5c[0]` and the server panics.
    let credential =
        packed_registration(&h, &auth, "b", ES256, |m| key.sign(m).unwrap(), vec![]).await;
    let response = h.post("/registration/finalize", &credential).await;
    assert_eq!(response.status(), 500);

    // ECDAA is not implemented.
    let mut credential =
        packed_registration(&h, &auth, "c", ES256, |m| key.sign(m).unwrap(), chain()).await;
    set_statement(&mut credential, "x5c", None);
    set_statement(
        &mut credential,
        "ecdaaKeyId",
        Some(Cbor::Bytes(vec![1; 32])),
    );
    assert_eq!(
        refused(&h, &credential).await,
        "This field is not yet supported by the WebAuthn spec"
    );

    // An `x5c` that is not an array is no chain: the statement is a self attestation, whose
    // signature (made with the certificate's key) does not verify.
    let mut credential =
        packed_registration(&h, &auth, "d", ES256, |m| key.sign(m).unwrap(), chain()).await;
    set_statement(&mut credential, "x5c", Some(Cbor::Bytes(der.clone())));
    assert_eq!(refused(&h, &credential).await, "Unable to verify signature");
}

/// Sets (or with `None` removes) member `name` of a registration's `attStmt`.
fn set_statement(credential: &mut Value, name: &str, value: Option<Cbor>) {
    let pointer = "/response/attestationObject";
    let bytes = URL_SAFE_NO_PAD
        .decode(credential.pointer(pointer).unwrap().as_str().unwrap())
        .unwrap();
    let Cbor::Map(mut object) = serde_cbor_2::from_slice(&bytes).unwrap() else {
        panic!("attestation object is not a map");
    };
    let Some(Cbor::Map(statement)) = object.get_mut(&Cbor::Text("attStmt".into())) else {
        panic!("no attStmt");
    };
    match value {
        Some(v) => statement.insert(Cbor::Text(name.into()), v),
        None => statement.remove(&Cbor::Text(name.into())),
    };
    *credential.pointer_mut(pointer).unwrap() = URL_SAFE_NO_PAD
        .encode(serde_cbor_2::to_vec(&Cbor::Map(object)).unwrap())
        .into();
}
