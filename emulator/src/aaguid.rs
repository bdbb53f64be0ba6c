//! Names the server gives credentials from well-known authenticator AAGUIDs
//! (a subset of `server/mapper/aaguid.json`); other AAGUIDs get `cred-<credential id>`.

use uuid::{Uuid, uuid};

const NAMES: [(Uuid, &str); 5] = [
    (
        uuid!("fbfc3007-154e-4ecc-8c0b-6e020557d7bd"),
        "iCloud Keychain",
    ),
    (
        uuid!("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"),
        "Google Password Manager",
    ),
    (
        uuid!("08987058-cadc-4b81-b6e1-30de50dcbe96"),
        "Windows Hello",
    ),
    (uuid!("bada5566-a7aa-401f-bd96-45619a55120d"), "1Password"),
    (uuid!("d548826e-79b4-db40-a3d8-11116f7e8349"), "Bitwarden"),
];

/// The display name for `aaguid`, if it is a known authenticator.
pub(crate) fn name(aaguid: &Uuid) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(id, _)| id == aaguid)
        .map(|(_, name)| *name)
}
