//! Signatures made again after the software authenticator answered: packed self attestation,
//! assertions with other flags.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::device::VirtualAuthenticator;
use super::error::AuthenticatorError;
use super::tamper;

impl VirtualAuthenticator {
    /// Replaces the `none` statement the software authenticator produced by a packed self
    /// attestation signed (by the crypto backend) with the new credential's key.
    /// Signs `auth_data ‖ SHA-256(client_data)` with the private key of credential `raw_id`;
    /// returns the signature and the COSE algorithm.
    fn sign_with(
        &self,
        raw_id: &[u8],
        auth_data: &[u8],
        client_data: &[u8],
    ) -> Result<(Vec<u8>, i64), &'static str> {
        use coset::iana::EnumI64 as _;
        use passkey_crypto::SecretKeyT as _;
        let passkey = {
            let stored = self.store.inner.lock().unwrap_or_else(|e| e.into_inner());
            stored
                .passkeys
                .iter()
                .find(|p| *p.credential_id == *raw_id)
                .cloned()
                .ok_or("credential")?
        };
        let alg = match passkey.key.alg.as_ref() {
            Some(coset::Algorithm::Assigned(a)) => a.to_i64(),
            Some(coset::Algorithm::PrivateUse(a)) => *a,
            _ => return Err("algorithm"),
        };
        let mut key = passkey_crypto::rust_crypto::RustCryptoSecretKey::from_cose_key(&passkey.key)
            .map_err(|_| "private key")?;
        let mut signed = auth_data.to_vec();
        signed.extend_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(client_data));
        Ok((key.sign(&signed), alg))
    }

    /// Clears BE and BS in an assertion's authenticator data and signs it again.
    pub(super) fn resign_without_backup_flags(
        &self,
        json: &mut Value,
    ) -> Result<(), AuthenticatorError> {
        let fail = |what: &str| AuthenticatorError::Ceremony(format!("assertion flags: {what}"));
        let decode = |ptr: &str| member(json, ptr).ok_or_else(|| fail(ptr));
        let client_data = decode("/response/clientDataJSON")?;
        let mut auth_data = decode("/response/authenticatorData")?;
        let raw_id = decode("/rawId")?;
        let flags = auth_data
            .get_mut(32)
            .ok_or_else(|| fail("authenticatorData"))?;
        *flags &= !(tamper::flags::BACKUP_ELIGIBLE | tamper::flags::BACKUP_STATE);
        let (signature, _) = self
            .sign_with(&raw_id, &auth_data, &client_data)
            .map_err(fail)?;
        if let Some(response) = json.pointer_mut("/response").and_then(Value::as_object_mut) {
            response.insert(
                "authenticatorData".into(),
                URL_SAFE_NO_PAD.encode(auth_data).into(),
            );
            response.insert("signature".into(), URL_SAFE_NO_PAD.encode(signature).into());
        }
        Ok(())
    }

    pub(super) fn packed_self_attestation(
        &self,
        json: &mut Value,
    ) -> Result<(), AuthenticatorError> {
        use serde_cbor_2::Value as Cbor;
        let fail = |what: &str| AuthenticatorError::Ceremony(format!("packed attestation: {what}"));
        let decode = |ptr: &str| member(json, ptr).ok_or_else(|| fail(ptr));
        let client_data = decode("/response/clientDataJSON")?;
        let attestation_object = decode("/response/attestationObject")?;
        let raw_id = decode("/rawId")?;
        let Ok(Cbor::Map(mut map)) = serde_cbor_2::from_slice::<Cbor>(&attestation_object) else {
            return Err(fail("attestation object"));
        };
        let Some(Cbor::Bytes(auth_data)) = map.get(&Cbor::Text("authData".into())).cloned() else {
            return Err(fail("authData"));
        };
        let (sig, alg) = self
            .sign_with(&raw_id, &auth_data, &client_data)
            .map_err(&fail)?;
        let mut statement = std::collections::BTreeMap::new();
        statement.insert(Cbor::Text("alg".into()), Cbor::Integer(i128::from(alg)));
        statement.insert(Cbor::Text("sig".into()), Cbor::Bytes(sig));
        map.insert(Cbor::Text("fmt".into()), Cbor::Text("packed".into()));
        map.insert(Cbor::Text("attStmt".into()), Cbor::Map(statement));
        let encoded = serde_cbor_2::to_vec(&Cbor::Map(map)).map_err(|_| fail("encoding"))?;
        if let Some(obj) = json.pointer_mut("/response").and_then(Value::as_object_mut) {
            obj.insert(
                "attestationObject".into(),
                URL_SAFE_NO_PAD.encode(encoded).into(),
            );
        }
        Ok(())
    }
}

/// The bytes of the base64url string at `ptr` in a credential JSON.
fn member(json: &Value, ptr: &str) -> Option<Vec<u8>> {
    json.pointer(ptr)
        .and_then(Value::as_str)
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
}
