//! What `motcua demo` adds to `motcua serve`: the demo tenants, catalogs,
//! calendars and users in the database, and their tokens on the terminal.

use std::path::Path;

use anyhow::Context;

use crate::seed::{DemoCredentials, seed_demo};
use crate::standin::portal::Portal;
use crate::standin::portal::intake::{Queues, Submission};
use crate::standin::{LandStandin, Options, PopulationStandin, PortalStandin, SmtpStandin};
use crate::storage::Db;

/// Where the demo's plugins expect the national systems' stand-ins (their
/// manifests allow exactly these).
pub const PORTAL_STANDIN: &str = "127.0.0.1:18090";
pub const POPULATION_STANDIN: &str = "127.0.0.1:18080";
pub const LAND_STANDIN: &str = "127.0.0.1:18070";
/// Where the demo's mail relay stand-in listens.
pub const SMTP_STANDIN: &str = "127.0.0.1:12525";
/// The demo portal stand-in's API token, which the host injects into the
/// portal connector's requests (the plugin never sees it).
const DEMO_PORTAL_TOKEN: &str = "demo-portal-token";

/// The stand-ins the demo runs, held so they serve as long as the host.
pub struct Standins {
    _portal: Option<PortalStandin>,
    _population: Option<PopulationStandin>,
    _land: Option<LandStandin>,
    mail: Option<SmtpStandin>,
}

impl Standins {
    /// The mail relay stand-in's settings, when it runs.
    pub fn mail_settings(&self) -> Option<crate::mail::MailSettings> {
        self.mail.as_ref().map(|standin| crate::mail::MailSettings {
            smtp_url: standin.url(),
            from: crate::mail::DEFAULT_FROM.into(),
        })
    }
}

