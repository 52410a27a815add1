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
