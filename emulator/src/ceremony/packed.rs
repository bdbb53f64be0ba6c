//! Packed attestation with a certificate chain (`x5c`), checked as go-webauthn v0.10.0's
//! `handleBasicAttestation` checks it (`protocol/attestation_packed.go:77-193`), on Go 1.24's
//! `crypto/x509` (`ParseCertificate`, `Certificate.CheckSignature`), in the same order and with
//! the same details.
//!
//! What go-webauthn checks, and therefore all that is checked here: every certificate in the
//! chain parses and is within its validity period (no chain building, no trust anchors); `sig`
//! verifies with the leaf's public key under `alg`; the leaf is version 3, has a Subject-C,
//! Subject-O and Subject-CN, an `id-fido-gen-ce-aaguid` extension (if any) that is not critical
//! and equals the authenticator data's AAGUID, and is not a CA. The Subject-OU is *not* checked
//! (a TODO in go-webauthn), nor is `alg` compared with the credential's key.
//!
//! Certificates are parsed with `x509-parser`; what Go's parser refuses on top of that
//! (negative serial numbers, mismatched signature algorithms, name strings of the wrong type,
//! malformed keys and basic constraints, duplicate extensions) is checked here with Go's
//! messages. Signatures are verified with `aws-lc-rs`.

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, VerificationAlgorithm};
use chrono::{DateTime, Utc};
use serde_cbor_2::Value as Cbor;
use x509_parser::prelude::{FromDer, X509Certificate, X509Error, X509Name};
use x509_parser::x509::AlgorithmIdentifier;

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// go-webauthn's `Details` for the 400 "failed to validate attestation".
    Details(String),
    /// `x5c` is an empty array: go-webauthn reads `x5c[0]` and the server panics.
    EmptyChain,
}

impl Refusal {
    fn details(details: impl Into<String>) -> Self {
        Self::Details(details.into())
    }
}

/// `handleBasicAttestation`: `x5c` is the statement's chain (leaf first), `alg` and `sig` its
/// algorithm and signature over `auth_data ‖ client_data_hash`; `aaguid` is the authenticator
/// data's; `now` decides whether a certificate is within its validity period.
pub(crate) fn basic_attestation(
    x5c: &[Cbor],
    alg: i64,
    sig: &[u8],
    auth_data: &[u8],
    client_data_hash: &[u8],
    aaguid: &[u8],
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let certificate = |value: &Cbor| match value {
        Cbor::Bytes(der) => GoCertificate::parse(der).map_err(|e| {
            Refusal::details(format!("Error parsing certificate from ASN.1 data: {e}"))
        }),
        _ => Err(Refusal::details(
            "Error getting certificate from x5c cert chain",
        )),
    };
    for value in x5c {
        let parsed = certificate(value)?;
        if parsed.not_before > now || parsed.not_after < now {
            return Err(Refusal::details("Cert in chain not time valid"));
        }
    }
    let leaf = certificate(x5c.first().ok_or(Refusal::EmptyChain)?)?;

    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(client_data_hash);
    leaf.check_signature(alg, &signed, sig)
        .map_err(|e| Refusal::details(format!("Signature validation error: {e}\n")))?;

    if leaf.version != 3 {
        return Err(Refusal::details(
            "Attestation Certificate is incorrect version",
        ));
    }
    if leaf.country.concat().is_empty() {
        return Err(Refusal::details(
            "Attestation Certificate Country Code is invalid",
        ));
    }
    if leaf.organization.concat().is_empty() {
        return Err(Refusal::details(
            "Attestation Certificate Organization is invalid",
        ));
    }
    // Subject-OU "Authenticator Attestation": not checked (a TODO in go-webauthn).
    if leaf.common_name.is_empty() {
        return Err(Refusal::details(
            "Attestation Certificate Common Name not set",
        ));
    }
    let mut found_aaguid: &[u8] = &[];
    for extension in &leaf.extensions {
        if extension.oid == oid::FIDO_GEN_CE_AAGUID {
            if extension.critical {
                return Err(Refusal::details(
                    "Attestation certificate FIDO extension marked as critical",
                ));
            }
            found_aaguid = &extension.value;
        }
    }
    // The extension's value is an OCTET STRING holding the AAGUID (`asn1.Unmarshal`; one that
    // does not decode compares as empty).
    if !found_aaguid.is_empty() {
        let unwrapped = der::read(found_aaguid, der::OCTET_STRING).map_or(&[][..], |(v, _)| v);
        if unwrapped != aaguid {
            return Err(Refusal::details(
                "Certificate AAGUID does not match Auth Data certificate",
            ));
        }
    }
    if leaf.is_ca {
        return Err(Refusal::details(
            "Attestation certificate's Basic Constraints marked as CA",
        ));
    }
    Ok(())
}

