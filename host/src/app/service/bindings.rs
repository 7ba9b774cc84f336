//! What binds a procedure to its plugins, checked: a catalog entry naming a
//! `form_plugin` or `fee_plugin` is refused unless a plugin of that id
//! serves the tenant (its own, deployed or from the operator's directory,
//! or a platform-wide one), has the right kind (`form`, `fee-policy`), and
//! declares the procedure among those it serves (the `procedures` of its
//! manifest). Naming a plugin is what makes it price or validate: an
//! activated fee plugin prices nothing until the procedure's entry names
//! it (`docs/onboarding.md`).

use motcua_domain::catalog::Procedure;

use crate::app::error::FieldProblem;
use crate::app::ports::PluginSummary;

/// The plugin kind each binding field names.
const BINDINGS: [(&str, &str); 2] = [("form_plugin", "form"), ("fee_plugin", "fee-policy")];

/// Every binding of `procedure` that `served` (the plugins serving
/// `tenant`) cannot honour, named `{at}.form_plugin` / `{at}.fee_plugin`
/// (`at` is empty for a lone procedure).
pub fn binding_problems(
    served: &[PluginSummary],
    tenant: &str,
    procedure: &Procedure,
    at: &str,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for (field, kind) in BINDINGS {
        let named = match field {
            "form_plugin" => procedure.form_plugin.as_deref(),
            _ => procedure.fee_plugin.as_deref(),
        };
        let Some(id) = named else { continue };
        let path = if at.is_empty() {
            field.to_owned()
        } else {
            format!("{at}.{field}")
        };
        let reason = binding_refusal(served, tenant, &procedure.code, id, kind);
        if let Some(message) = reason {
            problems.push(FieldProblem::new(path, message));
        }
    }
    problems
}

/// Why `id` cannot be `procedure`'s `kind` plugin for `tenant`, if it
/// cannot.
fn binding_refusal(
    served: &[PluginSummary],
    tenant: &str,
    procedure: &str,
    id: &str,
    kind: &str,
) -> Option<String> {
    let Some(plugin) = served
        .iter()
        .find(|p| p.id == id && p.tenant.as_deref().is_none_or(|t| t == tenant))
    else {
        return Some(format!(
            "no plugin `{id}` is deployed for tenant {tenant} or platform-wide; deploy \
             and activate it first, then name it here"
        ));
    };
    if !plugin.kinds.iter().any(|k| k == kind) {
        return Some(format!(
            "plugin `{id}` is not a {kind} plugin (its kinds: {})",
            plugin.kinds.join(", ")
        ));
    }
    if !plugin.procedures.iter().any(|p| p == procedure) {
        let serves = if plugin.procedures.is_empty() {
            "none".to_owned()
        } else {
            plugin.procedures.join(", ")
        };
        return Some(format!(
            "plugin `{id}` does not serve procedure {procedure} (it serves: {serves})"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::{
        FEE_PLUGIN, FORM_PLUGIN, PROCEDURE, TENANT, plugin_summary, procedure,
    };

    fn serving(procedures: &[&str]) -> Vec<PluginSummary> {
        [(FORM_PLUGIN, "form"), (FEE_PLUGIN, "fee-policy")]
            .into_iter()
            .map(|(id, kind)| {
                let mut summary = plugin_summary(TENANT, id, "1.0.0", kind);
                summary.procedures = procedures.iter().map(|p| p.to_string()).collect();
                summary
            })
            .collect()
    }

    #[test]
    fn a_procedure_bound_to_plugins_serving_it_is_accepted() {
        assert_eq!(
            binding_problems(&serving(&[PROCEDURE]), TENANT, &procedure(), ""),
            []
        );
    }

    #[test]
    fn a_plugin_that_does_not_exist_is_refused_naming_the_field() {
        let problems = binding_problems(&[], TENANT, &procedure(), "procedures[3]");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["procedures[3].form_plugin", "procedures[3].fee_plugin"]
        );
        assert!(problems[1].message.contains("no plugin `da-nang-fees`"));
    }

    #[test]
    fn a_plugin_that_does_not_serve_the_procedure_is_refused_with_what_it_serves() {
        let problems = binding_problems(&serving(&["1.000001"]), TENANT, &procedure(), "");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[1].field, "fee_plugin");
        assert!(
            problems[1]
                .message
                .contains("does not serve procedure 1.001193 (it serves: 1.000001)"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_plugin_of_another_kind_or_another_tenant_is_refused() {
        let mut wrong_kind = serving(&[PROCEDURE]);
        wrong_kind[1].kinds = vec!["initiative".into()];
        let problems = binding_problems(&wrong_kind, TENANT, &procedure(), "");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("is not a fee-policy plugin"));

        let mut elsewhere = serving(&[PROCEDURE]);
        for plugin in &mut elsewhere {
            plugin.tenant = Some("bac-ninh".into());
        }
        assert_eq!(
            binding_problems(&elsewhere, TENANT, &procedure(), "").len(),
            2
        );
        for plugin in &mut elsewhere {
            plugin.tenant = None;
        }
        assert_eq!(
            binding_problems(&elsewhere, TENANT, &procedure(), ""),
            [],
            "a platform-wide plugin serves every tenant"
        );
    }
}
