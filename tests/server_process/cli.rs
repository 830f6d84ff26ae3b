//! The command line as scripts use it: `fleetline token create` prints the token alone on stdout,
//! even when it first creates the database (the log goes to stderr).

use std::process::Command;

#[test]
fn token_create_prints_the_token_alone_even_while_it_creates_the_database() {
    let admin = event_store::testing::admin_url();
    let server = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(server, _)| server);
    let name = format!("fleetline_cli_{}", uuid::Uuid::new_v4().simple());
    let output = Command::new(env!("CARGO_BIN_EXE_fleetline"))
        .args(["--database-url", &format!("{server}/{name}")])
        .args(["token", "create", "--name", "script", "--role", "ingest"])
        .env("RUST_LOG", "info")
        .output()
        .expect("fleetline runs");
    let drop = Command::new("psql")
        .args([admin.as_str(), "-X", "-q", "-c"])
        .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .output();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout: {stdout:?}");
    assert!(lines[0].starts_with("flt_"), "stdout: {stdout:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("creating the database"), "stderr: {stderr}");
    assert!(drop.is_ok());
}
