//! `hyperchain up`: the whole local ecosystem in one command.

use crate::{
    common::{
        AttesterInfo, ChainInfo, DevnetFile, L1Info, PortalInfo, RelayerInfo, output, parse_amount,
    },
    supervise::{DaemonCommand, SupervisedAttester, SupervisedDaemon, SupervisedOperator},
};
use eyre::{Context, eyre};
use hyperchain_devnet::{ChainSpec, Ecosystem, EcosystemConfig, roles};
use hyperchain_operator::{Operator, OperatorConfig, SealPolicy};
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// Start L1 + N hyperchains with operators (and the relayer when built); run until Ctrl-C.
#[derive(Debug, clap::Args)]
pub(crate) struct UpArgs {
    /// Number of hyperchains (chain ids 901, 902, …).
    #[arg(long, default_value_t = 2)]
    chains: usize,
    /// L2 block time in milliseconds (0: a block per transaction).
    #[arg(long, default_value_t = 100)]
    block_time: u64,
    /// Run L1 as an anvil fork of this RPC (rehearse on a fork of a real network).
    #[arg(long)]
    l1_fork_url: Option<String>,
    /// Do not start the relayer (by default `hyperchain-relayer` next to this binary runs,
    /// supervised like the operators).
    #[arg(long = "no-relayer")]
    no_relayer: bool,
    /// Do not start the bridge portal (by default `hyperchain portal` serves the page and its
    /// API on a free 127.0.0.1 port, supervised like the relayer).
    #[arg(long = "no-portal")]
    no_portal: bool,
    /// Validium DA for these chain ids (default: every chain is a rollup).
    #[arg(long, value_delimiter = ',')]
    validium: Vec<u64>,
    /// ETH the deployer deposits on L1 to each chain at start, backing the dev accounts' genesis
    /// ETH (which L1 never saw) so that hyperbridge transfers of it can settle (0: none).
    #[arg(long, value_parser = parse_amount, default_value = "1000")]
    backing: alloy::primitives::U256,
    /// Batch sealing interval in milliseconds (batches with transactions).
    #[arg(long, default_value_t = 100)]
    seal_interval: u64,
    /// Where to write the devnet description (default `<repo>/.hyperchain/devnet.json`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit right after the devnet is ready (for benchmarks: measures time-to-ready).
    #[arg(long, hide = true)]
    exit_when_ready: bool,
}

