//! The citizen's path: the tenant's procedures, the form its form plugin
//! defines (prefilled from the registry, reused values marked, the fee
//! shown before submitting), the receipt with the dossier code, and "my
//! dossiers". Every step is a plain form post and redirect, so it works
//! with JavaScript disabled.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use motcua_domain::catalog::Procedure;
use motcua_domain::dossier::{Applicant, ApplicantKind, Channel, FormEntry};
use motcua_domain::fee::total_vnd;
use motcua_domain::form::{FieldError, FormDefinition};
use motcua_domain::lifecycle::Role;
use motcua_domain::localized::Localized;

use super::session::SignedIn;
use super::{ConsoleState, Posted, fields};
use crate::app::error::AppError;
use crate::app::ports::{DossierFilter, PageRequest};
use crate::app::service::{PrefillRequest, SubmitDossier};

pub async fn procedures(State(state): State<ConsoleState>, me: SignedIn) -> Response {
    let procedures = match state.service.procedures(&me.user, &me.tenant).await {
        Ok(p) => p,
        Err(error) => return me.visitor.fail(error),
    };
    let items: Vec<Value> = procedures
        .iter()
        .map(|p| {
            let online = p.terms(Channel::Online);
            context! {
                code => p.code,
                name => Value::from_serialize(&p.name),
                online => online.is_some(),
                days => online.or(p.channels.first()).map(|t| Value::from_serialize(t.processing_time)),
            }
        })
        .collect();
    me.visitor
        .render("procedures.html", context! { procedures => items })
}

/// What the applicant block of the form shows.
fn applicant_view(applicant: &Applicant, reused: &[String]) -> Value {
    context! {
        id => applicant.id,
        full_name => applicant.full_name,
        phone => applicant.phone,
        email => applicant.email,
        name_reused => reused.iter().any(|f| f == "applicant.full_name"),
    }
}

struct FormPage<'a> {
    procedure: &'a Procedure,
    definition: Option<&'a FormDefinition>,
    applicant: &'a Applicant,
    values: &'a [FormEntry],
    errors: &'a [FieldError],
    general: Vec<String>,
    reused: Vec<String>,
    fees: Value,
    total: Option<u64>,
}

fn render_form(me: &SignedIn, status: StatusCode, page: FormPage) -> Response {
    let form = page
        .definition
        .map(|d| fields::view(d, page.values, page.errors, &page.reused));
    me.visitor.render_status(
        status,
        "apply.html",
        context! {
            procedure => context! { code => page.procedure.code, name => Value::from_serialize(&page.procedure.name) },
            title => page.definition.map(|d| Value::from_serialize(&d.title)),
            groups => form,
            applicant => applicant_view(page.applicant, &page.reused),
            errors => page.errors.iter().map(|e| Value::from_serialize(&e.message)).collect::<Vec<_>>(),
            general => page.general,
            fees => page.fees,
            total => page.total,
            reused_any => !page.reused.is_empty(),
        },
    )
}

/// The registry's values for the signed-in citizen, as form entries, the
/// prefilled applicant, and which fields they fill.
async fn registry_prefill(
    state: &ConsoleState,
    me: &SignedIn,
    procedure: &str,
) -> (Vec<FormEntry>, Option<Applicant>, Vec<String>) {
    let Some(personal_id) = me.user.personal_id.clone() else {
        return (Vec::new(), None, Vec::new());
    };
    match state
        .service
        .prefill(
            &me.user,
            &me.tenant,
            procedure,
            PrefillRequest { personal_id },
        )
        .await
    {
        Ok(answer) => {
            let mut reused: Vec<String> = answer
                .values
                .iter()
                .filter(|v| v.reused)
                .map(|v| v.field.clone())
                .collect();
            if !answer.applicant.full_name.is_empty() {
                reused.push("applicant.full_name".into());
            }
            let entries = answer
                .values
                .into_iter()
                .map(|v| FormEntry {
                    field: v.field,
                    value: v.value,
                })
                .collect();
            (entries, Some(answer.applicant), reused)
        }
        Err(error) => {
            tracing::info!(%error, "no registry prefill for the console form");
            (Vec::new(), None, Vec::new())
        }
    }
}

/// The fee lines and their total (`None` past what a total can hold: the
/// host refuses such lines from a plugin, so it is never shown).
fn fee_view(lines: &[motcua_domain::fee::FeeLine]) -> (Value, Option<u64>) {
    (Value::from_serialize(lines), total_vnd(lines))
}

async fn load_procedure(
    state: &ConsoleState,
    me: &SignedIn,
    code: &str,
) -> Result<(Procedure, Option<FormDefinition>), Response> {
    let procedure = state
        .service
        .procedure_of(&me.user, &me.tenant, code)
        .await
        .map_err(|e| me.visitor.fail(e))?;
    if procedure.terms(Channel::Online).is_none() {
        return Err(me.visitor.fail(AppError::invalid(
            "channel",
            "this procedure is not offered online",
        )));
    }
    let definition = state
        .service
        .form(&me.user, &me.tenant, code)
        .await
        .map_err(|e| me.visitor.fail(e))?;
    Ok((procedure, definition))
}

fn submission(procedure: &Procedure, applicant: Applicant, form: Vec<FormEntry>) -> SubmitDossier {
    SubmitDossier {
        procedure_code: procedure.code.clone(),
        agency: procedure.deciding_agency.clone(),
        channel: Channel::Online,
        applicant,
        form,
    }
}