/// The object identifiers this module compares, in DER content form.
mod oid {
    /// 2.5.4.6, Subject-C.
    pub(super) const COUNTRY: &[u8] = &[0x55, 0x04, 0x06];
    /// 2.5.4.10, Subject-O.
    pub(super) const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
    /// 2.5.4.3, Subject-CN.
    pub(super) const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
    /// 2.5.29.19, basic constraints.
    pub(super) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    /// 1.3.6.1.4.1.45724.1.1.4, `id-fido-gen-ce-aaguid`.
    pub(super) const FIDO_GEN_CE_AAGUID: &[u8] = &[
        0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04,
    ];
    /// 1.2.840.113549.1.1.1, `rsaEncryption`.
    pub(super) const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// 1.2.840.10045.2.1, `id-ecPublicKey`.
    pub(super) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// 1.3.101.112, Ed25519.
    pub(super) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// 1.3.132.0.33, P-224.
    pub(super) const P224: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x21];
    /// 1.2.840.10045.3.1.7, P-256.
    pub(super) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// 1.3.132.0.34, P-384.
    pub(super) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// 1.3.132.0.35, P-521.
    pub(super) const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
}

/// DER read the way Go's `cryptobyte` reads it.
mod der {
    pub(super) const BOOLEAN: u8 = 0x01;
    pub(super) const INTEGER: u8 = 0x02;
    pub(super) const OCTET_STRING: u8 = 0x04;
    pub(super) const SEQUENCE: u8 = 0x30;

    /// One element, read from the front of some input.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Element<'a> {
        pub(super) tag: u8,
        /// Identifier, length and contents.
        pub(super) whole: &'a [u8],
        pub(super) content: &'a [u8],
        /// The input after the element.
        pub(super) rest: &'a [u8],
    }

    /// One element: a one-byte tag and a definite length in its shortest form, at most four
    /// length bytes.
    pub(super) fn element(input: &[u8]) -> Option<Element<'_>> {
        let (&tag, rest) = input.split_first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (bytes, rest) = rest.split_at(n);
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if bytes[0] == 0 || len < 0x80 {
                return None;
            }
            (len, rest)
        };
        if rest.len() < len {
            return None;
        }
        let header = input.len() - rest.len();
        let (content, after) = rest.split_at(len);
        Some(Element {
            tag,
            whole: &input[..header + len],
            content,
            rest: after,
        })
    }

    /// The contents of an element with `tag`, and what follows it.
    pub(super) fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        element(input)
            .filter(|e| e.tag == tag)
            .map(|e| (e.content, e.rest))
    }

    /// An INTEGER's contents in their shortest two's-complement form.
    pub(super) fn valid_integer(bytes: &[u8]) -> bool {
        match bytes {
            [] => false,
            [0x00, next, ..] => next & 0x80 != 0,
            [0xff, next, ..] => next & 0x80 == 0,
            _ => true,
        }
    }

    /// An INTEGER that fits Go's `int` (64 bits).
    pub(super) fn integer_i64(bytes: &[u8]) -> Option<i64> {
        if !valid_integer(bytes) || bytes.len() > 8 {
            return None;
        }
        let negative = bytes[0] & 0x80 != 0;
        let start = if negative { -1i64 } else { 0 };
        Some(
            bytes
                .iter()
                .fold(start, |acc, b| (acc << 8) | i64::from(*b)),
        )
    }
}

