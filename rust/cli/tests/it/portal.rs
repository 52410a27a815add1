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

    erc20_through_the_api(&file, &portal, &me);

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
    // An injected wallet acts as a third one.
    browser_journey(
        &file,
        &portal,
        accounts[1]["address"].as_str().unwrap(),
        accounts[2]["address"].as_str().unwrap(),
    );
}

const TEN_TOKENS: &str = "0x8ac7230489e80000";
const FOUR_TOKENS: &str = "0x3782dace9d900000";
const THREE_TOKENS: &str = "0x29a2241af62c0000";

/// `balanceOf(who)` of `token` as the chain at `rpc` answers it (decimal).
fn token_balance(rpc: &str, token: &str, who: &str) -> String {
    let out = cast(&["call", "--rpc-url", rpc, token, "balanceOf(address)(uint256)", who]);
    // `cast` prints `10000000000000000000 [1e19]`.
    out.split_whitespace().next().unwrap_or_default().to_string()
}

fn rpc_of(file: &Value, chain: u64) -> String {
    if chain == file["l1"]["chainId"].as_u64().unwrap() {
        return file["l1"]["rpcUrl"].as_str().unwrap().to_string();
    }
    file["chains"].as_array().unwrap().iter().find(|c| c["chainId"] == chain).unwrap()["rpcUrl"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The balance of the token of L1 origin `origin` that the account view shows on `chain`.
fn shown_token_balance(account: &Value, chain: u64, origin: &str) -> Option<String> {
    let b = account["balances"].as_array()?.iter().find(|b| b["chainId"] == chain)?;
    let t = b["tokens"]
        .as_array()?
        .iter()
        .find(|t| t["originToken"].as_str().is_some_and(|o| o.eq_ignore_ascii_case(origin)))?;
    t["balance"].as_str().map(str::to_string)
}

/// The transaction the API builds for `body` at `path` (`/api/tx/…`), which must answer 200.
fn built(portal: &str, path: &str, body: Value) -> Value {
    let (status, tx) = api(&format!("{portal}{path}"), Some(body));
    assert_eq!(status, 200, "{path}: {tx}");
    tx
}

/// Sends an API-built transaction and, first, the approval it needs.
fn send_with_approval(portal: &str, tx: &Value, from: &str) -> String {
    if tx["approval"].is_object() {
        send_through_portal(portal, &tx["approval"], from);
    }
    send_through_portal(portal, tx, from)
}

/// The devnet's test token through the API: deposited L1 → 901 (approve + `depositERC20`), sent
/// 901 → 902 over the hyperbridge, withdrawn 902 → L1 and claimed. After each, the balances the
/// account view shows are the chains' own `balanceOf`; bad token requests get a named 400.
fn erc20_through_the_api(file: &Value, portal: &str, me: &str) {
    let token = file["tokens"][0]["address"].as_str().expect("test token in devnet.json");
    let (status, eco) = api(&format!("{portal}/api/ecosystem"), None);
    assert_eq!(status, 200, "{eco}");
    let known = &eco["tokens"][0];
    assert_eq!(known["symbol"], "TEST", "{eco}");
    let address_on = |chain: u64| -> String {
        known["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["chainId"] == chain)
            .unwrap_or_else(|| panic!("no address of the token on {chain}: {known}"))["address"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(address_on(900).eq_ignore_ascii_case(token), "{known}");
    let l1_before: u128 = token_balance(&rpc_of(file, 900), token, me).parse().unwrap();
    assert!(l1_before >= 10u128.pow(19), "the dev account was minted test tokens: {l1_before}");
    let account = |what: &str, chain: u64, units: u128| {
        let a = poll(&format!("{portal}/api/accounts/{me}"), what, |a| {
            shown_token_balance(a, chain, token) == Some(units.to_string())
        });
        let on_chain = if chain == 900 { token.to_string() } else { address_on(chain) };
        assert_eq!(
            token_balance(&rpc_of(file, chain), &on_chain, me),
            units.to_string(),
            "{what}: the chain's balanceOf is what the portal shows"
        );
        a
    };

    // L1 → 901: the approval comes with the deposit (the allowance is short).
    let tx = built(
        portal,
        "/api/tx/deposit",
        json!({ "chainId": 901, "amount": TEN_TOKENS, "to": me, "token": token, "from": me }),
    );
    assert!(tx["approval"]["to"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(token)), "{tx}");
    send_with_approval(portal, &tx, me);
    account("10 TEST deposited to 901", 901, 10 * 10u128.pow(18));
    account("10 TEST escrowed from L1", 900, l1_before - 10 * 10u128.pow(18));

    // 901 → 902: a bridged token is burned by the router, no approval.
    let tx = built(
        portal,
        "/api/tx/send",
        json!({
            "fromChain": 901, "toChain": 902, "to": me, "token": address_on(901),
            "amount": FOUR_TOKENS, "fee": "0x38d7ea4c68000", "from": me
        }),
    );
    assert!(tx["approval"].is_null(), "{tx}");
    let sent_tx = send_with_approval(portal, &tx, me);
    let m = poll(&format!("{portal}/api/messages/{sent_tx}"), "token message at step 7", |m| {
        m["done"] == true
    });
    let moved = &m["tokenTransfer"];
    assert_eq!(
        moved["amount"], "4000000000000000000",
        "the message page decodes the transfer: {m}"
    );
    assert!(moved["originToken"].as_str().is_some_and(|o| o.eq_ignore_ascii_case(token)), "{m}");
    account("4 TEST on 902", 902, 4 * 10u128.pow(18));
    let a = account("6 TEST left on 901", 901, 6 * 10u128.pow(18));
    assert!(
        a["history"].as_array().unwrap().iter().any(|h| h["kind"] == "message"
            && h["tx"] == sent_tx.as_str()
            && h["token"]["amount"] == "4000000000000000000"),
        "the token transfer is in the sender's history: {a}"
    );

    // 902 → L1, claimed with the API's finalizeWithdrawal.
    let tx = built(
        portal,
        "/api/tx/send",
        json!({
            "fromChain": 902, "toChain": 900, "to": me, "token": address_on(902),
            "amount": THREE_TOKENS, "from": me
        }),
    );
    let withdrawal_tx = send_with_approval(portal, &tx, me);
    let w = poll(
        &format!("{portal}/api/messages/{withdrawal_tx}"),
        "token withdrawal claimable",
        |m| m["claimable"] == true,
    );
    let (status, claim) =
        api(&format!("{portal}/api/tx/claim/{}", w["messageHash"].as_str().unwrap()), None);
    assert_eq!(status, 200, "{claim}");
    send_through_portal(portal, &claim, me);
    poll(&format!("{portal}/api/messages/{withdrawal_tx}"), "token withdrawal claimed", |m| {
        m["done"] == true
    });
    account("1 TEST left on 902", 902, 10u128.pow(18));
    account("3 TEST back on L1", 900, l1_before - 7 * 10u128.pow(18));

    // Bad token requests, each named; nothing is built.
    let (status, body) = api(
        &format!("{portal}/api/tx/deposit"),
        Some(json!({ "chainId": 901, "amount": TEN_TOKENS, "to": me, "token": me, "from": me })),
    );
    assert_eq!(status, 400, "an account is not a token: {body}");
    assert!(
        body["error"].as_str().unwrap().contains("is not an ERC-20 on chain 900: no contract"),
        "{body}"
    );
    let (status, body) = api(
        &format!("{portal}/api/tx/send"),
        Some(json!({
            "fromChain": 901, "toChain": 902, "to": me, "token": address_on(901),
            "amount": TEN_TOKENS, "from": me
        })),
    );
    assert_eq!(status, 400, "more than the balance: {body}");
    assert!(body["error"].as_str().unwrap().contains("less than 10000000000000000000"), "{body}");
    let (status, body) = api(
        &format!("{portal}/api/tx/deposit"),
        Some(json!({ "chainId": 901, "amount": TEN_TOKENS, "to": me, "token": token })),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("needs `from`"), "{body}");
}

/// Drives the page with `portal_browser.mjs` (puppeteer-core against Debian's Chromium, installed
/// by `tools/chromium.sh` when missing: the test fails when it cannot be installed or started),
/// then checks every balance the page showed against the chain's own answer.
fn browser_journey(file: &Value, portal: &str, account: &str, injected_account: &str) {
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
        .env("TOKEN", file["tokens"][0]["address"].as_str().expect("test token in devnet.json"))
        .env("INJECTED_ACCOUNT", injected_account)
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
    // The test token: 5 deposited through the page to 901, the rest still on L1, each as the
    // chain's balanceOf says.
    let tokens = report["tokens"].as_array().expect("token balances shown");
    let on_901 = tokens.iter().find(|t| t["chainId"] == 901).unwrap_or_else(|| panic!("{report}"));
    assert_eq!(on_901["balance"], "5000000000000000000", "{report}");
    assert!(tokens.iter().any(|t| t["chainId"] == 900), "L1's test token balance shown: {report}");
    for t in tokens {
        let chain = t["chainId"].as_u64().unwrap();
        assert_eq!(
            t["balance"].as_str(),
            Some(
                token_balance(&rpc_of(file, chain), t["token"].as_str().unwrap(), account).as_str()
            ),
            "token balance shown for {chain}: {report}"
        );
    }
    // The injected wallet: the page asked it for the account, added and switched to L1, and
    // had it send the deposit; the portal's relay sent nothing for it. L1 mined that transaction
    // from the wallet's account to the shared bridge.
    let injected = &report["injected"];
    let calls: Vec<&str> =
        injected["calls"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for method in ["eth_requestAccounts", "wallet_addEthereumChain", "wallet_switchEthereumChain"] {
        assert!(calls.contains(&method), "the page called {method} on the wallet: {injected}");
    }
    assert!(
        !injected["relayed"].as_array().unwrap().iter().any(|m| m == "eth_sendTransaction"),
        "no transaction went through the portal's relay: {injected}"
    );
    let sent = injected["txHashes"].as_array().unwrap();
    assert_eq!(sent.len(), 1, "one deposit through the wallet: {injected}");
    assert_eq!(sent[0]["chainId"], 900, "{injected}");
    let receipt: Value = serde_json::from_str(&cast(&[
        "receipt",
        "--json",
        "--rpc-url",
        &rpc_of(file, 900),
        sent[0]["hash"].as_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert!(
        receipt["from"].as_str().is_some_and(|f| f.eq_ignore_ascii_case(injected_account)),
        "{receipt}"
    );
    assert!(
        receipt["to"].as_str().is_some_and(
            |t| t.eq_ignore_ascii_case(file["contracts"]["sharedBridge"].as_str().unwrap())
        ),
        "{receipt}"
    );
}
