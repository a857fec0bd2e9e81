//! Parsing settings from flags, the environment and files.

use super::*;

#[test]
fn flags_work_before_and_after_the_command() {
    let before = Cli::try_parse_from(["roster", "--bind", "0.0.0.0:1", "print-schema"]).unwrap();
    let after = Cli::try_parse_from(["roster", "print-schema", "--bind", "0.0.0.0:1"]).unwrap();
    assert_eq!(before.settings.bind, "0.0.0.0:1");
    assert_eq!(after.settings.bind, "0.0.0.0:1");
}

#[test]
fn short_jwt_secret_is_refused_and_never_echoed() {
    let cli = Cli::try_parse_from(["roster", "--jwt-secret", "too-short-secret"]).unwrap();
    let text = cli.settings.validate().unwrap_err();
    assert!(text.contains("at least 32 bytes"), "{text}");
    assert!(!text.contains("too-short-secret"), "{text}");
}

#[test]
fn long_jwt_secret_is_accepted() {
    let secret = "x".repeat(MIN_JWT_SECRET_BYTES);
    let cli = Cli::try_parse_from(["roster", "--jwt-secret", &secret]).unwrap();
    assert_eq!(cli.settings.validate(), Ok(()));
}

#[test]
fn production_needs_a_configured_secret() {
    let cli = Cli::try_parse_from(["roster", "--env", "production"]).unwrap();
    let text = cli.settings.validate().unwrap_err();
    assert!(text.contains("ROSTER_JWT_SECRET_FILE"), "{text}");
    assert!(!cli.settings.graphiql_enabled());
    assert!(!cli.settings.introspection_enabled());
    let cli = Cli::try_parse_from(["roster", "--env", "production", "--graphiql"]).unwrap();
    assert!(cli.settings.graphiql_enabled());
    assert!(Settings::defaults().graphiql_enabled());
}

#[test]
fn the_secret_file_loses_its_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    let secret = "s".repeat(MIN_JWT_SECRET_BYTES);
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    let cli = Cli::try_parse_from(["roster", "--jwt-secret-file", path.to_str().unwrap()]).unwrap();
    assert_eq!(
        cli.settings.configured_jwt_secret().unwrap(),
        Some(Secret::new(secret))
    );
    std::fs::write(&path, "short\n").unwrap();
    let text = cli.settings.configured_jwt_secret().unwrap_err();
    assert!(
        text.contains("at least 32 bytes") && !text.contains("short"),
        "{text}"
    );
}

#[test]
fn the_database_and_smtp_urls_can_come_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("database-url");
    let smtp = dir.path().join("smtp-url");
    std::fs::write(&database, "postgres://roster:s3cret@db/roster\r\n").unwrap();
    std::fs::write(&smtp, "smtp://mailer:pa55@127.0.0.1:2525?tls=none\n").unwrap();
    let cli = Cli::try_parse_from([
        "roster",
        "--database-url-file",
        database.to_str().unwrap(),
        "--smtp-url-file",
        smtp.to_str().unwrap(),
    ])
    .unwrap();
    assert_eq!(cli.settings.validate(), Ok(()));
    assert_eq!(
        cli.settings.database_url().unwrap(),
        Secret::new("postgres://roster:s3cret@db/roster")
    );
    assert_eq!(
        cli.settings.smtp().unwrap(),
        Some(Secret::new("smtp://mailer:pa55@127.0.0.1:2525?tls=none"))
    );
    // Neither given: the SQLite default, and no mail server.
    let defaults = Settings::defaults();
    assert_eq!(
        defaults.database_url().unwrap(),
        Secret::new(DEFAULT_DATABASE_URL)
    );
    assert_eq!(defaults.smtp().unwrap(), None);
}

#[test]
fn a_secret_given_twice_or_in_a_missing_file_is_refused_without_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, "postgres://roster:s3cret@db/roster\n").unwrap();
    let file = file.to_str().unwrap();
    for (flags, names) in [
        (
            [
                "--database-url",
                "postgres://roster:other@db/roster",
                "--database-url-file",
                file,
            ],
            "DATABASE_URL or DATABASE_URL_FILE",
        ),
        (
            [
                "--smtp-url",
                "smtp://mailer:other@mail",
                "--smtp-url-file",
                file,
            ],
            "ROSTER_SMTP_URL or ROSTER_SMTP_URL_FILE",
        ),
    ] {
        let cli = Cli::try_parse_from(std::iter::once("roster").chain(flags)).unwrap();
        let text = cli.settings.validate().unwrap_err();
        assert_eq!(text, format!("set {names}, not both"));
    }
    let missing = dir.path().join("missing");
    let cli =
        Cli::try_parse_from(["roster", "--database-url-file", missing.to_str().unwrap()]).unwrap();
    let text = cli.settings.validate().unwrap_err();
    assert!(text.starts_with("cannot read DATABASE_URL_FILE"), "{text}");
}

