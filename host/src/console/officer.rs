//! The officer's desk: the agency inbox sorted by deadline, the dossier
//! page with exactly the actions the state machine allows now (each a
//! form), the documents, and the printable one-stop forms 01 and 02. The
//! dossier page also serves the citizen (their own dossier, their actions).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use motcua_domain::code::AgencyCode;
use motcua_domain::dossier::Channel;
use motcua_domain::fee::total_vnd;
use motcua_domain::lifecycle::{CommandKind, DossierState, EventKind, Role, Stage};
use motcua_domain::time::{LocalDateTime, now_local};
use serde::Deserialize;
use time::Duration;

use super::session::SignedIn;
use super::{ConsoleState, Posted, fields};
use crate::app::error::AppError;
use crate::app::ports::{DossierFilter, DossierOrder, PageRequest, StoredDossier, StoredEvent};
use crate::app::service::{DossierDetails, RecordPayment, ResultUpload, TransitionRequest};

/// Inbox rows per page.
const PAGE: u32 = 25;

/// How close an appointment must be to count as due soon.
const DUE_SOON_DAYS: i64 = 2;

/// The deadline mark of a dossier as of `now`: paused while waiting for
/// the applicant; overdue, due today or due soon while the clock runs.
pub fn deadline_mark(state: &DossierState, now: LocalDateTime) -> Option<&'static str> {
    let stage = state.stage?;
    if stage == Stage::SupplementationRequested {
        return Some("paused");
    }
    if stage.is_closed() || state.finished_at.is_some() {
        return None;
    }
    let appointment = state.appointment?;
    if appointment < now || state.supplementation_rounds.len() > 1 {
        Some("overdue")
    } else if appointment.date() == now.date() {
        Some("due_today")
    } else if appointment - now <= Duration::days(DUE_SOON_DAYS) {
        Some("due_soon")
    } else {
        None
    }
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    q: Option<String>,
    stage: Option<String>,
    procedure: Option<String>,
    channel: Option<String>,
    from: Option<String>,
    to: Option<String>,
    scope: Option<String>,
    after: Option<String>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_enum<T: serde::de::DeserializeOwned>(text: Option<&str>) -> Option<T> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t.to_owned())).ok())
}

pub async fn inbox(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Query(query): Query<InboxQuery>,
) -> Response {
    if let Err(page) = me.require(&[Role::Officer]) {
        return page;
    }
    let search = blank(&query.q);
    // A dossier code goes straight to its page.
    if let Some(code) = search.filter(|q| q.contains('-'))
        && state
            .service
            .dossier(&me.user, &me.tenant, code)
            .await
            .is_ok()
    {
        return Redirect::to(&format!("/console/dossiers/{code}")).into_response();
    }
    let day = |text: Option<&str>| {
        text.and_then(fields::parse_date)
            .map(|d| LocalDateTime::from(d.midnight()))
    };
    let filter = DossierFilter {
        stage: parse_enum::<Stage>(blank(&query.stage)),
        procedure_code: blank(&query.procedure).map(str::to_owned),
        channel: parse_enum::<Channel>(blank(&query.channel)),
        // The access rule scopes the listing to the officer's agencies.
        applicant_id: search.filter(|q| !q.contains('-')).map(str::to_owned),
        received_from: day(blank(&query.from)),
        received_before: day(blank(&query.to)).map(|d| d + Duration::days(1)),
        open_only: blank(&query.scope) != Some("all"),
        order: DossierOrder::Deadline,
        ..DossierFilter::default()
    };
    let page = PageRequest {
        after: blank(&query.after).map(str::to_owned),
        limit: PAGE,
    };
    let listing = state
        .service
        .dossiers(&me.user, &me.tenant, &filter, &page)
        .await;
    let listing = match listing {
        Ok(listing) => listing,
        Err(error) => return me.visitor.fail(error),
    };
    let procedures = state
        .service
        .procedures(&me.user, &me.tenant)
        .await
        .unwrap_or_default();
    let now = now_local();
    let rows: Vec<Value> = listing
        .items
        .iter()
        .map(|d| {
            context! {
                dossier => Value::from_serialize(d),
                mark => deadline_mark(&d.state, now),
                procedure => procedures.iter().find(|p| p.code == d.procedure_code).map(|p| Value::from_serialize(&p.name)),
            }
        })
        .collect();
    // The next page's link keeps the filters.
    let next = listing.next.map(|cursor| {
        let mut params = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("q", &query.q),
            ("stage", &query.stage),
            ("procedure", &query.procedure),
            ("channel", &query.channel),
            ("from", &query.from),
            ("to", &query.to),
            ("scope", &query.scope),
        ] {
            if let Some(value) = blank(value) {
                params.append_pair(key, value);
            }
        }
        params.append_pair("after", &cursor);
        format!("/console/inbox?{}", params.finish())
    });
    me.visitor.render(
        "inbox.html",
        context! {
            rows => rows,
            next => next,
            paged => query.after.is_some(),
            procedures => Value::from_serialize(&procedures),
            stages => Stage::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
            q => query.q, stage => query.stage, procedure => query.procedure,
            channel => query.channel, from => query.from, to => query.to,
            scope => query.scope.unwrap_or_else(|| "open".into()),
        },
    )
}

