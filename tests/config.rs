//! Configuration checks, and that the API key never shows.

use hanko_passkeys::{Config, ErrorKind};

const TENANT: &str = "6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f";
const KEY: &str =
    "k3y-that-must-never-leak-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ==";

fn config_error(config: Config) -> String {
    let e = hanko_passkeys::tenant(config).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    e.to_string()
}

#[test]
fn tenant_id_must_be_a_uuid() {
    assert!(config_error(Config::new("not-a-uuid")).contains("not a UUID"));
    assert!(config_error(Config::new("")).contains("not a UUID"));
    // Upper case and surrounding blanks are fine; the id is normalised.
    let t = hanko_passkeys::tenant(Config::new(format!(" {} ", TENANT.to_uppercase()))).unwrap();
    assert_eq!(t.id().to_string(), TENANT);
}

#[test]
fn base_url_is_validated_and_normalised() {
    let base = |url: &str| hanko_passkeys::tenant(Config::new(TENANT).base_url(url));
    assert_eq!(
        base("https://passkeys.example.com/").unwrap().base_url(),
        "https://passkeys.example.com"
    );
    assert_eq!(
        base("http://127.0.0.1:8000/prefix/").unwrap().base_url(),
        "http://127.0.0.1:8000/prefix"
    );
    assert_eq!(
        hanko_passkeys::tenant(Config::new(TENANT))
            .unwrap()
            .base_url(),
        "https://passkeys.hanko.io"
    );
    assert!(config_error(Config::new(TENANT).base_url("passkeys.hanko.io")).contains("not a URL"));
    assert!(
        config_error(Config::new(TENANT).base_url("ftp://x.example")).contains("http or https")
    );
    assert!(config_error(Config::new(TENANT).base_url("https://x.example/?a=b")).contains("query"));
    assert!(
        config_error(Config::new(TENANT).base_url("https://u:p@x.example")).contains("credentials")
    );
    let with_tenant =
        config_error(Config::new(TENANT).base_url(format!("https://passkeys.hanko.io/{TENANT}")));
    assert!(
        with_tenant.contains("ends with the tenant id"),
        "{with_tenant}"
    );
}

#[test]
fn api_key_and_other_settings_are_checked() {
    assert!(config_error(Config::new(TENANT).api_key("   ")).contains("empty"));
    assert!(config_error(Config::new(TENANT).api_key("bad\nkey")).contains("header"));
    assert!(
        config_error(Config::new(TENANT).timeout(std::time::Duration::ZERO)).contains("timeouts")
    );
    assert!(config_error(Config::new(TENANT).user_agent("bad\nagent")).contains("user agent"));
    // The server stores the User-Agent in a varchar(255) and answers 500 above it.
    let e = config_error(Config::new(TENANT).user_agent("é".repeat(256)));
    assert!(e.contains("256 characters") && e.contains("255"), "{e}");
    hanko_passkeys::tenant(Config::new(TENANT).user_agent("é".repeat(255))).unwrap();
    assert!(config_error(Config::new(TENANT).max_response_bytes(10)).contains("at least"));
    // A caller's adjustments to the HTTP client are accepted.
    hanko_passkeys::tenant(
        Config::new(TENANT).http_client(|b| b.pool_idle_timeout(std::time::Duration::from_secs(5))),
    )
    .unwrap();
}

#[test]
fn a_password_in_the_base_url_never_shows() {
    let secret = "hunter2-password";
    for url in [
        format!("https://admin:{secret}@passkeys.example.com"),
        format!("https://admin:{secret}@passkeys.example.com/prefix?x=1"),
        format!("https://admin:{secret}@exa mple.com"),
        format!("https://:{secret}@[::1"),
        format!("ftp://user:{secret}@host"),
    ] {
        let config = Config::new(TENANT).base_url(&url);
        let e = hanko_passkeys::tenant(config.clone()).unwrap_err();
        for text in [e.to_string(), format!("{e:?}"), format!("{config:?}")] {
            assert!(!text.contains(secret), "{text}");
        }
        let verifier = hanko_passkeys::token::Verifier::builder(&url, "rp").build();
        let text = format!(
            "{:?} {}",
            verifier,
            verifier
                .as_ref()
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string())
        );
        assert!(verifier.is_err(), "{url}");
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn the_key_never_shows_in_debug() {
    let config = Config::new(TENANT).api_key(KEY);
    let tenant = hanko_passkeys::tenant(config.clone()).unwrap();
    for text in [
        format!("{config:?}"),
        format!("{tenant:?}"),
        format!("{:?}", tenant.registration()),
    ] {
        assert!(!text.contains("k3y-that"), "{text}");
        assert!(text.contains(TENANT), "{text}");
    }
    assert!(format!("{config:?}").contains("<redacted>"));
}

#[test]
fn from_env_reads_the_three_variables() {
    // Changing the environment of a multi-threaded test binary is unsafe (edition 2024):
    // the checks run in a child process that gets its own environment.
    let exe = std::env::current_exe().unwrap();
    if std::env::var("HANKO_CONFIG_CHILD").is_ok() {
        let c = Config::from_env().unwrap();
        let t = hanko_passkeys::tenant(c).unwrap();
        assert_eq!(t.base_url(), "http://localhost:9999");
        return;
    }
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args([
            "from_env_reads_the_three_variables",
            "--exact",
            "--nocapture",
        ])
        .env("HANKO_CONFIG_CHILD", "1");
        cmd.env_remove("PASSKEYS_TENANT_ID")
            .env_remove("PASSKEYS_API_KEY")
            .env_remove("PASSKEYS_BASE_URL");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let ok = run(&[
        ("PASSKEYS_TENANT_ID", TENANT),
        ("PASSKEYS_API_KEY", KEY),
        ("PASSKEYS_BASE_URL", "http://localhost:9999"),
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let missing = run(&[("PASSKEYS_BASE_URL", "http://localhost:9999")]);
    assert!(!missing.status.success());
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&missing.stdout),
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(output.contains("PASSKEYS_TENANT_ID is not set"), "{output}");
}

#[test]
fn tenant_and_handles_can_be_shared_across_tasks() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<hanko_passkeys::Tenant>();
    shareable::<hanko_passkeys::CredentialList>();
    shareable::<hanko_passkeys::AuditLogQuery>();
    send(&hanko_passkeys::tenant(Config::new("x")).unwrap_err());
    fn send<T: Send>(_: &T) {}
    let tenant = hanko_passkeys::tenant(Config::new(TENANT).api_key(KEY)).unwrap();
    send(&tenant.credentials().stream());
    send(&tenant.login().initialize());
}
