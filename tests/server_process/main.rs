//! The server as a process, on a database of its own, stopped the ways processes stop: SIGTERM
//! (`shutdown`), SIGKILL mid-ingest (`crash`).

mod crash;
mod process;
mod shutdown;
