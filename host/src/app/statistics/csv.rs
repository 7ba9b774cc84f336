//! A drill-down list as CSV, read from the database one keyset batch at a
//! time while the consumer (an HTTP response body) takes the bytes: memory
//! holds one batch however many rows the list has.

use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use futures_util::stream;

use crate::app::error::AppError;
use crate::app::ports::{DrillDown, StatisticsDossier, StatisticsStore};

/// Chunks of CSV text; an error ends the stream.
pub type CsvStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, AppError>> + Send>>;

/// Spreadsheet software reads UTF-8 (Vietnamese) correctly only with it.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Columns: the Vietnamese title (the users') with the JSON field it shows.
const COLUMNS: [(&str, &str); 15] = [
    ("Mã hồ sơ", "code"),
    ("Cơ quan", "agency"),
    ("Thủ tục", "procedure"),
    ("Kênh", "channel"),
    ("Ngày tiếp nhận", "received_at"),
    ("Ngày hẹn trả", "appointment_at"),
    ("Ngày hoàn thành", "finished_at"),
    ("Đúng hạn", "on_time"),
    ("Trực tuyến", "online"),
    ("Có phí", "fee_due"),
    ("Thanh toán trực tuyến", "paid_online"),
    ("Đồng bộ", "synchronised"),
    ("Tái sử dụng dữ liệu", "reused"),
    ("Kết quả điện tử", "e_result"),
    ("Đang xử lý", "open"),
];

fn header() -> Vec<String> {
    COLUMNS
        .iter()
        .map(|(title, field)| format!("{title} ({field})"))
        .collect()
}

/// The row's cells as its JSON shows them: times as in the API, flags 1/0,
/// nothing for an absent value.
fn record(dossier: &StatisticsDossier) -> Vec<String> {
    let json = serde_json::to_value(dossier).unwrap_or_default();
    COLUMNS
        .iter()
        .map(|(_, field)| match &json[field] {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Bool(flag) => u8::from(*flag).to_string(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect()
}

fn encode<I, R>(records: I) -> Result<Vec<u8>, AppError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for record in records {
        writer
            .write_record(record)
            .map_err(|e| AppError::invalid("csv", e.to_string()))?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::invalid("csv", e.to_string()))
}

/// Where the export stands between two chunks.
enum Step {
    Header,
    Batch(Option<String>),
    Done,
}

pub(super) fn stream(
    store: Arc<dyn StatisticsStore>,
    tenant: String,
    query: DrillDown,
    batch: u32,
) -> CsvStream {
    Box::pin(stream::unfold(Step::Header, move |step| {
        let (store, tenant, query) = (store.clone(), tenant.clone(), query.clone());
        async move {
            match step {
                Step::Header => {
                    let mut bytes = BOM.to_vec();
                    let header = encode([header()]);
                    match header {
                        Ok(header) => bytes.extend(header),
                        Err(e) => return Some((Err(e), Step::Done)),
                    }
                    Some((Ok(bytes), Step::Batch(None)))
                }
                Step::Batch(after) => {
                    let page = match store
                        .drill_down(&tenant, &query, after.as_deref(), batch)
                        .await
                    {
                        Ok(page) => page,
                        Err(e) => return Some((Err(e.into()), Step::Done)),
                    };
                    let next = match page.next {
                        Some(cursor) => Step::Batch(Some(cursor)),
                        None => Step::Done,
                    };
                    Some((encode(page.items.iter().map(record)), next))
                }
                Step::Done => None,
            }
        }
    }))
}