impl UpArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let started = Instant::now();
        let out = self.out.clone().unwrap_or_else(crate::common::default_devnet_path);
        let state_dir = out.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let run_dir = state_dir.join("devnet");
        // A new devnet: earlier operator and relayer databases describe chains that are gone.
        let _ = std::fs::remove_dir_all(&run_dir);
        std::fs::create_dir_all(&run_dir)
            .wrap_err_with(|| format!("create {}", run_dir.display()))?;

        let config = EcosystemConfig {
            l1_chain_id: 900,
            l1_fork_url: self.l1_fork_url.clone(),
            l1_block_time: None,
            chains: (0..self.chains as u64)
                .map(|i| {
                    let chain_id = 901 + i;
                    ChainSpec { chain_id, da_mode: u8::from(self.validium.contains(&chain_id)) }
                })
                .collect(),
            l2_block_time: (self.block_time > 0).then(|| Duration::from_millis(self.block_time)),
            genesis_dir: Some(run_dir.clone()),
            backing: self.backing,
            attesters: DEVNET_ATTESTERS,
            attestation_threshold: DEVNET_ATTESTATION_THRESHOLD,
            l2_gas_price: hyperchain_devnet::DEV_L2_GAS_PRICE,
        };
        tracing::info!(chains = self.chains, "starting L1 and hyperchains");
        let mut eco =
            Ecosystem::launch(&config).await.wrap_err("bringing up the ecosystem failed")?;
        let da_committee = eco.da_committee()?;
        let mut attesters: Vec<SupervisedAttester> = eco
            .start_attesters(&run_dir)
            .await
            .wrap_err("starting the attesters (cargo build -p hyperchain-attester)")?
            .into_iter()
            .map(SupervisedAttester::new)
            .collect();
        let attester_urls: Vec<String> = attesters.iter().map(|a| a.process.url.clone()).collect();

        let mut operators = Vec::new();
        let mut chains = Vec::new();
        for node in &eco.chains {
            let db = run_dir.join(format!("operator-{}.db", node.chain_id));
            let op_config = OperatorConfig {
                l1_rpc: eco.l1.rpc_url(),
                l2_rpc: node.anvil.rpc_url(),
                settlement: node.settlement,
                operator_key: node.operator.private_key,
                attesters: attester_urls.clone(),
                da_committee_keys: vec![da_committee.private_key],
                db_path: Some(db.clone()),
                seal: SealPolicy {
                    interval: Duration::from_millis(self.seal_interval),
                    ..SealPolicy::default()
                },
                poll_interval: Duration::from_millis(100),
            };
            let operator = Operator::new(op_config.clone())
                .await
                .map_err(|e| eyre!("operator of chain {}: {e}", node.chain_id))?;
            operators.push(SupervisedOperator::start(node.chain_id, operator, op_config));
            chains.push(ChainInfo {
                chain_id: node.chain_id,
                rpc_url: node.anvil.rpc_url(),
                settlement: node.settlement,
                da_mode: if node.da_mode == 1 { "validium" } else { "rollup" }.into(),
                genesis_state_root: node.genesis_state_root,
                operator: node.operator.address,
                operator_db: db,
                genesis: node.genesis_path.clone(),
                pid: node.anvil.pid(),
                down: None,
                operator_running: true,
            });
        }

        let relayer_account = eco.accounts()[roles::RELAYER].clone();
        let mut relayer = None;
        let mut relayer_info = None;
        let relayer_port = free_port();
        if !self.no_relayer {
            match relayer_binary() {
                Some(bin) => {
                    let config = run_dir.join("relayer.toml");
                    let command = DaemonCommand {
                        name: "relayer",
                        bin,
                        args: vec!["--config".into(), config.clone().into(), "run".into()],
                        config: Some(config.clone()),
                        log: run_dir.join("relayer.log"),
                        env: vec![("RELAYER_PRIVATE_KEY", relayer_account.private_key.to_string())],
                    };
                    let info = RelayerInfo {
                        config,
                        pid: None,
                        account: relayer_account.address,
                        api_url: Some(format!("http://127.0.0.1:{relayer_port}")),
                        restarts: 0,
                        log: command.log.clone(),
                    };
                    let every_chain = vec![true; eco.chains.len()];
                    let started = SupervisedDaemon::start(
                        command,
                        &relayer_toml(&eco, &run_dir, relayer_port, &every_chain),
                    )?;
                    relayer_info = Some(RelayerInfo { pid: started.pid(), ..info });
                    relayer = Some(started);
                }
                None => tracing::warn!(
                    "hyperchain-relayer not found next to this binary (cargo build -p hyperchain-relayer); running without a relayer"
                ),
            }
        }

        let ready_ms = started.elapsed().as_millis();
        let mut devnet = DevnetFile {
            l1: L1Info {
                chain_id: eco.l1.chain_id(),
                rpc_url: eco.l1.rpc_url(),
                pid: eco.l1.pid(),
            },
            contracts: eco.deployment.clone(),
            tokens: vec![
                deploy_test_token(&eco.l1.rpc_url(), eco.accounts())
                    .await
                    .wrap_err("deploying the test token on L1")?,
            ],
            chains,
            accounts: eco.accounts().to_vec(),
            da_committee,
            attesters: attesters
                .iter()
                .map(|a| AttesterInfo {
                    url: a.process.url.clone(),
                    address: a.process.address,
                    pid: a.process.pid(),
                    restarts: 0,
                    log: a.process.log.clone(),
                })
                .collect(),
            relayer: relayer_info,
            portal: None,
            ready_ms,
            pid: std::process::id(),
        };
        // The portal reads the devnet file at start, so it starts once the file is written.
        let portal_log = run_dir.join("portal.log");
        let portal_port = free_port();
        if !self.no_portal {
            devnet.portal = Some(PortalInfo {
                url: format!("http://127.0.0.1:{portal_port}"),
                pid: None,
                restarts: 0,
                log: portal_log.clone(),
            });
        }
        devnet.write(&out)?;
        let mut portal = None;
        if let Some(info) = devnet.portal.as_mut() {
            let command = DaemonCommand {
                name: "portal",
                bin: std::env::current_exe().wrap_err("locating the hyperchain binary")?,
                args: vec![
                    "portal".into(),
                    "--listen".into(),
                    format!("127.0.0.1:{portal_port}").into(),
                    "--devnet".into(),
                    out.clone().into(),
                ],
                config: None,
                log: portal_log,
                env: Vec::new(),
            };
            let started = SupervisedDaemon::start(command, "")?;
            info.pid = started.pid();
            portal = Some(started);
            devnet.write(&out)?;
        }
        output(json, &devnet, |d| print_table(d, &out, &eco.timings));

        if !self.exit_when_ready {
            tracing::info!("ready in {ready_ms} ms; Ctrl-C to stop");
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .wrap_err("installing the SIGTERM handler")?;
            let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .wrap_err("installing the SIGINT handler")?;
            let mut tick = tokio::time::interval(SUPERVISE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = int.recv() => break,
                    _ = term.recv() => break,
                    _ = tick.tick() => {}
                }
                let changed = supervise(
                    &mut eco,
                    &mut devnet,
                    &mut operators,
                    &mut attesters,
                    relayer.as_mut(),
                    &run_dir,
                    relayer_port,
                )
                .await
                    | supervise_portal(portal.as_mut(), &mut devnet);
                if changed && let Err(e) = devnet.write(&out) {
                    tracing::error!(error = %format!("{e:#}"), "could not update the devnet file");
                }
            }
            eprintln!("shutting down…");
        }
        for op in &mut operators {
            op.stop().await;
        }
        if let Some(relayer) = relayer {
            relayer.stop().await;
        }
        if let Some(portal) = portal {
            portal.stop().await;
        }
        for a in &mut attesters {
            a.process.stop().await;
        }
        eco.shutdown().await;
        let _ = std::fs::remove_file(&out);
        Ok(())
    }
}

