//! The operator's settings file reaches the plugins through the same wiring
//! as `motcua serve` (`<data-dir>/motcua.toml`, or `--config FILE`), and a
//! bad file stops the host with an error naming the field.

use motcua::cli::wiring::assemble;
use motcua::storage::Backend;
use motcua_tests::db::{TestDb, run_on};
use motcua_tests::server::TestEnv;

use super::{Remote, fetch};

const TOKEN: &str = "wired-token-0c9e2d";

fn probe_package(env: &TestEnv, port: u16) {
    env.add_package("egress-probe", "egress-probe", |text| {
        text.replace("127.0.0.1:18081", &format!("127.0.0.1:{port}"))
            + "\n[[egress.secrets]]\nname = \"probe-token\"\nheader = \"authorization\"\nformat = \"Token {secret}\"\n"
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_dirs_settings_file_gives_plugins_their_tenants_config_and_secrets() {
    run_on(Backend::Sqlite, |db: TestDb| async move {
        let remote = Remote::start();
        let port = remote.port();
        let env = TestEnv::new(&db);
        probe_package(&env, port);
        env.write_settings(&format!(
            "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n\n[[plugin]]\ntenant = \"test\"\n\
                 id = \"egress-probe\"\n[plugin.config]\nregion = \"test-region\"\n\
                 [plugin.secrets]\nprobe-token = \"{TOKEN}\"\n"
        ));
        let assembled = assemble(&env.options()).await.expect("the host assembles");
        let plugin = assembled
            .deployment
            .get("egress-probe")
            .expect("the probe is deployed")
            .clone();
        let url = remote.url("/ok");
        let person = tokio::task::spawn_blocking(move || fetch(&plugin, "test", &url))
            .await
            .unwrap()
            .expect("the request goes out");
        assert!(
            person
                .permanent_residence
                .unwrap()
                .contains("region=test-region")
        );
        assert_eq!(
            remote.authorizations(),
            vec![Some(format!("Token {TOKEN}"))]
        );
        assembled.db.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_settings_file_stops_the_host_naming_the_field_not_the_secret() {
    run_on(Backend::Sqlite, |db: TestDb| async move {
        let env = TestEnv::new(&db);
        let config = env.data_dir().join("operator.toml");
        std::fs::write(
            &config,
            format!(
                "[[plugin]]\nid = \"egress-probe\"\n[plugin.secrets]\nprobe-token = {{ env = \"{}\" }}\n",
                "MOTCUA_TEST_UNSET_VARIABLE_4F1"
            ),
        )
        .unwrap();
        let mut options = env.options();
        options.config = Some(config.clone());
        let error = assemble(&options).await.err().expect("the host refuses to start");
        let message = format!("{error:#}");
        assert!(message.contains("operator.toml"), "{message}");
        assert!(
            message.contains("plugin[0].secrets.probe-token"),
            "{message}"
        );
        assert!(
            message.contains("MOTCUA_TEST_UNSET_VARIABLE_4F1"),
            "{message}"
        );

        std::fs::write(&config, format!("[[plugin]]\nid = \"egress-probe\"\nsecret = \"{TOKEN}\"\n")).unwrap();
        let message = format!("{:#}", assemble(&options).await.err().expect("refused"));
        assert!(message.contains("unknown field `secret`"), "{message}");
        assert!(!message.contains(TOKEN), "{message}");
    })
    .await;
}
