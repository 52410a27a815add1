//! A whole local ecosystem: one L1 anvil with the L1 contracts, N hyperchain anvils with their
//! genesis, each registered through the factory. No operators (the `hyperchain` CLI and tests run
//! those on top).

use crate::{
    AnvilConfig, AnvilInstance, AttesterProcess, AttesterSpec, DeployL1Options, DevAccount,
    DevnetError, GenesisRequest, L1Deployment, Toolchain, deploy_l1, dev_attester_key,
    dev_mode_env, generate_genesis,
};
use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use hyperchain_bindings::{
    ChainConfig, ChainFactory, ChainSettlement, DEFAULT_L2_GAS_LIMIT, L2GasQuote, SharedBridge,
};
use hyperchain_zkevm::proven_state_root;
use serde::Serialize;
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

/// One hyperchain to create.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    /// Its chain id.
    pub chain_id: u64,
    /// 0 = rollup, 1 = validium.
    pub da_mode: u8,
}

/// What to launch.
#[derive(Clone, Debug)]
pub struct EcosystemConfig {
    /// L1 chain id (ignored with a fork: the fork keeps its chain id).
    pub l1_chain_id: u64,
    /// Run L1 as a fork of this RPC.
    pub l1_fork_url: Option<String>,
    /// L1 interval mining (`None`: a block per transaction, the fastest settlement).
    pub l1_block_time: Option<Duration>,
    /// The hyperchains.
    pub chains: Vec<ChainSpec>,
    /// L2 block time (`None`: a block per transaction).
    pub l2_block_time: Option<Duration>,
    /// Where genesis files go (default: a folder removed with the ecosystem).
    pub genesis_dir: Option<PathBuf>,
    /// ETH the deployer deposits on L1 to each chain at launch (to [`BACKING_RECIPIENT`]). The dev
    /// accounts' genesis ETH on a hyperchain was never deposited, so L1 does not back it; without
    /// this, a hyperbridge transfer of that ETH makes the source chain's next batch fail with
    /// `InsufficientChainBalance` on L1. Zero: no deposit (the priority queue stays empty).
    pub backing: U256,
    /// Size of the verifier's attester set: dev attester keys `0..attesters`
    /// ([`dev_attester_key`]), run by [`Ecosystem::start_attesters`].
    pub attesters: usize,
    /// Attestations the verifier requires per batch.
    pub attestation_threshold: u64,
    /// L2 gas price (wei per gas) of each chain's priority requests, set by its admin right after
    /// registration ([`DEV_L2_GAS_PRICE`] by default: small, but every deposit pays for its L2 gas).
    pub l2_gas_price: U256,
}

/// The devnet's L2 gas price for priority requests: 1 gwei (a 2M-gas deposit pays 0.002 ETH).
pub const DEV_L2_GAS_PRICE: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);

/// Recipient on L2 of the launch's backing deposits: an address nobody has the key of.
pub const BACKING_RECIPIENT: Address = Address::repeat_byte(0xdd);

impl EcosystemConfig {
    /// L1 900 and `n` hyperchains 901.., rollup mode, 250 ms L2 blocks.
    pub fn local(n: usize) -> Self {
        Self {
            l1_chain_id: 900,
            l1_fork_url: None,
            l1_block_time: None,
            chains: (0..n as u64).map(|i| ChainSpec { chain_id: 901 + i, da_mode: 0 }).collect(),
            l2_block_time: Some(Duration::from_millis(250)),
            genesis_dir: None,
            backing: U256::ZERO,
            attesters: 1,
            attestation_threshold: 1,
            l2_gas_price: DEV_L2_GAS_PRICE,
        }
    }
}

/// Dev account roles (anvil's test mnemonic; index into the 10 funded accounts).
pub mod roles {
    /// Deploys L1, governs it, admin of every chain.
    pub const DEPLOYER: usize = 0;
    /// Operator of hyperchain `i` is account `FIRST_OPERATOR + i` (distinct keys: no nonce clashes).
    pub const FIRST_OPERATOR: usize = 1;
    /// The relayer.
    pub const RELAYER: usize = 8;
    /// The validium DA committee (its one member). Attesters are not dev accounts: they need no
    /// funds (`dev_attester_key`).
    pub const DA_COMMITTEE: usize = 9;
}

/// A running hyperchain node registered on L1.
#[derive(Debug)]
pub struct HyperchainNode {
    /// The anvil process.
    pub anvil: AnvilInstance,
    /// Chain id.
    pub chain_id: u64,
    /// `ChainSettlement` on L1.
    pub settlement: Address,
    /// The state root of its genesis (registered on L1).
    pub genesis_state_root: B256,
    /// 0 rollup, 1 validium.
    pub da_mode: u8,
    /// Operator account.
    pub operator: DevAccount,
    /// The genesis file.
    pub genesis_path: PathBuf,
}

