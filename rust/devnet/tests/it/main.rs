//! Integration tests: real anvil processes.

use hyperchain_devnet::{AnvilConfig, AnvilInstance, Toolchain};
use std::time::Duration;

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
}

#[tokio::test]
async fn anvil_starts_on_free_port_with_chain_id_and_dies_on_drop() {
    let toolchain = Toolchain::locate().unwrap();
    let config = AnvilConfig { chain_id: Some(901), ..Default::default() };
    let config_b = AnvilConfig { chain_id: Some(902), ..config.clone() };
    let (a, b) = tokio::join!(
        AnvilInstance::spawn(&toolchain, &config),
        AnvilInstance::spawn(&toolchain, &config_b)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.chain_id(), 901);
    assert_eq!(b.chain_id(), 902);
    assert_ne!(a.port(), b.port());
    assert_eq!(a.accounts().len(), 10);
    assert!(a.ready_after() < Duration::from_secs(5), "took {:?}", a.ready_after());
    let pid = a.pid().unwrap();
    assert!(process_alive(pid));
    drop(a);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!process_alive(pid), "anvil {pid} survived its handle");
    b.shutdown().await;
}

#[tokio::test]
async fn anvil_interval_mining_produces_blocks() {
    use alloy::providers::{Provider, ProviderBuilder};
    let toolchain = Toolchain::locate().unwrap();
    let config = AnvilConfig {
        chain_id: Some(903),
        block_time: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let anvil = AnvilInstance::spawn(&toolchain, &config).await.unwrap();
    let provider = ProviderBuilder::new().connect_http(anvil.rpc_url().parse().unwrap());
    tokio::time::sleep(Duration::from_millis(600)).await;
    let n = provider.get_block_number().await.unwrap();
    assert!(n >= 3, "only {n} blocks in 600 ms at 100 ms block time");
}

#[tokio::test]
async fn anvil_fork_of_local_anvil_sees_its_chain() {
    let toolchain = Toolchain::locate().unwrap();
    let origin = AnvilInstance::spawn(
        &toolchain,
        &AnvilConfig { chain_id: Some(900), ..Default::default() },
    )
    .await
    .unwrap();
    let fork = AnvilInstance::spawn(
        &toolchain,
        &AnvilConfig { fork_url: Some(origin.rpc_url()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(fork.chain_id(), 900);
}

#[tokio::test]
async fn anvil_bad_argument_reports_its_output() {
    let toolchain = Toolchain::locate().unwrap();
    let config = AnvilConfig {
        extra_args: vec!["--no-such-flag".into()],
        startup_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let err = AnvilInstance::spawn(&toolchain, &config).await.unwrap_err().to_string();
    assert!(err.contains("no-such-flag"), "{err}");
}

#[tokio::test]
async fn ecosystem_launches_l1_and_two_registered_hyperchains() {
    use hyperchain_devnet::{Ecosystem, EcosystemConfig};
    let eco = Ecosystem::launch(&EcosystemConfig::local(2)).await.unwrap();
    assert_eq!(eco.l1.chain_id(), 900);
    assert_eq!(eco.chains.len(), 2);
    assert_eq!(eco.chains[0].anvil.chain_id(), 901);
    assert_eq!(eco.chains[1].anvil.chain_id(), 902);
    assert_ne!(eco.chains[0].settlement, eco.chains[1].settlement);
    assert_ne!(eco.chains[0].genesis_state_root, alloy::primitives::B256::ZERO);
    eprintln!("ecosystem timings: {:?}", eco.timings);
    eco.shutdown().await;
}

#[tokio::test]
async fn ecosystem_l1_can_be_a_fork_of_another_rpc() {
    use hyperchain_devnet::{Ecosystem, EcosystemConfig};
    let toolchain = Toolchain::locate().unwrap();
    // The "real network": a local anvil with its own chain id and history.
    let origin = AnvilInstance::spawn(
        &toolchain,
        &AnvilConfig { chain_id: Some(4242), ..Default::default() },
    )
    .await
    .unwrap();
    let config =
        EcosystemConfig { l1_fork_url: Some(origin.rpc_url()), ..EcosystemConfig::local(1) };
    let eco = Ecosystem::launch(&config).await.unwrap();
    assert_eq!(eco.l1.chain_id(), 4242, "the fork keeps the forked chain id");
    assert_eq!(eco.chains[0].anvil.chain_id(), 901);
    assert_ne!(eco.chains[0].settlement, alloy::primitives::Address::ZERO);
    eco.shutdown().await;
}

/// Outside dev mode `DeployL1.s.sol` refuses the public dev accounts (its defaults) as governance,
/// attester and DA committee, and deploys with keys of the deployer's own; `hyperchain up` sets
/// dev mode (the ecosystem tests above).
#[tokio::test]
async fn deploy_l1_outside_dev_mode_refuses_public_keys() {
    use hyperchain_devnet::{DeployL1Options, deploy_l1};
    let toolchain = Toolchain::locate().unwrap();
    let l1 = AnvilInstance::spawn(&toolchain, &AnvilConfig::default()).await.unwrap();
    let deployer = l1.accounts()[0].private_key;
    let err = deploy_l1(&toolchain, &l1.rpc_url(), deployer, &DeployL1Options::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("PublicDevKey"), "{err}");
    assert!(err.contains("GOVERNANCE"), "{err}");

    let own = |n: u8| alloy::primitives::Address::repeat_byte(n).to_string();
    let options = DeployL1Options {
        env: vec![
            ("GOVERNANCE".into(), own(0x60)),
            ("ATTESTERS".into(), own(0xa7)),
            ("DA_COMMITTEE".into(), format!("{},{}", own(0xd1), l1.accounts()[9].address)),
        ],
    };
    let err =
        deploy_l1(&toolchain, &l1.rpc_url(), deployer, &options).await.unwrap_err().to_string();
    assert!(err.contains("PublicDevKey") && err.contains("DA_COMMITTEE"), "{err}");

    let options = DeployL1Options {
        env: vec![
            ("GOVERNANCE".into(), own(0x60)),
            ("ATTESTERS".into(), own(0xa7)),
            ("DA_COMMITTEE".into(), own(0xd1)),
        ],
    };
    let (deployment, _) = deploy_l1(&toolchain, &l1.rpc_url(), deployer, &options).await.unwrap();
    assert_ne!(deployment.chain_factory, alloy::primitives::Address::ZERO);
    l1.shutdown().await;
}

/// Outside dev mode `GenesisL2.s.sol` gives the public dev accounts nothing, and refuses to when
/// asked (`GENESIS_DEV_ACCOUNTS=true`); in dev mode it funds them.
#[tokio::test]
async fn genesis_outside_dev_mode_refuses_unbacked_dev_allocations() {
    use hyperchain_devnet::{GenesisRequest, dev_mode_env, generate_genesis, read_json};
    let toolchain = Toolchain::locate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dev = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
    let request = |env: Vec<(String, String)>| GenesisRequest {
        l1_chain_id: 900,
        l2_chain_id: 901,
        l1_shared_bridge: alloy::primitives::Address::repeat_byte(0xb1),
        out: dir.path().join("genesis.json"),
        env,
    };
    let allocates_dev = |path: &std::path::Path| {
        let json: serde_json::Value = read_json(path).unwrap();
        json["alloc"].as_object().unwrap().keys().any(|k| k.eq_ignore_ascii_case(dev))
    };

    let err = generate_genesis(
        &toolchain,
        &request(vec![("GENESIS_DEV_ACCOUNTS".into(), "true".into())]),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("UnbackedDevAllocation"), "{err}");

    generate_genesis(&toolchain, &request(vec![])).await.unwrap();
    assert!(!allocates_dev(&dir.path().join("genesis.json")));

    generate_genesis(&toolchain, &request(vec![dev_mode_env()])).await.unwrap();
    assert!(allocates_dev(&dir.path().join("genesis.json")));
}
