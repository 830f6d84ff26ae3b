//! HTTP ingest load: the API served in-process, the requests sent to it (single fixes and NDJSON
//! batches) and a minimal keep-alive HTTP/1.1 client sending them, flat out or paced.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use event_store::EventStore;
use fleetline::fleet::fleet_index::FleetIndex;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};
use uuid::Uuid;

/// Fixes per batch request.
pub const BATCH: usize = 5000;

/// Makes the request a client sends n-th: path, content type, body.
pub type RequestMaker = Arc<dyn Fn(u64) -> (&'static str, &'static str, Vec<u8>) + Send + Sync>;

/// Where the load goes: the server's address and an ingest token, which every request sends.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub token: Arc<str>,
}

/// Serves the whole app on a free local port, with access control, the projections, the fleet
/// index and the live feed running, as in production; answers its address and an ingest token.
pub async fn serve(store: &EventStore, index: &FleetIndex) -> anyhow::Result<Target> {
    let wakeups = event_store::Wakeups::listen(store.pool(), Duration::from_millis(500));
    let state = fleetline::server::AppState::new(
        store.clone(),
        wakeups.clone(),
        index.clone(),
        Default::default(),
        None,
    )
    .await?;
    fleetline::server::background::start_projections(&state, &wakeups);
    let state_shutdown = state.shutdown.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Served as the server serves, with its timeouts; never shut down (the process ends).
    let (app, shutdown) = (fleetline::server::router(state), state_shutdown);
    tokio::spawn(fleetline::server::listener::serve(listener, app, shutdown));
    let token = fleetline::fleet::issue_token::issue(
        store,
        "bench",
        fleetline::fleet::access::Role::Ingest,
        None,
        &[],
        chrono::Utc::now(),
        &fleetline::fleet::access::CausedBy::cli(),
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}", error.message))?
    .token;
    Ok(Target {
        addr,
        token: token.into(),
    })
}

/// One fix as the API takes it, a JSON object.
fn fix_json(vehicle: Uuid, latitude: f64, longitude: f64) -> String {
    format!(
        r#"{{"vehicleRegisteredId":"{vehicle}","latitude":{latitude},"longitude":{longitude:.1}}}"#
    )
}

/// Requests that post one fix each, for up to 1,000 of the vehicles in turn.
pub fn single_fix_requests(ids: &[Uuid]) -> RequestMaker {
    let bodies = (0..ids.len().min(1000))
        .map(|n| fix_json(ids[n], 50.0 + n as f64 * 1e-4, 8.0).into_bytes())
        .collect();
    cycling("/track-location", "application/json", bodies)
}

/// Requests that post `BATCH` fixes each, one per line, across the vehicles; eight bodies in turn.
pub fn batch_requests(ids: &[Uuid]) -> RequestMaker {
    let bodies = (0..8)
        .map(|b| {
            (0..BATCH)
                .map(|i| {
                    let vehicle = ids[(b * BATCH + i) % ids.len()];
                    fix_json(vehicle, 50.0 + (i % 1000) as f64 * 1e-4, 9.5) + "\n"
                })
                .collect::<String>()
                .into_bytes()
        })
        .collect();
    cycling("/track-locations", "application/x-ndjson", bodies)
}

/// Requests that post `bodies` in turn. The bodies are made before the clock starts, so the client
/// spends its time sending. The server gives every fix a new id, so a body sent twice stores its
/// fixes twice.
fn cycling(path: &'static str, content_type: &'static str, bodies: Vec<Vec<u8>>) -> RequestMaker {
    Arc::new(move |n: u64| {
        let body = bodies[n as usize % bodies.len()].clone();
        (path, content_type, body)
    })
}

/// One keep-alive HTTP/1.1 connection.
pub struct Client {
    stream: BufReader<TcpStream>,
    token: Arc<str>,
}

impl Client {
    pub async fn connect(target: &Target) -> Self {
        let stream = TcpStream::connect(target.addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        Self {
            stream: BufReader::new(stream),
            token: target.token.clone(),
        }
    }

    /// Posts `body` and reads the whole answer (so the connection can be reused); answers the
    /// status.
    async fn post(&mut self, path: &str, content_type: &str, body: &[u8]) -> u16 {
        self.send("POST", path, content_type, body).await
    }

    /// Sends one request and reads the whole answer; answers the status.
    pub async fn send(&mut self, method: &str, path: &str, content_type: &str, body: &[u8]) -> u16 {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            self.token,
            body.len()
        );
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(body).await.expect("write");
        let mut line = String::new();
        self.stream.read_line(&mut line).await.expect("status line");
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.expect("body");
        status
    }
}

/// Sends requests from `connections` clients for `seconds`, as fast as answered or at `paced`
/// requests per second; answers the requests per second achieved.
pub async fn load_http(
    target: &Target,
    connections: usize,
    seconds: u64,
    paced: Option<f64>,
    request: RequestMaker,
) -> f64 {
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (done, count, request) = (done.clone(), count.clone(), request.clone());
            let target = target.clone();
            tokio::spawn(async move {
                let mut client = Client::connect(&target).await;
                let mut n = c as u64 * 1_000_000;
                // Paced: each connection sends its share of the requests per second on a fixed
                // schedule (and catches up at once when it falls behind).
                let mut next = tokio::time::Instant::now();
                let every = paced.map(|rate| Duration::from_secs_f64(connections as f64 / rate));
                while !done.load(Ordering::Relaxed) {
                    if let Some(every) = every {
                        tokio::time::sleep_until(next).await;
                        next += every;
                    }
                    let (path, content_type, body) = request(n);
                    let status = client.post(path, content_type, &body).await;
                    assert_eq!(status, 200, "{path} answered {status}");
                    count.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
