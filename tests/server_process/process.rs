//! A Fleetline server process on a database of its own, and plain HTTP/1.1 clients over TCP
//! (no client library: the requests are exactly what is written here, slow ones included).

use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use event_store::testing::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Server {
    pub addr: SocketAddr,
    token: String,
    child: std::sync::Mutex<Child>,
    args: Vec<String>,
    log: std::path::PathBuf,
    /// Last: dropped after the process has been stopped.
    database: TestDatabase,
}

impl Server {
    /// Starts the server on a fresh database with `args`, and waits until `/health` answers.
    pub async fn start(args: &[&str]) -> Self {
        let database = TestDatabase::create(2).await;
        let store = fleetline::server::open_store(&database.url(), 2)
            .await
            .expect("the database migrates");
        let token = fleetline::fleet::issue_token::issue(
            &store,
            "process test",
            fleetline::fleet::access::Role::Admin,
            None,
            &[],
            chrono::Utc::now(),
            &fleetline::fleet::access::CausedBy::cli(),
        )
        .await
        .expect("a token")
        .token;
        let addr: SocketAddr = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let log = std::env::temp_dir().join(format!("fleetline-{}.log", uuid::Uuid::new_v4()));
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.extend(["--database-url".into(), database.url()]);
        args.extend(["--site-addr".into(), addr.to_string()]);
        args.extend(["--osmand-addr".into(), "off".into()]);
        let child = spawn(&args, &log);
        let server = Self {
            addr,
            token,
            child: std::sync::Mutex::new(child),
            args,
            log,
            database,
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.request("GET", "/health", "").await.map(|r| r.0) != Some(200) {
            assert!(Instant::now() < deadline, "no /health: {}", self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: the process ends at once, mid-request, as in a crash or an out-of-memory kill.
    pub fn kill(&self) {
        let mut child = self.child.lock().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Starts the server again, on the same database and address.
    pub async fn restart(&self) {
        *self.child.lock().unwrap() = spawn(&self.args, &self.log);
        self.wait_until_healthy().await;
    }

    /// One request with the admin token; `None` when the server does not answer.
    pub async fn request(&self, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(self.addr).await.ok()?;
        let head = self.head(method, path, body.len());
        stream.write_all(head.as_bytes()).await.ok()?;
        stream.write_all(body.as_bytes()).await.ok()?;
        read_response(&mut stream).await
    }

    fn head(&self, method: &str, path: &str, length: usize) -> String {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
            self.addr, self.token
        )
    }

    pub async fn register(&self, plate: &str) -> String {
        let body = format!(r#"{{"vehicleLicensePlate":"{plate}"}}"#);
        let (status, answer) = self
            .request("POST", "/register-vehicle", &body)
            .await
            .unwrap();
        assert_eq!(status, 200, "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        answer["vehicleRegisteredId"].as_str().unwrap().to_string()
    }

    /// `GET /live`, its headers read: the stream is open.
    pub async fn open_live_stream(&self) -> LiveStream {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let head = self.head("GET", "/live", 0);
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut received = Vec::new();
        while !received.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8];
            stream
                .read_exact(&mut byte)
                .await
                .expect("the live stream's headers");
            received.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&received);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        LiveStream(stream)
    }

    pub fn terminate(&self) {
        let pid = self.child.lock().unwrap().id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; fails the test if it is still running after `within`.
    pub async fn wait_for_exit(&self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.lock().unwrap().try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {within:?} after SIGTERM: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fixes stored in the log (read from the database directly: the server may be gone).
    pub async fn stored_fixes(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'LocationTracked'")
            .fetch_one(&self.database.pool)
            .await
            .unwrap()
    }

    /// The ids of the fixes stored in the log (a fix's event id is its `locationTrackedId`).
    pub async fn stored_fix_ids(&self) -> Vec<uuid::Uuid> {
        sqlx::query_scalar("SELECT event_id FROM events WHERE event_type = 'LocationTracked'")
            .fetch_all(&self.database.pool)
            .await
            .unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn spawn(args: &[String], log: &std::path::Path) -> Child {
    let output = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_fleetline"))
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::from(output.try_clone().unwrap()))
        .stderr(Stdio::from(output))
        .spawn()
        .expect("the server starts")
}

/// An open live stream.
pub struct LiveStream(TcpStream);

impl LiveStream {
    /// Reads until the server closes the stream.
    pub async fn read_to_end(&mut self) {
        let mut rest = Vec::new();
        let _ = self.0.read_to_end(&mut rest).await;
    }
}

/// A request whose body is sent in two halves: the server holds it in flight between them.
pub struct SlowRequest {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowRequest {
    /// Sends the head and the first half of `body`.
    pub async fn start(server: &Server, method: &str, path: &str, body: &str) -> Self {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        let head = server.head(method, path, body.len());
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(first).await.unwrap();
        stream.flush().await.unwrap();
        // Read by the server before the caller goes on.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Self {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; answers the response.
    pub async fn finish(&mut self) -> (u16, String) {
        let rest = std::mem::take(&mut self.rest);
        self.stream
            .write_all(&rest)
            .await
            .expect("the server still reads the request");
        read_response(&mut self.stream).await.expect("an answer")
    }
}

/// Status and body of a `Connection: close` response.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Some((status, body.to_string()))
}
