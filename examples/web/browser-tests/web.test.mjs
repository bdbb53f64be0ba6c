// The web example in a real browser: Debian's Chromium, driven through the DevTools Protocol,
// with the WebAuthn domain's virtual authenticators standing in for Touch ID and a USB key.
//
// Run (see README.md): build the example, `npm ci` here, then
//   node --test --test-reporter=spec examples/web/browser-tests/web.test.mjs
// WEB_EXAMPLE_BIN names the binary (default ${CARGO_TARGET_DIR:-target}/debug/hanko-passkeys-web-example),
// CHROMIUM the browser (default /usr/bin/chromium). The screenshot of the signed-in page goes to
// ${CARGO_TARGET_DIR:-target}/web-example/signed-in.png (or WEB_EXAMPLE_ARTIFACTS).
//
// The page uses hanko-passkeys-axum's browser module (`/passkeys/passkeys.js`). An init script
// records the page's calls of the WebAuthn Signal API (and passes them on to Chromium, whose
// virtual authenticators act on them); another removes the WebAuthn JSON methods, for the
// module's fallback.
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
/** A USB key that stores passkeys (discoverable credentials): a second device for a passkey. */
const PASSKEY_KEY = { ...PLATFORM, transport: "usb" };

/** The WebAuthn user handle of a user id, as the Signal API payloads carry it. */
const userHandle = (id) => Buffer.from(id, "utf8").toString("base64url");

/** Runs in the page before its scripts: records the Signal API calls, then makes them. */
function spySignals() {
  window.signalCalls = [];
  window.signalApi = [];
  for (const method of ["signalAllAcceptedCredentials", "signalCurrentUserDetails", "signalUnknownCredential"]) {
    const real = PublicKeyCredential[method];
    if (typeof real !== "function") continue;
    window.signalApi.push(method);
    PublicKeyCredential[method] = function (payload) {
      window.signalCalls.push({ method, payload: JSON.parse(JSON.stringify(payload)) });
      return real.call(this, payload);
    };
  }
}

/** Runs in the page before its scripts: a browser without the WebAuthn JSON methods (Chrome
 *  before 129, Firefox before 119, Safari before 18.4). */
function removeJsonMethods() {
  delete PublicKeyCredential.parseCreationOptionsFromJSON;
  delete PublicKeyCredential.parseRequestOptionsFromJSON;
  delete PublicKeyCredential.prototype.toJSON;
}

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
async function openTab(target = app, { host = "localhost", nativeJson = true, beforeLoad } = {}) {
  const context = await browser.newContext();
  await context.addInitScript(spySignals);
  if (!nativeJson) await context.addInitScript(removeJsonMethods);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: PLATFORM });
  await beforeLoad?.(page);
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
    /** The Signal API calls the page made since the last call of this. */
    async signals() {
      return page.evaluate(() => window.signalCalls.splice(0));
    },
    /** The signed-in user's id. */
    async userId() {
      return page.evaluate(async () => (await (await fetch("/passkeys/session")).json()).user.id);
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
  assert.equal(await page.evaluate(async () => (await (await fetch("/passkeys/session")).json()).state), state);
}

async function signUp(tab, name) {
  await tab.page.fill("#name", name);
  await tab.page.click("#sign-up");
}

async function rows(page) {
  return page.$$eval("#passkeys tr", (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.id,
      kind: tr.dataset.kind,
      name: tr.querySelector("input").value,
      provider: tr.querySelector("td.provider").textContent.trim(),
    })),
  );
}

