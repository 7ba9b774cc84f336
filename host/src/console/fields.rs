//! A form plugin's definition as HTML fields, and posted fields back into
//! form entries. Values are converted by the field's kind only; whether
//! they are acceptable is the plugin's validation to say (a number that
//! does not parse goes as text, and the plugin reports its type).

use minijinja::{Value, context};
use motcua_domain::dossier::{FieldValue, FormEntry};
use motcua_domain::form::{FieldError, FieldKind, FormDefinition};
use motcua_domain::time::Date;
use time::Month;

use super::Posted;

/// The input name of a form field.
pub fn input_name(field: &str) -> String {
    format!("f.{field}")
}

/// `YYYY-MM-DD` or `dd/mm/yyyy`.
pub fn parse_date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.trim().split(['-', '/']).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (*y, *m, *d),
        [d, m, y] if y.len() == 4 => (*y, *m, *d),
        _ => return None,
    };
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// A date as the form shows it: `dd/mm/yyyy`.
pub fn show_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// A stored value as the input shows it.
pub fn show_value(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(t) => t.clone(),
        FieldValue::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Boolean(b) => b.to_string(),
        FieldValue::Date(d) => show_date(d.into_inner()),
        FieldValue::Choices(c) => c.join(", "),
    }
}

/// The entries the posted form holds for `definition`'s fields; blank
/// fields are left out (the plugin says whether they were required).
pub fn entries(definition: &FormDefinition, posted: &Posted) -> Vec<FormEntry> {
    let mut entries = Vec::new();
    for field in &definition.fields {
        let name = input_name(&field.id);
        let value = match field.kind {
            FieldKind::MultiSelect => {
                let chosen = posted.all(&name);
                (!chosen.is_empty()).then_some(FieldValue::Choices(chosen))
            }
            FieldKind::Checkbox => posted.get(&name).map(|_| FieldValue::Boolean(true)),
            kind => posted.text(&name).map(|text| match kind {
                FieldKind::Number => text
                    .replace(',', ".")
                    .parse::<f64>()
                    .map(FieldValue::Number)
                    .unwrap_or(FieldValue::Text(text)),
                FieldKind::Date => parse_date(&text)
                    .map(|date| FieldValue::Date(date.into()))
                    .unwrap_or(FieldValue::Text(text)),
                _ => FieldValue::Text(text),
            }),
        };
        if let Some(value) = value {
            entries.push(FormEntry {
                field: field.id.clone(),
                value,
            });
        }
    }
    entries
}

/// What the template needs to draw the form: groups in order, each with
/// its fields, their values, errors and reuse marks.
pub fn view(
    definition: &FormDefinition,
    values: &[FormEntry],
    errors: &[FieldError],
    reused: &[String],
) -> Value {
    let mut groups: Vec<(Option<&str>, Value, Vec<Value>)> = definition
        .groups
        .iter()
        .map(|g| {
            (
                Some(g.id.as_str()),
                Value::from_serialize(&g.label),
                Vec::new(),
            )
        })
        .collect();
    for field in &definition.fields {
        let value = values
            .iter()
            .find(|e| e.field == field.id)
            .map(|e| &e.value);
        let chosen: Vec<String> = match value {
            Some(FieldValue::Choices(c)) => c.clone(),
            Some(FieldValue::Text(t)) => vec![t.clone()],
            _ => Vec::new(),
        };
        let error = errors.iter().find(|e| e.field == field.id);
        let input = input_name(&field.id);
        let html_id = format!("field-{}", field.id.replace('.', "-"));
        let kind = serde_json::to_value(field.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let item = context! {
            id => html_id,
            name => input,
            kind => kind,
            label => Value::from_serialize(&field.label),
            help => Value::from_serialize(&field.help),
            required => field.required,
            value => value.map(show_value).unwrap_or_default(),
            checked => matches!(value, Some(FieldValue::Boolean(true))),
            chosen => chosen,
            options => Value::from_serialize(&field.constraints.options),
            max_length => field.constraints.max_length,
            error => error.map(|e| Value::from_serialize(&e.message)),
            reused => reused.contains(&field.id),
        };
        let slot = groups
            .iter()
            .position(|(id, _, _)| *id == field.group.as_deref())
            .unwrap_or_else(|| {
                groups.push((None, Value::from(""), Vec::new()));
                groups.len() - 1
            });
        groups[slot].2.push(item);
    }
    Value::from(
        groups
            .into_iter()
            .filter(|(_, _, fields)| !fields.is_empty())
            .map(|(_, label, fields)| context! { label => label, fields => fields })
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_both_usual_orders() {
        let expected = Date::from_calendar_date(2026, Month::November, 20).unwrap();
        assert_eq!(parse_date("2026-11-20"), Some(expected));
        assert_eq!(parse_date("20/11/2026"), Some(expected));
        assert_eq!(parse_date("31/02/2026"), None);
        assert_eq!(parse_date("tomorrow"), None);
        assert_eq!(show_date(expected), "20/11/2026");
    }
}
