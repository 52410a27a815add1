// The portal in a real headless Chromium, as a user drives it: pick a dev account, deposit ETH and
// the test token, send a hyperbridge transfer and wait for step 7 on its message page, withdraw
// and claim. Prints the balances the page shows (JSON, stdout) for the Rust test to compare with
// the chains; exits 1 on any browser console error, page error or failed request, and saves a
// screenshot.
//
// Then, in a second page, an injected EIP-1193 wallet (a shim that forwards requests to the
// chains' RPCs, where anvil signs `eth_sendTransaction` for its dev accounts, and records every
// call) acting as INJECTED_ACCOUNT: one deposit sent through it, never through the portal's relay.
//
//   PORTAL_URL=… CHROMIUM=… ACCOUNT=0x… TOKEN=0x… INJECTED_ACCOUNT=0x… SCREENSHOT=…/portal.png \
//     node portal_browser.mjs
import puppeteer from "puppeteer-core";

const {
  PORTAL_URL: url, CHROMIUM: executablePath, ACCOUNT: account, TOKEN: token, INJECTED_ACCOUNT: injectedAccount,
  SCREENSHOT: screenshot,
} = process.env;
const errors = [];
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const step = (what) => process.stderr.write(`browser: ${what}\n`);
const timeout = 120_000;
/** A page that fails the run on any console error, page error or failed request. */
async function watchedPage(name) {
  const p = await browser.newPage();
  await p.setViewport({ width: 1280, height: 900 });
  p.on("console", (m) => { if (m.type() === "error") errors.push(`${name} console: ${m.text()}`); });
  p.on("pageerror", (e) => errors.push(`${name} page error: ${e.message}`));
  p.on("requestfailed", (r) => errors.push(`${name} request failed: ${r.url()} ${r.failure()?.errorText}`));
  return p;
}

/**
 * An EIP-1193 provider as a wallet extension injects it: it knows no chain until the page adds
 * one (wallet_addEthereumChain), sends every request to the current chain's RPC, and records
 * each call in `window.walletCalls`.
 */
function injectWallet(address) {
  const rpcs = {};
  let current = null;
  window.walletCalls = [];
  window.ethereum = {
    async request({ method, params = [] }) {
      window.walletCalls.push({ method, params });
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [address];
        case "eth_chainId":
          return current;
        case "wallet_addEthereumChain":
          rpcs[BigInt(params[0].chainId)] = params[0].rpcUrls[0];
          return null;
        case "wallet_switchEthereumChain": {
          const id = BigInt(params[0].chainId);
          if (!rpcs[id]) throw Object.assign(new Error(`unrecognized chain ${params[0].chainId}`), { code: 4902 });
          current = params[0].chainId;
          return null;
        }
        default: {
          if (!current) throw Object.assign(new Error("no chain selected"), { code: 4901 });
          const response = await fetch(rpcs[BigInt(current)], {
            method: "POST", headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
          });
          const answer = await response.json();
          if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
          if (method === "eth_sendTransaction") (window.walletSent ||= []).push({ chainId: Number(BigInt(current)), hash: answer.result });
          return answer.result;
        }
      }
    },
  };
}