/** What a credential list makes the page tell the passkey manager, for the user `userId`. */
function listSignals(userId, name, ids) {
  const rpId = "localhost";
  return [
    { method: "signalAllAcceptedCredentials", payload: { rpId, userId: userHandle(userId), allAcceptedCredentialIds: ids } },
    { method: "signalCurrentUserDetails", payload: { rpId, userId: userHandle(userId), name, displayName: name } },
  ];
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
  let userId;
  let securityKey;
  let keyCredential;
  let second;

  await t.test("sign-up with a platform passkey starts an HTTP-only, SameSite session", async () => {
    await signUp(tab, "Alice");
    await expectMessage(page, "signed_up", /Welcome, Alice/);
    await expectState(page, "signed_in");
    assert.equal(await page.textContent("#user-name"), "Alice");
    const cookies = await tab.context.cookies();
    const session = cookies.find((c) => c.name === "passkeys_session");
    assert.ok(session, "session cookie set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
    assert.equal(await page.evaluate(() => document.cookie), "", "no script can read the session");
    const stored = await tab.credentials();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].isResidentCredential, true, "a discoverable credential");
    assert.deepEqual((await rows(page)).map((r) => [r.id, r.kind]), [[stored[0].credentialId, "passkey"]]);
    userId = await tab.userId();
    assert.equal(Buffer.from(stored[0].userHandle, "base64").toString(), userId, "the user handle is the user id");
  });

  await t.test("the list is passed on to the passkey manager (Signal API)", async () => {
    assert.deepEqual(
      await page.evaluate(() => window.signalApi),
      ["signalAllAcceptedCredentials", "signalCurrentUserDetails", "signalUnknownCredential"],
      "Chromium has the Signal API",
    );
    const [passkey] = await rows(page);
    assert.deepEqual(await tab.signals(), listSignals(userId, "Alice", [passkey.id]));
  });

  await t.test("another passkey: not on a device that has one, but on a second device", async () => {
    const [first] = await tab.credentials();
    await page.click("#add-passkey");
    // The router excludes the user's credentials: the browser refuses a second one here.
    await expectMessage(page, "already_registered", /already holds a passkey/);
    assert.equal((await rows(page)).length, 1, "nothing was added");
    assert.deepEqual(await tab.credentials(), [first], "the device keeps its passkey");
    // A USB key that stores passkeys; the user touches it, not the laptop.
    const usb = await tab.addAuthenticator(PASSKEY_KEY);
    await tab.presence(false);
    await page.click("#add-passkey");
    await expectMessage(page, "passkey_added");
    await tab.presence(true);
    const [onKey] = await tab.credentials(usb);
    second = onKey.credentialId;
    const list = await rows(page);
    assert.deepEqual(list.map((r) => r.id).sort(), [first.credentialId, second].sort());
    assert.deepEqual(list.map((r) => r.kind), ["passkey", "passkey"]);
    assert.deepEqual(await tab.credentials(), [first], "the laptop holds its own passkey only");
    assert.deepEqual(await tab.signals(), listSignals(userId, "Alice", list.map((r) => r.id)));
    // The key goes back in the drawer.
    await tab.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: usb });
  });

  await t.test("log out, then discoverable login with the button", async () => {
    await logOutQuietly(tab);
    assert.equal((await tab.context.cookies()).some((c) => c.name === "passkeys_session"), false);
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
    await tab.signals();
    for (const [id, name] of [[onDevice.credentialId, "Work laptop"], [keyCredential, "Blue USB key"]]) {
      const row = page.locator(`#passkeys tr[data-id="${id}"]`);
      await row.locator("input").fill(`  ${name} `);
      await row.locator("button.rename").click();
      await expectMessage(page, "renamed", new RegExp(name));
      assert.equal((await rows(page)).find((r) => r.id === id).name, name, "the server has the new name");
      assert.deepEqual(await tab.signals(), listSignals(userId, "Alice", (await rows(page)).map((r) => r.id)));
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

  await t.test("the last passkey cannot be removed; the others can: login is one step again", async () => {
    const [onDevice] = await tab.credentials();
    await tab.signals();
    for (const id of [second, keyCredential]) {
      await page.locator(`#passkeys tr[data-id="${id}"] button.remove`).click();
      await expectMessage(page, "removed");
      const left = (await rows(page)).map((r) => r.id);
      assert.ok(!left.includes(id));
      assert.deepEqual(await tab.signals(), listSignals(userId, "Alice", left), "the passkey manager learns what is left");
    }
    assert.deepEqual((await rows(page)).map((r) => r.name), ["Work laptop"]);
    assert.match(await page.textContent("#mfa-status"), /^Off/);
    await page.locator(`#passkeys tr[data-id="${onDevice.credentialId}"] button.remove`).click();
    await expectMessage(page, "last_passkey", /last passkey/);
    assert.deepEqual((await rows(page)).map((r) => r.name), ["Work laptop"]);
    assert.deepEqual(await tab.credentials(), [onDevice], "the device keeps it");
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
  const laptop = await openTab();
  const { page } = laptop;
  await signUp(laptop, "Carol");
  await expectMessage(page, "signed_up");
  const [onLaptop] = await laptop.credentials();
  // Her only passkey: removing it would lock her out.
  await page.locator(`#passkeys tr[data-id="${onLaptop.credentialId}"] button.remove`).click();
  await expectMessage(page, "last_passkey", /last passkey/);

  // A second passkey on a USB key, which she takes to another computer.
  const usb = await laptop.addAuthenticator(PASSKEY_KEY);
  await laptop.presence(false);
  await page.click("#add-passkey");
  await expectMessage(page, "passkey_added");
  await laptop.presence(true);
  const { credentials: onKey } = await laptop.cdp.send("WebAuthn.getCredentials", { authenticatorId: usb });
  await laptop.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: usb });
  const desk = await openTab();
  const plugged = await desk.addAuthenticator(PASSKEY_KEY);
  await desk.cdp.send("WebAuthn.addCredential", { authenticatorId: plugged, credential: onKey[0] });
  await desk.page.click("#login");
  await expectMessage(desk.page, "logged_in", /Welcome back, Carol/);
  // There she removes the laptop's passkey; the laptop does not hear of it.
  await desk.page.locator(`#passkeys tr[data-id="${onLaptop.credentialId}"] button.remove`).click();
  await expectMessage(desk.page, "removed");
  assert.deepEqual((await rows(desk.page)).map((r) => r.id), [b64url(onKey[0].credentialId)]);
  await desk.close();

  await logOutQuietly(laptop);
  assert.equal((await laptop.credentials()).length, 1, "the laptop still holds the passkey");
  await laptop.signals();
  await page.click("#login");
  await expectMessage(page, "unknown_credential", /not registered here/);
  await expectState(page, "signed_out");
  // The module passed the news on with PublicKeyCredential.signalUnknownCredential(), and the
  // authenticator dropped the passkey: the next attempt finds none.
  assert.deepEqual(
    (await laptop.signals()).filter((c) => c.method === "signalUnknownCredential"),
    [{ method: "signalUnknownCredential", payload: { rpId: "localhost", credentialId: onLaptop.credentialId } }],
  );
  assert.deepEqual(await laptop.credentials(), []);
  await page.click("#login");
  await expectMessage(page, "cancelled", /no matching passkey/);
  await laptop.close();
});

test("the page on another origin cannot use the site's passkeys", { timeout: 60_000 }, async () => {
  const tab = await openTab(app, { host: "127.0.0.1" });
  const { page } = tab;
  assert.match(await page.textContent("#origin-warning"), new RegExp(`open ${app.origin}`));
  // The router refuses the page's requests (their Origin is not the relying party's) before
  // the browser is asked; the page says where to go.
  await signUp(tab, "Dave");
  await expectMessage(page, "cross_origin", new RegExp(`Open ${app.origin} instead`));
  await page.click("#login");
  await expectMessage(page, "cross_origin");
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
  // A second device (the laptop's passkey is excluded), which answers without the UV flag
  // although the site requires it.
  const usb = await tab.addAuthenticator(PASSKEY_KEY);
  await tab.presence(false);
  await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId: usb, isBadUV: true });
  await page.click("#add-passkey");
  await expectMessage(page, "user_verification_required", /did not verify you/);
  await expectState(page, "signed_in");
  assert.equal((await rows(page)).length, 1, "no passkey was added");
  await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId: usb, isBadUV: false });
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
    await page.route("**/passkeys/sign-up/finalize", async (route) => {
      await delay(EXPIRY_SECS * 1000 + 1000);
      await route.continue();
    });
    await signUp(tab, "Frank");
    await expectMessage(page, "expired", /expired/);
    await expectState(page, "signed_out");
    await page.unroute("**/passkeys/sign-up/finalize");
    await signUp(tab, "Frank");
    await expectMessage(page, "signed_up", /Frank/);
    await tab.close();
  } finally {
    await quick.stop();
  }
});

