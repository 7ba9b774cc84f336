//! Hosts as an operator runs them on a platform of several replicas: real
//! `motcua serve` processes of this build on loopback ports, one
//! PostgreSQL database between them and nothing else shared: each replica
//! has a data directory of its own (only the compiled-code cache is linked
//! to the suite's, as in [`crate::server`], so components compile once
//! per run; packages are not there). Processes can be stopped with SIGTERM
//! or killed with SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use motcua::seed::{CredentialMap, seed_demo};
use reqwest::StatusCode;
use tempfile::TempDir;

use crate::cli::motcua;
use crate::db::TestDb;
use crate::server::{Api, STANDARD_PLUGINS, link_dir};
use crate::{copy_dir, package, workspace_root};

/// How long a replica may take from its start to answering `/readyz`.
const STARTUP: Duration = Duration::from_secs(60);

/// The platform: one database seeded with the demo tenants, the
/// operator's plugins directory and settings every replica starts with.
pub struct Platform {
    pub db: TestDb,
    plugins: TempDir,
    /// `motcua.toml`, written into each replica's data directory.
    settings: String,
    /// The demo tokens: tenant → role → credential.
    pub logins: CredentialMap,
    /// Flags every replica gets (after the defaults, before its own).
    pub flags: Vec<String>,
    /// What the replicas log (`RUST_LOG`), echoed to this process's
    /// standard error: the tests keep `motcua=info`, a benchmark `warn`.
    pub log: String,
}

impl Platform {
    /// The standard plugins on `db`, seeded with the demo tenants.
    pub async fn new(db: &TestDb) -> Platform {
        let plugins = tempfile::tempdir().expect("a plugins directory");
        for id in STANDARD_PLUGINS {
            copy_dir(&package(id), &plugins.path().join(id));
        }
        let seeding = tempfile::tempdir().expect("a scratch directory");
        let credentials = seed_demo(&db.db, seeding.path())
            .await
            .unwrap_or_else(|error| panic!("seeding the demo tenants: {error:#}"));
        Platform {
            db: db.clone(),
            plugins,
            settings: String::new(),
            logins: credentials.logins,
            flags: Vec::new(),
            log: "motcua=info,warn".to_owned(),
        }
    }

    /// The operator's plugins directory.
    pub fn plugins_dir(&self) -> &Path {
        self.plugins.path()
    }

    /// Points the shipped national-portal sync connector at a portal
    /// stand-in on loopback `port` with `token` among the operator's
    /// secrets (as [`crate::server::TestEnv::connect_portal`]).
    pub fn connect_portal(&mut self, port: u16, token: &str) {
        let target = self.plugins_dir().join("national-portal-sync");
        copy_dir(&package("national-portal-sync"), &target);
        let manifest = target.join("plugin.toml");
        let text = std::fs::read_to_string(&manifest).expect("read the manifest");
        std::fs::write(
            &manifest,
            text.replace("127.0.0.1:18090", &format!("127.0.0.1:{port}")),
        )
        .expect("write the manifest");
        self.settings = format!(
            "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n\n\
             [[plugin]]\nid = \"national-portal-sync\"\n\
             [plugin.secrets]\nportal-token = \"{token}\"\n"
        );
    }

    /// Starts a replica with a fresh data directory and `flags` of its own
    /// (e.g. `--outbox-lease-ms`), and waits until it is ready.
    pub async fn start(&self, flags: &[&str]) -> Replica {
        let data = tempfile::tempdir().expect("a data directory");
        let cache = workspace_root().join("target/motcua-test-cache");
        std::fs::create_dir_all(&cache).expect("create the shared plugin cache");
        link_dir(&cache, &data.path().join("cache"));
        if !self.settings.is_empty() {
            std::fs::write(data.path().join("motcua.toml"), &self.settings)
                .expect("write motcua.toml");
        }
        let mut command = Command::new(motcua());
        command
            .arg("serve")
            .arg("--listen=127.0.0.1:0")
            .arg("--database-url")
            .arg(&self.db.url)
            .arg("--data-dir")
            .arg(data.path())
            .arg("--plugins")
            .arg(self.plugins_dir())
            .args([
                "--allow-unsigned",
                "--max-concurrent-calls=16",
                "--intake-interval-s=0",
                "--outbox-poll-ms=50",
                "--outbox-backoff-ms=100",
                "--outbox-backoff-max-ms=800",
                "--outbox-max-attempts=40",
            ])
            .args(&self.flags)
            .args(flags)
            .env("RUST_LOG", &self.log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("motcua serve starts");
        let (address, listening) = mpsc::channel();
        let name = format!("replica {}", child.id());
        echo(
            child.stdout.take().expect("piped"),
            name.clone(),
            Some(address),
        );
        echo(child.stderr.take().expect("piped"), name, None);
        let base = match listening.recv_timeout(STARTUP) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("the replica did not listen within {STARTUP:?}");
            }
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let replica = Replica {
            child,
            base,
            client,
            logins: self.logins.clone(),
            data,
        };
        replica.ready().await;
        replica
    }
}

/// Copies what a replica writes to the test's output, prefixed with
/// `name`; with `address`, sends the base URL once it says where it
/// listens.
fn echo(
    stream: impl std::io::Read + Send + 'static,
    name: String,
    address: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if let (Some(address), Some(url)) =
                (&address, line.strip_prefix("motcua listening on "))
            {
                let _ = address.send(url.trim().to_owned());
            }
            eprintln!("[{name}] {line}");
        }
    });
}

/// A running `motcua serve` process.
pub struct Replica {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub client: reqwest::Client,
    logins: CredentialMap,
    data: TempDir,
}

impl Replica {
    /// The API of `tenant` as the demo user of `role` there.
    pub fn api(&self, tenant: &str, role: &str) -> Api {
        Api::at(
            &self.client,
            &self.base,
            tenant,
            Some(self.token(tenant, role)),
        )
    }

    /// The demo token of `role` in `tenant`.
    pub fn token(&self, tenant: &str, role: &str) -> String {
        self.logins.0[tenant][role].token.clone()
    }

    /// The agency of the demo officer of `tenant`.
    pub fn officer_agency(&self, tenant: &str) -> String {
        self.logins.0[tenant]["officer"]
            .agency
            .clone()
            .expect("demo officers have an agency")
    }

    /// This replica's own data directory.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// Waits until `/readyz` answers 200.
    async fn ready(&self) {
        let started = Instant::now();
        loop {
            let answer = self
                .client
                .get(format!("{}/readyz", self.base))
                .send()
                .await;
            if answer.is_ok_and(|a| a.status() == StatusCode::OK) {
                return;
            }
            assert!(
                started.elapsed() < STARTUP,
                "{} is not ready after {STARTUP:?}",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The process's id (for its CPU time and memory under /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as an orchestrator stopping the replica does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM sent");
    }

    /// Sends SIGKILL: the replica dies at once, mid-whatever.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL sent");
        let _ = self.child.wait();
    }

    /// How the process ended, waiting up to `patience` for it.
    pub async fn exit_status(&mut self, patience: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the process's status") {
                return status;
            }
            assert!(
                started.elapsed() < patience,
                "the replica is still running {patience:?} after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        // A test that panicked leaves no process behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