/// The demo's operator settings (`<data dir>/motcua.toml`, written only
/// when the operator has none): the stand-ins are on loopback, which egress
/// refuses without the operator's consent.
pub fn write_settings(data_dir: &Path) -> anyhow::Result<()> {
    let text = format!(
        "# Written by `motcua demo`: the national systems' stand-ins run on\n\
         # loopback, which connectors may reach only with the operator's consent.\n\
         [egress]\n\
         allow_private = [\"{PORTAL_STANDIN}\", \"{POPULATION_STANDIN}\", \"{LAND_STANDIN}\"]\n\
         \n\
         # Vĩnh Phúc's construction-permit form asks the land registry (its\n\
         # stand-in) for the applicant's parcels through this connector.\n\
         [[purpose]]\n\
         name = \"land.parcel-lookup\"\n\
         plugin = \"land-registry-connector\"\n\
         \n\
         [[purpose]]\n\
         name = \"land.parcels-of-holder\"\n\
         plugin = \"land-registry-connector\"\n\
         \n\
         # Every tenant's dossiers go to the portal stand-in with its token.\n\
         [[plugin]]\n\
         id = \"national-portal-sync\"\n\
         [plugin.secrets]\n\
         portal-token = \"{DEMO_PORTAL_TOKEN}\"\n"
    );
    let path = data_dir.join("motcua.toml");
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// Start the loopback stand-ins of the National Public Service Portal (its
/// data kept in `<data dir>/portal-standin.json`) and the National
/// Population Database. A port already taken is reported and skipped: the
/// operator may be running `motcua standin ...` there already.
pub fn start_standins(data_dir: &Path) -> anyhow::Result<Standins> {
    let portal = Portal::with_data_file(data_dir.join("portal-standin.json"))
        .context("opening the portal stand-in's data file")?;
    let options = Options {
        token: Some(DEMO_PORTAL_TOKEN.to_owned()),
        ..Options::default()
    };
    let portal = match PortalStandin::spawn(PORTAL_STANDIN.parse()?, portal, options) {
        Ok(standin) => {
            println!(
                "national portal stand-in (not the real portal) on http://{}; its admin API: /admin/dossiers, /admin/provinces/{{province}}/submissions, /admin/faults",
                standin.addr
            );
            queue_online_submissions(standin.portal.intake())?;
            Some(standin)
        }
        Err(error) => {
            println!("national portal stand-in not started on {PORTAL_STANDIN}: {error}");
            None
        }
    };
    let population = match PopulationStandin::spawn(POPULATION_STANDIN.parse()?, Options::default())
    {
        Ok(standin) => {
            println!(
                "population database stand-in (sample citizens, not the real database) on http://{}",
                standin.addr
            );
            Some(standin)
        }
        Err(error) => {
            println!("population database stand-in not started on {POPULATION_STANDIN}: {error}");
            None
        }
    };
    let land = match LandStandin::spawn(LAND_STANDIN.parse()?, Options::default()) {
        Ok(standin) => {
            println!(
                "land registry stand-in (sample parcels, not the real registry) on http://{}",
                standin.addr
            );
            Some(standin)
        }
        Err(error) => {
            println!("land registry stand-in not started on {LAND_STANDIN}: {error}");
            None
        }
    };
    let spool = data_dir.join("mail-standin");
    let mail = match SmtpStandin::spawn_with_spool(SMTP_STANDIN.parse()?, Some(spool.clone())) {
        Ok(standin) => {
            println!(
                "mail relay stand-in (nothing leaves the machine) on {}; notices to applicants land in {}",
                standin.url(),
                spool.display()
            );
            Some(standin)
        }
        Err(error) => {
            println!("mail relay stand-in not started on {SMTP_STANDIN}: {error}");
            None
        }
    };
    Ok(Standins {
        _portal: portal,
        _population: population,
        _land: land,
        mail,
    })
}

/// Two birth registrations citizens submitted for Vĩnh Phúc at the portal:
/// the host takes the first in (status 1) and queues the second, whose
/// form lacks the child's name, for an officer (docs/intake.md). Their
/// codes are fixed, so a later demo run finds them stored and changes
/// nothing.
fn queue_online_submissions(queues: &Queues) -> anyhow::Result<()> {
    let text =
        |field: &str, value: &str| serde_json::json!({"field": field, "value": {"text": value}});
    for (n, child) in [(1, Some("Trần Minh An")), (2, None)] {
        let mut form = vec![
            serde_json::json!({"field": "child.birth-date", "value": {"date": "20261101"}}),
            text("child.gender", "female"),
            text("child.birth-place", "Bệnh viện Sản - Nhi Vĩnh Phúc"),
            text("mother.full-name", "Trần Thị Bình"),
            text("mother.personal-id", "026195000123"),
            text("requester.full-name", "Trần Thị Bình"),
            text("requester.personal-id", "026195000123"),
            text("requester.relationship", "mother"),
        ];
        if let Some(child) = child {
            form.push(text("child.full-name", child));
        }
        let submission: Submission = serde_json::from_value(serde_json::json!({
            "national_code": format!("000.41.10.H62-261130-{n:04}"),
            "procedure_code": "1.001193",
            "agency_code": "000.41.10.H62",
            "applicant": {"kind": "citizen", "id": "026195000123", "full_name": "Trần Thị Bình"},
            "form": form,
            "submitted_at": "20261130090000",
        }))?;
        queues
            .submit("vinh-phuc", submission)
            .map_err(|error| anyhow::anyhow!("queueing a demo submission: {error}"))?;
    }
    Ok(())
}

/// Seeds the demo (idempotent, see [`crate::seed`]) and returns the fresh
/// logins.
pub async fn seed(db: &Db, data_dir: &Path) -> anyhow::Result<DemoCredentials> {
    seed_demo(db, data_dir)
        .await
        .context("seeding the demo tenants, catalogs, calendars and users")
}

/// Prints one line per tenant and role with the password and token to use.
pub fn print(credentials: &DemoCredentials) {
    println!(
        "demo logins (console: sign in at /console with user and password; API: send `Authorization: Bearer <token>`):"
    );
    println!(
        "  {:<10} {:<18} {:<22} {:<14} token",
        "tenant", "role", "user", "password"
    );
    for (tenant, role, login) in credentials.logins.iter() {
        let tenant = tenant.unwrap_or(crate::seed::PLATFORM);
        println!(
            "  {tenant:<10} {role:<18} {:<22} {:<14} {}",
            login.user_id, login.password, login.token
        );
    }
    println!(
        "  also written to {} (owner-only; a new run replaces these tokens)",
        credentials.path.display()
    );
}

/// The demo's own signing key, made on its first run.
const DEMO_KEY_FILE: &str = "demo-signing-key.toml";

/// The demo signs its plugins as a publisher would, with a demo key of its
/// own (`<data dir>/demo-signing-key.toml`, made on the first run) that it
/// trusts platform-wide, so what the demo shows is how a signed platform
/// runs: every package in `plugins_dir` gets its `signature.toml`.
pub fn sign_plugins(data_dir: &Path, plugins_dir: &Path, database_url: &str) -> anyhow::Result<()> {
    let path = data_dir.join(DEMO_KEY_FILE);
    let key = if path.is_file() {
        super::signing::read_key(&path)?
    } else {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let key = motcua_domain::signing::SigningKey::from_seed(seed);
        super::signing::write_key(&path, &key)?;
        key
    };
    let public = key.public();
    tokio::runtime::Runtime::new()?.block_on(async {
        let db = Db::connect(database_url)
            .await
            .context("opening the database to trust the demo key")?;
        let store = std::sync::Arc::new(db.clone());
        let keys = crate::app::service::TrustKeys::new(store.clone(), store);
        let known = keys
            .list(crate::app::service::Authority::DatabaseAccess, None)
            .await?
            .iter()
            .any(|k| k.key_id == public.id());
        if !known {
            keys.add(
                crate::app::service::Authority::DatabaseAccess,
                None,
                crate::app::service::AddKey {
                    public_key: public.to_base64(),
                    label: "motcua demo".to_owned(),
                },
            )
            .await?;
        }
        db.close().await;
        anyhow::Ok(())
    })?;
    let Ok(entries) = std::fs::read_dir(plugins_dir) else {
        return Ok(()); // no plugins: the host says so at start
    };
    let mut signed = 0;
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.join("plugin.toml").is_file() || crate::plugin::package::is_archive(&path) {
            super::signing::sign_package(&path, &key)?;
            signed += 1;
        }
    }
    println!(
        "signed {signed} demo plugin package(s) with the demo key {}",
        public.id()
    );
    Ok(())
}
