//! The two databases behind the catalog, and one way to talk to both.
//!
//! The catalog's logic is written once, in SQL both SQLite and PostgreSQL run:
//! parameters are written `$1`, `$2`… (PostgreSQL's own; rewritten to SQLite's
//! `?1`, `?2`…), and the two-argument `LEAST`/`GREATEST` of PostgreSQL become
//! SQLite's scalar `MIN`/`MAX`. Everything else used here (`ON CONFLICT … DO
//! UPDATE`, `RETURNING`, partial indexes, `COALESCE`) is the same in both. Values
//! cross as [`Value`]s (integers, text or NULL); the vocabulary enums and times
//! convert through [`ToValue`] and [`FromValue`], by their stable names, so a
//! row never holds a string that stands for an enum. Only this module and the
//! schemas know which database is behind a catalog.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use regex::Regex;

use crate::model::{
    DefinitionState, FormatId, KindId, MatchKind, PiiKind, Role, Unit, Vocabulary, format_time,
    parse_time,
};

/// A database error, with the statement's first words when it came from one.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// Not a `#[source]`: the message already says all the error's chain would
    /// (twice, otherwise, in an `anyhow` chain).
    #[error("{}", postgres_message(.0))]
    Postgres(postgres::Error),
    /// A stored value of the wrong type or an unknown name.
    #[error("stored value: {0}")]
    Value(String),
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

/// PostgreSQL's own message (with its detail), never the connection string.
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_string(),
        },
        // A connection error's message names its kind; the cause (refused,
        // timed out, a TLS or authentication problem) is in its source chain.
        None => {
            let mut message = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            message
        }
    }
}

/// A value as both databases store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// Something that is written as a [`Value`].
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// Something that is read back from a [`Value`].
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Result<Self, DbError>;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
}

impl ToValue for u64 {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl ToValue for NaiveDateTime {
    fn to_value(&self) -> Value {
        Value::Text(format_time(*self))
    }
}

impl ToValue for NaiveDate {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, DbError> {
        match value {
            Value::Int(n) => Ok(*n),
            other => Err(DbError::Value(format!(
                "expected an integer, found {other:?}"
            ))),
        }
    }
}

impl FromValue for u64 {
    fn from_value(value: &Value) -> Result<Self, DbError> {
        i64::from_value(value).map(|n| n.max(0) as u64)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, DbError> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(DbError::Value(format!("expected text, found {other:?}"))),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, DbError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl FromValue for NaiveDateTime {
    fn from_value(value: &Value) -> Result<Self, DbError> {
        let text = String::from_value(value)?;
        parse_time(&text).ok_or_else(|| DbError::Value(format!("not a stored time: `{text}`")))
    }
}

impl FromValue for NaiveDate {
    fn from_value(value: &Value) -> Result<Self, DbError> {
        let text = String::from_value(value)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| DbError::Value(format!("not a stored day: `{text}`")))
    }
}

/// The vocabulary enums are stored by their stable names; a name this errata
/// does not know (a catalog written by a newer one) is an error, never a default.
macro_rules! by_name {
    ($($t:ty),* $(,)?) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Text(self.as_str().to_string())
            }
        }

        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<Self, DbError> {
                let name = String::from_value(value)?;
                <$t>::parse(&name).ok_or_else(|| {
                    DbError::Value(format!(
                        "unknown {} `{name}` (written by a newer errata?)",
                        <$t>::WHAT
                    ))
                })
            }
        }
    )*};
}

by_name!(
    Role,
    DefinitionState,
    Unit,
    MatchKind,
    PiiKind,
    FormatId,
    KindId
);

/// One row of a result.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i` as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, DbError> {
        let value = self
            .0
            .get(i)
            .ok_or_else(|| DbError::Value(format!("no column {i}")))?;
        T::from_value(value)
    }

    /// Columns `at..at + 4` as a raw length (`chars, utf8, utf16,
    /// sms_segments`), as every length histogram stores it.
    pub fn raw_length(&self, at: usize) -> Result<crate::model::RawLength, DbError> {
        Ok(crate::model::RawLength {
            chars: self.get(at)?,
            utf8: self.get(at + 1)?,
            utf16: self.get(at + 2)?,
            sms_segments: self.get(at + 3)?,
        })
    }
}

/// Parameters of one statement.
pub type Params<'a> = &'a [&'a dyn ToValue];

/// A connection to one of the two databases.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Postgres>),
}

/// A PostgreSQL connection with its prepared statements: every statement the
/// catalog runs is prepared once per connection, not once per execution.
pub struct Postgres {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Postgres {
    pub fn new(client: postgres::Client) -> Postgres {
        Postgres {
            client,
            statements: HashMap::new(),
        }
    }
}

/// Statements inside one transaction of either database.
pub enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres(
        postgres::Transaction<'a>,
        &'a mut HashMap<String, postgres::Statement>,
    ),
}

