//! The one-stop console end to end: a real host (the same wiring as
//! `motcua serve`) with the real plugins, driven by headless Chromium
//! through WebDriver, and the sign-in rules over plain HTTP on both
//! databases. Every page the browser visits is saved under
//! `target/screenshots/`.

use std::time::Duration;

use motcua::domain::time::now_local;
use motcua::storage::Backend;
use motcua_tests::browser::{Browser, sign_in, sign_out};
use motcua_tests::db::{TestDb, run_on};
use motcua_tests::on_both_backends;
use motcua_tests::server::{Server, TestEnv, applicant, birth_form, date, submission, text};
use motcua_tests::standin;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

fn password(server: &Server, tenant: &str, role: &str) -> (String, String) {
    let login = &server.logins.0[tenant][role];
    assert!(
        !login.password.is_empty(),
        "the demo gives {role} of {tenant} a password"
    );
    (login.user_id.clone(), login.password.clone())
}

/// What a browser test's host needs kept alive while it runs: the
/// population registry's stand-in its forms prefill from, and the
/// environment holding its plugins and data directories.
struct Host {
    _population: standin::PopulationStandin,
    _env: TestEnv,
    server: Server,
}

impl Host {
    async fn stop(self) {
        self.server.stop().await;
    }
}

/// A host and a browser, JavaScript on or off; `None` where no browser is
/// installed and none is required.
async fn host_and_browser(db: &TestDb, javascript: bool) -> Option<(Host, Browser)> {
    let population = standin::population_database();
    let env = TestEnv::new(db);
    env.use_population(&population);
    let server = env.start().await;
    let browser = Browser::start(javascript).await?;
    let host = Host {
        _population: population,
        _env: env,
        server,
    };
    Some((host, browser))
}

/// A figure shown on the dashboard (digits, perhaps grouped).
fn count(text: &str) -> u64 {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a count, not {text:?}"))
}

/// `dd/mm/yyyy` of a day `days_ago` before today (local time).
fn day_before(days_ago: i64) -> String {
    let day = now_local().date() - time::Duration::days(days_ago);
    format!(
        "{:02}/{:02}/{}",
        day.day(),
        u8::from(day.month()),
        day.year()
    )
}

/// Fills the Vĩnh Phúc birth registration form as the citizen would, with
/// `mother_id` as the mother's personal ID.
async fn fill_birth_form(browser: &Browser, mother_id: &str) {
    browser
        .fill("#field-child-full-name", "Trần Minh Khôi")
        .await;
    browser
        .fill("#field-child-birth-date", &day_before(3))
        .await;
    browser.choose("#field-child-gender", "male").await;
    browser
        .fill("#field-child-birth-place", "Bệnh viện Sản - Nhi Vĩnh Phúc")
        .await;
    browser
        .fill("#field-mother-full-name", "Trần Thị Bình")
        .await;
    browser.fill("#field-mother-personal-id", mother_id).await;
    browser
        .choose("#field-requester-relationship", "mother")
        .await;
}

/// Runs an officer's action from the dossier page and checks it was done.
async fn act(browser: &Browser, action: &str) {
    browser.click(&format!("#do-{action}")).await;
    assert!(
        browser.has("#done").await,
        "{action} was done: {}",
        browser.body_text().await
    );
}

