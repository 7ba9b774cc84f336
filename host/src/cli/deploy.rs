//! `motcua plugin deploy`: upload a package archive to a host's deploy API
//! (`POST /api/v1/tenants/{tenant}/plugins[?activate=true]`) as its tenant
//! admin, and print the API's answer.
//!
//! The host verifies the package as at start (manifest, world, contract,
//! golden cases) and answers why it refuses one; this command adds no
//! checks of its own, it shows the status, the message and each field at
//! fault.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

use crate::plugin::manifest::validate_id;
use crate::plugin::package;
use motcua_domain::time::LocalDateTime;

#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The package archive (.tar.gz, or .tar), e.g. as `motcua plugin build`
    /// wrote it.
    archive: PathBuf,
    /// The host's base URL, e.g. `https://motcua.example.gov.vn`.
    #[arg(long = "to", value_name = "URL")]
    to: String,
    /// The tenant deploying the plugin (the token's).
    #[arg(long, value_name = "TENANT")]
    tenant: String,
    /// A tenant admin's API token.
    #[arg(long, env = "MOTCUA_TOKEN", hide_env_values = true)]
    token: String,
    /// Put the version in service at once (otherwise it waits, inactive,
    /// for `POST .../plugins/{id}/versions/{version}/activate`).
    #[arg(long, conflicts_with = "effective_at")]
    activate: bool,
    /// Schedule the version to take over at this local time
    /// (`2027-01-01T00:00:00`): dossiers received from then on are priced
    /// by it (docs/plugin-versions.md).
    #[arg(long, value_name = "LOCAL_TIME", value_parser = parse_local)]
    effective_at: Option<LocalDateTime>,
}

fn parse_local(text: &str) -> Result<LocalDateTime, String> {
    LocalDateTime::parse(text)
        .map_err(|_| format!("`{text}` is not a local time like 2027-01-01T00:00:00"))
}

pub fn run(args: DeployArgs) -> anyhow::Result<ExitCode> {
    validate_id("--tenant", &args.tenant)
        .map_err(|p| anyhow::anyhow!("{}: {}", p.field, p.message))?;
    anyhow::ensure!(
        package::is_archive(&args.archive),
        "{}: a package archive is a .tar.gz or .tar (motcua plugin build writes one)",
        args.archive.display()
    );
    let bytes = std::fs::read(&args.archive)
        .with_context(|| format!("reading {}", args.archive.display()))?;
    let content_type = if args.archive.to_string_lossy().ends_with(".tar") {
        "application/x-tar"
    } else {
        "application/gzip"
    };
    let url = format!(
        "{}/api/v1/tenants/{}/plugins{}",
        args.to.trim_end_matches('/'),
        args.tenant,
        if args.activate { "?activate=true" } else { "" }
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::new();
    let send = |url: String, content_type: &'static str, body: Vec<u8>| {
        let request = client
            .post(&url)
            .header(AUTHORIZATION, format!("Bearer {}", args.token))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        async move {
            let response = request
                .send()
                .await
                .with_context(|| format!("POST {url}"))?;
            let status = response.status();
            let body = response.text().await.context("reading the answer")?;
            anyhow::Ok((url, status, body))
        }
    };
    let (url, status, body) = runtime.block_on(send(url, content_type, bytes))?;
    let json = serde_json::from_str::<Value>(&body).ok();
    if !status.is_success() {
        eprintln!(
            "error: {url} answered {status}: {}",
            refusal(json.as_ref(), &body)
        );
        return Ok(ExitCode::FAILURE);
    }
    let what = match args.activate {
        true => "deployed and activated:",
        false => "deployed:",
    };
    println!("{what} {status}");
    println!("{}", pretty(json.as_ref(), &body));
    let Some(effective_at) = args.effective_at else {
        return Ok(ExitCode::SUCCESS);
    };
    let (id, version) = (
        json.as_ref().and_then(|v| v["plugin_id"].as_str()),
        json.as_ref().and_then(|v| v["version"].as_str()),
    );
    let (Some(id), Some(version)) = (id, version) else {
        anyhow::bail!("the deploy answer names no plugin_id and version: {body}");
    };
    let schedule = serde_json::json!({"version": version, "effective_at": effective_at});
    let url = format!(
        "{}/api/v1/tenants/{}/plugins/{id}/schedule",
        args.to.trim_end_matches('/'),
        args.tenant,
    );
    let (url, status, body) = runtime.block_on(send(
        url,
        "application/json",
        schedule.to_string().into_bytes(),
    ))?;
    let json = serde_json::from_str::<Value>(&body).ok();
    if !status.is_success() {
        eprintln!(
            "error: deployed, but not scheduled: {url} answered {status}: {}",
            refusal(json.as_ref(), &body)
        );
        return Ok(ExitCode::FAILURE);
    }
    println!("scheduled from {effective_at}: {status}");
    println!("{}", pretty(json.as_ref(), &body));
    Ok(ExitCode::SUCCESS)
}

fn pretty(json: Option<&Value>, body: &str) -> String {
    json.map(|v| serde_json::to_string_pretty(v).expect("JSON values serialize"))
        .unwrap_or_else(|| body.to_owned())
}

/// The API's error (`{"code", "message", "fields": [{"field", "message"}]}`)
/// as lines; a body of another shape as it came.
fn refusal(json: Option<&Value>, body: &str) -> String {
    let Some(message) = json.and_then(|v| v["message"].as_str()) else {
        return body.trim().to_string();
    };
    let code = json.and_then(|v| v["code"].as_str()).unwrap_or("error");
    let mut text = format!("{code}: {message}");
    for field in json
        .and_then(|v| v["fields"].as_array())
        .into_iter()
        .flatten()
    {
        text.push_str(&format!(
            "\n  {}: {}",
            field["field"].as_str().unwrap_or("?"),
            field["message"].as_str().unwrap_or("")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_refusal_shows_its_code_message_and_each_field() {
        let body = json!({"code": "invalid_request", "message": "the package is refused",
            "fields": [{"field": "plugin.version", "message": "`x` is not a version"}]});
        assert_eq!(
            refusal(Some(&body), ""),
            "invalid_request: the package is refused\n  plugin.version: `x` is not a version"
        );
        assert_eq!(refusal(None, " bad gateway\n"), "bad gateway");
    }
}
