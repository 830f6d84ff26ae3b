//! The server as a process, stopped the way service managers stop it: SIGTERM lets a request in
//! flight finish and store what it sent, ends the live streams and exits 0; a request that does
//! not finish does not hold the exit past `--shutdown-timeout-seconds`.

use std::time::{Duration, Instant};

use crate::process::{Server, SlowRequest};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_ends_live_streams_and_exits_cleanly() {
    let server = Server::start(&["--shutdown-timeout-seconds", "10"]).await;
    let vehicle = server.register("TERM-1").await;
    let mut live = server.open_live_stream().await;

    // A batch half sent when the signal comes: the server is reading it.
    let fixes: Vec<String> = (0..500)
        .map(|n| {
            format!(
                r#"{{"vehicleRegisteredId":"{vehicle}","latitude":{},"longitude":8.0}}"#,
                50.0 + f64::from(n) / 1000.0
            )
        })
        .collect();
    let body = format!("[{}]", fixes.join(","));
    let mut batch = SlowRequest::start(&server, "POST", "/track-locations", &body).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, answer) = batch.finish().await;
    assert_eq!(status, 200, "the request in flight is answered: {answer}");

    // The live stream ends (the client reads its end) rather than holding the shutdown.
    tokio::time::timeout(Duration::from_secs(5), live.read_to_end())
        .await
        .expect("the live stream ends at shutdown");
    let stopped = Instant::now();
    let status = server.wait_for_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "exit status {status:?}");
    println!("exited {:?} after the live stream ended", stopped.elapsed());
    assert_eq!(
        server.stored_fixes().await,
        500,
        "every acknowledged fix is stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_finishes_does_not_hold_the_exit_past_the_deadline() {
    let server = Server::start(&["--shutdown-timeout-seconds", "1"]).await;
    let _stuck = SlowRequest::start(&server, "POST", "/register-vehicle", "{}").await;
    let signalled = Instant::now();
    server.terminate();
    server.wait_for_exit(Duration::from_secs(6)).await;
    println!("exited {:?} after SIGTERM", signalled.elapsed());
}
