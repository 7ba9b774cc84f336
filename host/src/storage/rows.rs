//! Conversions between database values and domain values.
//!
//! Rows are read defensively: a value the domain cannot accept (bad JSON,
//! an unknown enum name, a malformed time, a negative amount) becomes
//! [`StoreError::Corrupt`] naming the column, never a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::app::ports::StoreError;
use crate::domain::time::{LocalDateTime, PrimitiveDateTime, now_local};

/// Local civil time as stored: `YYYY-MM-DDTHH:MM:SS`.
const TIME_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

/// Now, in local civil time, to the second (what is stored).
pub(crate) fn now() -> LocalDateTime {
    let now = now_local().into_inner();
    now.replace_nanosecond(0).unwrap_or(now).into()
}

pub(crate) fn time_text(at: LocalDateTime) -> String {
    // Formatting a PrimitiveDateTime with a fixed description cannot fail
    // for years 0-9999; fall back to the debug form rather than panic.
    at.format(TIME_FORMAT).unwrap_or_else(|_| format!("{at:?}"))
}

pub(crate) fn opt_time_text(at: Option<LocalDateTime>) -> Option<String> {
    at.map(time_text)
}

pub(crate) fn parse_time(text: &str, column: &str) -> Result<LocalDateTime> {
    PrimitiveDateTime::parse(text, TIME_FORMAT)
        .map(LocalDateTime::from)
        .map_err(|e| StoreError::Corrupt(format!("{column}: {text:?} is not a local time: {e}")))
}

/// A column of `row`, decoded; a type mismatch is corruption.
pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T>
where
    T: Decode<'r, Any> + Type<Any>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

pub(crate) fn get_time(row: &AnyRow, column: &str) -> Result<LocalDateTime> {
    parse_time(&get::<String>(row, column)?, column)
}

pub(crate) fn get_opt_time(row: &AnyRow, column: &str) -> Result<Option<LocalDateTime>> {
    get::<Option<String>>(row, column)?
        .map(|text| parse_time(&text, column))
        .transpose()
}

/// A non-negative integer column as `u64`.
pub(crate) fn get_u64(row: &AnyRow, column: &str) -> Result<u64> {
    let value = get::<i64>(row, column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column}: negative {value}")))
}

pub(crate) fn get_bool(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(get::<i64>(row, column)? != 0)
}

/// A JSON text column, deserialised.
pub(crate) fn get_json<T: DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    from_json(&get::<String>(row, column)?, column)
}

/// A column holding an enum's serde name (e.g. `in_review`), parsed.
pub(crate) fn get_name<T: DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    parse_name(&get::<String>(row, column)?, column)
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, column: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialise for storage: {e}")))
}

/// The serde name of a unit enum variant (`Stage::InReview` → `in_review`),
/// the form enums take in columns.
pub(crate) fn name<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(StoreError::Corrupt(
            "an enum without a plain name cannot be stored in a column".to_owned(),
        )),
    }
}

pub(crate) fn parse_name<T: DeserializeOwned>(text: &str, column: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| StoreError::Corrupt(format!("{column}: {text:?}: {e}")))
}

/// An amount or count for an INTEGER/BIGINT column.
pub(crate) fn int(value: u64) -> Result<i64> {
    i64::try_from(value)
        .map_err(|_| StoreError::Invalid(format!("{value} does not fit a 64-bit column")))
}