/// A certificate as far as go-webauthn looks at it (Go's `x509.Certificate`).
#[derive(Debug)]
struct GoCertificate {
    /// 1, 2 or 3.
    version: u32,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    country: Vec<String>,
    organization: Vec<String>,
    /// The last Subject-CN.
    common_name: String,
    /// Only a version 3 certificate's (Go reads no others).
    extensions: Vec<Extension>,
    is_ca: bool,
    public_key: PublicKey,
}

#[derive(Debug)]
struct Extension {
    oid: Vec<u8>,
    critical: bool,
    value: Vec<u8>,
}

#[derive(Debug)]
enum PublicKey {
    Rsa {
        /// Big-endian, without leading zeros.
        modulus: Vec<u8>,
        exponent: i64,
    },
    Ecdsa {
        curve: Curve,
        /// The uncompressed point.
        point: Vec<u8>,
    },
    Ed25519,
    /// DSA, or an algorithm Go does not parse: `CheckSignature` has no verifier for it.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P224,
    P256,
    P384,
    P521,
}

impl Curve {
    fn from_oid(oid: &[u8]) -> Option<Self> {
        match oid {
            oid::P224 => Some(Self::P224),
            oid::P256 => Some(Self::P256),
            oid::P384 => Some(Self::P384),
            oid::P521 => Some(Self::P521),
            _ => None,
        }
    }

    /// Bytes of one coordinate.
    fn size(self) -> usize {
        match self {
            Self::P224 => 28,
            Self::P256 => 32,
            Self::P384 => 48,
            Self::P521 => 66,
        }
    }

