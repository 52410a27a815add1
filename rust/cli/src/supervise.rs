//! What `hyperchain up` keeps alive. The relayer, the portal and the attesters (child processes) and each
//! chain's operator (an in-process task) are restarted with capped exponential backoff when they exit, and each restart
//! is logged. A node (anvil) that exits is not restarted: its chain state died with the process, so
//! `up` reports the chain down and stops its operator instead.

use hyperchain_devnet::AttesterProcess;
use hyperchain_operator::{Operator, OperatorConfig};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};
use tokio::{process::Child, sync::watch, task::JoinHandle};

/// First restart delay; doubled per consecutive crash up to [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// A daemon that ran this long before exiting starts again from [`BACKOFF_BASE`].
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

/// Restart delays of one daemon.
#[derive(Debug, Default)]
struct Backoff {
    crashes: u32,
}

impl Backoff {
    /// The delay before restarting a daemon that exited after running for `ran`.
    fn after_exit(&mut self, ran: Duration) -> Duration {
        if ran >= HEALTHY_AFTER {
            self.crashes = 0;
        }
        let delay = BACKOFF_BASE.saturating_mul(1 << self.crashes.min(16)).min(BACKOFF_CAP);
        self.crashes += 1;
        delay
    }
}

/// How to start a daemon `up` supervises (the relayer, the portal).
#[derive(Debug)]
pub(crate) struct DaemonCommand {
    /// How logs name it (`relayer`, `portal`).
    pub(crate) name: &'static str,
    pub(crate) bin: PathBuf,
    pub(crate) args: Vec<std::ffi::OsString>,
    /// A config file written before each start (the relayer's `relayer.toml`).
    pub(crate) config: Option<PathBuf>,
    /// stdout and stderr, appended across restarts.
    pub(crate) log: PathBuf,
    /// Extra environment (the relayer's key in `RELAYER_PRIVATE_KEY`).
    pub(crate) env: Vec<(&'static str, String)>,
}

/// A daemon process under supervision.
#[derive(Debug)]
pub(crate) struct SupervisedDaemon {
    command: DaemonCommand,
    child: Option<Child>,
    pid: Option<u32>,
    started: Instant,
    restart_at: Option<Instant>,
    backoff: Backoff,
    restarts: u32,
}

impl SupervisedDaemon {
    /// Writes `config` (when the daemon has a config file) and starts it.
    pub(crate) fn start(command: DaemonCommand, config: &str) -> eyre::Result<Self> {
        let mut relayer = Self {
            command,
            child: None,
            pid: None,
            started: Instant::now(),
            restart_at: None,
            backoff: Backoff::default(),
            restarts: 0,
        };
        relayer.spawn(config)?;
        Ok(relayer)
    }

    /// The running process, `None` while a restart is pending.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Restarts so far.
    pub(crate) fn restarts(&self) -> u32 {
        self.restarts
    }

    fn spawn(&mut self, config: &str) -> eyre::Result<()> {
        use eyre::Context;
        if let Some(path) = &self.command.config {
            std::fs::write(path, config).wrap_err_with(|| format!("write {}", path.display()))?;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.command.log)
            .wrap_err_with(|| format!("open {}", self.command.log.display()))?;
        let mut cmd = tokio::process::Command::new(&self.command.bin);
        cmd.args(&self.command.args)
            .envs(self.command.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().wrap_err("duplicate the daemon log handle")?)
            .stderr(log)
            .kill_on_drop(true)
            .process_group(0);
        // SAFETY: prctl in the child between fork and exec; async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child =
            cmd.spawn().wrap_err_with(|| format!("start {}", self.command.bin.display()))?;
        self.pid = child.id();
        self.child = Some(child);
        self.started = Instant::now();
        Ok(())
    }

    /// One supervision step: notices an exit (and schedules the restart) or performs a due
    /// restart with `config()` as its config file. True when the pid changed.
    pub(crate) fn supervise(&mut self, config: impl FnOnce() -> String) -> bool {
        if let Some(child) = &mut self.child {
            let status = match child.try_wait() {
                Ok(None) => return false,
                Ok(Some(status)) => status.to_string(),
                Err(e) => format!("not waitable: {e}"),
            };
            let delay = self.backoff.after_exit(self.started.elapsed());
            tracing::error!(
                pid = self.pid,
                %status,
                restart_in = ?delay,
                log = %self.command.log.display(),
                "{} exited; restarting it",
                self.command.name
            );
            self.child = None;
            self.pid = None;
            self.restart_at = Some(Instant::now() + delay);
            return true;
        }
        match self.restart_at {
            Some(at) if Instant::now() >= at => {}
            _ => return false,
        }
        match self.spawn(&config()) {
            Ok(()) => {
                self.restarts += 1;
                self.restart_at = None;
                tracing::warn!(
                    pid = self.pid,
                    restarts = self.restarts,
                    "{} restarted",
                    self.command.name
                );
                true
            }
            Err(e) => {
                let delay = self.backoff.after_exit(Duration::ZERO);
                tracing::error!(
                    error = %format!("{e:#}"),
                    retry_in = ?delay,
                    "{} restart failed",
                    self.command.name
                );
                self.restart_at = Some(Instant::now() + delay);
                false
            }
        }
    }