/// The extra inputs an action's form asks for.
fn action_inputs(kind: CommandKind) -> &'static [&'static str] {
    match kind {
        CommandKind::RefuseAtIntake
        | CommandKind::RequestSupplementation
        | CommandKind::RequestFinancialObligation
        | CommandKind::Refuse
        | CommandKind::Stop
        | CommandKind::Withdraw => &["reason"],
        CommandKind::Assign => &["assignee"],
        CommandKind::Forward => &["to"],
        CommandKind::Approve => &["result_title", "result_text"],
        CommandKind::Extend => &["appointment", "reason"],
        _ => &[],
    }
}

/// Readable text of an HTML letter: tags dropped, paragraphs and breaks
/// kept as line breaks, the common entities decoded. The page shows it as
/// text, so nothing the plugin wrote runs or styles the console.
pub fn letter_text(html: &str) -> String {
    let body = html
        .split_once("<body")
        .map(|(_, rest)| rest.split_once('>').map(|(_, b)| b).unwrap_or(rest))
        .unwrap_or(html);
    let mut text = String::new();
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = rest[start + 1..start + end].to_ascii_lowercase();
        if tag.starts_with("br") || tag.starts_with("/p") || tag.starts_with("/h") {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn page_data(
    state: &ConsoleState,
    me: &SignedIn,
    code: &str,
) -> Result<(DossierDetails, Vec<StoredEvent>), AppError> {
    let details = state.service.dossier(&me.user, &me.tenant, code).await?;
    let events = state.service.events(&me.user, &me.tenant, code).await?;
    Ok((details, events))
}

#[derive(Deserialize, Default)]
pub struct DossierQuery {
    done: Option<String>,
}

pub async fn dossier(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(code): Path<String>,
    Query(query): Query<DossierQuery>,
) -> Response {
    let (details, events) = match page_data(&state, &me, &code).await {
        Ok(found) => found,
        Err(error) => return me.visitor.fail(error),
    };
    let (user, tenant) = (&me.user, me.tenant.as_str());
    let dossier = &details.dossier;
    let procedure = state
        .service
        .procedure_of(user, tenant, &dossier.procedure_code)
        .await
        .ok();
    let definition = state
        .service
        .form(user, tenant, &dossier.procedure_code)
        .await
        .ok()
        .flatten();
    let payments = state
        .service
        .payments(user, tenant, &code)
        .await
        .unwrap_or_default();
    let sync = match user.role {
        Role::Citizen => Vec::new(),
        _ => state
            .sync
            .dossier_sync(user, tenant, &details)
            .await
            .unwrap_or_default(),
    };
    let reused: Vec<&str> = details
        .reused_fields
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    let form: Vec<Value> = dossier
        .form
        .iter()
        .map(|entry| {
            let label = definition
                .as_ref()
                .and_then(|d| d.fields.iter().find(|f| f.id == entry.field))
                .map(|f| Value::from_serialize(&f.label));
            context! {
                field => entry.field,
                label => label,
                value => fields::show_value(&entry.value),
                reused => reused.contains(&entry.field.as_str()),
            }
        })
        .collect();
    let actions: Vec<Value> = details
        .allowed_actions
        .iter()
        .filter(|kind| kind.allowed_roles().contains(&user.role))
        .map(|kind| context! { name => kind.name(), inputs => action_inputs(*kind) })
        .collect();
    let mut letters = Vec::new();
    for document in &details.documents {
        if document.media_type.starts_with("text/")
            && let Ok((_, bytes)) = state
                .service
                .document(user, tenant, &code, &document.id)
                .await
        {
            let text = String::from_utf8_lossy(&bytes);
            let text = if document.media_type.starts_with("text/html") {
                letter_text(&text)
            } else {
                text.into_owned()
            };
            letters.push(context! { title => document.title, kind => document.kind, text => text });
        }
    }
    let lines: Vec<_> = details.fee_lines.iter().map(|l| l.line.clone()).collect();
    let due = lines
        .iter()
        .filter(|l| l.collection != motcua_domain::fee::Collection::NotCollected)
        .map(|l| l.amount_vnd)
        .sum::<u64>();
    // As the payments use case counts what is still due.
    let paid: u64 = payments
        .iter()
        .map(|p| &p.record.payment)
        .filter(|p| p.status() != motcua_domain::payment::PaymentStatus::Cancelled)
        .map(|p| p.paid_vnd())
        .sum();
    let timeline: Vec<Value> = events
        .iter()
        .map(|e| {
            let kind = serde_json::to_value(&e.event.kind)
                .ok()
                .and_then(|v| v.get("type").and_then(|t| t.as_str().map(str::to_owned)))
                .unwrap_or_default();
            let reason = e.event.kind.reason();
            context! { event => Value::from_serialize(&e.event), kind => kind, reason => reason }
        })
        .collect();
    me.visitor.render(
        "dossier.html",
        context! {
            d => Value::from_serialize(dossier),
            details => Value::from_serialize(&details),
            procedure => Value::from_serialize(&procedure),
            mark => deadline_mark(&dossier.state, now_local()),
            form => form,
            actions => actions,
            letters => letters,
            fees => Value::from_serialize(&lines),
            total => total_vnd(&lines),
            owed => due.saturating_sub(paid),
            payments => Value::from_serialize(&payments),
            timeline => timeline,
            sync => Value::from_serialize(&sync),
            show_sync => user.role != Role::Citizen,
            officer => user.role == Role::Officer,
            done => query.done,
        },
    )
}

/// The request an action's posted form stands for.
fn transition_request(kind: &str, posted: &Posted) -> Result<TransitionRequest, AppError> {
    let reason = || {
        posted
            .text("reason")
            .ok_or_else(|| AppError::invalid("reason", "give a reason"))
    };
    Ok(match kind {
        "receive" => TransitionRequest::Receive,
        "refuse_at_intake" => TransitionRequest::RefuseAtIntake { reason: reason()? },
        "assign" => TransitionRequest::Assign {
            assignee: posted
                .text("assignee")
                .ok_or_else(|| AppError::invalid("assignee", "name the assignee"))?,
        },
        "start_review" => TransitionRequest::StartReview,
        "forward" => TransitionRequest::Forward {
            to: posted
                .text("to")
                .ok_or_else(|| AppError::invalid("to", "name who it goes to"))?,
        },
        "submit_for_signature" => TransitionRequest::SubmitForSignature,
        "request_supplementation" => {
            TransitionRequest::RequestSupplementation { reason: reason()? }
        }
        "supplement" => TransitionRequest::Supplement { form: None },
        "request_financial_obligation" => {
            TransitionRequest::RequestFinancialObligation { reason: reason()? }
        }
        "confirm_obligation_met" => TransitionRequest::ConfirmObligationMet,
        "approve" => TransitionRequest::Approve {
            result: posted.text("result_text").map(|text| {
                use base64::Engine as _;
                ResultUpload {
                    title: posted
                        .text("result_title")
                        .unwrap_or_else(|| "Kết quả giải quyết".into()),
                    media_type: "text/plain; charset=utf-8".into(),
                    content_base64: base64::engine::general_purpose::STANDARD.encode(text),
                }
            }),
        },
        "refuse" => TransitionRequest::Refuse { reason: reason()? },
        "stop" => TransitionRequest::Stop { reason: reason()? },
        "withdraw" => TransitionRequest::Withdraw { reason: reason()? },
        "return_result" => TransitionRequest::ReturnResult,
        "extend" => TransitionRequest::Extend {
            appointment: posted
                .text("appointment")
                .and_then(|t| fields::parse_date(&t))
                .map(|d| LocalDateTime::from(d.with_hms(17, 0, 0).unwrap_or(d.midnight())))
                .ok_or_else(|| {
                    AppError::invalid("appointment", "give the new date as dd/mm/yyyy")
                })?,
            reason: reason()?,
        },
        other => {
            return Err(AppError::invalid(
                "action",
                format!("unknown action `{other}`"),
            ));
        }
    })
}

pub async fn act(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me.check_csrf(posted.get("csrf")) {
        return page;
    }
    let action = posted.get("action").unwrap_or_default().to_owned();
    let outcome = if action == "record_payment" {
        let amount = posted
            .text("amount_vnd")
            .map(|a| a.replace(['.', ','], ""))
            .and_then(|a| a.parse::<u64>().ok());
        match amount {
            Some(amount_vnd) => state
                .service
                .record_payment(
                    &me.user,
                    &me.tenant,
                    &code,
                    RecordPayment {
                        channel: motcua_domain::payment::PaymentChannel::Counter,
                        amount_vnd,
                        reference: posted.text("reference"),
                    },
                )
                .await
                .map(|_| ()),
            None => Err(AppError::invalid("amount_vnd", "give the amount in VND")),
        }
    } else {
        match transition_request(&action, &posted) {
            Ok(request) => state
                .service
                .transition(&me.user, &me.tenant, &code, request, None)
                .await
                .map(|_| ()),
            Err(error) => Err(error),
        }
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/console/dossiers/{code}?done={action}")).into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

pub async fn document(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    match state
        .service
        .document(&me.user, &me.tenant, &code, &id)
        .await
    {
        Ok((document, bytes)) => (
            [
                (header::CONTENT_TYPE, document.media_type),
                // A plugin's document runs nothing and reaches nothing.
                (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

fn last_supplementation_reason(events: &[StoredEvent]) -> Option<String> {
    events.iter().rev().find_map(|e| match &e.event.kind {
        EventKind::SupplementationRequested { reason } => Some(reason.clone()),
        _ => None,
    })
}

/// One-stop forms 01 (receipt and appointment slip) and 02
/// (supplementation request), as pages that print on A4.
pub async fn print(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path((code, form)): Path<(String, String)>,
) -> Response {
    let template = match form.as_str() {
        "01" => "print01.html",
        "02" => "print02.html",
        _ => return me.visitor.fail(AppError::NotFound(format!("form {form}"))),
    };
    let (details, events) = match page_data(&state, &me, &code).await {
        Ok(found) => found,
        Err(error) => return me.visitor.fail(error),
    };
    let dossier: &StoredDossier = &details.dossier;
    let procedure = state
        .service
        .procedure_of(&me.user, &me.tenant, &dossier.procedure_code)
        .await
        .ok();
    let agency = state
        .tenants
        .agency(&me.tenant, &dossier.agency)
        .await
        .ok()
        .flatten();
    let tenant = state.tenants.tenant(&me.tenant).await.ok().flatten();
    let reason = last_supplementation_reason(&events);
    if form == "02" && reason.is_none() {
        return me.visitor.render_status(
            StatusCode::NOT_FOUND,
            "error.html",
            context! { message => "no supplementation was requested for this dossier" },
        );
    }
    let receiver = events
        .iter()
        .find(|e| matches!(e.event.kind, EventKind::Received { .. }))
        .map(|e| e.event.actor.id.clone());
    me.visitor.render(
        template,
        context! {
            d => Value::from_serialize(dossier),
            procedure => Value::from_serialize(&procedure),
            agency => agency.map(|a| a.name).unwrap_or_else(|| AgencyCode::as_str(&dossier.agency).to_owned()),
            tenant => tenant.map(|t| t.name),
            reason => reason,
            receiver => receiver,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::local_datetime;

    #[test]
    fn letters_read_as_text_without_markup() {
        let html = "<html><head><title>x</title></head><body><p style=\"a\">Kính gửi <strong>Ông A</strong>,</p><p>Chúc mừng &amp; hẹn gặp</p></body></html>";
        assert_eq!(letter_text(html), "Kính gửi Ông A,\nChúc mừng & hẹn gặp");
    }

    #[test]
    fn deadlines_are_marked_as_officers_read_them() {
        let now = local_datetime!(2026-12-02 10:00:00);
        let mut state = DossierState {
            stage: Some(Stage::InReview),
            appointment: Some(local_datetime!(2026-12-01 17:00:00)),
            ..DossierState::default()
        };
        assert_eq!(deadline_mark(&state, now), Some("overdue"));
        state.appointment = Some(local_datetime!(2026-12-02 17:00:00));
        assert_eq!(deadline_mark(&state, now), Some("due_today"));
        state.appointment = Some(local_datetime!(2026-12-03 17:00:00));
        assert_eq!(deadline_mark(&state, now), Some("due_soon"));
        state.appointment = Some(local_datetime!(2026-12-20 17:00:00));
        assert_eq!(deadline_mark(&state, now), None);
        state.stage = Some(Stage::SupplementationRequested);
        assert_eq!(deadline_mark(&state, now), Some("paused"));
    }
}
