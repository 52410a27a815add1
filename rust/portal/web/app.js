// The portal page. Everything it shows comes from the portal's JSON API (which reads the chains);
// every transaction it sends is built by the API and sent by the wallet: an injected EIP-1193
// wallet, or a devnet dev account (the nodes' unlocked accounts, through /rpc/{chainId}).
"use strict";

const $ = (id) => document.getElementById(id);
let eco = null;
let timer = null;

// --- amounts ---------------------------------------------------------------------------------
function formatUnits(units, decimals = 18) {
  const v = BigInt(units);
  const one = 10n ** BigInt(decimals);
  const whole = v / one;
  const frac = (v % one).toString().padStart(decimals, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}
const formatEth = (wei) => formatUnits(wei, 18);
function parseUnits(text, decimals = 18) {
  const s = String(text).trim();
  if (!new RegExp(`^\\d+(\\.\\d{0,${decimals}})?$`).test(s)) throw new Error(`not an amount: ${JSON.stringify(s)}`);
  const [whole, frac = ""] = s.split(".");
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
}
const parseEth = (text) => parseUnits(text, 18);

// --- tokens: the ecosystem's known L1 tokens, by their address on any chain --------------------
const ZERO = "0x0000000000000000000000000000000000000000";
const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();
function tokenByAddress(address) {
  return (eco?.tokens || []).find((t) => t.addresses.some((a) => same(a.address, address)));
}
function tokenOn(token, chainId) {
  const at = token.addresses.find((a) => a.chainId === chainId);
  if (!at) throw new Error(`${token.symbol} has no address on ${chainName(chainId)} (is the chain up?)`);
  return at.address;
}
/** "1.5 TEST" for a token address on any chain (raw units when the token is unknown). */
function formatToken(address, units) {
  const t = tokenByAddress(address);
  return t ? `${formatUnits(units, t.decimals)} ${t.symbol}` : `${units} of ${short(address)}`;
}
/** The asset picker of a form: ETH or one of the known tokens (by its L1 address). */
function assetPicker() {
  return el("select", { name: "asset" }, el("option", { value: "ETH" }, "ETH"),
    (eco.tokens || []).map((t) => el("option", { value: tokenOn(t, eco.l1.chainId) }, t.symbol)));
}
const hex = (big) => "0x" + BigInt(big).toString(16);
const short = (h) => (h ? `${h.slice(0, 10)}…${h.slice(-6)}` : "");
const chainName = (id) => (eco && id === eco.l1.chainId ? `L1 (${id})` : `chain ${id}`);
const time = (ts) => (ts ? new Date(ts * 1000).toLocaleTimeString() : "");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick" || k === "onsubmit") node[k] = v;
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function status(text, isError = false) {
  const s = $("status");
  s.textContent = text;
  s.className = isError ? "error" : "";
  if (isError) console.error(text);
}

// --- API and wallet --------------------------------------------------------------------------
async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

async function rpc(chainId, method, params) {
  const answer = await api(`/rpc/${chainId}`, { jsonrpc: "2.0", id: 1, method, params });
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

/** The account acting: a dev account's address, or the injected wallet's. */
async function actor() {
  const choice = $("account-picker").value;
  if (choice !== "injected") return { address: choice, injected: false };
  const [address] = await window.ethereum.request({ method: "eth_requestAccounts" });
  return { address, injected: true };
}

function currentAddress() {
  const choice = $("account-picker").value;
  return choice === "injected" ? (window.injectedAddress || null) : choice;
}

/** Points the injected wallet at `chainId`, adding the chain (its RPC) when the wallet has not
 * heard of it (EIP-3085's 4902 answer: a devnet's chains are new to every wallet). */
async function switchChain(chainId) {
  const params = [{ chainId: hex(chainId) }];
  try {
    await window.ethereum.request({ method: "wallet_switchEthereumChain", params });
  } catch (e) {
    if (e.code !== 4902) throw e;
    const rpcUrl = chainId === eco.l1.chainId ? eco.l1.rpcUrl : eco.chains.find((c) => c.chainId === chainId).rpcUrl;
    await window.ethereum.request({ method: "wallet_addEthereumChain", params: [{
      chainId: hex(chainId), chainName: `Hyperchains ${chainName(chainId)}`, rpcUrls: [rpcUrl],
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    }] });
    await window.ethereum.request({ method: "wallet_switchEthereumChain", params });
  }
}

/** Sends `tx` (from the API) with the acting wallet and waits for its receipt. */
async function sendTx(tx) {
  if (tx.approval) await sendTx(tx.approval);
  const who = await actor();
  const fields = { from: who.address, to: tx.to, data: tx.data, value: tx.value };
  let hash;
  if (who.injected) {
    await switchChain(tx.chainId);
    hash = await window.ethereum.request({ method: "eth_sendTransaction", params: [fields] });
  } else {
    hash = await rpc(tx.chainId, "eth_sendTransaction", [fields]);
  }
  status(`${tx.summary}: transaction ${hash} sent, waiting for its receipt`);
  for (let i = 0; i < 300; i++) {
    const receipt = await rpc(tx.chainId, "eth_getTransactionReceipt", [hash]);
    if (receipt) {
      if (receipt.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      status(`${tx.summary}: mined in block ${BigInt(receipt.blockNumber)} (tx ${hash})`);
      return hash;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no receipt for ${hash} after 60 s`);
}

function action(fn) {
  return async (event) => {
    event.preventDefault();
    try {
      await fn(event.target);
    } catch (e) {
      status(String(e.message || e), true);
    }
  };
}

// --- views -----------------------------------------------------------------------------------
function ecosystemView(main, data) {
  const l1 = data.l1;
  main.append(
    el("section", { id: "ecosystem" },
      el("h2", {}, "Ecosystem"),
      picture(data),
      el("table", { id: "l1" },
        el("tr", {}, el("th", {}, "L1"), el("th", {}, "RPC"), el("th", {}, "block"), el("th", {}, "Transaction Root"), el("th", {}, "leaves"), el("th", {}, "imported by")),
        el("tr", {}, el("td", {}, l1.chainId), el("td", {}, l1.rpcUrl), el("td", {}, l1.block),
          el("td", { class: "hash" }, l1.transactionRoot), el("td", {}, BigInt(l1.leafCount).toString()),
          el("td", {}, l1.importedBy.length ? l1.importedBy.map((c) => `chain ${c}`).join(", ") : "none yet"))),
      el("table", { id: "chains" },
        el("tr", {}, ...["chain", "RPC", "DA", "settlement", "status", "L2 block", "committed", "executed", "settles every", "last imported root"].map((h) => el("th", {}, h))),
        data.chains.map((c) => el("tr", { "data-chain": c.chainId },
          el("td", {}, c.chainId), el("td", {}, c.rpcUrl), el("td", {}, c.daMode), el("td", {}, c.settlementMode),
          el("td", {}, c.up ? "up" : `DOWN: ${c.error}`), el("td", {}, c.l2Block ?? "-"),
          el("td", { class: "committed" }, c.lastCommittedBatch), el("td", { class: "executed" }, c.lastExecutedBatch),
          el("td", {}, c.settleIntervalS == null ? "-" : `${c.settleIntervalS.toFixed(1)} s`),
          el("td", { class: "hash" }, c.lastImportedRoot || "none"))))));
}

/** L1 above, the hyperchains below; a chain's line is solid once it imported L1's current root. */
function picture(data) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const width = Math.max(320, data.chains.length * 160);
  svg.setAttribute("width", width);
  svg.setAttribute("height", 150);
  const node = (x, y, label, fill) => {
    const c = document.createElementNS(ns, "circle");
    Object.entries({ cx: x, cy: y, r: 24, fill }).forEach(([k, v]) => c.setAttribute(k, v));
    const t = document.createElementNS(ns, "text");
    Object.entries({ x, y: y + 40, "text-anchor": "middle" }).forEach(([k, v]) => t.setAttribute(k, v));
    t.textContent = label;
    svg.append(c, t);
  };
  const top = { x: width / 2, y: 30 };
  data.chains.forEach((c, i) => {
    const x = (width / data.chains.length) * (i + 0.5);
    const line = document.createElementNS(ns, "line");
    Object.entries({ x1: top.x, y1: top.y, x2: x, y2: 100, stroke: "#5b6478", "stroke-dasharray": data.l1.importedBy.includes(c.chainId) ? "" : "4 4" })
      .forEach(([k, v]) => line.setAttribute(k, v));
    svg.append(line);
  });
  node(top.x, top.y, `L1 ${data.l1.chainId}`, "#3d5afe");
  data.chains.forEach((c, i) => node((width / data.chains.length) * (i + 0.5), 100, `${c.chainId} (batch ${c.lastExecutedBatch})`, c.up ? "#2e9d55" : "#c62828"));
  return svg;
}

function chainOptions(includeL1) {
  const ids = eco.chains.map((c) => c.chainId);
  if (includeL1) ids.push(eco.l1.chainId);
  return ids.map((id) => el("option", { value: id }, chainName(id)));
}

function accountView(main, data) {
  main.append(
    el("section", { id: "account" },
      el("h2", {}, "Account ", el("span", { class: "hash", id: "account-address" }, data.address)),
      el("table", { id: "balances" },
        el("tr", {}, el("th", {}, "chain"), el("th", {}, "ETH"), el("th", {}, "bridged tokens")),
        data.balances.map((b) => el("tr", {},
          el("td", {}, chainName(b.chainId)),
          el("td", { class: "eth", "data-chain": b.chainId, "data-wei": b.eth }, b.error ? `unavailable: ${b.error}` : `${formatEth(b.eth)} ETH`),
          el("td", {}, b.tokens.length ? b.tokens.map((t) => el("span", {
            class: "token", "data-chain": b.chainId, "data-token": t.token, "data-origin": t.originToken, "data-balance": t.balance,
          }, `${formatUnits(t.balance, t.decimals)} ${t.symbol} `)) : "-")))),
      actions(),
      el("h3", {}, "History"),
      el("table", { id: "history" },
        el("tr", {}, ...["what", "route", "amount", "transaction", "where"].map((h) => el("th", {}, h))),
        data.history.map(historyRow))));
}

function historyRow(h) {
  if (h.kind === "deposit") {
    return el("tr", { class: "deposit" }, el("td", {}, "deposit"), el("td", {}, `L1 → chain ${h.chainId}`),
      el("td", {}, same(h.token, ZERO) ? `${formatEth(h.amount)} ETH` : formatToken(h.token, h.amount)),
      el("td", { class: "hash" }, short(h.l1Tx)),
      el("td", {}, h.credited ? "credited" : "queued on L1"));
  }
  const link = el("a", { href: `#/message/${h.messageHash}` }, short(h.messageHash));
  return el("tr", { class: h.withdrawal ? "withdrawal" : "message" },
    el("td", {}, h.withdrawal ? "withdrawal" : "hyperbridge"),
    el("td", {}, `chain ${h.sourceChainId} → ${chainName(h.destinationChainId)}`),
    el("td", {}, h.token ? formatToken(h.token.token, h.token.amount) : `${formatEth(h.value)} ETH`), el("td", {}, link),
    el("td", {}, h.done ? "done" : `step ${h.step}/${h.withdrawal ? 2 : 7}`));
}

/**
 * What a form moves: `{ value }` in wei for ETH, or `{ token, amount, from }` for a known token
 * (its address on `chainId`, in its base units), as the API's transaction requests take them.
 */
function asset(form, chainId, text) {
  if (form.asset.value === "ETH") return { value: hex(parseEth(text)) };
  const t = tokenByAddress(form.asset.value);
  return { token: tokenOn(t, chainId), amount: hex(parseUnits(text, t.decimals)), from: currentAddress() };
}

function actions() {
  const me = () => currentAddress();
  return el("section", { id: "actions" },
    el("h3", {}, "Actions"),
    el("form", { class: "action", id: "deposit-form", onsubmit: action(async (f) => {
      const { value, token, amount, from } = asset(f, eco.l1.chainId, f.amount.value);
      const tx = await api("/api/tx/deposit", { chainId: Number(f.chain.value), amount: value ?? amount, token, from, to: me() });
      await sendTx(tx);
      render();
    }) }, "Deposit from L1 to ", el("select", { name: "chain" }, chainOptions(false)), " ",
      el("input", { name: "amount", value: "1" }), " ", assetPicker(), " ", el("button", { id: "deposit-button" }, "Deposit")),
    el("form", { class: "action", id: "send-form", onsubmit: action(async (f) => {
      const fromChain = Number(f.from.value);
      const tx = await api("/api/tx/send", {
        fromChain, toChain: Number(f.to.value), to: f.recipient.value || me(),
        ...asset(f, fromChain, f.value.value), fee: hex(parseEth(f.fee.value)),
      });
      location.hash = `#/message/${await sendTx(tx)}`;
    }) }, "Send from ", el("select", { name: "from" }, chainOptions(false)), " to ",
      el("select", { name: "to" }, chainOptions(false).reverse()), " ",
      el("input", { name: "value", value: "0.25" }), " ", assetPicker(), ", relayer fee ", el("input", { name: "fee", value: "0.001" }),
      " ETH, to ", el("input", { name: "recipient", placeholder: "(yourself)" }), " ", el("button", { id: "send-button" }, "Send")),
    el("form", { class: "action", id: "withdraw-form", onsubmit: action(async (f) => {
      const fromChain = Number(f.from.value);
      const tx = await api("/api/tx/send", {
        fromChain, toChain: eco.l1.chainId, to: me(), ...asset(f, fromChain, f.amount.value), fee: "0x0",
      });
      location.hash = `#/message/${await sendTx(tx)}`;
    }) }, "Withdraw from ", el("select", { name: "from" }, chainOptions(false)), " ",
      el("input", { name: "amount", value: "0.1" }), " ", assetPicker(), " to L1 ", el("button", { id: "withdraw-button" }, "Withdraw")));
}

function messageView(main, m) {
  const reached = new Map(m.reached.map((r) => [r.step, r]));
  main.append(
    el("section", { id: "message", "data-step": m.step, "data-done": m.done },
      el("h2", {}, m.withdrawal ? "Withdrawal " : "Hyperbridge message ", el("span", { class: "hash" }, m.messageHash)),
      m.tokenTransfer
        ? el("p", { id: "token-transfer" }, `chain ${m.sourceChainId} → ${chainName(m.destinationChainId)}: ${formatToken(m.tokenTransfer.originToken, m.tokenTransfer.amount)} to `,
          el("code", {}, m.tokenTransfer.to), `, relayer fee ${formatEth(m.message.fee)} ETH`)
        : el("p", {}, `chain ${m.sourceChainId} → ${chainName(m.destinationChainId)}: ${formatEth(m.message.value)} ETH to `,
          el("code", {}, m.message.recipient), `, relayer fee ${formatEth(m.message.fee)} ETH`),
      el("ol", { class: "steps" }, m.steps.map((s) => {
        const r = reached.get(s.step);
        const cls = r ? (s.step === m.step && !m.done ? "reached current" : "reached") : "pending";
        return el("li", { class: cls, "data-step": s.step }, `${s.name}`,
          r ? el("div", {}, `${chainName(r.chainId)} tx `, el("span", { class: "hash" }, r.tx), ` block ${r.block} at ${time(r.timestamp)}: ${r.detail}`) : "");
      })),
      m.withdrawal ? el("p", { id: "finalized" }, m.finalized ? `claimed on L1 in tx ${m.finalized.tx}` : "not claimed on L1 yet") : "",
      m.destinationUnreachable ? el("p", {}, `destination unreachable: ${m.destinationUnreachable}`) : "",
      el("p", { id: "eta" }, m.done ? "done" : `ETA ≈ ${m.eta.seconds.toFixed(1)} s (${m.eta.basis})`),
      m.claimable ? el("button", { id: "claim-button", onclick: action(async () => {
        await sendTx(await api(`/api/tx/claim/${m.messageHash}`));
        render();
      }) }, "Claim on L1") : ""));
}

// --- routing ---------------------------------------------------------------------------------
const currentRoute = () => location.hash.replace(/^#\/?/, "");

async function render() {
  const route = currentRoute();
  const main = $("view");
  try {
    eco = await api("/api/ecosystem");
    let fill;
    if (route.startsWith("message/")) {
      const m = await api(`/api/messages/${route.slice("message/".length)}`);
      fill = (view) => messageView(view, m);
    } else if (route.startsWith("account")) {
      const address = currentAddress();
      if (!address) {
        fill = (view) => view.append(el("p", {}, "Connect the injected wallet to see its account."));
      } else {
        const data = await api(`/api/accounts/${address}`);
        fill = (view) => accountView(view, data);
      }
    } else {
      fill = (view) => ecosystemView(view, eco);
    }
    if (route !== currentRoute()) return; // the user moved on while this poll ran
    // Forms keep what the user typed: only views without one are redrawn on each poll.
    if (main.dataset.route === route && main.querySelector("form") && !route.startsWith("message/")) {
      const fresh = el("div");
      fill(fresh);
      for (const id of ["balances", "history"]) {
        const old = main.querySelector(`#${id}`);
        const now = fresh.querySelector(`#${id}`);
        if (old && now) old.replaceWith(now);
      }
    } else {
      main.replaceChildren();
      fill(main);
      main.dataset.route = route;
    }
    main.dataset.updated = String(Date.now());
  } catch (e) {
    status(String(e.message || e), true);
  }
}

// One poll at a time: the next starts a second after the last one drew.
let generation = 0;
function schedule() {
  const mine = ++generation;
  clearTimeout(timer);
  const loop = async () => {
    await render();
    if (mine === generation) timer = setTimeout(loop, 1000);
  };
  loop();
}

async function start() {
  eco = await api("/api/ecosystem");
  const picker = $("account-picker");
  for (const a of eco.devAccounts) picker.append(el("option", { value: a.address }, `${a.label} ${short(a.address)} (public test key)`));
  $("test-keys-note").hidden = eco.devAccounts.length === 0;
  // A browser wallet, when there is one, is what the page acts with; the dev accounts stay offered.
  if (window.ethereum) {
    picker.prepend(el("option", { value: "injected" }, "injected wallet"));
    picker.value = "injected";
    window.injectedAddress = (await actor()).address;
  }
  picker.onchange = async () => {
    if (picker.value === "injected") window.injectedAddress = (await actor()).address;
    schedule();
  };
  $("lookup").onsubmit = (e) => {
    e.preventDefault();
    location.hash = `#/message/${$("lookup-hash").value.trim()}`;
  };
  window.onhashchange = schedule;
  schedule();
}

start().catch((e) => status(String(e.message || e), true));