/// Base units of the test token minted to each dev account (a million, at 18 decimals).
const TEST_TOKEN_MINT: u128 = 1_000_000 * 10u128.pow(18);

/// Deploys the devnet's test ERC-20 on L1 from the deployer (a `FaucetToken`: anyone may mint
/// more) and mints each dev account [`TEST_TOKEN_MINT`], so token transfers can be tried at once.
async fn deploy_test_token(
    l1_rpc: &str,
    accounts: &[hyperchain_devnet::DevAccount],
) -> eyre::Result<hyperchain_portal::L1Token> {
    use hyperchain_bindings::FaucetToken;
    let deployer = accounts.get(roles::DEPLOYER).ok_or_else(|| eyre!("no deployer account"))?;
    let signer = alloy::signers::local::PrivateKeySigner::from_bytes(&deployer.private_key)?;
    let l1 = crate::common::connect(l1_rpc, "L1", Some(signer)).await?;
    let (name, symbol) = ("Hyperchains test token", "TEST");
    let token = FaucetToken::deploy(&l1, name.into(), symbol.into()).await?;
    // Sent one after another, then awaited together: one receipt poll instead of one per account.
    let mut mints = Vec::new();
    for a in accounts {
        mints.push((
            a.address,
            token.mint(a.address, alloy::primitives::U256::from(TEST_TOKEN_MINT)).send().await?,
        ));
    }
    for (to, pending) in mints {
        if !pending.get_receipt().await?.status() {
            eyre::bail!("minting {symbol} to {to} reverted");
        }
    }
    Ok(hyperchain_portal::L1Token {
        address: *token.address(),
        symbol: symbol.into(),
        decimals: 18,
    })
}

/// How often `up` checks its nodes, operators, attesters and the relayer.
const SUPERVISE_EVERY: Duration = Duration::from_millis(500);

