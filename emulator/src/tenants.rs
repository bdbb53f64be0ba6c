//! Creating tenants (the builder's first tenant, [`crate::Emulator::add_tenant`], the admin
//! API's `POST /tenants`) and restoring them from the data file.

use std::sync::Arc;

use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;

use crate::config::{TenantConfig, TenantInfo};
use crate::error::EmulatorError;
use crate::keys::{GivenKey, KeyRing, SaveKey, key_size};
use crate::state::{
    AdminView, AppState, Change, Journal, Secret, SecretKind, Tenant, TenantData, TenantRecord,
    TenantStorage,
};

/// What a new tenant is made of.
pub(crate) struct NewTenant {
    /// Its WebAuthn configuration; `tenant_id` and `api_key` are used when set.
    pub(crate) config: TenantConfig,
    /// The admin API's `display_name`; the relying party's name when `None`.
    pub(crate) display_name: Option<String>,
    /// CORS settings and icon.
    pub(crate) view: AdminView,
    /// Whether it gets an "Initial API Key" (`config.api_key`, or a random one). The builder's
    /// tenants always do; the admin API's only with `create_api_key`.
    pub(crate) api_key: bool,
    /// Its first signing key, instead of one generated when first needed.
    pub(crate) token_key: Option<GivenKey>,
}

impl NewTenant {
    /// A tenant as the builder and [`crate::Emulator::add_tenant`] make them: named after its
    /// relying party, CORS on its relying party's origins, with an API key.
    pub(crate) fn from_config(config: TenantConfig) -> Self {
        Self {
            config,
            display_name: None,
            view: AdminView::default(),
            api_key: true,
            token_key: None,
        }
    }
}

/// Creates a tenant: checks its configuration, stores it in the journal (if any) with its
/// first secrets, and puts it into the state. Its first signing key is the given one, or
/// generated when first needed (see `keys`).
pub(crate) fn create(state: &AppState, new: NewTenant) -> Result<Arc<Tenant>, EmulatorError> {
    let origins = check_config(&new.config)?;
    let id = new.config.tenant_id.unwrap_or_else(Uuid::new_v4);
    if state.tenant(&id).is_some() {
        return Err(EmulatorError::TenantExists(id));
    }
    let size = key_size(new.config.rsa_bits)?;
    let now = state.clock.now();
    let mut secrets = Vec::new();
    if new.api_key {
        let value = new
            .config
            .api_key
            .clone()
            .unwrap_or_else(crate::keys::random_secret);
        secrets.push((
            SecretKind::Api,
            Secret::with_value("Initial API Key", value, now),
        ));
    }
    secrets.push((SecretKind::Jwk, Secret::generate("Initial JWK Key", now)));
    let record = TenantRecord {
        id,
        display_name: new
            .display_name
            .unwrap_or_else(|| new.config.rp_name.clone()),
        created_at: now,
        config: new.config,
        view: new.view,
    };
    if let Some(journal) = &state.journal {
        let initial = secrets
            .iter()
            .map(|(kind, s)| Change::Secret(*kind, s.clone()))
            .collect();
        journal
            .save_tenant(&record, initial)
            .map_err(EmulatorError::Storage)?;
    }
    let mut data = TenantData::default();
    for (kind, secret) in secrets {
        data.push_secret(kind, secret);
    }
    let save = save_key(state.journal.as_ref(), id);
    let keys = match new.token_key {
        Some(given) => KeyRing::with_key(size, given, save),
        None => KeyRing::new(size, save),
    };
    install(state, record, origins, keys, data)
}

/// A tenant as the data file kept it: settings, signing keys `(kid, PKCS#8)` oldest first,
/// and data rows in the order they were written.
#[cfg(feature = "sqlite")]
pub(crate) struct StoredTenant {
    pub(crate) record: TenantRecord,
    pub(crate) keys: Vec<(Uuid, Vec<u8>)>,
    pub(crate) rows: Vec<Change>,
}

/// Puts a tenant read back from the data file into the state.
#[cfg(feature = "sqlite")]
pub(crate) fn restore(
    state: &AppState,
    stored: StoredTenant,
) -> Result<Arc<Tenant>, EmulatorError> {
    let StoredTenant { record, keys, rows } = stored;
    let origins = check_config(&record.config)?;
    let size = key_size(record.config.rsa_bits)?;
    let keys = KeyRing::restore(size, keys, save_key(state.journal.as_ref(), record.id))?;
    let data = TenantData::restore(rows, state.clock.now());
    install(state, record, origins, keys, data)
}

/// Stores each new signing key of tenant `id` in the journal, if there is one.
fn save_key(journal: Option<&Arc<dyn Journal>>, id: Uuid) -> Option<SaveKey> {
    let journal = journal?.clone();
    Some(Arc::new(move |kid, position, pkcs8| {
        journal.save_key(id, kid, position, pkcs8)
    }))
}

fn install(
    state: &AppState,
    record: TenantRecord,
    origins: Vec<url::Url>,
    keys: KeyRing,
    data: TenantData,
) -> Result<Arc<Tenant>, EmulatorError> {
    let raw_ids: Vec<Vec<u8>> = data
        .credentials
        .values()
        .map(|c| c.raw_id.clone())
        .collect();
    let webauthn = webauthn_for(&record.config, origins);
    let tenant = Tenant::new(
        record,
        webauthn,
        keys,
        TenantStorage {
            clock: state.clock.clone(),
            journal: state.journal.clone(),
            data,
        },
    );
    let tenant = state
        .insert_tenant(tenant)
        .map_err(EmulatorError::TenantExists)?;
    state
        .credential_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(raw_ids);
    Ok(tenant)
}

/// Id, API key (the first one; empty when the tenant has none) and URL of a tenant.
pub(crate) fn info(tenant: &Tenant, base: &str) -> TenantInfo {
    let api_key = tenant
        .data()
        .secrets
        .api
        .first()
        .map(|s| s.secret.clone())
        .unwrap_or_default();
    TenantInfo {
        tenant_id: tenant.id,
        api_key,
        tenant_url: format!("{base}/{}", tenant.id),
    }
}

/// Checks a configuration's RP id and origins and parses the origins.
pub(crate) fn check_config(config: &TenantConfig) -> Result<Vec<url::Url>, EmulatorError> {
    if config.rp_id.is_empty() {
        return Err(EmulatorError::Config("rp_id must not be empty".into()));
    }
    if config.origins.is_empty() {
        return Err(EmulatorError::Config(
            "at least one origin is required".into(),
        ));
    }
    config
        .origins
        .iter()
        .map(|origin| {
            url::Url::parse(origin)
                .map_err(|e| EmulatorError::Config(format!("origin {origin:?}: {e}")))
        })
        .collect()
}

/// The WebAuthn verifier of a tenant configuration.
pub(crate) fn webauthn_for(config: &TenantConfig, origins: Vec<url::Url>) -> WebauthnCore {
    WebauthnCore::new_unsafe_experts_only(
        &config.rp_name,
        &config.rp_id,
        origins,
        config.passkey.timeout,
        Some(false),
        Some(false),
    )
}
