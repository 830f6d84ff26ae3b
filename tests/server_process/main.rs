//! The server as a process, on a database of its own, stopped the ways processes stop: SIGTERM
//! (`shutdown`), SIGKILL mid-ingest (`crash`); and its command line as scripts use it (`cli`).

mod cli;
mod crash;
mod process;
mod shutdown;