async fn a_citizen_and_an_officer_take_a_vinh_phuc_birth_registration_from_form_to_returned_result(
    db: TestDb,
) {
    let Some((host, browser)) = host_and_browser(&db, true).await else {
        return;
    };
    let server = &host.server;
    let base = &server.base;
    let (citizen, citizen_password) = password(server, "vinh-phuc", "citizen");
    let (officer, officer_password) = password(server, "vinh-phuc", "officer");
    let (leader, leader_password) = password(server, "vinh-phuc", "leader");

    // The province's leader reads this month's figures before the day's work.
    sign_in(&browser, base, &leader, &leader_password).await;
    assert!(browser.url().await.ends_with("/console/dashboard"));
    let received_before = count(&browser.text("#current-received a").await);
    let finished_before = count(&browser.text("#current-finished a").await);
    sign_out(&browser).await;

    // The citizen signs in and opens the form the vinh-phuc-forms plugin defines.
    sign_in(&browser, base, &citizen, &citizen_password).await;
    assert!(browser.url().await.ends_with("/console/procedures"));
    browser.screenshot("01-citizen-procedures").await;
    browser.click("#apply-1\\.001193").await;
    assert!(
        browser.has("#field-child-full-name").await,
        "the plugin's fields are rendered"
    );
    assert!(
        browser.has("#field-requester-full-name-reused").await,
        "the requester's name is prefilled from the registry and marked reused"
    );
    let prefilled = browser
        .find("#field-requester-full-name")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(prefilled, "Trần Thị Bình");
    assert!(
        browser.has("#fee-total").await,
        "the fee is shown before submitting"
    );
    browser.screenshot("02-citizen-form-prefilled").await;

    // A mother's ID of 5 digits: the plugin's validation error is shown inline.
    fill_birth_form(&browser, "12345").await;
    browser.click("#submit").await;
    let error = browser.text("#field-mother-personal-id-error").await;
    assert!(
        error.contains("12"),
        "the inline error names the rule: {error}"
    );
    assert_eq!(
        browser
            .find("#field-mother-personal-id")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        browser
            .find("#field-child-full-name")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Trần Minh Khôi"),
        "what was typed is kept"
    );
    browser.screenshot("03-citizen-form-inline-error").await;

    // Fixed, submitted: the receipt shows the fee and the dossier code.
    browser
        .fill("#field-mother-personal-id", "026195000123")
        .await;
    browser.click("#submit").await;
    let code = browser.text("#dossier-code").await;
    assert!(code.starts_with("000.41.10.H62-"), "a dossier code: {code}");
    assert_eq!(
        browser.text("#fee-total").await,
        "0",
        "birth registration is free"
    );
    browser.screenshot("04-citizen-receipt").await;
    sign_out(&browser).await;

    // The officer finds it in the agency inbox and receives it.
    sign_in(&browser, base, &officer, &officer_password).await;
    assert!(browser.url().await.ends_with("/console/inbox"));
    let link = format!("#inbox a[href='/console/dossiers/{code}']");
    assert!(browser.has(&link).await, "the inbox lists {code}");
    browser.screenshot("05-officer-inbox").await;
    browser.click(&link).await;
    let reused = browser.text("#form-values").await;
    assert!(reused.contains("Trần Thị Bình"), "{reused}");
    browser.screenshot("06-officer-dossier-submitted").await;
    act(&browser, "receive").await;
    assert!(
        browser.text("#appointment").await.contains('/'),
        "an appointment is set"
    );
    browser.screenshot("07-officer-received").await;
    browser
        .goto(&format!("{base}/console/dossiers/{code}/print/01"))
        .await;
    assert!(browser.text("#form-01").await.contains(&code));
    browser.screenshot("08-form-01-receipt-slip").await;

    // Supplementation requested with a reason: the dossier is paused.
    browser
        .goto(&format!("{base}/console/dossiers/{code}"))
        .await;
    browser
        .fill(
            "#request_supplementation-reason",
            "Bổ sung bản sao giấy chứng sinh có xác nhận của bệnh viện",
        )
        .await;
    act(&browser, "request_supplementation").await;
    let mark = browser.find("#deadline-mark").await;
    assert_eq!(
        mark.attr("class").await.unwrap().as_deref(),
        Some("mark paused")
    );
    browser.screenshot("09-officer-paused").await;
    browser
        .goto(&format!("{base}/console/dossiers/{code}/print/02"))
        .await;
    assert!(
        browser
            .text("#supplement-reason")
            .await
            .contains("giấy chứng sinh")
    );
    browser
        .screenshot("10-form-02-supplementation-request")
        .await;
    sign_out(&browser).await;

    // The citizen sees it in "my dossiers" and supplements.
    sign_in(&browser, base, &citizen, &citizen_password).await;
    browser.goto(&format!("{base}/console/my")).await;
    assert!(browser.body_text().await.contains(&code));
    browser.screenshot("11-citizen-my-dossiers").await;
    browser
        .goto(&format!("{base}/console/dossiers/{code}"))
        .await;
    act(&browser, "supplement").await;
    browser.screenshot("12-citizen-supplemented").await;
    sign_out(&browser).await;

    // The officer processes, approves with a result, and returns it.
    sign_in(&browser, base, &officer, &officer_password).await;
    browser
        .goto(&format!("{base}/console/dossiers/{code}"))
        .await;
    act(&browser, "assign").await;
    act(&browser, "start_review").await;
    browser
        .fill("#approve-title", "Giấy khai sinh (bản chính)")
        .await;
    browser
        .fill(
            "#approve-text",
            "Trích lục khai sinh của cháu Trần Minh Khôi",
        )
        .await;
    act(&browser, "approve").await;
    act(&browser, "return_result").await;
    assert!(browser.text("#dossier-status").await.contains("(10)"));
    assert!(
        browser
            .body_text()
            .await
            .contains("Giấy khai sinh (bản chính)")
    );
    browser.screenshot("13-officer-result-returned").await;
    sign_out(&browser).await;

    // The leader sees the figures move, follows one to its dossiers and
    // downloads the list.
    sign_in(&browser, base, &leader, &leader_password).await;
    assert_eq!(
        count(&browser.text("#current-received a").await),
        received_before + 1,
        "the dossier counts as received this month"
    );
    assert_eq!(
        count(&browser.text("#current-finished a").await),
        finished_before + 1,
        "and as finished"
    );
    assert!(browser.has("#trend-on_time-title").await);
    assert!(
        browser.has("#ranking").await,
        "an agency finished a dossier"
    );
    browser.screenshot("15-leader-dashboard").await;
    browser.click("#current-finished a").await;
    assert!(browser.url().await.contains("/console/statistics/finished"));
    assert!(
        browser.text("#drill").await.contains(&code),
        "the finished list holds the dossier"
    );
    browser.screenshot("16-leader-drill-down").await;
    let csv_href = browser.attr("#csv", "href").await;
    let session = browser.cookie("motcua_session").await;
    let csv = http_client()
        .get(format!("{base}{csv_href}"))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .expect("the CSV download");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = csv.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "UTF-8 with a byte-order mark"
    );
    assert!(
        String::from_utf8_lossy(&bytes).contains(&code),
        "the CSV holds the dossier"
    );
    sign_out(&browser).await;

    // Anyone tracks it by code: status and appointment, nothing personal.
    browser
        .goto(&format!(
            "{base}/console/track?tenant=vinh-phuc&code={code}"
        ))
        .await;
    let tracking = browser.text("#tracking").await;
    assert!(tracking.contains(&code), "{tracking}");
    let page = browser.body_text().await;
    assert!(
        !page.contains("Trần Thị Bình"),
        "no applicant on the public page: {page}"
    );
    assert!(
        !page.contains("026195000123"),
        "no personal ID on the public page"
    );
    browser.screenshot("14-public-tracking").await;
    browser.close().await;
    host.stop().await;
}

