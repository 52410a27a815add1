// The portal in a real headless Chromium, as a user drives it: pick a dev account, deposit, send
// a hyperbridge transfer and wait for step 7 on its message page, withdraw and claim. Prints the
// balances the page shows (JSON, stdout) for the Rust test to compare with the chains; exits 1 on
// any browser console error, page error or failed request, and saves a screenshot.
//
//   PORTAL_URL=… CHROMIUM=… ACCOUNT=0x… SCREENSHOT=…/portal.png node portal_browser.mjs
import puppeteer from "puppeteer-core";

const { PORTAL_URL: url, CHROMIUM: executablePath, ACCOUNT: account, SCREENSHOT: screenshot } = process.env;
const errors = [];
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const step = (what) => process.stderr.write(`browser: ${what}\n`);
let page;
try {
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const timeout = 120_000;

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
  const pageErrors = await page.evaluate(() => window.portalErrors);
  errors.push(...pageErrors.map((e) => `window error: ${e}`));
  console.log(JSON.stringify({ balances, errors }));
} catch (e) {
  errors.push(`flow: ${e.message}`);
  console.log(JSON.stringify({ balances: null, errors }));
} finally {
  if (page && screenshot) await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  await browser.close();
}
process.exit(errors.length ? 1 : 0);