#[test]
fn the_management_listener_defaults_to_loopback_and_says_when_it_was_chosen() {
    assert_eq!(
        Settings::defaults().management_address(),
        ("127.0.0.1:9464", false)
    );
    let cli = Cli::try_parse_from(["roster", "--management-bind", "10.0.0.5:9464"]).unwrap();
    assert_eq!(cli.settings.management_address(), ("10.0.0.5:9464", true));
}

#[test]
fn production_hides_the_schema_unless_asked() {
    assert!(Settings::defaults().public_schema_enabled());
    let cli = Cli::try_parse_from(["roster", "--env", "production"]).unwrap();
    assert!(!cli.settings.public_schema_enabled());
    let cli = Cli::try_parse_from(["roster", "--env", "production", "--public-schema"]).unwrap();
    assert!(cli.settings.public_schema_enabled());
    let cli = Cli::try_parse_from(["roster", "--public-schema", "false"]).unwrap();
    assert!(!cli.settings.public_schema_enabled());
}

#[test]
fn trusted_proxies_take_addresses_and_cidrs_and_refuse_the_rest() {
    let cli = Cli::try_parse_from(["roster", "--trusted-proxies", "10.0.0.0/8, ::1"]).unwrap();
    assert_eq!(
        cli.settings.trusted_proxies,
        vec![
            "10.0.0.0/8".parse::<IpNet>().unwrap(),
            "::1/128".parse().unwrap()
        ]
    );
    assert!(Cli::try_parse_from(["roster", "--trusted-proxies", "10.0.0/8"]).is_err());
    assert!(Cli::try_parse_from(["roster", "--trusted-proxies", "proxy.local"]).is_err());
}

#[test]
fn secrets_do_not_print_in_debug() {
    let secret = Secret::new("hunter2hunter2hunter2hunter2hunter2");
    assert_eq!(format!("{secret:?}"), "Secret(..)");
}

#[test]
fn the_encryption_key_is_32_bytes_of_base64_and_never_echoed() {
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let cli = Cli::try_parse_from(["roster", "--encryption-key", key]).unwrap();
    assert_eq!(
        cli.settings.configured_encryption_key().unwrap(),
        Some(Secret::new(key))
    );
    let short = "c2hvcnQta2V5";
    let cli = Cli::try_parse_from(["roster", "--encryption-key", short]).unwrap();
    let text = cli.settings.validate().unwrap_err();
    assert!(text.contains("32 bytes") && !text.contains(short), "{text}");
}

#[test]
fn production_needs_an_encryption_key_in_every_mode() {
    let secret = "x".repeat(MIN_JWT_SECRET_BYTES);
    let production = ["roster", "--env", "production", "--jwt-secret", &secret];
    for algorithm in ["HS256", "ES256", "eddsa"] {
        let args = production.into_iter().chain(["--jwt-algorithm", algorithm]);
        let cli = Cli::try_parse_from(args).unwrap();
        let text = cli.settings.validate().unwrap_err();
        assert!(text.contains("ROSTER_ENCRYPTION_KEY_FILE"), "{text}");
        assert!(text.contains("TOTP secrets"), "{text}");
    }
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    for algorithm in ["HS256", "ES256"] {
        let args =
            production
                .into_iter()
                .chain(["--jwt-algorithm", algorithm, "--encryption-key", key]);
        assert_eq!(
            Cli::try_parse_from(args).unwrap().settings.validate(),
            Ok(())
        );
    }
}

#[test]
fn a_kid_that_begins_with_a_hyphen_is_a_kid_not_a_flag() {
    for action in ["retire", "revoke"] {
        let cli =
            Cli::try_parse_from(["roster", "keys", action, "-1m6ZnznYOnjBT3KR7O6st"]).unwrap();
        let Some(Command::Keys {
            action: KeysAction::Retire { kid } | KeysAction::Revoke { kid },
        }) = cli.command
        else {
            panic!("not a keys command");
        };
        assert_eq!(kid, "-1m6ZnznYOnjBT3KR7O6st");
    }
}
