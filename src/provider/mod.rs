//! Passkey providers by AAGUID: [`Provider`] and [`Credential::provider`].

#[cfg(feature = "provider-icons")]
mod icons;
mod table;

use std::fmt;

use uuid::Uuid;

use crate::Credential;

/// One row of the vendored table (`table.rs`, written by `cargo xtask aaguids`).
struct Entry {
    aaguid: Uuid,
    name: &'static str,
}

impl Entry {
    const fn new(aaguid: Uuid, name: &'static str) -> Self {
        Entry { aaguid, name }
    }
}

// What the lookup relies on, checked when the crate compiles: sorted and unique (binary
// search), no zero AAGUID (authenticators that do not say), a name for each, indices that fit.
const _: () = {
    let providers = &table::PROVIDERS;
    assert!(providers.len() < u16::MAX as usize);
    let mut i = 0;
    while i < providers.len() {
        assert!(
            !providers[i].aaguid.is_nil(),
            "the zero AAGUID is no provider"
        );
        assert!(!providers[i].name.is_empty(), "every provider has a name");
        if i > 0 {
            assert!(
                providers[i - 1].aaguid.as_u128() < providers[i].aaguid.as_u128(),
                "PROVIDERS is sorted by AAGUID, without duplicates"
            );
        }
        i += 1;
    }
};

#[cfg(feature = "provider-icons")]
const _: () = {
    let mut i = 0;
    while i < icons::ICON_OF.len() {
        let (light, dark) = icons::ICON_OF[i];
        if let Some(light) = light {
            assert!((light as usize) < icons::ICONS.len());
        }
        if let Some(dark) = dark {
            assert!((dark as usize) < icons::ICONS.len());
        }
        i += 1;
    }
};

/// The passkey provider (password manager, platform or security key model) behind an AAGUID:
/// what to show next to each of a user's passkeys, "Google Password Manager", "1Password",
/// "YubiKey 5 Series"...
///
/// Get one from a stored credential with [`Credential::provider`], or from an AAGUID with
/// [`Provider::from_aaguid`]. The zero AAGUID (an authenticator or browser that does not say
/// which model made the credential) and AAGUIDs the table does not know give `None`: show the
/// credential's own [`name`](Credential::name) then.
///
/// ```
/// use hanko_passkeys::Provider;
/// use hanko_passkeys::uuid::uuid;
///
/// let provider = Provider::from_aaguid(uuid!("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")).unwrap();
/// assert_eq!(provider.name(), "Google Password Manager");
/// assert_eq!(provider.to_string(), "Google Password Manager");
/// assert_eq!(Provider::from_aaguid(hanko_passkeys::uuid::Uuid::nil()), None);
/// ```
///
/// # The table
///
/// Vendored in the crate and compiled in as a sorted static array: a lookup is a binary
/// search over 292 AAGUIDs, with no allocation, no parsing and no I/O. It is the community
/// list [passkeydeveloper/passkey-authenticator-aaguids]: its own entries (passkey providers:
/// password managers, platforms, browsers) at commit `47b6f84e` (2026-08-07), and the names it
/// merges in from the FIDO Alliance Metadata Service (security keys and other certified
/// authenticators) from its `combined_aaguid.json` at commit `c76c72d6` (2025-07-02, MDS
/// version 179). Entries change upstream (new providers, renames such as "iCloud Keychain"
/// to "Apple Passwords"); a release of this crate carries the table of its day.
/// `src/provider/README.md` in the repository records the source and how
/// `cargo xtask aaguids` refreshes it.
///
/// The list states no licence (no licence file, nothing in its README, which says it exists
/// to name passkeys in account settings and could go away at any time), and the names and
/// logos are their owners' trademarks: this data is not covered by the crate's licence.
///
/// Several AAGUIDs can share a provider name (the many "YubiKey 5 Series", three
/// "Windows Hello"): two [`Provider`]s are equal when their AAGUIDs are; compare
/// [`name`](Provider::name)s to group them.
///
/// # Icons
///
/// With the `provider-icons` feature (off by default), `icon_light()` and `icon_dark()` give
/// the providers' icons as `data:` URIs: the 50 providers of the community list have them
/// (59 distinct SVGs, 187 222 bytes as `data:` URIs). The security keys from FIDO's Metadata
/// Service have none: their icons are PNGs, 1 114 094 more bytes that would make the crate's
/// download 997 KiB instead of 284 KiB. Use the URIs as an image source (`<img src="…">`,
/// CSS `url(…)`), where an SVG runs no script, never as inline markup.
///
/// What it costs, measured with `ROUNDS=5 benches/provider-cost.sh` on a 2-core x86_64 Linux
/// machine with Rust 1.95 (`src/provider/README.md` has the details):
///
/// - names: +18 704 bytes in a stripped release binary that calls [`Provider::from_aaguid`];
///   compiling the SDK takes no measurably longer in release, about 0.3 s more CPU in dev;
/// - icons: +197 936 bytes in a binary that calls `icon_light()`, nothing in one that
///   does not (the linker drops the unused table), no measurable compile time; they are in
///   the crate's download either way (+67 KiB compressed).
///
/// Hence names always, icons opt-in.
///
/// [passkeydeveloper/passkey-authenticator-aaguids]: https://github.com/passkeydeveloper/passkey-authenticator-aaguids
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provider {
    /// Index in `table::PROVIDERS` (and `icons::ICON_OF`).
    index: u16,
}