let page;
let injected = null;
try {
  page = await watchedPage("page");

  step("open the portal, pick the dev account");
  await page.goto(url, { waitUntil: "networkidle0" });
  await page.waitForSelector(`#account-picker option[value="${account}"]`);
  const note = await page.$eval("#test-keys-note", (e) => e.textContent);
  if (!note.includes("public test keys")) throw new Error(`dev accounts not labelled as public test keys: ${note}`);
  await page.waitForSelector("#chains tr[data-chain]");
  await page.select("#account-picker", account);
  await page.evaluate(() => { location.hash = "#/account"; });
  await page.waitForSelector("#deposit-form");

  step("deposit 1 ETH from L1 to 901");
  await page.$eval("#deposit-form input[name=amount]", (e) => { e.value = "1"; });
  await page.click("#deposit-button");
  await page.waitForFunction(
    () => [...document.querySelectorAll("#history tr.deposit")].some((r) => r.textContent.includes("credited")),
    { timeout },
  );

  step("deposit 5 TEST from L1 to 901 (approval, then depositERC20)");
  await page.$eval("#deposit-form select[name=asset]", (s, t) => {
    const option = [...s.options].find((o) => o.value.toLowerCase() === t.toLowerCase());
    if (!option) throw new Error(`the test token ${t} is not offered: ${[...s.options].map((o) => o.value)}`);
    s.value = option.value;
  }, token);
  await page.$eval("#deposit-form input[name=amount]", (e) => { e.value = "5"; });
  await page.click("#deposit-button");
  await page.waitForFunction((t) => [...document.querySelectorAll("#balances span.token")].some((s) =>
    s.dataset.chain === "901" && s.dataset.origin.toLowerCase() === t.toLowerCase() && s.dataset.balance === "5000000000000000000"),
  { timeout }, token);
  await page.$eval("#deposit-form select[name=asset]", (s) => { s.value = "ETH"; });

  step("send 0.25 ETH 901 → 902 with a 0.001 ETH fee; wait for step 7");
  await page.$eval("#send-form input[name=value]", (e) => { e.value = "0.25"; });
  await page.$eval("#send-form input[name=fee]", (e) => { e.value = "0.001"; });
  await page.click("#send-button");
  await page.waitForFunction(() => location.hash.startsWith("#/message/"), { timeout });
  await page.waitForSelector('#message[data-done="true"][data-step="7"]', { timeout });
  const reached = await page.$$eval("ol.steps li.reached", (l) => l.length);
  if (reached !== 7) throw new Error(`message page shows ${reached} of 7 steps reached`);

  step("withdraw 0.1 ETH from 901, claim it on L1");
  await page.evaluate(() => { location.hash = "#/account"; });
  await page.waitForSelector("#withdraw-form");
  await page.$eval("#withdraw-form input[name=amount]", (e) => { e.value = "0.1"; });
  await page.click("#withdraw-button");
  await page.waitForFunction(() => location.hash.startsWith("#/message/"), { timeout });
  await page.waitForSelector("#claim-button", { timeout });
  await page.click("#claim-button");
  await page.waitForSelector('#message[data-done="true"]', { timeout });

  step("read the balances the account page shows");
  await page.evaluate(() => { location.hash = "#/account"; });
  await page.waitForSelector("#balances td.eth");
  // Two fresh polls after the claim, so the table shows the settled state.
  for (let i = 0; i < 2; i++) {
    const before = await page.$eval("#view", (v) => v.dataset.updated);
    await page.waitForFunction((b) => document.querySelector("#view").dataset.updated !== b, { timeout }, before);
  }
  const balances = await page.$$eval("#balances td.eth", (cells) =>
    Object.fromEntries(cells.map((c) => [c.dataset.chain, c.dataset.wei])));
  const tokens = await page.$$eval("#balances span.token", (spans) =>
    spans.map((s) => ({ chainId: Number(s.dataset.chain), token: s.dataset.token, balance: s.dataset.balance })));
  const pageErrors = await page.evaluate(() => window.portalErrors);
  errors.push(...pageErrors.map((e) => `window error: ${e}`));

  step("an injected wallet: deposit 0.5 ETH from L1 to 902 through it");
  const wallet = await watchedPage("wallet page");
  const relayed = [];
  wallet.on("request", (r) => { if (r.url().includes("/rpc/")) relayed.push(JSON.parse(r.postData() || "{}").method); });
  await wallet.evaluateOnNewDocument(injectWallet, injectedAccount);
  await wallet.goto(url, { waitUntil: "networkidle0" });
  await wallet.waitForFunction(() => document.querySelector("#account-picker").value === "injected", { timeout });
  await wallet.evaluate(() => { location.hash = "#/account"; });
  await wallet.waitForFunction((a) => document.querySelector("#account-address")?.textContent.toLowerCase() === a.toLowerCase(),
    { timeout }, injectedAccount);
  await wallet.$eval("#deposit-form select[name=chain]", (s) => { s.value = "902"; });
  await wallet.$eval("#deposit-form input[name=amount]", (e) => { e.value = "0.5"; });
  await wallet.click("#deposit-button");
  await wallet.waitForFunction(
    () => [...document.querySelectorAll("#history tr.deposit")].some((r) => r.textContent.includes("chain 902") && r.textContent.includes("credited")),
    { timeout },
  );
  const calls = await wallet.evaluate(() => window.walletCalls);
  const sent = calls.filter((c) => c.method === "eth_sendTransaction");
  const txHashes = await wallet.evaluate(() => window.walletSent || []);
  injected = { calls: calls.map((c) => c.method), sendTransactions: sent.map((c) => c.params[0]), relayed, txHashes };
  const walletErrors = await wallet.evaluate(() => window.portalErrors);
  errors.push(...walletErrors.map((e) => `wallet page window error: ${e}`));
  if (screenshot) await wallet.screenshot({ path: screenshot.replace(/\.png$/, "-wallet.png"), fullPage: true });
  console.log(JSON.stringify({ balances, tokens, injected, errors }));
} catch (e) {
  errors.push(`flow: ${e.message}`);
  console.log(JSON.stringify({ balances: null, tokens: null, injected, errors }));
} finally {
  if (page && screenshot) await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  await browser.close();
}
process.exit(errors.length ? 1 : 0);
