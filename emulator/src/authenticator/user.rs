//! The simulated user: present, and verified or not.

use passkey_authenticator::{UiHint, UserCheck, UserValidationMethod};
use passkey_types::Passkey;
use passkey_types::ctap2::Ctap2Error;

/// Presence and verification answers of the simulated user.
pub(super) struct SimulatedUser {
    pub(super) verified: bool,
}

#[async_trait::async_trait]
impl UserValidationMethod for SimulatedUser {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification: verification && self.verified,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(self.verified)
    }
}
