// The web example in a real browser: Debian's Chromium, driven through the DevTools Protocol,
// with the WebAuthn domain's virtual authenticators standing in for Touch ID and a USB key.
//
// Run (see README.md): build the example, `npm ci` here, then
//   node --test --test-reporter=spec examples/web/browser-tests/web.test.mjs
// WEB_EXAMPLE_BIN names the binary (default ${CARGO_TARGET_DIR:-target}/debug/hanko-passkeys-web-example),
// CHROMIUM the browser (default /usr/bin/chromium). The screenshot of the signed-in page goes to
// ${CARGO_TARGET_DIR:-target}/web-example/signed-in.png (or WEB_EXAMPLE_ARTIFACTS).
//
// Every wait is on a condition with a bound; the only timed wait holds one request past the
// emulator's ceremony timeout, to test an expired challenge.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { chromium } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const TARGET = path.resolve(ROOT, process.env.CARGO_TARGET_DIR ?? "target");
const BIN = process.env.WEB_EXAMPLE_BIN ?? path.join(TARGET, "debug", "hanko-passkeys-web-example");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = process.env.WEB_EXAMPLE_ARTIFACTS ?? path.join(TARGET, "web-example");
const STEP = 15_000; // bound of any single wait in the page
const EXPIRY_SECS = 3; // ceremony timeout of the emulator in the expired-challenge test

/** CDP gives credential ids in standard base64; WebAuthn JSON uses base64url. */
const b64url = (id) => id.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A platform authenticator: built in (Touch ID, Windows Hello), passkeys, user verification. */
const PLATFORM = {
  protocol: "ctap2",
  transport: "internal",
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};
/** A USB security key, the second factor the API's default MFA settings ask for. */
const SECURITY_KEY = { ...PLATFORM, transport: "usb", hasResidentKey: false };

// --- The app -------------------------------------------------------------------------------

/** Starts the example on a free port (with the in-process emulator); resolves once it listens. */
async function startApp(env = {}) {
  const childEnv = { ...process.env, PORT: "0", ...env };
  for (const name of Object.keys(childEnv)) if (name.startsWith("PASSKEYS_")) delete childEnv[name];
  const child = spawn(BIN, [], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on http:\/\/localhost:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => (log += chunk));
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${BIN} exited with ${code}:\n${log}`)));
  });
  const port = await bounded(ready, 30_000, `${BIN} to listen`);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    port,
    origin: `http://localhost:${port}`,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await bounded(exited, 10_000, "the app to exit").catch(() => child.kill("SIGKILL"));
    },
  };
}

function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- The browser ---------------------------------------------------------------------------

let browser;
let app;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startApp();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // A fresh profile each run (playwright passes a new --user-data-dir); nothing phones home.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

/** A fresh browser context (own cookies) on the example, with a platform authenticator. */
async function openTab(target = app, { host = "localhost" } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(STEP);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: PLATFORM });
  await page.goto(`http://${host}:${target.port}/`);
  await page.waitForSelector("body[data-state]");
  const tab = {
    context,
    page,
    cdp,
    platform: authenticatorId,
    errors,
    async addAuthenticator(options) {
      return (await cdp.send("WebAuthn.addVirtualAuthenticator", { options })).authenticatorId;
    },
    async credentials(authenticatorId = tab.platform) {
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials.map((c) => ({ ...c, credentialId: b64url(c.credentialId) }));
    },
    /** Whether the page finds autofill (conditional mediation) available. Off, the page
     *  starts no autofill request: a virtual authenticator would answer one at once, as if
     *  the user had picked the passkey from the autofill list. */
    async autofill(enabled) {
      await page.evaluate((on) => {
        window.realConditional ??= PublicKeyCredential.isConditionalMediationAvailable;
        PublicKeyCredential.isConditionalMediationAvailable = on ? window.realConditional : async () => false;
      }, enabled);
    },
    /** Whether authenticators answer on their own, as if the user touched them. */
    async presence(enabled, ...ids) {
      for (const authenticatorId of ids.length ? ids : [tab.platform]) {
        await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });
      }
    },
    async close() {
      assert.deepEqual(errors, [], "no uncaught errors in the page");
      await context.close();
    },
  };
  return tab;
}

