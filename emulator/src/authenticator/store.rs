//! The credentials a virtual authenticator holds, shared by its clones.

use std::sync::{Arc, Mutex};

use passkey_authenticator::{CredentialStore, DiscoverabilitySupport, StoreInfo};
use passkey_types::Passkey;
use passkey_types::ctap2::{
    Ctap2Error, StatusCode,
    make_credential::{Options, PublicKeyCredentialRpEntity, PublicKeyCredentialUserEntity},
};
use passkey_types::webauthn::PublicKeyCredentialDescriptor;

#[derive(Debug, Default)]
pub(super) struct Stored {
    /// Newest last.
    pub(super) passkeys: Vec<Passkey>,
}

/// The credential store shared by clones of one virtual authenticator.
#[derive(Clone, Default)]
pub(super) struct SharedStore {
    pub(super) inner: Arc<Mutex<Stored>>,
    /// Credential to use for discoverable logins, if the caller picked one.
    pub(super) preferred: Option<Vec<u8>>,
}

#[async_trait::async_trait]
impl CredentialStore for SharedStore {
    type PasskeyItem = Passkey;

    async fn find_credentials(
        &self,
        ids: Option<&[PublicKeyCredentialDescriptor]>,
        rp_id: &str,
        _user_handle: Option<&[u8]>,
    ) -> Result<Vec<Passkey>, StatusCode> {
        let stored = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let found: Vec<Passkey> = match ids.filter(|ids| !ids.is_empty()) {
            Some(ids) => stored
                .passkeys
                .iter()
                .rev()
                .filter(|p| ids.iter().any(|d| *d.id == *p.credential_id))
                .filter(|p| {
                    self.preferred
                        .as_ref()
                        .is_none_or(|pref| **pref == *p.credential_id)
                })
                .cloned()
                .collect(),
            None => stored
                .passkeys
                .iter()
                .rev()
                .filter(|p| p.rp_id == rp_id)
                .filter(|p| {
                    self.preferred
                        .as_ref()
                        .is_none_or(|pref| **pref == *p.credential_id)
                })
                .cloned()
                .collect(),
        };
        if found.is_empty() {
            Err(Ctap2Error::NoCredentials.into())
        } else {
            Ok(found)
        }
    }

    async fn save_credential(
        &mut self,
        cred: Passkey,
        _user: PublicKeyCredentialUserEntity,
        _rp: PublicKeyCredentialRpEntity,
        _options: Options,
    ) -> Result<(), StatusCode> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .passkeys
            .push(cred);
        Ok(())
    }

    async fn update_credential(&mut self, cred: &Passkey) -> Result<(), StatusCode> {
        let mut stored = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = stored
            .passkeys
            .iter_mut()
            .find(|p| p.credential_id == cred.credential_id)
        {
            *existing = cred.clone();
        }
        Ok(())
    }

    async fn get_info(&self) -> StoreInfo {
        StoreInfo {
            discoverability: DiscoverabilitySupport::ForcedDiscoverable,
        }
    }
}