impl Provider {
    /// The provider behind `aaguid`; `None` for the zero AAGUID and for AAGUIDs the table
    /// does not know.
    ///
    /// ```
    /// use hanko_passkeys::Provider;
    /// use hanko_passkeys::uuid::uuid;
    ///
    /// let apple = Provider::from_aaguid(uuid!("fbfc3007-154e-4ecc-8c0b-6e020557d7bd"));
    /// assert_eq!(apple.map(|p| p.name()), Some("Apple Passwords"));
    /// let unknown = uuid!("01234567-89ab-cdef-0123-456789abcdef");
    /// assert!(Provider::from_aaguid(unknown).is_none());
    /// ```
    #[must_use]
    pub fn from_aaguid(aaguid: Uuid) -> Option<Provider> {
        let index = table::PROVIDERS
            .binary_search_by(|entry| entry.aaguid.cmp(&aaguid))
            .ok()?;
        Some(Provider {
            // At most u16::MAX entries: checked at compile time above.
            index: index as u16,
        })
    }

    /// Every provider of the table, in AAGUID order: for a settings page that lists them, or
    /// to check an AAGUID list of your own against it.
    ///
    /// ```
    /// use hanko_passkeys::Provider;
    ///
    /// let yubikeys = Provider::all().filter(|p| p.name() == "YubiKey 5 Series").count();
    /// assert!(yubikeys > 1);
    /// ```
    #[must_use]
    pub fn all() -> impl ExactSizeIterator<Item = Provider> + DoubleEndedIterator + Clone {
        (0..table::PROVIDERS.len()).map(|index| Provider {
            index: index as u16,
        })
    }

    fn entry(self) -> &'static Entry {
        &table::PROVIDERS[usize::from(self.index)]
    }

    /// The AAGUID this provider was found by.
    ///
    /// ```
    /// use hanko_passkeys::Provider;
    /// use hanko_passkeys::uuid::uuid;
    ///
    /// let aaguid = uuid!("bada5566-a7aa-401f-bd96-45619a55120d");
    /// assert_eq!(Provider::from_aaguid(aaguid).unwrap().aaguid(), aaguid);
    /// ```
    #[must_use]
    pub fn aaguid(self) -> Uuid {
        self.entry().aaguid
    }

    /// The provider's display name, as the list spells it: "1Password", "Apple Passwords",
    /// "YubiKey 5 Series". Also what `Display` writes.
    ///
    /// ```
    /// use hanko_passkeys::Provider;
    /// use hanko_passkeys::uuid::uuid;
    ///
    /// let provider = Provider::from_aaguid(uuid!("bada5566-a7aa-401f-bd96-45619a55120d"));
    /// assert_eq!(provider.unwrap().name(), "1Password");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// The icon for light backgrounds, a `data:image/svg+xml;base64,…` URI; `None` when the
    /// list has none (security keys, a few providers). Needs the `provider-icons` feature.
    ///
    /// ```
    /// use hanko_passkeys::Provider;
    /// use hanko_passkeys::uuid::uuid;
    ///
    /// let provider = Provider::from_aaguid(uuid!("bada5566-a7aa-401f-bd96-45619a55120d")).unwrap();
    /// let icon = provider.icon_light().unwrap_or("/static/passkey.svg");
    /// let html = format!(r#"<img src="{icon}" alt="" width="24" height="24"> {provider}"#);
    /// assert!(html.starts_with(r#"<img src="data:image/svg+xml;base64,"#));
    /// ```
    #[cfg(feature = "provider-icons")]
    #[must_use]
    pub fn icon_light(self) -> Option<&'static str> {
        icons::ICON_OF[usize::from(self.index)]
            .0
            .map(|i| icons::ICONS[usize::from(i)])
    }

    /// The icon for dark backgrounds, a `data:image/svg+xml;base64,…` URI; `None` when the
    /// list has none. Often the same as the light one. Needs the
    /// `provider-icons` feature.
    ///
    /// ```
    /// use hanko_passkeys::Provider;
    /// use hanko_passkeys::uuid::uuid;
    ///
    /// let google = Provider::from_aaguid(uuid!("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")).unwrap();
    /// assert!(google.icon_dark().is_some_and(|uri| uri.starts_with("data:image/svg+xml;base64,")));
    /// ```
    #[cfg(feature = "provider-icons")]
    #[must_use]
    pub fn icon_dark(self) -> Option<&'static str> {
        icons::ICON_OF[usize::from(self.index)]
            .1
            .map(|i| icons::ICONS[usize::from(i)])
    }
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("aaguid", &self.aaguid())
            .field("name", &self.name())
            .finish()
    }
}

/// The [`name`](Provider::name).
impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Credential {
    /// The passkey provider that made this credential, by its [`aaguid`](Credential::aaguid):
    /// "Google Password Manager", "1Password", "YubiKey 5 Series"... `None` for the zero
    /// AAGUID and for AAGUIDs the vendored table does not know (see [`Provider`]).
    ///
    /// Unlike [`name`](Credential::name), which the server sets from a table of its own
    /// (about twenty AAGUIDs, `cred-<id>` otherwise) and which users can rename, this does not
    /// change when the credential is renamed: show both, "Work laptop (1Password)".
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), hanko_passkeys::Error> {
    /// for credential in tenant.user("user-42").credentials().await?.items {
    ///     let provider = credential.provider().map_or("Passkey", |p| p.name());
    ///     println!("{} ({provider})", credential.name.as_deref().unwrap_or("unnamed"));
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn provider(&self) -> Option<Provider> {
        Provider::from_aaguid(self.aaguid)
    }
}