/// How a transaction behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads only, from one consistent view of the catalog.
    Read,
    /// Writes; takes the write lock at once (SQLite `BEGIN IMMEDIATE`), so a
    /// transaction that would upgrade later cannot fail with "database is busy".
    Write,
}

impl Db {
    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back
    /// otherwise.
    pub fn transaction<T>(
        &mut self,
        mode: Mode,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite(conn) => {
                let behavior = match mode {
                    Mode::Read => rusqlite::TransactionBehavior::Deferred,
                    Mode::Write => rusqlite::TransactionBehavior::Immediate,
                };
                let mut tx = Tx::Sqlite(conn.transaction_with_behavior(behavior)?);
                let out = f(&mut tx)?;
                match tx {
                    Tx::Sqlite(tx) => tx.commit()?,
                    Tx::Postgres(..) => unreachable!("a SQLite transaction"),
                }
                Ok(out)
            }
            Db::Postgres(pg) => {
                let pg = &mut **pg;
                let mut builder = pg.client.build_transaction();
                if mode == Mode::Read {
                    builder = builder
                        .isolation_level(postgres::IsolationLevel::RepeatableRead)
                        .read_only(true);
                }
                let mut tx = Tx::Postgres(builder.start()?, &mut pg.statements);
                let out = f(&mut tx)?;
                match tx {
                    Tx::Postgres(tx, _) => tx.commit()?,
                    Tx::Sqlite(..) => unreachable!("a PostgreSQL transaction"),
                }
                Ok(out)
            }
        }
    }

    /// Which database this is, for the few statements that differ (schema, locks).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }
}

impl Tx<'_> {
    /// Runs one statement; returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                let sql = sqlite_sql(sql);
                let values: Vec<SqliteValue> = params.iter().map(|p| sqlite_value(*p)).collect();
                let mut stmt = tx.prepare_cached(&sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(values.iter()))? as u64)
            }
            Tx::Postgres(tx, statements) => {
                let stmt = prepared(tx, statements, sql)?;
                let values: Vec<Value> = params.iter().map(|p| p.to_value()).collect();
                let refs: Vec<&(dyn ToSql + Sync)> =
                    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                Ok(tx.execute(&stmt, &refs)?)
            }
        }
    }

    /// Runs one query; returns its rows.
    pub fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                let sql = sqlite_sql(sql);
                let values: Vec<SqliteValue> = params.iter().map(|p| sqlite_value(*p)).collect();
                let mut stmt = tx.prepare_cached(&sql)?;
                let columns = stmt.column_count();
                let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), |r| {
                    (0..columns)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => Value::Null,
                                rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                                rusqlite::types::ValueRef::Text(t) => {
                                    Value::Text(String::from_utf8_lossy(t).into_owned())
                                }
                                rusqlite::types::ValueRef::Real(f) => Value::Int(f as i64),
                                rusqlite::types::ValueRef::Blob(b) => {
                                    Value::Text(String::from_utf8_lossy(b).into_owned())
                                }
                            })
                        })
                        .collect::<rusqlite::Result<Vec<Value>>>()
                        .map(Row)
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
            }
            Tx::Postgres(tx, statements) => {
                let stmt = prepared(tx, statements, sql)?;
                let values: Vec<Value> = params.iter().map(|p| p.to_value()).collect();
                let refs: Vec<&(dyn ToSql + Sync)> =
                    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                tx.query(&stmt, &refs)?
                    .iter()
                    .map(|r| postgres_row(r).map(Row))
                    .collect()
            }
        }
    }

    /// The one row of a query that returns exactly one.
    pub fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, DbError> {
        self.query(sql, params)?
            .into_iter()
            .next()
            .ok_or_else(|| DbError::Value("a query that returns one row returned none".into()))
    }

    /// Runs several statements without parameters (a schema migration).
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            Tx::Postgres(tx, _) => Ok(tx.batch_execute(sql)?),
        }
    }

    /// Whether this transaction runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(..))
    }
}

