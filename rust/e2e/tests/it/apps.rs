//! Applications over the hyperbridge: OpenZeppelin `ERC20Crosschain` unchanged, and the cross-chain swap.

use std::time::Instant;

use alloy::{
    consensus::Transaction as _, primitives::U256, providers::Provider, sol_types::SolValue,
};
use hyperchain_bindings::predeploys;
use hyperchain_e2e::{STEP_TIMEOUT, World, eth, poll};

alloy::sol! {
    struct Link {
        address gateway;
        bytes counterpart;
    }

    #[sol(rpc)]
    interface IOZToken {
        function mint(address to, uint256 amount) external;
        function crosschainTransfer(bytes to, uint256 amount) external returns (bytes32);
        function balanceOf(address who) external view returns (uint256);
        function totalSupply() external view returns (uint256);
    }
}

/// OpenZeppelin 5.7's `ERC20Crosschain`, unchanged (the `OZCrosschainToken` artifact of
/// `test/l2/TwoChain.t.sol`, which only passes constructor links), over our gateway between two
/// real chains: gateway = OUTBOX, counterpart = the same token address on the other chain (same
/// deployer and nonce on both). 40 tokens A → B, then 15 back B → A, delivered by the relayer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openzeppelin_erc20_crosschain_over_the_gateway() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let deployer = 7;
    let predicted = w.account(deployer).address.create(0);
    for (i, other) in [(a, b), (b, a)] {
        let link = Link {
            gateway: predeploys::OUTBOX,
            counterpart: hyperchain_bindings::interop_address(
                U256::from(w.chain_id(other)),
                predicted,
            ),
        };
        let args = (vec![link],).abi_encode_params();
        let p = w.l2_wallet(i, deployer)?;
        let at = hyperchain_e2e::deploy_artifact(&p, "TwoChain.t.sol", "OZCrosschainToken", &args)
            .await?;
        assert_eq!(at, predicted, "same token address on both chains");
    }
    let (alice, bob) = (w.account(2), w.account(3));
    let on_a = IOZToken::new(predicted, w.l2_wallet(a, 2)?);
    let on_b = IOZToken::new(predicted, w.l2_wallet(b, 3)?);
    on_a.mint(alice.address, eth(100)).send().await?.get_receipt().await?;
    let to_bob = hyperchain_bindings::interop_address(U256::from(w.chain_id(b)), bob.address);
    let r = on_a.crosschainTransfer(to_bob, eth(40)).send().await?.get_receipt().await?;
    assert!(r.status(), "crosschainTransfer on A reverted");
    assert_eq!(on_a.balanceOf(alice.address).call().await?, eth(60), "burned on A");
    poll("40 OZX delivered to bob on B", STEP_TIMEOUT, || async {
        Ok((on_b.balanceOf(bob.address).call().await? == eth(40)).then_some(()))
    })
    .await?;
    assert_eq!(on_b.totalSupply().call().await?, eth(40), "minted on B");
    let to_alice = hyperchain_bindings::interop_address(U256::from(w.chain_id(a)), alice.address);
    let r = on_b.crosschainTransfer(to_alice, eth(15)).send().await?.get_receipt().await?;
    assert!(r.status(), "crosschainTransfer on B reverted");
    poll("15 OZX back to alice on A", STEP_TIMEOUT, || async {
        Ok((on_a.balanceOf(alice.address).call().await? == eth(75)).then_some(()))
    })
    .await?;
    assert_eq!(on_b.totalSupply().call().await?, eth(25), "burned on B");
    eprintln!("ERC20Crosschain A → B → A: {:?}", t0.elapsed());
    w.shutdown().await;
    Ok(())
}

/// The cross-chain swap, exactly as `hyperchain demo swap` runs it
/// (`hyperchain_devnet::swap`): a user on A sells token X for Y on a pool that lives on B, with one
/// `RemoteSwap.swapRemote` on A (token transfer + order A → B, swap on B, proceeds bridged back
/// B → A), carried by the real operators and relayer. Checked here independently on both chains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_chain_swap_with_remote_swap() -> eyre::Result<()> {
    use hyperchain_bindings::{ConstantProductPool, FaucetToken, RemoteSwap};
    use hyperchain_devnet::swap::{SwapChain, SwapConfig, cross_chain_swap};

    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let chain =
        |i: usize| SwapChain { chain_id: w.chain_id(i), rpc_url: w.eco.chains[i].anvil.rpc_url() };
    let config = SwapConfig {
        a: chain(a),
        b: chain(b),
        user_key: w.account(2).private_key,
        lp_key: w.account(4).private_key,
        liquidity: eth(1000),
        amount_in: eth(1),
        relayer_fee: U256::from(1_000_000_000_000u64),
        step_timeout: STEP_TIMEOUT,
    };
    let report = cross_chain_swap(&config, |line| eprintln!("swap: {line}")).await?;
    let user = w.account(2).address;
    assert_eq!(report.user, user);

    // On A: the user's one transaction, X gone, Y arrived.
    let (l2a, l2b) = (w.l2(a)?, w.l2(b)?);
    let tx = l2a
        .get_transaction_by_hash(report.swap_tx)
        .await?
        .ok_or_else(|| eyre::eyre!("swap tx not found on A"))?;
    assert_eq!(tx.inner.signer(), user, "the user sent swapRemote");
    assert_eq!(tx.inner.to(), Some(report.remote_swap_a), "to RemoteSwap on A");
    let (x, y) = (FaucetToken::new(report.token_x, &l2a), FaucetToken::new(report.token_y, &l2a));
    assert_eq!(x.balanceOf(user).call().await?, report.x_before - eth(1), "1 X left the user on A");
    assert_eq!(
        y.balanceOf(user).call().await?,
        report.y_before + report.amount_out,
        "the Y proceeds arrived on A"
    );
    assert!(report.amount_out > U256::ZERO);

    // On B: the relayer delivered the order, the pool traded exactly once.
    let exec = l2b
        .get_transaction_by_hash(report.executed_tx_b)
        .await?
        .ok_or_else(|| eyre::eyre!("execution tx not found on B"))?;
    assert_eq!(exec.inner.signer(), w.relayer_address(), "the relayer delivered the order on B");
    let pool = ConstantProductPool::new(report.pool, &l2b);
    assert_eq!(
        pool.reserve0().call().await? + pool.reserve1().call().await?,
        eth(2000) + eth(1) - report.amount_out,
        "pool reserves moved by one swap"
    );
    let executed =
        World::events::<RemoteSwap::RemoteSwapExecuted>(&l2b, report.remote_swap_b).await?;
    assert_eq!(executed.len(), 1, "one order executed on B");
    assert!(executed[0].0.swapped && executed[0].0.orderId == report.order_id);
    eprintln!(
        "cross-chain swap: 1 X → {} wei of Y; set-up {} ms, swap {} ms, total {:?}",
        report.amount_out,
        report.setup_ms,
        report.swap_ms,
        t0.elapsed()
    );
    w.shutdown().await;
    Ok(())
}