async fn a_da_nang_birth_registration_shows_the_congratulation_letter_once_the_result_is_returned(
    db: TestDb,
) {
    let Some((host, browser)) = host_and_browser(&db, true).await else {
        return;
    };
    let server = &host.server;
    let agency = server.officer_agency("da-nang");
    let form = json!([
        text("child.full-name", "Lê Minh Khang"),
        date("child.birth-date", "2026-11-01"),
        text("mother.full-name", "Phạm Thị Thu Hà"),
    ]);
    let body = submission(
        "1.001193",
        &agency,
        "online",
        applicant("048095001234", "Phạm Thị Thu Hà"),
        form,
    );
    let submitted = server
        .api("da-nang", "citizen")
        .submit(&body)
        .await
        .expect(201);
    let code = submitted["code"].as_str().unwrap().to_owned();
    let (officer, officer_password) = password(server, "da-nang", "officer");
    sign_in(&browser, &server.base, &officer, &officer_password).await;
    browser
        .goto(&format!("{}/console/dossiers/{code}", server.base))
        .await;
    for action in [
        "receive",
        "assign",
        "start_review",
        "approve",
        "return_result",
    ] {
        act(&browser, action).await;
    }
    // The letter is the initiative's answer to the returned result; on a
    // busy machine its first try may fail and the dispatcher retries it.
    assert!(
        browser
            .reload_until("#letter-congratulation-letter", Duration::from_secs(60))
            .await,
        "the letter is attached: {}",
        browser.body_text().await
    );
    let letter = browser.text("#letter-congratulation-letter").await;
    assert!(letter.contains("THƯ CHÚC MỪNG"), "{letter}");
    assert!(letter.contains("Lê Minh Khang"), "{letter}");
    assert!(letter.contains(&code), "{letter}");
    browser.screenshot("15-da-nang-congratulation-letter").await;
    browser.close().await;
    host.stop().await;
}