pub async fn apply_page(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(code): Path<String>,
) -> Response {
    if let Err(page) = me.require(&[Role::Citizen]) {
        return page;
    }
    let (procedure, definition) = match load_procedure(&state, &me, &code).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let (values, prefilled, reused) = registry_prefill(&state, &me, &code).await;
    let applicant = prefilled.unwrap_or_else(|| Applicant {
        kind: ApplicantKind::Citizen,
        id: me.user.personal_id.clone().unwrap_or_default(),
        full_name: me.user.name.clone(),
        birth_date: None,
        phone: None,
        email: None,
        groups: Vec::new(),
    });
    let request = submission(&procedure, applicant.clone(), values.clone());
    let (fees, total) = match state.service.quote(&me.user, &me.tenant, &request).await {
        Ok(lines) => fee_view(&lines),
        Err(error) => return me.visitor.fail(error),
    };
    render_form(
        &me,
        StatusCode::OK,
        FormPage {
            procedure: &procedure,
            definition: definition.as_ref(),
            applicant: &applicant,
            values: &values,
            errors: &[],
            general: Vec::new(),
            reused,
            fees,
            total,
        },
    )
}

pub async fn apply(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me
        .require(&[Role::Citizen])
        .and_then(|_| me.check_csrf(posted.get("csrf")))
    {
        return page;
    }
    let (procedure, definition) = match load_procedure(&state, &me, &code).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let applicant = Applicant {
        kind: ApplicantKind::Citizen,
        id: posted.text("applicant.id").unwrap_or_default(),
        full_name: posted.text("applicant.full_name").unwrap_or_default(),
        birth_date: None,
        phone: posted.text("applicant.phone"),
        email: posted.text("applicant.email"),
        groups: Vec::new(),
    };
    let form = definition
        .as_ref()
        .map(|d| fields::entries(d, &posted))
        .unwrap_or_default();
    let request = submission(&procedure, applicant.clone(), form.clone());
    let failure = match state
        .service
        .submit(&me.user, &me.tenant, request.clone())
        .await
    {
        Ok(details) => {
            return Redirect::to(&format!(
                "/console/dossiers/{}/receipt",
                details.dossier.code
            ))
            .into_response();
        }
        Err(error) => error,
    };
    let (errors, general) = match failure {
        AppError::FormInvalid(errors) => (errors, Vec::new()),
        AppError::Invalid(problems) => (
            problems
                .iter()
                .map(|p| FieldError {
                    field: p.field.clone(),
                    code: "invalid".into(),
                    message: Localized::new(
                        format!("{}: {}", p.field, p.message),
                        format!("{}: {}", p.field, p.message),
                    ),
                })
                .collect(),
            Vec::new(),
        ),
        other => return me.visitor.fail(other),
    };
    // Mark as reused what still equals the registry's value.
    let (offered, _, offered_fields) = registry_prefill(&state, &me, &code).await;
    let reused: Vec<String> = offered_fields
        .into_iter()
        .filter(|field| {
            field == "applicant.full_name"
                || offered.iter().find(|o| &o.field == field).is_some_and(|o| {
                    form.iter()
                        .any(|e| e.field == o.field && e.value == o.value)
                })
        })
        .collect();
    let (fees, total) = match state.service.quote(&me.user, &me.tenant, &request).await {
        Ok(lines) => fee_view(&lines),
        Err(_) => (Value::from(Vec::<Value>::new()), None),
    };
    render_form(
        &me,
        StatusCode::UNPROCESSABLE_ENTITY,
        FormPage {
            procedure: &procedure,
            definition: definition.as_ref(),
            applicant: &applicant,
            values: &form,
            errors: &errors,
            general,
            reused,
            fees,
            total,
        },
    )
}

pub async fn receipt(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(code): Path<String>,
) -> Response {
    let details = match state.service.dossier(&me.user, &me.tenant, &code).await {
        Ok(d) => d,
        Err(error) => return me.visitor.fail(error),
    };
    let procedure = state
        .service
        .procedure_of(&me.user, &me.tenant, &details.dossier.procedure_code)
        .await
        .ok();
    let lines: Vec<_> = details.fee_lines.iter().map(|l| l.line.clone()).collect();
    me.visitor.render(
        "receipt.html",
        context! {
            code => details.dossier.code.to_string(),
            procedure => procedure.map(|p| Value::from_serialize(&p.name)),
            stage => details.dossier.state.stage.map(|s| s.name()),
            fees => Value::from_serialize(&lines),
            total => total_vnd(&lines),
            dossier => Value::from_serialize(&details.dossier),
        },
    )
}

pub async fn my_dossiers(State(state): State<ConsoleState>, me: SignedIn) -> Response {
    if let Err(page) = me.require(&[Role::Citizen]) {
        return page;
    }
    let filter = DossierFilter {
        applicant_id: me.user.personal_id.clone(),
        ..DossierFilter::default()
    };
    let page = PageRequest {
        after: None,
        limit: 100,
    };
    match state
        .service
        .dossiers(&me.user, &me.tenant, &filter, &page)
        .await
    {
        Ok(page) => me.visitor.render(
            "my.html",
            context! { dossiers => Value::from_serialize(&page.items) },
        ),
        Err(error) => me.visitor.fail(error),
    }
}