/** Waits for the page to finish what it is doing and show the message with `code`. */
async function expectMessage(page, code, pattern) {
  try {
    await page.waitForSelector(`body:not([data-busy]) #message[data-code="${code}"]`);
  } catch (e) {
    const shown = await page.locator("#message").evaluate((m) => `${m.dataset.code}: ${m.textContent}`);
    assert.fail(`expected message ${code}, the page shows ${shown}\n${e.message}`);
  }
  const text = await page.textContent("#message");
  if (pattern) assert.match(text, pattern);
  return text;
}

async function expectState(page, state) {
  await page.waitForSelector(`body[data-state="${state}"]:not([data-busy])`);
  assert.equal(await page.evaluate(async () => (await (await fetch("/api/me")).json()).state), state);
}

async function signUp(tab, name) {
  await tab.page.fill("#name", name);
  await tab.page.click("#sign-up");
}

async function rows(page) {
  return page.$$eval("#passkeys tr", (trs) =>
    trs.map((tr) => ({ id: tr.dataset.id, kind: tr.dataset.kind, name: tr.querySelector("input").value })),
  );
}

/** Logs out without the autofill request logging straight back in. */
async function logOutQuietly(tab) {
  await tab.autofill(false);
  await tab.page.click("#logout");
  await expectMessage(tab.page, "logged_out");
  await expectState(tab.page, "signed_out");
  await tab.autofill(true);
}

// --- The journey of one user ---------------------------------------------------------------