/// How long each phase took.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    /// L1 anvil spawn → RPC ready.
    pub l1_ready_ms: u128,
    /// `DeployL1.s.sol`.
    pub deploy_l1_ms: u128,
    /// Genesis generation + L2 anvils + createChain, all chains.
    pub chains_ms: u128,
    /// Launch start → every chain registered and backed: the whole of `Ecosystem::launch`.
    pub total_ms: u128,
}

/// L1 + hyperchains; every process dies when this is dropped.
#[derive(Debug)]
pub struct Ecosystem {
    /// The toolchain used.
    pub toolchain: Toolchain,
    /// L1 node.
    pub l1: AnvilInstance,
    /// L1 addresses.
    pub deployment: L1Deployment,
    /// Hyperchains, in config order.
    pub chains: Vec<HyperchainNode>,
    /// Phase timings.
    pub timings: Timings,
    /// The verifier's attester set (dev keys), ascending by index.
    pub attester_keys: Vec<B256>,
    /// The verifier's threshold.
    pub attestation_threshold: u64,
    _scratch: Option<tempfile::TempDir>,
}

impl Ecosystem {
    /// Starts L1, deploys it, generates every genesis, starts the hyperchains and registers them.
    pub async fn launch(config: &EcosystemConfig) -> Result<Self, DevnetError> {
        let started = Instant::now();
        let toolchain = Toolchain::locate()?;
        let l1 = AnvilInstance::spawn(
            &toolchain,
            &AnvilConfig {
                chain_id: config.l1_fork_url.is_none().then_some(config.l1_chain_id),
                fork_url: config.l1_fork_url.clone(),
                block_time: config.l1_block_time,
                ..Default::default()
            },
        )
        .await?;
        let mut timings =
            Timings { l1_ready_ms: started.elapsed().as_millis(), ..Default::default() };
        let accounts = l1.accounts().to_vec();
        let deployer = account(&accounts, roles::DEPLOYER)?;
        tracing::info!(url = %l1.rpc_url(), chain = l1.chain_id(), "L1 ready");

        let t = Instant::now();
        let attester_keys: Vec<B256> = (0..config.attesters.max(1)).map(dev_attester_key).collect();
        let attester_addresses: Vec<String> =
            (0..attester_keys.len()).map(|i| crate::dev_attester_address(i).to_string()).collect();
        let mut options = DeployL1Options::dev();
        options.env.extend([
            ("ATTESTERS".to_string(), attester_addresses.join(",")),
            ("ATTESTATION_THRESHOLD".to_string(), config.attestation_threshold.to_string()),
            (
                "DA_COMMITTEE".to_string(),
                account(&accounts, roles::DA_COMMITTEE)?.address.to_string(),
            ),
        ]);
        let (deployment, _) =
            deploy_l1(&toolchain, &l1.rpc_url(), deployer.private_key, &options).await?;
        timings.deploy_l1_ms = t.elapsed().as_millis();
        tracing::info!(factory = %deployment.chain_factory, "L1 deployed");

        let t = Instant::now();
        let (scratch, genesis_dir) = match &config.genesis_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let s = toolchain.scratch_dir()?;
                let p = s.path().to_path_buf();
                (Some(s), p)
            }
        };
        let l1_chain_id = l1.chain_id();
        let genesis_files =
            write_geneses(&toolchain, &deployment, l1_chain_id, config, &genesis_dir).await?;
        let nodes = futures::future::try_join_all(
            config
                .chains
                .iter()
                .zip(genesis_files)
                .map(|(spec, path)| start_hyperchain(&toolchain, spec, config, path)),
        )
        .await?;

        let l1_provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer(&deployer)?))
            .connect_http(url(&l1.rpc_url())?)
            .erased();
        let factory = ChainFactory::new(deployment.chain_factory, l1_provider.clone());
        let mut chains = Vec::new();
        for (i, (anvil, genesis_state_root, genesis_path)) in nodes.into_iter().enumerate() {
            let spec = &config.chains[i];
            let operator = account(&accounts, roles::FIRST_OPERATOR + i % 7)?;
            let genesis_block = genesis_block_hash(&anvil.rpc_url()).await?;
            let settlement = register_chain(
                &factory,
                spec,
                deployer.address,
                operator.address,
                genesis_state_root,
                genesis_block,
            )
            .await?;
            tracing::info!(chain = spec.chain_id, %settlement, url = %anvil.rpc_url(), "hyperchain registered");
            if !config.l2_gas_price.is_zero() {
                set_l2_gas_price(&l1_provider, settlement, config.l2_gas_price).await?;
            }
            if !config.backing.is_zero() {
                back_chain(&l1_provider, deployment.shared_bridge, spec.chain_id, config.backing)
                    .await?;
            }
            chains.push(HyperchainNode {
                anvil,
                chain_id: spec.chain_id,
                settlement,
                genesis_state_root,
                da_mode: spec.da_mode,
                operator,
                genesis_path,
            });
        }
        timings.chains_ms = t.elapsed().as_millis();
        timings.total_ms = started.elapsed().as_millis();
        Ok(Self {
            toolchain,
            l1,
            deployment,
            chains,
            timings,
            attester_keys,
            attestation_threshold: config.attestation_threshold,
            _scratch: scratch,
        })
    }

    /// Funded dev accounts (the same keys on L1 and every hyperchain).
    pub fn accounts(&self) -> &[DevAccount] {
        self.l1.accounts()
    }

    /// The validium DA committee's key.
    pub fn da_committee(&self) -> Result<DevAccount, DevnetError> {
        account(self.l1.accounts(), roles::DA_COMMITTEE)
    }

    /// Starts one `hyperchain-attester` process per key of the verifier's set, each attesting
    /// every chain, with its files (`attester-<i>.toml/.db/.log`) in `dir`. The operators are
    /// given their URLs.
    pub async fn start_attesters(
        &self,
        dir: &std::path::Path,
    ) -> Result<Vec<AttesterProcess>, DevnetError> {
        let chains: Vec<(u64, String)> =
            self.chains.iter().map(|c| (c.chain_id, c.anvil.rpc_url())).collect();
        futures::future::try_join_all(self.attester_keys.iter().enumerate().map(|(i, key)| {
            AttesterProcess::start(AttesterSpec {
                key: *key,
                l1_rpc: self.l1.rpc_url(),
                chain_factory: self.deployment.chain_factory,
                chains: chains.clone(),
                dir: dir.to_path_buf(),
                name: format!("attester-{i}"),
            })
        }))
        .await
    }

    /// Stops every node, hyperchains first.
    pub async fn shutdown(self) {
        for chain in self.chains {
            chain.anvil.shutdown().await;
        }
        self.l1.shutdown().await;
    }
}