/// The devnet's attester set: 3 processes with dev keys, 2 signatures per batch (one may be down).
const DEVNET_ATTESTERS: usize = 3;
const DEVNET_ATTESTATION_THRESHOLD: u64 = 2;

/// One supervision round; true when `devnet` changed (and must be rewritten).
async fn supervise(
    eco: &mut Ecosystem,
    devnet: &mut DevnetFile,
    operators: &mut [SupervisedOperator],
    attesters: &mut [SupervisedAttester],
    relayer: Option<&mut SupervisedDaemon>,
    run_dir: &Path,
    relayer_port: u16,
) -> bool {
    let mut changed = false;
    for (a, info) in attesters.iter_mut().zip(devnet.attesters.iter_mut()) {
        if a.supervise().await {
            info.pid = a.process.pid();
            info.restarts = a.restarts();
            changed = true;
        }
    }
    if devnet.l1.pid.is_some()
        && let Some(status) = eco.l1.exit_status()
    {
        let pid = devnet.l1.pid.take();
        eprintln!(
            "\n!!! L1 is DOWN: its anvil (pid {}) exited ({status}); every operator is stopped. \
             Restart the devnet (Ctrl-C, then `hyperchain up`).\n",
            pid.map_or("?".into(), |p| p.to_string())
        );
        tracing::error!(?pid, %status, "L1 node exited");
        for op in operators.iter_mut() {
            op.stop().await;
        }
        changed = true;
    }
    for (i, node) in eco.chains.iter_mut().enumerate() {
        let info = &mut devnet.chains[i];
        if info.down.is_some() {
            continue;
        }
        let Some(status) = node.anvil.exit_status() else { continue };
        let why = format!(
            "its node (anvil pid {}) exited ({status})",
            info.pid.map_or("?".into(), |p| p.to_string())
        );
        eprintln!(
            "\n!!! chain {} is DOWN: {why}; its operator is stopped. The other chains keep \
             running; messages to chain {} wait until it is back.\n",
            node.chain_id, node.chain_id
        );
        tracing::error!(chain = node.chain_id, %status, "hyperchain node exited; chain is down");
        operators[i].stop().await;
        info.pid = None;
        info.down = Some(why);
        changed = true;
    }
    for (op, info) in operators.iter_mut().zip(devnet.chains.iter_mut()) {
        if op.supervise().await {
            changed = true;
        }
        if info.operator_running != op.running() {
            info.operator_running = op.running();
            changed = true;
        }
    }
    if let (Some(relayer), Some(info)) = (relayer, devnet.relayer.as_mut()) {
        // A restarted relayer only gets the chains that are up: it refuses to start when an RPC of
        // its config does not answer.
        let up: Vec<bool> = devnet.chains.iter().map(|c| c.down.is_none()).collect();
        if relayer.supervise(|| relayer_toml(eco, run_dir, relayer_port, &up)) {
            info.pid = relayer.pid();
            info.restarts = relayer.restarts();
            changed = true;
        }
    }
    changed
}

/// Restarts the portal like the relayer; true when `devnet` changed.
fn supervise_portal(portal: Option<&mut SupervisedDaemon>, devnet: &mut DevnetFile) -> bool {
    let (Some(portal), Some(info)) = (portal, devnet.portal.as_mut()) else { return false };
    if !portal.supervise(String::new) {
        return false;
    }
    info.pid = portal.pid();
    info.restarts = portal.restarts();
    true
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(9090, |a| a.port())
}

fn relayer_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join("hyperchain-relayer"), dir.join("../hyperchain-relayer")]
        .into_iter()
        .find(|p| p.is_file())
}

