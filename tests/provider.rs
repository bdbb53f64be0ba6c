//! Passkey providers by AAGUID: lookups in the vendored table, a property test against a
//! linear search, and credentials registered through the emulator with a virtual
//! authenticator that reports a given AAGUID.

use hanko_passkeys::{Credential, Provider};
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use proptest::prelude::*;
use uuid::{Uuid, uuid};

mod common;
use common::emulator::{emulator, register, tenant_of};

const APPLE: Uuid = uuid!("fbfc3007-154e-4ecc-8c0b-6e020557d7bd");
const GOOGLE: Uuid = uuid!("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4");
const ONE_PASSWORD: Uuid = uuid!("bada5566-a7aa-401f-bd96-45619a55120d");
/// From FIDO's Metadata Service, through the list's `combined_aaguid.json`.
const YUBIKEY_5: Uuid = uuid!("ee882879-721c-4913-9775-3dfcce97072a");
/// In no list: the upper half of APPLE with the lower half of GOOGLE.
const UNKNOWN: Uuid = uuid!("fbfc3007-154e-4ecc-3ce4-b6b48cb575d4");

fn name(aaguid: Uuid) -> Option<&'static str> {
    Provider::from_aaguid(aaguid).map(Provider::name)
}

#[test]
fn well_known_aaguids() {
    // The community list renamed "iCloud Keychain" to "Apple Passwords" (2025).
    assert_eq!(name(APPLE), Some("Apple Passwords"));
    assert_eq!(name(GOOGLE), Some("Google Password Manager"));
    assert_eq!(name(ONE_PASSWORD), Some("1Password"));
    assert_eq!(name(YUBIKEY_5), Some("YubiKey 5 Series"));
    assert_eq!(
        name(uuid!("08987058-cadc-4b81-b6e1-30de50dcbe96")),
        Some("Windows Hello")
    );

    let google = Provider::from_aaguid(GOOGLE).unwrap();
    assert_eq!(google.aaguid(), GOOGLE);
    assert_eq!(google.to_string(), "Google Password Manager");
    assert_eq!(
        format!("{google:?}"),
        "Provider { aaguid: ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4, name: \"Google Password Manager\" }"
    );
}

#[test]
fn zero_and_unknown_aaguids_have_no_provider() {
    assert_eq!(Provider::from_aaguid(Uuid::nil()), None);
    assert_eq!(Provider::from_aaguid(Uuid::max()), None);
    assert_eq!(Provider::from_aaguid(UNKNOWN), None);
    // Neighbours of a known AAGUID: the search is exact.
    let google = GOOGLE.as_u128();
    assert_eq!(Provider::from_aaguid(Uuid::from_u128(google - 1)), None);
    assert_eq!(Provider::from_aaguid(Uuid::from_u128(google + 1)), None);
}

