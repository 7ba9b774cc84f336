//! Headless Chromium driven through WebDriver (chromedriver, from Debian's
//! `chromium-driver`), for the console's browser tests. `cargo xtask test`
//! installs both packages when they are missing and sets
//! `MOTCUA_REQUIRE_BROWSER=1`; elsewhere a machine without them prints a
//! skip line, as the PostgreSQL tests do.
//!
//! Each [`Browser`] runs its own chromedriver on a free loopback port and
//! a fresh profile directory; pages it visits can be saved as screenshots
//! under `target/screenshots/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use crate::workspace_root;

pub const REQUIRE_BROWSER_ENV: &str = "MOTCUA_REQUIRE_BROWSER";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A browser session on its own chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
    shots: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (JavaScript on or off).
    /// `None`, after a skip line, when they are not installed and the
    /// environment does not require them.
    pub async fn start(javascript: bool) -> Option<Browser> {
        let driver = find_program(&["chromedriver"]);
        let chromium = find_program(&["chromium", "chromium-browser"]);
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            let why = "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)";
            if std::env::var(REQUIRE_BROWSER_ENV).is_ok_and(|v| v == "1") {
                panic!("{why}, and {REQUIRE_BROWSER_ENV}=1 requires them");
            }
            eprintln!("skipped: {why}");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut options = Map::new();
        options.insert("binary".into(), json!(chromium.display().to_string()));
        options.insert(
            "args".into(),
            json!([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--window-size=1100,1400",
                "--lang=vi",
                format!("--user-data-dir={}", profile.path().display()),
            ]),
        );
        if !javascript {
            options.insert(
                "prefs".into(),
                json!({ "profile.managed_default_content_settings.javascript": 2 }),
            );
        }
        let mut capabilities = Map::new();
        capabilities.insert("goog:chromeOptions".into(), Value::Object(options));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                // chromedriver takes a moment to listen.
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => {
                    let _ = child.kill();
                    panic!("no WebDriver session from {}: {error}", driver.display());
                }
            }
        };
        let shots = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&shots).expect("create target/screenshots");
        Some(Browser {
            client,
            driver: child,
            _profile: profile,
            shots,
        })
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("find `{css}` on {}: {e}", self.url().await),
        }
    }

    /// Whether an element matching `css` is on the page.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
            .is_empty()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// Replaces an input's value by typing, as a person would.
    pub async fn fill(&self, css: &str, value: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear the input");
        input.send_keys(value).await.expect("type into the input");
    }

    /// Sets an input's value directly: a date or time input's typing
    /// follows the browser's locale, its value does not.
    pub async fn set_value(&self, css: &str, value: &str) {
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![css.into(), value.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("set the value of {css}: {e}"));
    }

    pub async fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    /// Clicks and waits for the page the click leads to: until the old
    /// page's root is gone (WebDriver's click may return while a form's
    /// post and redirect are still under way) and the new one has loaded.
    pub async fn click(&self, css: &str) {
        let old_page = self.client.find(Locator::Css("html")).await.ok();
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        if let Some(old_page) = old_page {
            while Instant::now() < deadline && old_page.tag_name().await.is_ok() {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        while Instant::now() < deadline {
            let state = self
                .client
                .execute("return document.readyState", Vec::new())
                .await;
            // With JavaScript disabled the page cannot be asked; the root
            // being replaced is all there is to wait for.
            match state {
                Ok(Value::String(state)) if state != "complete" => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                _ => break,
            }
        }
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Reloads the page until an element matching `css` is on it — what
    /// the host adds in the background, such as an initiative's letter
    /// retried by the dispatcher — for at most `timeout`. Whether it came.
    pub async fn reload_until(&self, css: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.has(css).await {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            self.client.refresh().await.expect("reload the page");
        }
    }

    /// An attribute of the first element matching `css` (`href`, say).
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .attr(name)
            .await
            .expect("the attribute")
            .unwrap_or_else(|| panic!("`{css}` has no `{name}`"))
    }

    /// The value of the cookie `name` the browser holds for the page.
    pub async fn cookie(&self, name: &str) -> String {
        self.client
            .get_named_cookie(name)
            .await
            .unwrap_or_else(|e| panic!("the cookie {name}: {e}"))
            .value()
            .to_owned()
    }

    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    /// Saves the page as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Signs in through the console's form as `user`.
pub async fn sign_in(browser: &Browser, base: &str, user: &str, password: &str) {
    browser.goto(&format!("{base}/console/login")).await;
    browser.fill("#username", user).await;
    browser.fill("#password", password).await;
    browser.click("#sign-in").await;
    assert!(
        !browser.url().await.contains("/console/login"),
        "signed in as {user}: {}",
        browser.body_text().await
    );
}

/// Signs out with the header's button.
pub async fn sign_out(browser: &Browser) {
    browser.click("header form button").await;
    assert!(browser.url().await.contains("/console/login"));
}

/// Screenshots that exist, for a test to report.
pub fn screenshot_dir() -> PathBuf {
    workspace_root().join("target/screenshots")
}
