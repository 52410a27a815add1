use std::{path::PathBuf, time::Duration};

/// What went wrong while launching or driving the local ecosystem, in the user's terms.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// The repository root (with `foundry.toml` and `node_modules/`) was not found.
    #[error(
        "repository root not found (looked at {0}); set HYPERCHAIN_ROOT to the Hyperchains checkout"
    )]
    RootNotFound(PathBuf),
    /// A Foundry binary is missing from `node_modules`.
    #[error("{tool} not found at {path}: run `make install` in the repository root")]
    ToolMissing {
        /// `anvil` or `forge`.
        tool: &'static str,
        /// Where it was expected.
        path: PathBuf,
    },
    /// `@foundry-rs` publishes no binary for this machine.
    #[error(
        "no @foundry-rs binaries for {os}/{arch}: Hyperchains runs on Linux and macOS, x86-64 or arm64"
    )]
    UnsupportedPlatform {
        /// `std::env::consts::OS`.
        os: &'static str,
        /// `std::env::consts::ARCH`.
        arch: &'static str,
    },
    /// Spawning a process failed.
    #[error("could not start {what}: {source}")]
    Spawn {
        /// The process.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// anvil exited or never said it was listening.
    #[error("anvil (chain {chain}) did not start: {reason}")]
    AnvilStart {
        /// Chain id (or `?` when not configured).
        chain: String,
        /// Why, with the tail of its output.
        reason: String,
    },
    /// anvil did not answer JSON-RPC in time.
    #[error("anvil at {url} did not answer within {timeout:?}: {reason}")]
    NotReady {
        /// RPC URL.
        url: String,
        /// How long we waited.
        timeout: Duration,
        /// Last error.
        reason: String,
    },
    /// A forge script failed.
    #[error("forge script {script} failed (exit {status}):\n{output}")]
    Script {
        /// Script path relative to the repository root.
        script: String,
        /// Exit status.
        status: String,
        /// The tail of its output.
        output: String,
    },
    /// A file a script should have written is missing or malformed.
    #[error("{path}: {reason}")]
    Output {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// JSON-RPC call failed.
    #[error("RPC {url}: {reason}")]
    Rpc {
        /// The endpoint.
        url: String,
        /// The error.
        reason: String,
    },
    /// A contract call reverted or could not be sent.
    #[error("{step}: {reason}")]
    Contract {
        /// What we were doing (e.g. "createChain(901)").
        step: String,
        /// The decoded reason.
        reason: String,
    },
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