async fn the_citizen_submission_path_works_with_javascript_disabled(db: TestDb) {
    let Some((host, browser)) = host_and_browser(&db, false).await else {
        return;
    };
    let server = &host.server;
    let (citizen, citizen_password) = password(server, "vinh-phuc", "citizen");
    sign_in(&browser, &server.base, &citizen, &citizen_password).await;
    browser.click("#apply-1\\.001193").await;
    fill_birth_form(&browser, "026195000").await;
    browser.click("#submit").await;
    assert!(browser.has("#field-mother-personal-id-error").await);
    browser
        .fill("#field-mother-personal-id", "026195000123")
        .await;
    browser.click("#submit").await;
    let code = browser.text("#dossier-code").await;
    assert!(code.starts_with("000.41.10.H62-"), "{code}");
    browser.screenshot("16-no-javascript-receipt").await;
    // The dossier exists for the API too.
    server
        .api("vinh-phuc", "officer")
        .get(&format!("/dossiers/{code}"))
        .await
        .expect(200);
    browser.close().await;
    host.stop().await;
}

async fn a_tenant_admin_sees_plugins_with_their_call_durations_the_outbox_reconciliation_calendar_and_dashboard(
    db: TestDb,
) {
    let Some((host, browser)) = host_and_browser(&db, true).await else {
        return;
    };
    let server = &host.server;
    // A submission: the form plugin is called, and the outbox has work.
    let body = submission(
        "1.001193",
        "000.41.10.H62",
        "online",
        applicant("026195000123", "Trần Thị Bình"),
        birth_form("Trần Minh An", "Trần Thị Bình", "026195000123"),
    );
    server
        .api("vinh-phuc", "citizen")
        .submit(&body)
        .await
        .expect(201);
    let base = &server.base;
    let (admin, admin_password) = password(server, "vinh-phuc", "tenant_admin");
    sign_in(&browser, base, &admin, &admin_password).await;
    assert!(browser.url().await.ends_with("/console/admin/plugins"));
    let durations = browser.text("#duration-vinh-phuc-forms").await;
    assert!(
        durations.contains("p50") && durations.contains("p99"),
        "{durations}"
    );
    // The test host allows unsigned packages, and the page says so.
    let signature = browser.text("#signature-vinh-phuc-forms").await;
    assert!(
        signature.contains("unsigned") || signature.contains("chưa ký"),
        "{signature}"
    );
    browser.screenshot("17-admin-plugins").await;

    // A new version of the province's form plugin, uploaded and activated
    // from the page.
    let package = crate::http::deployments::archive_with(
        "vinh-phuc-forms",
        |manifest| {
            assert!(manifest.contains("version = \"1.0.0\""), "{manifest}");
            manifest.replace("version = \"1.0.0\"", "version = \"1.0.1\"")
        },
        &[],
    );
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("vinh-phuc-forms-1.0.1.tar.gz");
    std::fs::write(&file, package).unwrap();
    browser
        .find("#p-package")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the package file");
    browser
        .find("#p-activate")
        .await
        .click()
        .await
        .expect("tick activate");
    browser.click("#deploy").await;
    let section = browser
        .text("section[aria-labelledby='plugin-vinh-phuc-forms']")
        .await;
    assert!(
        section.contains("1.0.1"),
        "the new version serves: {section}"
    );
    browser.screenshot("17b-admin-plugin-deployed").await;
    let timeline = browser.text("#timeline-vinh-phuc-forms").await;
    assert!(
        timeline.contains("1.0.1") && timeline.contains("activation"),
        "{timeline}"
    );

    // The version scheduled for a council resolution's date, then cancelled.
    browser.choose("#s-version-vinh-phuc-forms", "1.0.1").await;
    browser
        .set_value("#s-at-vinh-phuc-forms", "2030-01-01T00:00")
        .await;
    browser.click("#schedule-vinh-phuc-forms button").await;
    let timeline = browser.text("#timeline-vinh-phuc-forms").await;
    assert!(
        timeline.contains("scheduled")
            && (timeline.contains("pending") || timeline.contains("chờ đến hạn")),
        "{timeline}"
    );
    browser.screenshot("17c-admin-plugin-scheduled").await;
    browser.click("#timeline-vinh-phuc-forms form button").await;
    let timeline = browser.text("#timeline-vinh-phuc-forms").await;
    assert!(!timeline.contains("scheduled"), "cancelled: {timeline}");
    for (page, shot) in [
        ("admin/outbox", "18-admin-outbox"),
        ("admin/reconciliation", "19-admin-reconciliation"),
        ("admin/calendar", "20-admin-calendar"),
        ("dashboard", "21-admin-dashboard"),
    ] {
        browser.goto(&format!("{base}/console/{page}")).await;
        assert!(
            browser.has("main h1").await,
            "{page}: {}",
            browser.body_text().await
        );
        browser.screenshot(shot).await;
    }
    assert_eq!(
        count(&browser.text("#current-received a").await),
        0,
        "submitted, not yet received"
    );

    // The reconciliation's mismatch list downloads as CSV.
    browser
        .goto(&format!("{base}/console/admin/reconciliation"))
        .await;
    let href = browser.attr("#recon-csv", "href").await;
    let session = browser.cookie("motcua_session").await;
    let csv = http_client()
        .get(format!("{base}{href}"))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .expect("the reconciliation CSV");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}dossier_code,cause,detail"),
        "{text}"
    );
    browser.close().await;
    host.stop().await;
}

macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::run_on(super::Backend::Sqlite, super::$name).await;
            }
        }
    )*};
}

// The browser tests drive pages, not storage: SQLite is enough; the
// sign-in rules below run on both databases.
on_sqlite!(
    a_citizen_and_an_officer_take_a_vinh_phuc_birth_registration_from_form_to_returned_result,
    a_tenant_admin_sees_plugins_with_their_call_durations_the_outbox_reconciliation_calendar_and_dashboard,
    a_da_nang_birth_registration_shows_the_congratulation_letter_once_the_result_is_returned,
    the_citizen_submission_path_works_with_javascript_disabled,
);

on_both_backends!(
    sign_in_sets_a_strict_session_cookie_that_another_host_on_the_same_database_honours,
    a_wrong_password_or_a_missing_csrf_token_is_refused_and_sign_out_ends_the_session,
);

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The value of `name` in the response's `Set-Cookie` headers, with the
/// whole header.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|header| {
            let value = header[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            (value, header.to_owned())
        })
}

/// Signs in over plain HTTP; the response to the form post.
async fn post_sign_in(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let page = client
        .get(format!("{base}/console/login"))
        .send()
        .await
        .unwrap();
    let (token, _) = set_cookie(&page, "motcua_login").expect("the sign-in page sets its token");
    client
        .post(format!("{base}/console/login"))
        .header(COOKIE, format!("motcua_login={token}"))
        .form(&[
            ("login_token", token.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn sign_in_sets_a_strict_session_cookie_that_another_host_on_the_same_database_honours(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let first = env.start().await;
    let second = env.start().await;
    let (user, pass) = password(&first, "vinh-phuc", "officer");
    let client = http_client();
    let signed_in = post_sign_in(&client, &first.base, &user, &pass).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[LOCATION], "/console/inbox");
    let (session, header) = set_cookie(&signed_in, "motcua_session").expect("a session cookie");
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Lax"), "{header}");
    assert!(
        !header.contains("Secure"),
        "plain http on loopback: {header}"
    );
    let inbox = client
        .get(format!("{}/console/inbox", second.base))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        inbox.status(),
        StatusCode::OK,
        "the other host knows the session"
    );
    let html = inbox.text().await.unwrap();
    assert!(html.contains("Nguyễn Thị Lan"), "signed in as the officer");
    // Behind a TLS-terminating proxy the cookie is Secure.
    let page = client
        .get(format!("{}/console/login", first.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let (_, login_header) = set_cookie(&page, "motcua_login").unwrap();
    assert!(login_header.contains("; Secure"), "{login_header}");
    // API tokens keep working for machines.
    first
        .api("vinh-phuc", "officer")
        .get("/dossiers")
        .await
        .expect(200);
    first.stop().await;
    second.stop().await;
}

async fn a_wrong_password_or_a_missing_csrf_token_is_refused_and_sign_out_ends_the_session(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let base = &server.base;
    let (user, pass) = password(&server, "vinh-phuc", "citizen");
    let client = http_client();
    let wrong = post_sign_in(&client, base, &user, "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&wrong, "motcua_session").is_none());
    let unknown = post_sign_in(&client, base, "nobody", &pass).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    // Without the sign-in page's token the form is refused.
    let forged = client
        .post(format!("{base}/console/login"))
        .form(&[("username", user.as_str()), ("password", pass.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let signed_in = post_sign_in(&client, base, &user, &pass).await;
    let (session, _) = set_cookie(&signed_in, "motcua_session").unwrap();
    let cookie = format!("motcua_session={session}");
    // A form post without the session's CSRF token changes nothing.
    let apply = client
        .post(format!("{base}/console/procedures/1.001193/apply"))
        .header(COOKIE, &cookie)
        .form(&[
            ("applicant.id", "026195000123"),
            ("applicant.full_name", "Trần Thị Bình"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(apply.status(), StatusCode::FORBIDDEN);
    let listed = server.api("vinh-phuc", "officer").all_codes().await;
    assert!(listed.is_empty(), "nothing was submitted: {listed:?}");
    // A citizen is refused the officer's inbox.
    let inbox = client
        .get(format!("{base}/console/inbox"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), StatusCode::FORBIDDEN);

    // Sign out (with the token from a page), then the cookie is worthless.
    let page = client
        .get(format!("{base}/console/procedures"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the CSRF token")
        .to_owned();
    let out = client
        .post(format!("{base}/console/logout"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = client
        .get(format!("{base}/console/procedures"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(
        after.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/console/login")
    );
    server.stop().await;
}

on_both_backends!(sessions_are_stored_hashed_outlive_no_lifetime_and_end_at_sign_out);

/// A clock the test moves.
struct TestClock(std::sync::Mutex<motcua::domain::time::LocalDateTime>);

impl motcua::app::clock::Clock for TestClock {
    fn now(&self) -> motcua::domain::time::LocalDateTime {
        *self.0.lock().unwrap()
    }
}

async fn sessions_are_stored_hashed_outlive_no_lifetime_and_end_at_sign_out(db: TestDb) {
    use motcua::app::ports::{AccountStore, TenantStore};
    use motcua::app::service::{Accounts, SESSION_LIFETIME};
    use motcua::domain::lifecycle::Role;
    use motcua::domain::tenancy::{Tenant, User};
    use std::sync::Arc;

    let store = db.db.clone();
    store
        .create_tenant(&Tenant::new("lao-cai", "Tỉnh Lào Cai"))
        .await
        .unwrap();
    store
        .put_user(&User {
            id: "lao-cai-citizen".into(),
            tenant: Some("lao-cai".into()),
            name: "Giàng A Páo".into(),
            role: Role::Citizen,
            agency: None,
            personal_id: Some("010090000001".into()),
        })
        .await
        .unwrap();
    let start = motcua::domain::local_datetime!(2026-12-02 08:00:00);
    let clock = Arc::new(TestClock(std::sync::Mutex::new(start)));
    let accounts = Accounts::new(
        Arc::new(store.clone()) as Arc<dyn AccountStore>,
        clock.clone(),
    );
    assert!(
        accounts.set_password("nobody", "x").await.is_err(),
        "no password for an unknown user"
    );
    accounts
        .set_password("lao-cai-citizen", "mật khẩu dài")
        .await
        .unwrap();
    let (_, phc) = store
        .user_with_password("lao-cai-citizen")
        .await
        .unwrap()
        .expect("the password is stored");
    assert!(
        phc.starts_with("$argon2id$") && !phc.contains("mật khẩu"),
        "{phc}"
    );
    assert!(
        accounts
            .sign_in("lao-cai-citizen", "sai")
            .await
            .unwrap()
            .is_none()
    );
    let signed_in = accounts
        .sign_in("lao-cai-citizen", "mật khẩu dài")
        .await
        .unwrap()
        .expect("the right password signs in");
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM console_sessions")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(
        stored[0], signed_in.secret,
        "only the secret's hash is stored"
    );
    let session = accounts.session(&signed_in.secret).await.unwrap().unwrap();
    assert_eq!(session.user.id, "lao-cai-citizen");
    assert_eq!(session.csrf_token, signed_in.session.csrf_token);

    *clock.0.lock().unwrap() = start + SESSION_LIFETIME + std::time::Duration::from_secs(1);
    assert!(
        accounts.session(&signed_in.secret).await.unwrap().is_none(),
        "expired"
    );
    *clock.0.lock().unwrap() = start;
    let again = accounts
        .sign_in("lao-cai-citizen", "mật khẩu dài")
        .await
        .unwrap()
        .unwrap();
    accounts.sign_out(&again.secret).await.unwrap();
    assert!(
        accounts.session(&again.secret).await.unwrap().is_none(),
        "signed out"
    );
}