/// The statement prepared on this connection (once).
fn prepared(
    tx: &mut postgres::Transaction<'_>,
    statements: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement, DbError> {
    if let Some(stmt) = statements.get(sql) {
        return Ok(stmt.clone());
    }
    let stmt = tx.prepare(sql)?;
    statements.insert(sql.to_string(), stmt.clone());
    Ok(stmt)
}

/// A PostgreSQL row as values; integer and text columns are all the catalog has.
fn postgres_row(row: &postgres::Row) -> Result<Vec<Value>, DbError> {
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_();
            Ok(if *ty == Type::VOID {
                // `SELECT pg_advisory_lock(…)` and other calls for their effect.
                Value::Null
            } else if *ty == Type::INT8 {
                row.try_get::<_, Option<i64>>(i)?
                    .map_or(Value::Null, Value::Int)
            } else if *ty == Type::INT4 {
                row.try_get::<_, Option<i32>>(i)?
                    .map_or(Value::Null, |n| Value::Int(i64::from(n)))
            } else if *ty == Type::INT2 {
                row.try_get::<_, Option<i16>>(i)?
                    .map_or(Value::Null, |n| Value::Int(i64::from(n)))
            } else if *ty == Type::BOOL {
                row.try_get::<_, Option<bool>>(i)?
                    .map_or(Value::Null, |b| Value::Int(i64::from(b)))
            } else {
                row.try_get::<_, Option<String>>(i)?
                    .map_or(Value::Null, Value::Text)
            })
        })
        .collect()
}

/// A value as PostgreSQL takes a parameter: integers in the width the statement
/// asks for, text as text, NULL for any type.
impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Value::Int(n) if *ty == Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
            Value::Int(n) if *ty == Type::TEXT || *ty == Type::VARCHAR => {
                n.to_string().to_sql(ty, out)
            }
            Value::Int(n) => n.to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [
            Type::INT8,
            Type::INT4,
            Type::INT2,
            Type::TEXT,
            Type::VARCHAR,
            Type::NAME,
        ]
        .contains(ty)
    }

    to_sql_checked!();
}

/// A value as SQLite takes a parameter.
type SqliteValue = rusqlite::types::Value;

fn sqlite_value(p: &dyn ToValue) -> SqliteValue {
    match p.to_value() {
        Value::Null => SqliteValue::Null,
        Value::Int(n) => SqliteValue::Integer(n),
        Value::Text(s) => SqliteValue::Text(s),
    }
}

/// A statement written for PostgreSQL, as SQLite reads it: `$1` → `?1`,
/// `LEAST(`/`GREATEST(` → `MIN(`/`MAX(` (SQLite's scalar forms).
fn sqlite_sql(sql: &str) -> String {
    static PARAM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\$(\d+)").expect("valid"));
    PARAM
        .replace_all(sql, "?$1")
        .replace("LEAST(", "MIN(")
        .replace("GREATEST(", "MAX(")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite() -> Db {
        Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap())
    }

    #[test]
    fn statements_are_written_once_for_both_databases() {
        assert_eq!(
            sqlite_sql("UPDATE t SET a = LEAST(a, $2), b = GREATEST(b, $3) WHERE id = $1"),
            "UPDATE t SET a = MIN(a, ?2), b = MAX(b, ?3) WHERE id = ?1"
        );
    }

    #[test]
    fn values_round_trip_through_sqlite() {
        let mut db = sqlite();
        let rows = db
            .transaction(Mode::Write, |tx| {
                tx.batch("CREATE TABLE t (k TEXT, n INTEGER, o TEXT)")?;
                let none: Option<String> = None;
                tx.execute(
                    "INSERT INTO t VALUES ($1, $2, $3)",
                    &[&MatchKind::Truncated, &42u64, &none],
                )?;
                tx.query("SELECT k, n, o FROM t", &[])
            })
            .unwrap();
        assert_eq!(rows[0].get::<MatchKind>(0).unwrap(), MatchKind::Truncated);
        assert_eq!(rows[0].get::<u64>(1).unwrap(), 42);
        assert_eq!(rows[0].get::<Option<String>>(2).unwrap(), None);
        let unknown = db
            .transaction(Mode::Read, |tx| {
                tx.query_one("SELECT 'stail'", &[])?.get::<KindId>(0)
            })
            .unwrap_err();
        assert!(
            unknown.to_string().contains("unknown flag kind `stail`"),
            "{unknown}"
        );
    }

    #[test]
    fn a_failed_transaction_writes_nothing() {
        let mut db = sqlite();
        db.transaction(Mode::Write, |tx| tx.batch("CREATE TABLE t (n INTEGER)"))
            .unwrap();
        let failed: Result<(), DbError> = db.transaction(Mode::Write, |tx| {
            tx.execute("INSERT INTO t VALUES ($1)", &[&1i64])?;
            Err(DbError::Value("stop".into()))
        });
        assert!(failed.is_err());
        let count: i64 = db
            .transaction(Mode::Read, |tx| {
                tx.query_one("SELECT COUNT(*) FROM t", &[])?.get(0)
            })
            .unwrap();
        assert_eq!(count, 0);
    }
}