/// `ChainSettlement.setL2GasPrice(price)`, sent by the chain's admin.
async fn set_l2_gas_price(
    admin: &DynProvider,
    settlement: Address,
    price: U256,
) -> Result<(), DevnetError> {
    let step = format!("setL2GasPrice({price}) on {settlement}");
    send_confirmed(&step, ChainSettlement::new(settlement, admin).setL2GasPrice(price)).await
}

/// `SharedBridge.depositETH(chainId, BACKING_RECIPIENT, DEFAULT_L2_GAS_LIMIT, price)` crediting
/// `amount` (the L2 gas fee on top).
async fn back_chain(
    l1: &DynProvider,
    shared_bridge: Address,
    chain_id: u64,
    amount: U256,
) -> Result<(), DevnetError> {
    let step = format!("backing deposit to chain {chain_id}");
    let bridge = SharedBridge::new(shared_bridge, l1);
    let gas = L2GasQuote::fetch(&bridge, U256::from(chain_id), DEFAULT_L2_GAS_LIMIT)
        .await
        .map_err(|e| DevnetError::Contract { step: step.clone(), reason: contract_reason(&e) })?;
    let deposit = bridge
        .depositETH(
            U256::from(chain_id),
            BACKING_RECIPIENT,
            U256::from(DEFAULT_L2_GAS_LIMIT),
            gas.price,
        )
        .value(amount + gas.fee);
    send_confirmed(&step, deposit).await
}

/// Sends `call` and waits for its receipt; a refused send (decoded revert) or a transaction that
/// reverted on chain is an error naming `step`.
async fn send_confirmed<P: Provider, D: alloy::contract::CallDecoder>(
    step: &str,
    call: alloy::contract::CallBuilder<P, D>,
) -> Result<(), DevnetError> {
    let failed = |reason: String| DevnetError::Contract { step: step.to_string(), reason };
    let receipt = call
        .send()
        .await
        .map_err(|e| failed(contract_reason(&e)))?
        .get_receipt()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if !receipt.status() {
        return Err(failed(format!("transaction {} reverted", receipt.transaction_hash)));
    }
    Ok(())
}

fn account(accounts: &[DevAccount], i: usize) -> Result<DevAccount, DevnetError> {
    accounts.get(i).cloned().ok_or_else(|| DevnetError::Contract {
        step: "dev accounts".into(),
        reason: format!("anvil has fewer than {} accounts", i + 1),
    })
}

fn signer(account: &DevAccount) -> Result<PrivateKeySigner, DevnetError> {
    PrivateKeySigner::from_bytes(&account.private_key)
        .map_err(|e| DevnetError::Contract { step: "dev key".into(), reason: e.to_string() })
}

fn url(s: &str) -> Result<alloy::transports::http::reqwest::Url, DevnetError> {
    s.parse().map_err(|e| DevnetError::Rpc { url: s.to_string(), reason: format!("bad URL: {e}") })
}