// --- The browser module ---------------------------------------------------------------------

/** The structure of a JSON value: its members' names and types, not their values. */
function shape(value) {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape(value[k])]));
  }
  return typeof value;
}

/** Records the JSON the page posts to the router's finalize routes, by route. */
function recordFinalize(page) {
  const posted = {};
  page.on("request", (request) => {
    const m = /\/passkeys\/(sign-up|login)\/finalize$/.exec(request.url());
    if (m) posted[m[1]] = request.postDataJSON();
  });
  return posted;
}

test("without the WebAuthn JSON methods, the module's own conversion signs up and logs in", { timeout: 60_000 }, async () => {
  // The JSON a current Chromium posts, for comparison.
  const native = await openTab();
  const nativePosted = recordFinalize(native.page);
  await signUp(native, "Grace native");
  await expectMessage(native.page, "signed_up");
  await logOutQuietly(native);
  await native.page.click("#login");
  await expectMessage(native.page, "logged_in");
  await native.close();

  const tab = await openTab(app, { nativeJson: false });
  const { page } = tab;
  assert.deepEqual(
    await page.evaluate(() => [
      typeof PublicKeyCredential.parseCreationOptionsFromJSON,
      typeof PublicKeyCredential.parseRequestOptionsFromJSON,
      typeof PublicKeyCredential.prototype.toJSON,
    ]),
    ["undefined", "undefined", "undefined"],
    "the page runs without them",
  );
  const posted = recordFinalize(page);
  await signUp(tab, "Grace");
  await expectMessage(page, "signed_up", /Welcome, Grace/);
  const [stored] = await tab.credentials();
  const created = posted["sign-up"];
  assert.equal(created.id, stored.credentialId);
  assert.equal(created.rawId, created.id);
  assert.deepEqual(shape(created), shape(nativePosted["sign-up"]), "the same members as toJSON()");
  assert.deepEqual(created.response.transports, nativePosted["sign-up"].response.transports);
  const clientData = JSON.parse(Buffer.from(created.response.clientDataJSON, "base64url"));
  assert.equal(clientData.type, "webauthn.create");
  assert.equal(clientData.origin, app.origin);

  await logOutQuietly(tab);
  await page.click("#login");
  await expectMessage(page, "logged_in", /Welcome back, Grace \(passkey\)/);
  const asserted = posted.login;
  assert.deepEqual(shape(asserted), shape(nativePosted.login), "the same members as toJSON()");
  assert.equal(asserted.response.userHandle, userHandle(await tab.userId()));
  // Autofill too.
  await page.click("#logout");
  await expectMessage(page, "logged_in", /Welcome back, Grace \(passkey from autofill\)/);
  await tab.close();
});