test("a user signs up, logs in, adds a security key, confirms a transfer, manages passkeys", { timeout: 120_000 }, async (t) => {
  const tab = await openTab();
  const { page } = tab;
  let securityKey;
  let keyCredential;
  let replaced;

  await t.test("sign-up with a platform passkey starts an HTTP-only, SameSite session", async () => {
    await signUp(tab, "Alice");
    await expectMessage(page, "signed_up", /Welcome, Alice/);
    await expectState(page, "signed_in");
    assert.equal(await page.textContent("#user-name"), "Alice");
    const cookies = await tab.context.cookies();
    const session = cookies.find((c) => c.name === "demo_session");
    assert.ok(session, "session cookie set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
    assert.equal(await page.evaluate(() => document.cookie), "", "no script can read the session");
    const stored = await tab.credentials();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].isResidentCredential, true, "a discoverable credential");
    assert.deepEqual((await rows(page)).map((r) => [r.id, r.kind]), [[stored[0].credentialId, "passkey"]]);
    replaced = stored[0].credentialId;
  });

  await t.test("register another passkey: it replaces the old one on the same device", async () => {
    await page.click("#add-passkey");
    await expectMessage(page, "passkey_added");
    const list = await rows(page);
    assert.deepEqual(list.map((r) => r.kind), ["passkey", "passkey"]);
    // An authenticator keeps one discoverable credential per site and user; the API sends no
    // excludeCredentials, so the browser does not object. The server keeps both.
    const stored = await tab.credentials();
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0].credentialId, replaced);
    assert.deepEqual(list.map((r) => r.id).sort(), [stored[0].credentialId, replaced].sort());
  });

  await t.test("log out, then discoverable login with the button", async () => {
    await logOutQuietly(tab);
    assert.equal((await tab.context.cookies()).some((c) => c.name === "demo_session"), false);
    await page.click("#login");
    await expectMessage(page, "logged_in", /Welcome back, Alice \(passkey\)/);
    await expectState(page, "signed_in");
  });

  await t.test("log out, then login through autofill (conditional mediation)", async () => {
    await page.click("#logout");
    // The page starts a conditional request for the name field; the virtual authenticator
    // answers it as if the user had picked the passkey from the autofill list.
    await expectMessage(page, "logged_in", /Welcome back, Alice \(passkey from autofill\)/);
    await expectState(page, "signed_in");
  });

  await t.test("add a USB security key as second factor", async () => {
    securityKey = await tab.addAuthenticator(SECURITY_KEY);
    const before = await tab.credentials();
    await page.click("#add-security-key");
    await expectMessage(page, "security_key_added");
    const keys = (await rows(page)).filter((r) => r.kind === "security_key");
    const onKey = await tab.credentials(securityKey);
    assert.equal(onKey.length, 1, "the security key holds the new credential");
    assert.deepEqual(keys.map((r) => r.id), [onKey[0].credentialId]);
    assert.deepEqual(await tab.credentials(), before, "not the platform authenticator");
    assert.match(await page.textContent("#mfa-status"), /passkey and then your security key/);
    // The key stays plugged in, but only answers when the user touches it.
    await tab.presence(false, securityKey);
  });

  await t.test("login now needs the passkey, then the security key", async () => {
    await logOutQuietly(tab);
    await page.click("#login");
    await expectMessage(page, "second_factor");
    await expectState(page, "second_factor");
    const signs = (await tab.credentials(securityKey))[0].signCount;
    // The user touches the security key now, not the platform authenticator.
    await tab.presence(false);
    await tab.presence(true, securityKey);
    await page.click("#mfa-login");
    await expectMessage(page, "logged_in", /passkey and security key/);
    await expectState(page, "signed_in");
    const [onKey] = await tab.credentials(securityKey);
    assert.ok(onKey.signCount > signs, "the security key signed");
    keyCredential = onKey.credentialId;
    await tab.presence(true);
    // Unplugged: a USB key that is plugged in but holds none of the allowed credentials makes
    // Chromium fail a request at once when its dialogs are off, as here.
    await tab.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: securityKey });
  });

  await t.test("rename the passkey and the security key", async () => {
    const [onDevice] = await tab.credentials();
    for (const [id, name] of [[onDevice.credentialId, "Work laptop"], [keyCredential, "Blue USB key"]]) {
      const row = page.locator(`#passkeys tr[data-id="${id}"]`);
      await row.locator("input").fill(`  ${name} `);
      await row.locator("button.rename").click();
      await expectMessage(page, "renamed", new RegExp(name));
      assert.equal((await rows(page)).find((r) => r.id === id).name, name, "the server has the new name");
    }
  });

  await t.test("confirm a transfer of 100 EUR with the passkey (transaction)", async () => {
    await page.click("#transfer");
    await expectMessage(page, "transfer_confirmed", /100 EUR/);
    const result = await page.textContent("#transfer-result");
    assert.match(result, /^Transfer transfer-[0-9a-f-]{36} of 100\.00 EUR to Bob confirmed\.$/);
  });

  await t.test("screenshot of the signed-in page", async () => {
    const file = path.join(ARTIFACTS, "signed-in.png");
    await page.screenshot({ path: file, fullPage: true });
    t.diagnostic(`screenshot: ${file}`);
  });

  await t.test("remove the replaced passkey and the security key: login is one step again", async () => {
    for (const id of [replaced, keyCredential]) {
      await page.locator(`#passkeys tr[data-id="${id}"] button.remove`).click();
      await expectMessage(page, "removed");
    }
    assert.deepEqual((await rows(page)).map((r) => r.name), ["Work laptop"]);
    assert.match(await page.textContent("#mfa-status"), /^Off/);
    await logOutQuietly(tab);
    await page.click("#login");
    await expectMessage(page, "logged_in", /\(passkey\)/);
    await expectState(page, "signed_in");
  });

  await tab.close();
});

// --- What goes wrong -----------------------------------------------------------------------

test("a cancelled ceremony changes nothing", { timeout: 60_000 }, async () => {
  const tab = await openTab();
  const { page, cdp } = tab;
  // The user declines the fingerprint/PIN prompt: the browser reports NotAllowedError, exactly
  // as when the dialog is closed.
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId: tab.platform, isUserVerified: false });
  await signUp(tab, "Bob");
  await expectMessage(page, "cancelled", /Sign-up was cancelled/);
  await expectState(page, "signed_out");
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId: tab.platform, isUserVerified: true });
  await signUp(tab, "Bob");
  await expectMessage(page, "signed_up", /Bob/);

  await cdp.send("WebAuthn.setUserVerified", { authenticatorId: tab.platform, isUserVerified: false });
  await page.click("#transfer");
  await expectMessage(page, "cancelled", /transfer was cancelled/);
  await expectState(page, "signed_in");
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId: tab.platform, isUserVerified: true });
  await page.click("#transfer");
  await expectMessage(page, "transfer_confirmed");
  await tab.close();
});

