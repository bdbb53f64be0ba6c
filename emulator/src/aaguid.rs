//! The names the server gives credentials by authenticator AAGUID: the 21 entries of
//! `server/mapper/aaguid.json` (teamhanko/passkeys @ ceaf84f). Other AAGUIDs get
//! `cred-<credential id>`.

use uuid::{Uuid, uuid};

const NAMES: [(Uuid, &str); 21] = [
    (
        uuid!("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"),
        "Google Password Manager",
    ),
    (
        uuid!("adce0002-35bc-c60a-648b-0b25f1f05503"),
        "Chrome on Mac",
    ),
    (
        uuid!("08987058-cadc-4b81-b6e1-30de50dcbe96"),
        "Windows Hello",
    ),
    (
        uuid!("9ddd1817-af5a-4672-a2b9-3e3dd95000a9"),
        "Windows Hello",
    ),
    (
        uuid!("6028b017-b1d4-4c02-b4b3-afcdafc96bb2"),
        "Windows Hello",
    ),
    (
        uuid!("dd4ec289-e01d-41c9-bb89-70fa845d4bf2"),
        "iCloud Keychain (Managed)",
    ),
    (uuid!("531126d6-e717-415c-9320-3d9aa6981239"), "Dashlane"),
    (uuid!("bada5566-a7aa-401f-bd96-45619a55120d"), "1Password"),
    (uuid!("b84e4048-15dc-4dd0-8640-f4f60813c8af"), "NordPass"),
    (uuid!("0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6"), "Keeper"),
    (uuid!("f3809540-7f14-49c1-a8b3-8f813b225541"), "Enpass"),
    (
        uuid!("b5397666-4885-aa6b-cebf-e52262a439a2"),
        "Chromium Browser",
    ),
    (uuid!("771b48fd-d3d4-4f74-9232-fc157ab0507a"), "Edge on Mac"),
    (uuid!("39a5647e-1853-446c-a1f6-a79bae9f5bc7"), "IDmelon"),
    (uuid!("d548826e-79b4-db40-a3d8-11116f7e8349"), "Bitwarden"),
    (
        uuid!("fbfc3007-154e-4ecc-8c0b-6e020557d7bd"),
        "iCloud Keychain",
    ),
    (
        uuid!("53414d53-554e-4700-0000-000000000000"),
        "Samsung Pass",
    ),
    (
        uuid!("66a0ccb3-bd6a-191f-ee06-e375c50b9846"),
        "Thales Bio iOS SDK",
    ),
    (
        uuid!("8836336a-f590-0921-301d-46427531eee6"),
        "Thales Bio Android SDK",
    ),
    (
        uuid!("cd69adb5-3c7a-deb9-3177-6800ea6cb72a"),
        "Thales PIN Android SDK",
    ),
    (
        uuid!("17290f1e-c212-34d0-1423-365d729f09d9"),
        "Thales PIN iOS SDK",
    ),
];

/// The display name for `aaguid`, if it is a known authenticator.
pub(crate) fn name(aaguid: &Uuid) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(id, _)| id == aaguid)
        .map(|(_, name)| *name)
}
