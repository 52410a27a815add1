//! The bridge portal `up` starts, on one real devnet: every API endpoint's JSON and its errors, a
//! user's deposit, hyperbridge transfer and withdrawal + claim sent the way the page sends them
//! (transactions built by the API, sent through the portal's RPC relay from a dev account), then
//! the same journey clicked through in a headless Chromium.

use crate::{Devnet, cast};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn request(url: &str, body: Option<Value>) -> (u16, String) {
    try_request(url, body).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// One HTTP request; `Err` when the portal does not answer (e.g. not listening yet).
fn try_request(url: &str, body: Option<Value>) -> Result<(u16, String), String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = alloy::transports::http::reqwest::Client::new();
        let response = match body {
            Some(b) => client.post(url).json(&b).send().await,
            None => client.get(url).send().await,
        }
        .map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        Ok((status, response.text().await.map_err(|e| format!("{e:?}"))?))
    })
}

fn api(url: &str, body: Option<Value>) -> (u16, Value) {
    let (status, text) = request(url, body);
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON from {url}: {text}")))
}

/// Sends an API-built transaction through `/rpc/{chainId}` from `from` and waits for its receipt.
fn send_through_portal(portal: &str, tx: &Value, from: &str) -> String {
    let chain = tx["chainId"].as_u64().unwrap();
    let rpc = format!("{portal}/rpc/{chain}");
    let fields = json!({ "from": from, "to": tx["to"], "data": tx["data"], "value": tx["value"] });
    let (status, answer) = api(
        &rpc,
        Some(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction", "params": [fields] }),
        ),
    );
    assert_eq!(status, 200, "{answer}");
    let hash =
        answer["result"].as_str().unwrap_or_else(|| panic!("no tx hash: {answer}")).to_string();
    let started = Instant::now();
    loop {
        let (_, receipt) = api(
            &rpc,
            Some(
                json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_getTransactionReceipt", "params": [hash] }),
            ),
        );
        if receipt["result"].is_object() {
            assert_eq!(receipt["result"]["status"], "0x1", "{tx}: {receipt}");
            return hash;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no receipt for {hash}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `GET url` until `done` holds for its JSON.
/// Polls `url` until it answers 200 with a body `done` accepts; a connection refused (the portal
/// process is up but not listening yet) is retried like a not-yet answer.
fn poll(url: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let last = match try_request(url, None) {
            Ok((status, text)) => {
                let body: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("not JSON from {url}: {text}"));
                if status == 200 && done(&body) {
                    return body;
                }
                format!("{status} {body}")
            }
            Err(e) => e,
        };
        assert!(started.elapsed() < Duration::from_secs(120), "{what}: {last}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

const ETH: &str = "0xde0b6b3a7640000";
const QUARTER: &str = "0x3782dace9d90000";
const TENTH: &str = "0x16345785d8a0000";

#[test]
fn portal_api_deposit_send_withdraw_claim_and_errors() {
    let d = Devnet::start(&["--chains", "2"]);
    // `up` writes devnet.json once before it starts the portal (the portal reads that file),
    // then again with the portal's pid.
    let file = d.wait_file("the portal's pid in devnet.json", Duration::from_secs(30), |f| {
        f["portal"]["pid"].as_u64().is_some()
    });
    let portal = file["portal"]["url"].as_str().expect("portal URL in devnet.json").to_string();
    assert!(portal.starts_with("http://127.0.0.1:"), "{portal}");
    let eco = poll(&format!("{portal}/api/ecosystem"), "portal answers", |_| true);

    // The ecosystem: L1 and both chains as L1 and their nodes say.
    assert_eq!(eco["l1"]["chainId"], 900, "{eco}");
    assert_eq!(eco["l1"]["transactionRoot"].as_str().map(str::len), Some(66), "{eco}");
    assert!(eco["l1"]["importedBy"].is_array(), "{eco}");
    let chains = eco["chains"].as_array().unwrap();
    assert_eq!(
        chains.iter().map(|c| c["chainId"].as_u64().unwrap()).collect::<Vec<_>>(),
        [901, 902]
    );
    for c in chains {
        assert_eq!(
            (c["daMode"].as_str(), c["settlementMode"].as_str()),
            (Some("rollup"), Some("settling on L1")),
            "{c}"
        );
        assert_eq!(c["up"], true, "{c}");
        assert!(c["lastExecutedBatch"].as_u64() <= c["lastCommittedBatch"].as_u64(), "{c}");
        assert!(c["l2Block"].as_u64().is_some(), "{c}");
    }
    let accounts = eco["devAccounts"].as_array().unwrap();
    assert!(!accounts.is_empty(), "{eco}");
    let relayer = file["relayer"]["account"].as_str().unwrap().to_lowercase();
    assert!(
        accounts.iter().all(|a| a["address"].as_str().unwrap().to_lowercase() != relayer),
        "no role account offered: {eco}"
    );
    let me = accounts[0]["address"].as_str().unwrap().to_string();

    // The page itself, served by the binary.
    let (status, page) = request(&format!("{portal}/"), None);
    assert_eq!(status, 200);
    assert!(page.contains("public test keys") && page.contains("/app.js"), "{page}");
    let (status, app) = request(&format!("{portal}/app.js"), None);
    assert!(status == 200 && app.contains("/api/messages/"), "{status}");

    // Deposit 1 ETH to 901: built by the API, sent from the dev account, credited on 901.
    let (status, tx) = api(
        &format!("{portal}/api/tx/deposit"),
        Some(json!({ "chainId": 901, "amount": ETH, "to": me })),
    );
    assert_eq!(status, 200, "{tx}");
    assert_eq!(tx["chainId"], 900, "{tx}");
    assert_eq!(
        tx["to"].as_str().unwrap().to_lowercase(),
        file["contracts"]["sharedBridge"].as_str().unwrap().to_lowercase()
    );
    send_through_portal(&portal, &tx, &me);
    poll(&format!("{portal}/api/accounts/{me}"), "deposit credited", |a| {
        a["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "deposit" && h["credited"] == true)
    });
    // Read again: the answer that saw the credit may have read the balances just before it.
    let (status, account) = api(&format!("{portal}/api/accounts/{me}"), None);
    assert_eq!(status, 200, "{account}");
    let balances = account["balances"].as_array().unwrap();
    assert_eq!(
        balances.iter().map(|b| b["chainId"].as_u64().unwrap()).collect::<Vec<_>>(),
        [900, 901, 902]
    );
    for b in balances {
        let rpc = if b["chainId"] == 900 {
            file["l1"]["rpcUrl"].as_str().unwrap().to_string()
        } else {
            file["chains"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["chainId"] == b["chainId"])
                .unwrap()["rpcUrl"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let on_chain = cast(&["balance", "--rpc-url", &rpc, &me]);
        assert_eq!(
            b["eth"].as_str().unwrap(),
            on_chain.trim(),
            "balance on {}: {account}",
            b["chainId"]
        );
    }

    // A hyperbridge transfer 901 → 902, followed by the hash of the transaction that sent it.
    let (status, tx) = api(
        &format!("{portal}/api/tx/send"),
        Some(
            json!({ "fromChain": 901, "toChain": 902, "to": me, "value": QUARTER, "fee": "0x38d7ea4c68000" }),
        ),
    );
    assert_eq!(status, 200, "{tx}");
    let sent_tx = send_through_portal(&portal, &tx, &me);
    let m = poll(&format!("{portal}/api/messages/{sent_tx}"), "message at step 7", |m| {
        m["done"] == true
    });
    let reached = m["reached"].as_array().unwrap();
    assert_eq!(
        reached.iter().map(|r| r["step"].as_u64().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7],
        "{m}"
    );
    assert_eq!(reached[0]["tx"], sent_tx.as_str(), "{m}");
    assert!(
        reached.iter().all(|r| r["timestamp"].as_u64().is_some() && r["name"].is_string()),
        "{m}"
    );
    assert_eq!(m["steps"].as_array().unwrap().len(), 7, "{m}");
    assert_eq!((m["step"].as_u64(), m["eta"]["seconds"].as_f64()), (Some(7), Some(0.0)), "{m}");
    let hash = m["messageHash"].as_str().unwrap();
    let (status, by_hash) = api(&format!("{portal}/api/messages/{hash}"), None);
    assert_eq!((status, &by_hash["messageHash"]), (200, &m["messageHash"]), "{by_hash}");

    // A withdrawal 901 → L1: claimable once its batch executed, claimed through the API's
    // finalizeWithdrawal, then done.
    let (status, tx) = api(
        &format!("{portal}/api/tx/send"),
        Some(json!({ "fromChain": 901, "toChain": 900, "to": me, "value": TENTH })),
    );
    assert_eq!(status, 200, "{tx}");
    let withdrawal_tx = send_through_portal(&portal, &tx, &me);
    let w = poll(&format!("{portal}/api/messages/{withdrawal_tx}"), "withdrawal claimable", |m| {
        m["claimable"] == true
    });
    assert_eq!((w["withdrawal"].as_bool(), w["done"].as_bool()), (Some(true), Some(false)), "{w}");
    assert_eq!(w["steps"].as_array().unwrap().len(), 2, "{w}");
    let l1_before = cast(&["balance", "--rpc-url", file["l1"]["rpcUrl"].as_str().unwrap(), &me]);
    let (status, claim) =
        api(&format!("{portal}/api/tx/claim/{}", w["messageHash"].as_str().unwrap()), None);
    assert_eq!(status, 200, "{claim}");
    send_through_portal(&portal, &claim, &me);
    let w = poll(&format!("{portal}/api/messages/{withdrawal_tx}"), "withdrawal finalized", |m| {
        m["done"] == true
    });
    assert!(w["finalized"]["tx"].is_string() && w["claimable"] == false, "{w}");
    let l1_after = cast(&["balance", "--rpc-url", file["l1"]["rpcUrl"].as_str().unwrap(), &me]);
    let gained = l1_after.trim().parse::<u128>().unwrap() as i128
        - l1_before.trim().parse::<u128>().unwrap() as i128;
    assert!(
        gained > 0 && gained <= 100_000_000_000_000_000,
        "L1 balance rose by the 0.1 ETH less gas: {gained}"
    );
    let (status, again) = api(&format!("{portal}/api/accounts/{me}"), None);
    assert_eq!(status, 200);
    let kinds: Vec<&str> =
        again["history"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"deposit") && kinds.iter().filter(|k| **k == "message").count() == 2,
        "{again}"
    );

    // Errors, each named.
    let unknown = format!("0x{}", "ab".repeat(32));
    let (status, body) = api(&format!("{portal}/api/messages/{unknown}"), None);
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains(&format!("no message or transaction {unknown}")),
        "{body}"
    );
    let (status, body) = api(&format!("{portal}/api/messages/0x1234"), None);
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not a 32-byte hex hash"), "{body}");
    let (status, body) = api(&format!("{portal}/api/accounts/nobody"), None);
    assert_eq!(status, 400, "{body}");
    let (status, body) = api(
        &format!("{portal}/api/tx/deposit"),
        Some(json!({ "chainId": 999, "amount": ETH, "to": me })),
    );
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains("unknown chain id 999"), "{body}");
    let (status, body) = api(&format!("{portal}/api/tx/claim/{hash}"), None);
    assert_eq!(status, 400, "a hyperbridge message is not claimed on L1: {body}");
    let (status, body) = api(
        &format!("{portal}/rpc/901"),
        Some(json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_accounts", "params": [] })),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not relayed"), "{body}");
    let deployer = file["accounts"][0]["address"].as_str().unwrap();
    let (status, body) = api(
        &format!("{portal}/rpc/901"),
        Some(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction", "params": [{ "from": deployer, "to": me, "value": "0x1" }] }),
        ),
    );
    assert_eq!(status, 400, "the deployer is not offered to the page: {body}");

    // The same journey in a real headless Chromium, as another dev account.
    browser_journey(&file, &portal, accounts[1]["address"].as_str().unwrap());
}

/// Drives the page with `portal_browser.mjs` (puppeteer-core against Debian's Chromium, installed
/// by `tools/chromium.sh` when missing: the test fails when it cannot be installed or started),
/// then checks every balance the page showed against the chain's own answer.
fn browser_journey(file: &Value, portal: &str, account: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium =
        std::process::Command::new("bash").arg(root.join("tools/chromium.sh")).output().unwrap();
    assert!(
        chromium.status.success(),
        "Chromium is required for the portal's browser test: {}",
        String::from_utf8_lossy(&chromium.stderr)
    );
    let chromium = String::from_utf8_lossy(&chromium.stdout).trim().to_string();
    let out_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal");
    std::fs::create_dir_all(&out_dir).unwrap();
    let screenshot = out_dir.join("portal.png");
    let started = Instant::now();
    let run = std::process::Command::new("node")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/portal_browser.mjs"))
        .env("PORTAL_URL", portal)
        .env("CHROMIUM", &chromium)
        .env("ACCOUNT", account)
        .env("SCREENSHOT", &screenshot)
        .output()
        .expect("node runs the browser script");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    eprintln!(
        "browser journey: {:?}, screenshot {}\n{stderr}",
        started.elapsed(),
        screenshot.display()
    );
    let report: Value = serde_json::from_str(stdout.trim().lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("browser script output: {stdout}\n{stderr}"));
    assert!(run.status.success(), "browser errors: {}\n{stderr}", report["errors"]);
    assert!(screenshot.is_file(), "no screenshot at {}", screenshot.display());
    let shown = report["balances"].as_object().expect("balances shown");
    assert_eq!(shown.len(), 3, "{report}");
    let mut rpcs = vec![("900".to_string(), file["l1"]["rpcUrl"].as_str().unwrap().to_string())];
    for c in file["chains"].as_array().unwrap() {
        rpcs.push((c["chainId"].to_string(), c["rpcUrl"].as_str().unwrap().to_string()));
    }
    for (chain, rpc) in rpcs {
        let on_chain = cast(&["balance", "--rpc-url", &rpc, account]);
        assert_eq!(
            shown[&chain].as_str(),
            Some(on_chain.trim()),
            "balance shown for {chain}: {report}"
        );
    }
}