/// The relayer's config for the chains of `eco` that are `up`; its HTTP server (metrics, health,
/// message state) on `port`.
fn relayer_toml(eco: &Ecosystem, run_dir: &Path, port: u16, up: &[bool]) -> String {
    let mut s = format!(
        "# written by `hyperchain up`\n\
         database_url = \"sqlite://{db}?mode=rwc\"\n\
         metrics_addr = \"127.0.0.1:{port}\"\n\n\
         [signer]\nkey_env = \"RELAYER_PRIVATE_KEY\"\n\n\
         [l1]\nrpc_url = \"{l1}\"\ntransaction_root = \"{tr}\"\nchain_factory = \"{cf}\"\n\n\
         [poll]\ninterval_ms = 50\n\n\
         # A local devnet delivers every message, zero-fee ones included (OpenZeppelin's\n\
         # crosschain apps send without a fee attribute), as supersim does.\n\
         [fee]\npolicy = \"min-fee\"\nmin_fee = \"0\"\n",
        db = run_dir.join("relayer.db").display(),
        l1 = eco.l1.rpc_url(),
        tr = eco.deployment.transaction_root,
        cf = eco.deployment.chain_factory,
    );
    for (chain, _) in eco.chains.iter().zip(up).filter(|(_, up)| **up) {
        s.push_str(&format!(
            "\n[[chains]]\nname = \"chain-{id}\"\nchain_id = {id}\nrpc_url = \"{url}\"\n",
            id = chain.chain_id,
            url = chain.anvil.rpc_url()
        ));
    }
    s
}

fn print_table(d: &DevnetFile, out: &Path, timings: &hyperchain_devnet::Timings) {
    println!("Hyperchains devnet ready in {} ms  ({})", d.ready_ms, out.display());
    println!(
        "  (L1 {} ms, deploy {} ms, genesis + chains + createChain {} ms)\n",
        timings.l1_ready_ms, timings.deploy_l1_ms, timings.chains_ms
    );
    println!("{:<10} {:>8}  {:<24} {:<44} da", "chain", "id", "rpc", "settlement");
    println!("{:<10} {:>8}  {:<24} {:<44} -", "L1", d.l1.chain_id, d.l1.rpc_url, "-");
    for c in &d.chains {
        println!(
            "{:<10} {:>8}  {:<24} {:<44} {}",
            "hyperchain", c.chain_id, c.rpc_url, c.settlement, c.da_mode
        );
    }
    println!("\nL1 contracts");
    println!("  ChainFactory     {}", d.contracts.chain_factory);
    println!("  SharedBridge     {}", d.contracts.shared_bridge);
    println!("  TransactionRoot  {}", d.contracts.transaction_root);
    println!("  Verifier         {}", d.contracts.verifier);
    for t in &d.tokens {
        println!("  {:<16} {} (test ERC-20, minted to every dev account)", t.symbol, t.address);
    }
    println!(
        "\nAttesters ({DEVNET_ATTESTATION_THRESHOLD} of {} sign each batch; dev-only keys, no funds)",
        d.attesters.len()
    );
    for a in &d.attesters {
        println!(
            "  {:<24} {}  pid {}  log {}",
            a.url,
            a.address,
            a.pid.map_or("- (restarting)".into(), |p| p.to_string()),
            a.log.display()
        );
    }
    match &d.relayer {
        Some(r) => println!(
            "\nRelayer: pid {}, account {}, config {}, log {}, API {}",
            r.pid.map_or("- (restarting)".into(), |p| p.to_string()),
            r.account,
            r.config.display(),
            r.log.display(),
            r.api_url.as_deref().unwrap_or("-")
        ),
        None => println!("\nRelayer: not running"),
    }
    match &d.portal {
        Some(p) => println!("Portal:  {}  (page and JSON API; log {})", p.url, p.log.display()),
        None => println!("Portal:  not running"),
    }
    println!("\nFunded dev accounts (same keys on L1 and every hyperchain; public test keys):");
    for (i, a) in d.accounts.iter().enumerate() {
        let role = match i {
            roles::DEPLOYER => " deployer/admin",
            roles::RELAYER => " relayer",
            roles::DA_COMMITTEE => " validium DA committee",
            i if (roles::FIRST_OPERATOR..roles::FIRST_OPERATOR + d.chains.len()).contains(&i) => {
                " operator"
            }
            _ => "",
        };
        println!("  ({i}) {} {}{role}", a.address, a.private_key);
    }
}