#[test]
fn the_table_is_sorted_unique_and_every_entry_is_found() {
    let all: Vec<Provider> = Provider::all().collect();
    assert_eq!(all.len(), Provider::all().len());
    assert!(all.len() > 250, "{} providers", all.len());
    assert!(all.windows(2).all(|w| w[0].aaguid() < w[1].aaguid()));
    assert_eq!(Provider::all().next_back(), all.last().copied());
    for provider in &all {
        assert_eq!(Provider::from_aaguid(provider.aaguid()), Some(*provider));
        assert!(!provider.aaguid().is_nil());
        let name = provider.name();
        assert!(!name.is_empty() && name.trim() == name, "{name:?}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
    }
    // Several AAGUIDs share a name; the providers stay distinct.
    let yubikeys: Vec<_> = all
        .iter()
        .filter(|p| p.name() == "YubiKey 5 Series")
        .collect();
    assert!(yubikeys.len() > 1);
    assert_ne!(yubikeys[0], yubikeys[1]);
}

/// Any AAGUID, and many near the table's own (each, and its neighbours).
fn aaguid() -> impl Strategy<Value = Uuid> {
    let known: Vec<u128> = Provider::all().map(|p| p.aaguid().as_u128()).collect();
    prop_oneof![
        any::<u128>().prop_map(Uuid::from_u128),
        (proptest::sample::select(known), -2i8..=2).prop_map(|(aaguid, delta)| {
            Uuid::from_u128(aaguid.wrapping_add_signed(i128::from(delta)))
        }),
        Just(Uuid::nil()),
        Just(Uuid::max()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn lookup_agrees_with_a_linear_search(aaguid in aaguid()) {
        let linear = Provider::all().find(|p| p.aaguid() == aaguid);
        prop_assert_eq!(Provider::from_aaguid(aaguid), linear);
        if aaguid.is_nil() {
            prop_assert_eq!(linear, None);
        }
    }
}

#[cfg(feature = "provider-icons")]
mod icons {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn community_providers_have_svg_icons_and_security_keys_none() {
        let google = Provider::from_aaguid(GOOGLE).unwrap();
        assert!(google.icon_light().is_some() && google.icon_dark().is_some());
        let yubikey = Provider::from_aaguid(YUBIKEY_5).unwrap();
        assert_eq!((yubikey.icon_light(), yubikey.icon_dark()), (None, None));
    }

    #[test]
    fn every_icon_is_a_base64_svg_data_uri() {
        let mut with_icons = 0;
        for provider in Provider::all() {
            for icon in [provider.icon_light(), provider.icon_dark()]
                .into_iter()
                .flatten()
            {
                let payload = icon
                    .strip_prefix("data:image/svg+xml;base64,")
                    .unwrap_or_else(|| panic!("{provider}: {}", &icon[..40]));
                let svg = STANDARD.decode(payload).unwrap();
                let svg = String::from_utf8(svg).unwrap();
                assert!(svg.contains("<svg"), "{provider}: {}", &svg[..60]);
            }
            with_icons += usize::from(provider.icon_light().is_some());
        }
        assert!(with_icons >= 40, "{with_icons} providers with an icon");
    }
}

#[tokio::test]
async fn registered_credentials_list_with_their_provider() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let user = "user-providers";
    let password_manager = VirtualAuthenticator::new(emu.origin()).aaguid(ONE_PASSWORD);
    let security_key = VirtualAuthenticator::new(emu.origin())
        .aaguid(YUBIKEY_5)
        .backup_eligible(false);
    let anonymous = VirtualAuthenticator::new(emu.origin());
    let strange = VirtualAuthenticator::new(emu.origin()).aaguid(UNKNOWN);

    let ids = [
        register(&tenant, &password_manager, user).await,
        register(&tenant, &security_key, user).await,
        register(&tenant, &anonymous, user).await,
        register(&tenant, &strange, user).await,
    ];

    let listed: Vec<Credential> = tenant.user(user).credentials().await.unwrap().items;
    let by_id = |id: &str| listed.iter().find(|c| c.id == id).unwrap();
    let providers: Vec<Option<&str>> = ids
        .iter()
        .map(|id| by_id(id).provider().map(Provider::name))
        .collect();
    assert_eq!(
        providers,
        [Some("1Password"), Some("YubiKey 5 Series"), None, None]
    );
    assert_eq!(by_id(&ids[1]).aaguid, YUBIKEY_5);
    assert!(by_id(&ids[2]).aaguid.is_nil());

    // The server's own name comes from its smaller table (1Password is in it, the YubiKey
    // is not); the provider does not change with a rename.
    assert_eq!(by_id(&ids[0]).name.as_deref(), Some("1Password"));
    let key_name = by_id(&ids[1]).name.clone().unwrap();
    assert!(key_name.starts_with("cred-"), "{key_name}");
    tenant.credential(&ids[1]).rename("Desk key").await.unwrap();
    let renamed = tenant.credential(&ids[1]).get().await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Desk key"));
    assert_eq!(
        renamed.provider(),
        Some(Provider::from_aaguid(YUBIKEY_5).unwrap())
    );

    // The tenant-wide list says the same.
    let all = tenant.credentials().await.unwrap().items;
    let found = all.iter().find(|c| c.id == ids[0]).unwrap();
    assert_eq!(found.provider().map(|p| p.aaguid()), Some(ONE_PASSWORD));
}
