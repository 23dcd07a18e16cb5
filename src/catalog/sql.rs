//! How the shared vocabulary and times are written to and read from SQLite
//! columns: enums by their stable names, times as `YYYY-MM-DDTHH:MM:SS` text.
//!
//! A name this errata does not know (a catalog written by a newer one) is a read
//! error naming the column's vocabulary, never a silent default.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::model::{DefinitionState, FormatId, KindId, MatchKind, PiiKind, Role, Unit, Vocabulary};

macro_rules! sql_by_name {
    ($($t:ty),* $(,)?) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let name = value.as_str()?;
                <$t>::parse(name).ok_or_else(|| {
                    FromSqlError::Other(
                        format!("unknown {} `{name}` (written by a newer errata?)", <$t>::WHAT)
                            .into(),
                    )
                })
            }
        }
    )*};
}

sql_by_name!(
    Role,
    DefinitionState,
    Unit,
    MatchKind,
    PiiKind,
    FormatId,
    KindId
);

/// A stored time column (`YYYY-MM-DDTHH:MM:SS`).
pub(super) fn time(value: String) -> rusqlite::Result<chrono::NaiveDateTime> {
    crate::model::parse_time(&value).ok_or_else(|| bad_text("time", &value))
}

/// A stored day column (`YYYY-MM-DD`).
pub(super) fn day(value: String) -> rusqlite::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| bad_text("day", &value))
}

fn bad_text(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("not a stored {what}: `{value}`").into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_round_trips_through_sqlite_and_unknown_names_are_errors() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: MatchKind = conn
            .query_row("SELECT ?1", [MatchKind::Truncated], |r| r.get(0))
            .unwrap();
        assert_eq!(back, MatchKind::Truncated);
        let unknown: rusqlite::Result<KindId> = conn.query_row("SELECT 'stail'", [], |r| r.get(0));
        let message = unknown.unwrap_err().to_string();
        assert!(message.contains("unknown flag kind `stail`"), "{message}");
    }
}
