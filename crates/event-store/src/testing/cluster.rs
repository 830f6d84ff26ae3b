//! A PostgreSQL server of a test's own: a fresh cluster (`initdb`) on a free port, which the test
//! may stop and start at will — a real outage, disturbing no other test — and which is stopped and
//! deleted with this value.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running PostgreSQL cluster in a directory of its own.
pub struct PrivateCluster {
    directory: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl PrivateCluster {
    /// Creates and starts a cluster (about a second). Trust authentication for `postgres` on
    /// 127.0.0.1 only; no fsync: what is tested is a server going away, not a disk losing data.
    pub fn start() -> Self {
        let directory = std::env::temp_dir().join(format!(
            "fleetline-cluster-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&directory).expect("a directory for the cluster");
        let cluster = Self {
            port: free_port(),
            bin: bin_directory(),
            directory,
        };
        if is_root() {
            // PostgreSQL refuses to run as root: the cluster belongs to the `postgres` user.
            run(Command::new("chown")
                .arg("postgres:")
                .arg(&cluster.directory));
        }
        cluster.run_tool(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "--locale=C",
                "-E",
                "UTF8",
            ],
        );
        cluster.start_server();
        cluster
    }

    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The cluster's `bin` directory's `tool` (pg_dump, pg_restore, ... of the same version).
    pub fn tool(&self, tool: &str) -> PathBuf {
        self.bin.join(tool)
    }

    /// Stops the server (`pg_ctl stop -m fast`: open connections are cut, as in a restart).
    pub fn stop(&self) {
        self.run_tool("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the server again, waiting until it accepts connections.
    pub fn start_server(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.directory.display()
        );
        let log = self.directory.join("server.log");
        self.run_tool(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.display().to_string(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.directory.join("data").display().to_string()
    }

    fn run_tool(&self, tool: &str, args: &[&str]) {
        run(self.command(tool).args(args));
    }

    /// `tool` as the cluster's owner, in the cluster's directory.
    fn command(&self, tool: &str) -> Command {
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(self.tool(tool));
            command
        } else {
            Command::new(self.tool(tool))
        };
        command.current_dir(&self.directory);
        command
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// Runs `command`, panicking with its output when it fails.
pub fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn is_root() -> bool {
    // No libc dependency for one call: the id of the process's owner, as `id -u` prints it.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| output.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

/// PostgreSQL's programs: `pg_config --bindir`, else Debian's place for version 15.
fn bin_directory() -> PathBuf {
    Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        .filter(|bin| bin.join("initdb").exists())
        .unwrap_or_else(|| Path::new("/usr/lib/postgresql/15/bin").to_path_buf())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}
