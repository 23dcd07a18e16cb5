//! Where a catalog lives: a SQLite file, or a PostgreSQL database.
//!
//! `--db` takes either. A PostgreSQL target is a URL (`postgres://user@host:5432/db`,
//! `postgresql://…`) or a libpq key/value string (`host=db.bank.local dbname=errata
//! user=errata_web`); anything else is a SQLite path. As with libpq, what the
//! string leaves out comes from `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE`,
//! and the password from the string itself, else `PGPASSWORD`, else the password
//! file (`PGPASSFILE`, else `~/.pgpass`). A target is shown everywhere (messages,
//! reports, the catalog itself) without its password.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A catalog's location, as `--db` gives it.
#[derive(Clone)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(Box<PgTarget>),
}

/// A PostgreSQL connection as configured, and how it is shown.
#[derive(Clone)]
pub struct PgTarget {
    pub config: postgres::Config,
    /// `postgres://user@host:port/db`: never the password.
    shown: String,
}

/// A `--db` value that cannot name a catalog.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(String);

impl Target {
    /// A SQLite catalog at `path`.
    pub fn sqlite(path: impl Into<PathBuf>) -> Target {
        Target::Sqlite(path.into())
    }

    /// The SQLite file, for the few things only a file has (its lock file).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Target::Sqlite(path) => Some(path),
            Target::Postgres(_) => None,
        }
    }
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Target, TargetError> {
        let is_url = s.starts_with("postgres://") || s.starts_with("postgresql://");
        // libpq's key/value form: `key=value` pairs, the first one a known key.
        let is_keyvalue = !is_url
            && s.split_whitespace().next().is_some_and(|first| {
                first.split_once('=').is_some_and(|(k, _)| {
                    [
                        "host",
                        "hostaddr",
                        "port",
                        "dbname",
                        "user",
                        "password",
                        "sslmode",
                        "application_name",
                        "connect_timeout",
                        "options",
                    ]
                    .contains(&k)
                })
            });
        if !is_url && !is_keyvalue {
            if s.is_empty() {
                return Err(TargetError("--db: empty catalog path".to_string()));
            }
            return Ok(Target::Sqlite(PathBuf::from(s)));
        }
        let mut config = postgres::Config::from_str(s).map_err(|e| {
            // The parser's message quotes no value, so no password leaks.
            TargetError(format!("--db: not a PostgreSQL connection string: {e}"))
        })?;
        complete(&mut config);
        let shown = show(&config);
        Ok(Target::Postgres(Box::new(PgTarget { config, shown })))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sqlite(path) => write!(f, "{}", path.display()),
            Target::Postgres(pg) => f.write_str(&pg.shown),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self})")
    }
}

/// Fills what libpq would take from the environment and the password file.
fn complete(config: &mut postgres::Config) {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        config.host(&env("PGHOST").unwrap_or_else(|| "localhost".to_string()));
    }
    if config.get_ports().is_empty()
        && let Some(port) = env("PGPORT").and_then(|p| p.parse().ok())
    {
        config.port(port);
    }
    if config.get_user().is_none()
        && let Some(user) = env("PGUSER").or_else(|| whoami::username().ok())
    {
        config.user(&user);
    }
    if config.get_dbname().is_none()
        && let Some(db) = env("PGDATABASE").or_else(|| config.get_user().map(str::to_string))
    {
        config.dbname(&db);
    }
    if config.get_password().is_some() {
        return;
    }
    if let Some(password) = env("PGPASSWORD") {
        config.password(password);
    } else if let Some(password) = password_file(config) {
        config.password(password);
    }
}

/// The password the password file gives for this host, port, database and user.
fn password_file(config: &postgres::Config) -> Option<String> {
    let file = postgres_secrets::PgPass::load().ok()?;
    let host = match config.get_hosts().first()? {
        postgres::config::Host::Tcp(host) => host.clone(),
        postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let query = file
        .query()
        .hostname(&host)
        .ok()?
        .port(port)
        .ok()?
        .database(config.get_dbname()?)
        .ok()?
        .username(config.get_user()?)
        .ok()?;
    query.find().ok().flatten().map(|c| c.password)
}

/// `postgres://user@host:port/db`, without the password.
fn show(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => String::new(),
    };
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{host}{port}/{db}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_urls_and_keyvalue_strings() {
        assert!(matches!(
            "errata.db".parse::<Target>(),
            Ok(Target::Sqlite(_))
        ));
        assert!(matches!(
            "/var/lib/errata/x.db".parse::<Target>(),
            Ok(Target::Sqlite(_))
        ));
        let url: Target = "postgres://errata_web:s3cret@db.bank:5433/catalog"
            .parse()
            .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://errata_web@db.bank:5433/catalog"
        );
        let kv: Target = "host=db.bank dbname=catalog user=web password=s3cret"
            .parse()
            .unwrap();
        assert_eq!(kv.to_string(), "postgres://web@db.bank/catalog");
        match &kv {
            Target::Postgres(pg) => assert_eq!(pg.config.get_password(), Some(&b"s3cret"[..])),
            Target::Sqlite(_) => panic!("a PostgreSQL target"),
        }
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!("postgres://[bad".parse::<Target>().is_err());
    }
}