/// Runs `GenesisL2.s.sol` once and derives the other chains' genesis files from it: the
/// predeploys depend only on the L1 chain id and the shared bridge, the L2 chain id appears only
/// in the JSON's `config.chainId` (one forge run instead of N).
async fn write_geneses(
    toolchain: &Toolchain,
    deployment: &L1Deployment,
    l1_chain_id: u64,
    config: &EcosystemConfig,
    genesis_dir: &std::path::Path,
) -> Result<Vec<PathBuf>, DevnetError> {
    let Some(first) = config.chains.first() else { return Ok(Vec::new()) };
    // Genesis timestamp = now: L2 block times follow the wall clock like L1's.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let first_path = genesis_dir.join(format!("genesis-{}.json", first.chain_id));
    generate_genesis(
        toolchain,
        &GenesisRequest {
            l1_chain_id,
            l2_chain_id: first.chain_id,
            l1_shared_bridge: deployment.shared_bridge,
            out: first_path.clone(),
            env: vec![("GENESIS_TIMESTAMP".into(), now.to_string()), dev_mode_env()],
        },
    )
    .await?;
    let mut genesis: serde_json::Value = crate::read_json(&first_path)?;
    let mut paths = vec![first_path];
    for spec in &config.chains[1..] {
        let path = genesis_dir.join(format!("genesis-{}.json", spec.chain_id));
        genesis["config"]["chainId"] = serde_json::Value::from(spec.chain_id);
        let text = serde_json::to_string(&genesis)
            .map_err(|e| DevnetError::Output { path: path.clone(), reason: e.to_string() })?;
        std::fs::write(&path, text)
            .map_err(|source| DevnetError::Io { path: path.clone(), source })?;
        paths.push(path);
    }
    Ok(paths)
}

async fn start_hyperchain(
    toolchain: &Toolchain,
    spec: &ChainSpec,
    config: &EcosystemConfig,
    genesis_path: PathBuf,
) -> Result<(AnvilInstance, B256, PathBuf), DevnetError> {
    let anvil = AnvilInstance::spawn(
        toolchain,
        &AnvilConfig {
            chain_id: Some(spec.chain_id),
            genesis: Some(genesis_path.clone()),
            block_time: config.l2_block_time,
            ..Default::default()
        },
    )
    .await?;
    let root = genesis_state_root(&anvil.rpc_url()).await?;
    Ok((anvil, root, genesis_path))
}

/// The state root of block 0, the one to register on L1: the root its `eth_getProof` answers are
/// proven against (anvil puts the empty-trie root in the header of an `--init` genesis block, so
/// the header is not used).
pub async fn genesis_state_root(rpc_url: &str) -> Result<B256, DevnetError> {
    let provider = ProviderBuilder::new().connect_http(url(rpc_url)?);
    proven_state_root(&provider, 0)
        .await
        .map_err(|e| DevnetError::Rpc { url: rpc_url.to_string(), reason: e.to_string() })
}

/// The hash of block 0, the one to register on L1: batch 1's headers must continue it.
pub async fn genesis_block_hash(rpc_url: &str) -> Result<B256, DevnetError> {
    let provider = ProviderBuilder::new().connect_http(url(rpc_url)?);
    let rpc = |reason: String| DevnetError::Rpc { url: rpc_url.to_string(), reason };
    let block = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Number(0))
        .await
        .map_err(|e| rpc(e.to_string()))?
        .ok_or_else(|| rpc("no block 0".into()))?;
    Ok(block.header.hash)
}

/// `ChainFactory.createChain` (permissionless), returning the new settlement address.
pub async fn register_chain(
    factory: &ChainFactory::ChainFactoryInstance<DynProvider>,
    spec: &ChainSpec,
    admin: Address,
    operator: Address,
    genesis_state_root: B256,
    genesis_block_hash: B256,
) -> Result<Address, DevnetError> {
    let step = format!("createChain({})", spec.chain_id);
    let config = ChainConfig {
        chainId: U256::from(spec.chain_id),
        admin,
        operator,
        daMode: spec.da_mode,
        genesisStateRoot: genesis_state_root,
        genesisBlockHash: genesis_block_hash,
    };
    send_confirmed(&step, factory.createChain(config)).await?;
    factory
        .settlementOf(U256::from(spec.chain_id))
        .call()
        .await
        .map_err(|e| DevnetError::Contract { step, reason: e.to_string() })
}

fn contract_reason(err: &alloy::contract::Error) -> String {
    use alloy::sol_types::SolInterface;
    if let Some(data) = err.as_revert_data()
        && let Ok(e) = ChainFactory::ChainFactoryErrors::abi_decode(&data)
    {
        return format!("{e:?}");
    }
    err.to_string()
}