test("no passkey on this device: login says so", { timeout: 60_000 }, async () => {
  const tab = await openTab();
  await tab.page.click("#login");
  await expectMessage(tab.page, "cancelled", /no matching passkey was found on this device/);
  await expectState(tab.page, "signed_out");
  await tab.close();
});

test("a passkey removed on the server but still on the device is refused", { timeout: 60_000 }, async () => {
  const tab = await openTab();
  const { page } = tab;
  await signUp(tab, "Carol");
  await expectMessage(page, "signed_up");
  const [passkey] = await rows(page);
  await page.locator(`#passkeys tr[data-id="${passkey.id}"] button.remove`).click();
  await expectMessage(page, "removed");
  assert.deepEqual(await rows(page), []);

  // Without a passkey the transfer cannot be confirmed.
  await page.click("#transfer");
  await expectMessage(page, "no_passkey", /no passkey/);
  await expectState(page, "signed_in");

  await logOutQuietly(tab);
  assert.equal((await tab.credentials()).length, 1, "the device still holds the passkey");
  await page.click("#login");
  await expectMessage(page, "unknown_credential", /not registered here/);
  await expectState(page, "signed_out");
  // The page passed the news on with PublicKeyCredential.signalUnknownCredential(), and the
  // authenticator dropped the passkey: the next attempt finds none.
  assert.deepEqual(await tab.credentials(), []);
  await page.click("#login");
  await expectMessage(page, "cancelled", /no matching passkey/);
  await tab.close();
});

test("the page on another origin cannot use the site's passkeys", { timeout: 60_000 }, async () => {
  const tab = await openTab(app, { host: "127.0.0.1" });
  const { page } = tab;
  assert.match(await page.textContent("#origin-warning"), new RegExp(`open ${app.origin}`));
  await signUp(tab, "Dave");
  await expectMessage(page, "wrong_origin", new RegExp(`Open ${app.origin} instead`));
  await page.click("#login");
  await expectMessage(page, "wrong_origin");
  await expectState(page, "signed_out");
  assert.deepEqual(await tab.credentials(), [], "nothing was created");
  await tab.close();

  // The name is still free on the real origin.
  const right = await openTab();
  await signUp(right, "Dave");
  await expectMessage(right.page, "signed_up");
  await right.close();
});

test("an authenticator that skips user verification is refused", { timeout: 60_000 }, async () => {
  const tab = await openTab();
  const { page, cdp } = tab;
  await signUp(tab, "Erin");
  await expectMessage(page, "signed_up");
  // The authenticator answers without the UV flag although the site requires it.
  await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId: tab.platform, isBadUV: true });
  await page.click("#add-passkey");
  await expectMessage(page, "user_verification_required", /did not verify you/);
  await expectState(page, "signed_in");
  assert.equal((await rows(page)).length, 1, "no passkey was added");
  await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId: tab.platform, isBadUV: false });
  await page.click("#add-passkey");
  await expectMessage(page, "passkey_added");
  assert.equal((await rows(page)).length, 2);
  await tab.close();
});

test("a challenge answered too late has expired", { timeout: 60_000 }, async () => {
  const quick = await startApp({ EMULATOR_TIMEOUT_SECS: String(EXPIRY_SECS) });
  try {
    const tab = await openTab(quick);
    const { page } = tab;
    // Hold the browser's answer until the emulator's session has expired.
    await page.route("**/api/signup/finalize", async (route) => {
      await delay(EXPIRY_SECS * 1000 + 1000);
      await route.continue();
    });
    await signUp(tab, "Frank");
    await expectMessage(page, "expired", /expired/);
    await expectState(page, "signed_out");
    await page.unroute("**/api/signup/finalize");
    await signUp(tab, "Frank");
    await expectMessage(page, "signed_up", /Frank/);
    await tab.close();
  } finally {
    await quick.stop();
  }
});