test("a credential's provider is shown when the router names one", { timeout: 60_000 }, async () => {
  const tab = await openTab();
  const { page } = tab;
  const icon = `data:image/svg+xml;base64,${Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#2855d8"/></svg>',
  ).toString("base64")}`;
  // CDP cannot give a virtual authenticator an AAGUID, and Chromium's own is in no provider
  // table: the list the page fetches names a provider, as the router does for a known AAGUID.
  let listed;
  await page.route("**/passkeys/credentials", async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    listed = structuredClone(json.credentials);
    json.credentials[0].provider = { name: "Example Passkey Manager", icon_light: icon, icon_dark: icon };
    await route.fulfill({ response, json });
  });
  await signUp(tab, "Heidi");
  await expectMessage(page, "signed_up");
  const [row] = await rows(page);
  assert.equal(row.provider, "Example Passkey Manager");
  const img = page.locator("#passkeys td.provider img");
  assert.equal(await img.getAttribute("src"), icon);
  await page.waitForFunction(() => document.querySelector("#passkeys td.provider img").naturalWidth > 0);

  // The router's own answer, shown as it is.
  await page.unroute("**/passkeys/credentials");
  await page.reload();
  await page.waitForSelector('body[data-state="signed_in"] #passkeys tr');
  assert.deepEqual(
    (await rows(page)).map((r) => r.provider),
    listed.map((c) => c.provider?.name ?? ""),
  );
  await tab.close();
});

test("the module sends one request at a time: a sign-up waits for the autofill request's answer", { timeout: 60_000 }, async () => {
  // The session is one record, read at the start of a request and written at its end: two
  // requests of the page at once could undo each other's ceremony (on a first visit, even
  // start two sessions). Here the answer to the autofill request's initialize is held back
  // while the user signs up: the sign-up's own request must wait for it.
  const events = [];
  const tab = await openTab(app, {
    beforeLoad: async (page) => {
      page.on("request", (r) => {
        if (r.method() !== "GET") events.push(new URL(r.url()).pathname);
      });
      await page.route("**/passkeys/login/initialize", async (route) => {
        const response = await route.fetch();
        if (!events.includes("held")) {
          events.push("held");
          await delay(1000);
          events.push("released");
        }
        await route.fulfill({ response });
      });
    },
  });
  await signUp(tab, "Ivan");
  await expectMessage(tab.page, "signed_up", /Welcome, Ivan/);
  assert.deepEqual(events.slice(0, 5), [
    "/passkeys/login/initialize",
    "held",
    "released",
    "/passkeys/sign-up/initialize",
    "/passkeys/sign-up/finalize",
  ]);
  await tab.close();
});