    /// SIGTERM (the relayer flushes its database), then SIGKILL after 3 s.
    pub(crate) async fn stop(mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Some(pid) = self.pid.and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: plain syscall to our own child.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(3), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }
}

/// One attester process under supervision (same key, config, port and database on restart).
#[derive(Debug)]
pub(crate) struct SupervisedAttester {
    pub(crate) process: AttesterProcess,
    started: Instant,
    restart_at: Option<Instant>,
    backoff: Backoff,
    restarts: u32,
}

impl SupervisedAttester {
    pub(crate) fn new(process: AttesterProcess) -> Self {
        Self {
            process,
            started: Instant::now(),
            restart_at: None,
            backoff: Backoff::default(),
            restarts: 0,
        }
    }

    /// Restarts so far.
    pub(crate) fn restarts(&self) -> u32 {
        self.restarts
    }

    /// One supervision step: notices an exit (scheduling the restart) or restarts when due.
    /// True when the pid changed.
    pub(crate) async fn supervise(&mut self) -> bool {
        if self.restart_at.is_none() {
            let Some(status) = self.process.exit_status() else { return false };
            let delay = self.backoff.after_exit(self.started.elapsed());
            tracing::error!(
                attester = %self.process.address,
                %status,
                restart_in = ?delay,
                log = %self.process.log.display(),
                "attester exited; restarting it"
            );
            self.restart_at = Some(Instant::now() + delay);
            return true;
        }
        match self.restart_at {
            Some(at) if Instant::now() >= at => {}
            _ => return false,
        }
        match self.process.restart().await {
            Ok(()) => {
                self.restarts += 1;
                self.restart_at = None;
                self.started = Instant::now();
                tracing::warn!(attester = %self.process.address, pid = self.process.pid(), restarts = self.restarts, "attester restarted");
                true
            }
            Err(e) => {
                let delay = self.backoff.after_exit(Duration::ZERO);
                tracing::error!(attester = %self.process.address, error = %e, retry_in = ?delay, "attester restart failed");
                self.restart_at = Some(Instant::now() + delay);
                false
            }
        }
    }
}

/// One chain's operator task under supervision.
#[derive(Debug)]
pub(crate) struct SupervisedOperator {
    chain_id: u64,
    config: OperatorConfig,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<Result<(), String>>>,
    started: Instant,
    restart_at: Option<Instant>,
    backoff: Backoff,
    restarts: u32,
    /// Stopped on purpose (its chain is down, or `up` is shutting down): never restarted.
    stopped: bool,
}

fn run_operator(operator: Operator, stop: watch::Receiver<bool>) -> JoinHandle<Result<(), String>> {
    tokio::spawn(run_until_stopped(operator, stop))
}

async fn run_until_stopped(
    mut operator: Operator,
    mut stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    operator.run(stopped).await.map_err(|e| e.to_string())
}

impl SupervisedOperator {
    /// Runs `operator` (built from `config`, which a restart reuses).
    pub(crate) fn start(chain_id: u64, operator: Operator, config: OperatorConfig) -> Self {
        let (stop, rx) = watch::channel(false);
        Self {
            chain_id,
            config,
            stop,
            task: Some(run_operator(operator, rx)),
            started: Instant::now(),
            restart_at: None,
            backoff: Backoff::default(),
            restarts: 0,
            stopped: false,
        }
    }

    /// Whether the operator task runs now.
    pub(crate) fn running(&self) -> bool {
        self.task.is_some()
    }

    /// One supervision step: notices an exit (scheduling the restart) or restarts when due.
    /// True when it stopped or started.
    pub(crate) async fn supervise(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if let Some(task) = &mut self.task {
            if !task.is_finished() {
                return false;
            }
            let why = match task.await {
                Ok(Ok(())) => "returned".to_string(),
                Ok(Err(e)) => e,
                Err(e) => format!("panicked: {e}"),
            };
            let delay = self.backoff.after_exit(self.started.elapsed());
            tracing::error!(chain = self.chain_id, error = %why, restart_in = ?delay, "operator exited; restarting it");
            self.task = None;
            self.restart_at = Some(Instant::now() + delay);
            return true;
        }
        match self.restart_at {
            Some(at) if Instant::now() >= at => {}
            _ => return false,
        }
        match Operator::new(self.config.clone()).await {
            Ok(operator) => {
                let (stop, rx) = watch::channel(false);
                self.stop = stop;
                self.task = Some(run_operator(operator, rx));
                self.started = Instant::now();
                self.restart_at = None;
                self.restarts += 1;
                tracing::warn!(
                    chain = self.chain_id,
                    restarts = self.restarts,
                    "operator restarted"
                );
                true
            }
            Err(e) => {
                let delay = self.backoff.after_exit(Duration::ZERO);
                tracing::error!(chain = self.chain_id, error = %e, retry_in = ?delay, "operator restart failed");
                self.restart_at = Some(Instant::now() + delay);
                false
            }
        }
    }

    /// Stops it for good (waits up to 5 s for the current step to finish).
    pub(crate) async fn stop(&mut self) {
        self.stopped = true;
        self.restart_at = None;
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_delays_double_up_to_the_cap_and_reset_after_a_healthy_run() {
        let mut b = Backoff::default();
        let quick = Duration::from_secs(1);
        let delays: Vec<u128> = (0..9).map(|_| b.after_exit(quick).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
        assert_eq!(b.after_exit(HEALTHY_AFTER), BACKOFF_BASE);
        assert_eq!(b.after_exit(quick), BACKOFF_BASE * 2);
    }
}
