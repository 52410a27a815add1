//! Test support shared by the Rust crates' integration tests (included with `#[path]`): compiles
//! `rust/bindings/tests/sol/CommonHarness.sol` with the repository's forge, starts an anvil and
//! deploys it, and calls it with ABI-encoded arguments.

#![allow(dead_code, unreachable_pub)]

use alloy::{
    network::TransactionBuilder,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, Bytes, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
};
use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// Creation bytecode of `CommonHarness`, compiled once per test binary.
pub fn harness_bytecode() -> Bytes {
    static CODE: OnceLock<Bytes> = OnceLock::new();
    CODE.get_or_init(|| {
        let repo = repo_root();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let sources = repo.join("rust/bindings/tests/sol");
        // Only the harness and what it imports: other engineers' tests and scripts may be mid-edit.
        let status = Command::new(repo.join("tools/bin/forge"))
            .env("FOUNDRY_TEST", &sources)
            .env("FOUNDRY_SCRIPT", &sources)
            .args(["build", "--contracts"])
            .arg(&sources)
            .arg("--out")
            .arg(&out)
            .arg("--cache-path")
            .arg(dir.path().join("cache"))
            .current_dir(&repo)
            .output()
            .expect("run forge (make install)");
        assert!(
            status.status.success(),
            "forge build failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("CommonHarness.sol/CommonHarness.json"))
                .expect("artifact"),
        )
        .expect("artifact json");
        let hex = json["bytecode"]["object"].as_str().expect("bytecode");
        hex.parse().expect("bytecode hex")
    })
    .clone()
}

/// A fresh anvil from the repository's toolchain.
pub fn anvil() -> AnvilInstance {
    Anvil::new().path(repo_root().join("tools/bin/anvil")).spawn()
}

/// A fresh anvil with the given chain id.
pub fn anvil_with_chain_id(chain_id: u64) -> AnvilInstance {
    Anvil::new().path(repo_root().join("tools/bin/anvil")).chain_id(chain_id).spawn()
}

/// A provider signing with anvil's first key.
pub fn provider(anvil: &AnvilInstance) -> DynProvider {
    let signer: alloy::signers::local::PrivateKeySigner = anvil.keys()[0].clone().into();
    ProviderBuilder::new().wallet(signer).connect_http(anvil.endpoint_url()).erased()
}

/// Deploys `code` and returns its address.
pub async fn deploy(provider: &DynProvider, code: Bytes) -> Address {
    let tx = TransactionRequest::default().with_deploy_code(code);
    let receipt =
        provider.send_transaction(tx).await.expect("send").get_receipt().await.expect("receipt");
    assert!(receipt.status(), "deployment reverted");
    receipt.contract_address.expect("created")
}

/// Deploys the harness on `anvil`.
pub async fn deploy_harness(provider: &DynProvider) -> Address {
    deploy(provider, harness_bytecode()).await
}

/// `eth_call` of `signature` (e.g. `"messageHash((uint256,...))"`) with `params` (the
/// ABI-encoded parameters, e.g. `(a, b).abi_encode_params()`); returns the raw return data.
pub async fn call(provider: &DynProvider, to: Address, signature: &str, params: Vec<u8>) -> Bytes {
    let mut data = keccak256(signature.as_bytes())[..4].to_vec();
    data.extend_from_slice(&params);
    let tx = TransactionRequest::default().with_to(to).with_input(data);
    provider.call(tx).await.unwrap_or_else(|e| panic!("call {signature}: {e}"))
}