    /// aws-lc-rs' verifier for this curve with `hash` (none for P-224).
    fn verifier(self, hash: Hash) -> Option<&'static signature::EcdsaVerificationAlgorithm> {
        Some(match (self, hash) {
            (Self::P256, Hash::Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
            (Self::P256, Hash::Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
            (Self::P256, Hash::Sha512) => &signature::ECDSA_P256_SHA512_ASN1,
            (Self::P384, Hash::Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
            (Self::P384, Hash::Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
            (Self::P384, Hash::Sha512) => &signature::ECDSA_P384_SHA512_ASN1,
            (Self::P521, Hash::Sha256) => &signature::ECDSA_P521_SHA256_ASN1,
            (Self::P521, Hash::Sha384) => &signature::ECDSA_P521_SHA384_ASN1,
            (Self::P521, Hash::Sha512) => &signature::ECDSA_P521_SHA512_ASN1,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// The `x509.SignatureAlgorithm` that go-webauthn's `SigAlgFromCOSEAlg` gives a COSE algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Pkcs1(Hash),
    Pss(Hash),
    Ecdsa(Hash),
}

impl Scheme {
    /// `None` is `UnknownSignatureAlgorithm`, which includes EdDSA (-8).
    fn from_cose(alg: i64) -> Option<Self> {
        Some(match alg {
            -65535 => Self::Pkcs1(Hash::Sha1),
            -257 => Self::Pkcs1(Hash::Sha256),
            -258 => Self::Pkcs1(Hash::Sha384),
            -259 => Self::Pkcs1(Hash::Sha512),
            -37 => Self::Pss(Hash::Sha256),
            -38 => Self::Pss(Hash::Sha384),
            -39 => Self::Pss(Hash::Sha512),
            -7 => Self::Ecdsa(Hash::Sha256),
            -35 => Self::Ecdsa(Hash::Sha384),
            -36 => Self::Ecdsa(Hash::Sha512),
            _ => return None,
        })
    }

    /// aws-lc-rs' RSA parameters for a key of `bits` (`None` where it has none: PSS and
    /// PKCS #1 with SHA-384 below 2048 bits, anything above 8192).
    fn rsa_parameters(self, bits: usize) -> Option<&'static RsaParameters> {
        if bits > 8192 {
            return None;
        }
        let short = bits < 2048;
        Some(match self {
            Self::Pkcs1(Hash::Sha1) => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Pkcs1(Hash::Sha256) if short => {
                &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
            }
            Self::Pkcs1(Hash::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::Pkcs1(Hash::Sha384) if !short => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::Pkcs1(Hash::Sha512) if short => {
                &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
            }
            Self::Pkcs1(Hash::Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
            Self::Pss(Hash::Sha256) if !short => &signature::RSA_PSS_2048_8192_SHA256,
            Self::Pss(Hash::Sha384) if !short => &signature::RSA_PSS_2048_8192_SHA384,
            Self::Pss(Hash::Sha512) if !short => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }
}

/// `x509.ErrUnsupportedAlgorithm`.
const UNSUPPORTED: &str = "x509: cannot verify signature: algorithm unimplemented";
/// `rsa.ErrVerification`.
const RSA_VERIFICATION: &str = "crypto/rsa: verification error";

impl GoCertificate {
    /// `x509.ParseCertificate`; the error is Go's message.
    fn parse(der: &[u8]) -> Result<Self, String> {
        let malformed = || "x509: malformed certificate".to_string();
        let element = der::element(der)
            .filter(|e| e.tag == der::SEQUENCE)
            .ok_or_else(malformed)?
            .whole;
        let (_, cert) = X509Certificate::from_der(element).map_err(|e| {
            let e = match e {
                x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e,
                x509_parser::nom::Err::Incomplete(_) => X509Error::InvalidCertificate,
            };
            go_parse_error(&e).to_string()
        })?;
        let tbs = &cert.tbs_certificate;

        let version = tbs.version.0.saturating_add(1);
        if version > 3 {
            return Err("x509: invalid version".into());
        }
        let serial = tbs.raw_serial();
        if !der::valid_integer(serial) {
            return Err("x509: malformed serial number".into());
        }
        if serial[0] & 0x80 != 0 {
            // Go 1.23 and later (GODEBUG x509negativeserial unset).
            return Err("x509: negative serial number".into());
        }
        if !same_algorithm(&tbs.signature, &cert.signature_algorithm) {
            return Err("x509: inner and outer signature algorithm identifiers don't match".into());
        }
        go_name(&tbs.issuer)?;
        let subject = go_name(&tbs.subject)?;
        let public_key = go_public_key(&tbs.subject_pki)?;

        let mut extensions = Vec::new();
        let mut is_ca = false;
        if version == 3 {
            for e in tbs.extensions() {
                let oid = e.oid.as_bytes().to_vec();
                if extensions.iter().any(|x: &Extension| x.oid == oid) {
                    return Err("x509: certificate contains duplicate extensions".into());
                }
                extensions.push(Extension {
                    oid,
                    critical: e.critical,
                    value: e.value.to_vec(),
                });
            }
            // `processExtensions`; of the extensions Go parses, only basic constraints matter here.
            for e in &extensions {
                if e.oid == oid::BASIC_CONSTRAINTS {
                    is_ca = basic_constraints_ca(&e.value)
                        .ok_or_else(|| "x509: invalid basic constraints".to_string())?;
                }
            }
        }
        if element.len() != der.len() {
            return Err("x509: trailing data".into());
        }
        let time = |t: &x509_parser::time::ASN1Time| {
            DateTime::from_timestamp(t.timestamp(), 0).ok_or_else(malformed)
        };
        Ok(Self {
            version,
            not_before: time(&tbs.validity.not_before)?,
            not_after: time(&tbs.validity.not_after)?,
            country: subject.country,
            organization: subject.organization,
            common_name: subject.common_name,
            extensions,
            is_ca,
            public_key,
        })
    }

    /// `Certificate.CheckSignature(SigAlgFromCOSEAlg(alg), signed, signature)`; the error is
    /// Go's message.
    fn check_signature(&self, alg: i64, signed: &[u8], sig: &[u8]) -> Result<(), String> {
        let scheme = Scheme::from_cose(alg).ok_or(UNSUPPORTED)?;
        let mismatch = |expected: &str, have: &str| {
            format!(
                "x509: signature algorithm specifies an {expected} public key, but have public key of type {have}"
            )
        };
        match (&self.public_key, scheme) {
            (PublicKey::Rsa { modulus, exponent }, Scheme::Pkcs1(_) | Scheme::Pss(_)) => {
                verify_rsa(scheme, modulus, *exponent, signed, sig)
            }
            (PublicKey::Rsa { .. }, Scheme::Ecdsa(_)) => Err(mismatch("ECDSA", "*rsa.PublicKey")),
            (PublicKey::Ecdsa { curve, point }, Scheme::Ecdsa(hash)) => {
                let valid = curve.verifier(hash).is_some_and(|alg| {
                    signature::UnparsedPublicKey::new(alg, point)
                        .verify(signed, sig)
                        .is_ok()
                });
                if valid {
                    Ok(())
                } else {
                    Err("x509: ECDSA verification failure".into())
                }
            }
            (PublicKey::Ecdsa { .. }, _) => Err(mismatch("RSA", "*ecdsa.PublicKey")),
            (PublicKey::Ed25519, Scheme::Ecdsa(_)) => Err(mismatch("ECDSA", "ed25519.PublicKey")),
            (PublicKey::Ed25519, _) => Err(mismatch("RSA", "ed25519.PublicKey")),
            (PublicKey::Other, _) => Err(UNSUPPORTED.into()),
        }
    }
}

/// `rsa.VerifyPKCS1v15` / `rsa.VerifyPSS` (salt length equal to the hash) in Go 1.24: the
/// key checks of `crypto/rsa`, then the signature.
fn verify_rsa(
    scheme: Scheme,
    modulus: &[u8],
    exponent: i64,
    signed: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let bits = modulus.len() * 8 - modulus.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits < 1024 {
        return Err(format!(
            "crypto/rsa: {bits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
        ));
    }
    if exponent < 2 {
        return Err("crypto/rsa: public exponent too small or negative".into());
    }
    if exponent % 2 == 0 {
        return Err("crypto/rsa: public exponent is even".into());
    }
    if exponent > i64::from(i32::MAX) {
        return Err("crypto/rsa: public exponent too large".into());
    }
    let exponent = exponent.to_be_bytes();
    let key = signature::RsaPublicKeyComponents {
        n: modulus,
        e: &exponent[exponent.iter().take_while(|b| **b == 0).count()..],
    };
    match scheme.rsa_parameters(bits) {
        Some(parameters) if key.verify(parameters, signed, sig).is_ok() => Ok(()),
        _ => Err(RSA_VERIFICATION.into()),
    }
}

/// Go's message for the part of the certificate x509-parser could not read.
fn go_parse_error(e: &X509Error) -> &'static str {
    match e {
        X509Error::InvalidTbsCertificate => "x509: malformed tbs certificate",
        X509Error::InvalidVersion => "x509: malformed version",
        X509Error::InvalidSerial => "x509: malformed serial number",
        X509Error::InvalidAlgorithmIdentifier => "x509: malformed signature algorithm identifier",
        X509Error::InvalidX509Name => "x509: invalid RDNSequence",
        X509Error::InvalidDate => "x509: malformed validity",
        X509Error::InvalidSPKI => "x509: malformed spki",
        X509Error::InvalidIssuerUID => "x509: malformed issuerUniqueID",
        X509Error::InvalidSubjectUID => "x509: malformed subjectUniqueID",
        X509Error::InvalidExtensions => "x509: malformed extensions",
        X509Error::InvalidSignatureValue => "x509: malformed signature",
        _ => "x509: malformed certificate",
    }
}

/// Go compares the inner and outer algorithm identifiers byte for byte.
fn same_algorithm(a: &AlgorithmIdentifier<'_>, b: &AlgorithmIdentifier<'_>) -> bool {
    fn params<'a>(ai: &'a AlgorithmIdentifier<'_>) -> Option<(u8, bool, u32, &'a [u8])> {
        ai.parameters.as_ref().map(|p| {
            (
                p.header.class() as u8,
                p.header.is_constructed(),
                p.header.tag().0,
                p.data,
            )
        })
    }
    a.algorithm.as_bytes() == b.algorithm.as_bytes() && params(a) == params(b)
}

/// The subject fields go-webauthn reads (`pkix.Name.FillFromRDNSequence`).
#[derive(Debug, Default)]
struct Subject {
    country: Vec<String>,
    organization: Vec<String>,
    common_name: String,
}

/// `parseName`: every attribute value must be one of the string types Go decodes.
fn go_name(name: &X509Name<'_>) -> Result<Subject, String> {
    let mut subject = Subject::default();
    for rdn in name.iter() {
        for attribute in rdn.iter() {
            let value = attribute.attr_value();
            let tag = tag_byte(
                value.header.class() as u8,
                value.header.is_constructed(),
                value.header.tag().0,
            )
            .ok_or("x509: invalid RDNSequence: invalid attribute value")?;
            let value = go_string(tag, value.data)
                .map_err(|e| format!("x509: invalid RDNSequence: invalid attribute value: {e}"))?;
            match attribute.attr_type().as_bytes() {
                oid::COUNTRY => subject.country.push(value),
                oid::ORGANIZATION => subject.organization.push(value),
                oid::COMMON_NAME => subject.common_name = value,
                _ => {}
            }
        }
    }
    Ok(subject)
}

/// The identifier octet `cryptobyte` reports for a tag (`None` for multi-byte tag numbers).
fn tag_byte(class: u8, constructed: bool, number: u32) -> Option<u8> {
    let number = u8::try_from(number).ok().filter(|n| *n < 0x1f)?;
    Some((class << 6) | if constructed { 0x20 } else { 0 } | number)
}

/// `parseASN1String`: T61String (as Latin-1), PrintableString, UTF8String, BMPString,
/// IA5String, NumericString; the error is Go's.
fn go_string(tag: u8, value: &[u8]) -> Result<String, String> {
    const UTF8: u8 = 12;
    const NUMERIC: u8 = 18;
    const PRINTABLE: u8 = 19;
    const T61: u8 = 20;
    const IA5: u8 = 22;
    const BMP: u8 = 30;
    let ascii = |what: &str, ok: fn(&u8) -> bool| {
        if value.iter().all(ok) {
            Ok(value.iter().map(|b| char::from(*b)).collect())
        } else {
            Err(format!("invalid {what}"))
        }
    };
    match tag {
        T61 => Ok(value.iter().map(|b| char::from(*b)).collect()),
        PRINTABLE => ascii("PrintableString", |b| {
            b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(b)
        }),
        UTF8 => std::str::from_utf8(value)
            .map(str::to_string)
            .map_err(|_| "invalid UTF-8 string".to_string()),
        BMP => {
            if !value.len().is_multiple_of(2) {
                return Err("invalid BMPString".into());
            }
            let value = value.strip_suffix(&[0, 0]).unwrap_or(value);
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            if units
                .iter()
                .any(|u| matches!(u, 0xfffe | 0xffff | 0xfdd0..=0xfdef | 0xd800..=0xdfff))
            {
                return Err("invalid BMPString".into());
            }
            String::from_utf16(&units).map_err(|_| "invalid BMPString".into())
        }
        IA5 => ascii("IA5String", u8::is_ascii),
        NUMERIC => ascii("NumericString", |b| b.is_ascii_digit() || *b == b' '),
        other => Err(format!("unsupported string type: {other}")),
    }
}

/// `parsePublicKey` for the algorithms `getPublicKeyAlgorithmFromOID` knows.
fn go_public_key(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Result<PublicKey, String> {
    let data: &[u8] = &spki.subject_public_key.data;
    let params = spki.algorithm.parameters.as_ref();
    let universal = |tag: u32| {
        params.is_some_and(|p| {
            p.header.class() as u8 == 0 && !p.header.is_constructed() && p.header.tag().0 == tag
        })
    };
    match spki.algorithm.algorithm.as_bytes() {
        oid::RSA => {
            if !(universal(5) && params.is_some_and(|p| p.data.is_empty())) {
                return Err("x509: RSA key missing NULL parameters".into());
            }
            let (key, _) = der::read(data, der::SEQUENCE)
                .ok_or_else(|| "x509: invalid RSA public key".to_string())?;
            let (modulus, rest) = der::read(key, der::INTEGER)
                .filter(|(n, _)| der::valid_integer(n))
                .ok_or_else(|| "x509: invalid RSA modulus".to_string())?;
            let exponent = der::read(rest, der::INTEGER)
                .and_then(|(e, _)| der::integer_i64(e))
                .ok_or_else(|| "x509: invalid RSA public exponent".to_string())?;
            let magnitude = &modulus[modulus.iter().take_while(|b| **b == 0).count()..];
            if modulus[0] & 0x80 != 0 || magnitude.is_empty() {
                return Err("x509: RSA modulus is not a positive number".into());
            }
            if exponent <= 0 {
                return Err("x509: RSA public exponent is not a positive number".into());
            }
            Ok(PublicKey::Rsa {
                modulus: magnitude.to_vec(),
                exponent,
            })
        }
        oid::EC_PUBLIC_KEY => {
            let curve_oid = params
                .filter(|p| universal(6) && p.data.last().is_some_and(|b| b & 0x80 == 0))
                .ok_or_else(|| "x509: invalid ECDSA parameters".to_string())?;
            let curve = Curve::from_oid(curve_oid.data)
                .ok_or_else(|| "x509: unsupported elliptic curve".to_string())?;
            let on_curve = data.len() == 1 + 2 * curve.size()
                && data[0] == 0x04
                && curve.verifier(Hash::Sha256).is_none_or(|alg| {
                    ParsedPublicKey::new(alg as &'static dyn VerificationAlgorithm, data).is_ok()
                });
            if !on_curve {
                return Err("x509: failed to unmarshal elliptic curve point".into());
            }
            Ok(PublicKey::Ecdsa {
                curve,
                point: data.to_vec(),
            })
        }
        oid::ED25519 => {
            if params.is_some() {
                return Err("x509: Ed25519 key encoded with illegal parameters".into());
            }
            if data.len() != 32 {
                return Err("x509: wrong Ed25519 public key size".into());
            }
            Ok(PublicKey::Ed25519)
        }
        _ => Ok(PublicKey::Other),
    }
}

/// `parseBasicConstraintsExtension`: the CA flag, or `None` where Go refuses the extension.
fn basic_constraints_ca(value: &[u8]) -> Option<bool> {
    let (mut body, _) = der::read(value, der::SEQUENCE)?;
    let mut ca = false;
    if body.first() == Some(&der::BOOLEAN) {
        let (flag, rest) = der::read(body, der::BOOLEAN)?;
        ca = match flag {
            [0x00] => false,
            [0xff] => true,
            _ => return None,
        };
        body = rest;
    }
    if body.first() == Some(&der::INTEGER) {
        let (len, _) = der::read(body, der::INTEGER)?;
        // A path length Go's `uint` takes, at most `math.MaxInt`.
        der::integer_i64(len).filter(|n| *n >= 0)?;
    }
    Some(ca)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_elements_are_read_strictly() {
        assert_eq!(
            der::element(&[0x04, 0x02, 0xaa, 0xbb, 0xcc]),
            Some(der::Element {
                tag: 0x04,
                whole: &[0x04, 0x02, 0xaa, 0xbb],
                content: &[0xaa, 0xbb],
                rest: &[0xcc],
            })
        );
        // Long form for a short length, a leading zero length byte, indefinite, truncated.
        assert_eq!(der::element(&[0x04, 0x81, 0x02, 0xaa, 0xbb]), None);
        assert_eq!(der::element(&[0x04, 0x82, 0x00, 0x80]), None);
        assert_eq!(der::element(&[0x30, 0x80, 0x00, 0x00]), None);
        assert_eq!(der::element(&[0x04, 0x03, 0xaa]), None);
        let long = [&[0x04, 0x81, 0x80][..], &[0u8; 128]].concat();
        assert_eq!(der::element(&long).map(|e| e.content.len()), Some(128));
    }

    #[test]
    fn integers_must_be_minimal() {
        assert!(der::valid_integer(&[0x00]));
        assert!(der::valid_integer(&[0x00, 0x80]));
        assert!(!der::valid_integer(&[0x00, 0x7f]));
        assert!(!der::valid_integer(&[0xff, 0x80]));
        assert!(!der::valid_integer(&[]));
        assert_eq!(der::integer_i64(&[0x01, 0x00, 0x01]), Some(65537));
        assert_eq!(der::integer_i64(&[0xff]), Some(-1));
        assert_eq!(der::integer_i64(&[0x01; 9]), None);
    }

    #[test]
    fn basic_constraints_are_read_like_go() {
        assert_eq!(basic_constraints_ca(&[0x30, 0x00]), Some(false));
        assert_eq!(
            basic_constraints_ca(&[0x30, 0x03, 0x01, 0x01, 0xff]),
            Some(true)
        );
        assert_eq!(
            basic_constraints_ca(&[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00]),
            Some(true)
        );
        // A BER boolean, a negative path length, not a SEQUENCE.
        assert_eq!(basic_constraints_ca(&[0x30, 0x03, 0x01, 0x01, 0x01]), None);
        assert_eq!(basic_constraints_ca(&[0x30, 0x03, 0x02, 0x01, 0xff]), None);
        assert_eq!(basic_constraints_ca(&[0x04, 0x00]), None);
    }

    #[test]
    fn name_values_are_decoded_like_go() {
        assert_eq!(go_string(19, b"DE"), Ok("DE".into()));
        assert_eq!(go_string(19, b"a_b"), Err("invalid PrintableString".into()));
        assert_eq!(go_string(20, &[0xe9]), Ok("\u{e9}".into()));
        assert_eq!(go_string(12, &[0xff]), Err("invalid UTF-8 string".into()));
        assert_eq!(go_string(30, &[0, 0x41, 0, 0]), Ok("A".into()));
        assert_eq!(go_string(30, &[0, 0]), Ok(String::new()));
        assert_eq!(
            go_string(30, &[0xd8, 0x00]),
            Err("invalid BMPString".into())
        );
        assert_eq!(go_string(22, &[0x80]), Err("invalid IA5String".into()));
        assert_eq!(go_string(18, b"12 3"), Ok("12 3".into()));
        assert_eq!(go_string(4, b"x"), Err("unsupported string type: 4".into()));
        assert_eq!(tag_byte(0, true, 19), Some(0x33));
        assert_eq!(tag_byte(2, false, 3), Some(0x83));
    }

    #[test]
    fn cose_algorithms_map_like_go_webauthn() {
        assert_eq!(Scheme::from_cose(-7), Some(Scheme::Ecdsa(Hash::Sha256)));
        assert_eq!(Scheme::from_cose(-65535), Some(Scheme::Pkcs1(Hash::Sha1)));
        assert_eq!(Scheme::from_cose(-8), None);
        assert!(Scheme::Pss(Hash::Sha256).rsa_parameters(1024).is_none());
        assert!(Scheme::Pkcs1(Hash::Sha256).rsa_parameters(1024).is_some());
        assert!(Scheme::Pkcs1(Hash::Sha256).rsa_parameters(16384).is_none());
    }
}
