// Hanko's official JS SDK (@teamhanko/passkeys-sdk 0.2.1, pinned in package.json) against the
// emulator, with credentials from the emulator's virtual authenticator.
//
// Run: HARNESS_BIN=target/debug/passkeys-emulator-harness node --test emulator/js-sdk-check/
//
// The harness binary (emulator/src/bin/passkeys-emulator-harness.rs) starts an emulator, prints
// its connection details as one JSON line, and then plays the browser: one JSON command per
// stdin line, one JSON answer per stdout line.
//
// Where the JS SDK and the server contract (shared/reference/passkey-api-contract.md) disagree,
// the tests assert the contract's behaviour and say so in a comment marked "JS SDK vs contract".

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { createPublicKey, verify } from "node:crypto";
import { tenant, DEFAULT_BASE_URL } from "@teamhanko/passkeys-sdk";

/** The running harness: connection details plus a request/answer channel. */
class Harness {
  static async start(bin) {
    const child = spawn(bin, [], { stdio: ["pipe", "pipe", "inherit"] });
    const h = new Harness(child);
    h.info = await h.#next();
    return h;
  }

  constructor(child) {
    this.child = child;
    this.waiting = [];
    this.lines = [];
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    child.on("error", (err) => this.#fail(err));
    child.on("exit", (code) => this.#fail(new Error(`harness exited with ${code}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(JSON.parse(line));
      else this.lines.push(line);
    });
  }

  #fail(err) {
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  #next() {
    if (this.lines.length) return Promise.resolve(JSON.parse(this.lines.shift()));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Sends one command; answers come back in order, so one at a time is enough. */
  async send(command) {
    const answer = this.#next();
    this.child.stdin.write(JSON.stringify(command) + "\n");
    const value = await answer;
    if (value && typeof value === "object" && "error" in value) {
      throw new Error(`harness: ${value.error}`);
    }
    return value;
  }

  register(options) {
    return this.send({ cmd: "register", options });
  }

  login(options) {
    return this.send({ cmd: "login", options });
  }

  async stop() {
    this.child.stdin.end();
    return this.exited;
  }
}

const b64url = (s) => Buffer.from(s, "base64url");

/** Verifies an RS256 JWT against a JWKS with node's own crypto; returns header and claims. */
function verifyToken(token, jwks) {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "compact JWS");
  const header = JSON.parse(b64url(parts[0]).toString("utf8"));
  const claims = JSON.parse(b64url(parts[1]).toString("utf8"));
  assert.equal(header.alg, "RS256");
  assert.equal(header.typ, "JWT");
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is in the JWKS`);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${parts[0]}.${parts[1]}`, "ascii"),
    key,
    b64url(parts[2]),
  );
  assert.ok(ok, "token signature verifies with the JWKS key");
  return { header, claims };
}

/** Checks the contract's claims (§4.1) of a token issued to `userId` for `credentialId`. */
function checkClaims(claims, { userId, rpId, credentialId }) {
  assert.equal(claims.sub, userId);
  // §4.1: `aud` is an array holding the RP id, never flattened to a string.
  assert.deepEqual(claims.aud, [rpId]);
  assert.equal(claims.cred, credentialId);
  assert.equal(claims.exp, claims.iat + 300);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(claims.iat - now) < 60, "iat is now");
}

/** The `{title, details, status}` body the SDK wraps into "Request failed: ..." errors. */
async function rejectsWith(promise, status, title, details) {
  await assert.rejects(promise, (err) => {
    assert.match(err.message, /^Request failed: /);
    const body = err.originalError;
    assert.equal(body.status, status, err.message);
    if (title !== undefined) assert.equal(body.title, title, err.message);
    if (details !== undefined) assert.equal(body.details, details, err.message);
    return true;
  });
}

let harness;
let sdk;
let info;
const userId = `js-sdk-user-${process.pid}-${Date.now()}`;
const state = {};

before(async () => {
  const bin = process.env.HARNESS_BIN;
  assert.ok(bin, "set HARNESS_BIN to the passkeys-emulator-harness binary");
  harness = await Harness.start(bin);
  info = harness.info;
  // JS SDK baseUrl convention: the SDK does NOT take a tenant-scoped URL. Its default is the
  // API root (DEFAULT_BASE_URL = "https://passkeys.hanko.io") and every path template is
  // "/{tenant_id}/...", so it appends the tenant id itself. Give it the server root
  // (`base_url`), not the emulator's tenant-scoped `tenant_url`.
  sdk = tenant({ tenantId: info.tenant_id, apiKey: info.api_key, baseUrl: info.base_url });
});

after(async () => {
  if (harness) assert.equal(await harness.stop(), 0, "harness exits cleanly on EOF");
});

test("baseUrl is the API root; the SDK adds /{tenant_id} itself", async () => {
  assert.equal(DEFAULT_BASE_URL, "https://passkeys.hanko.io");
  assert.equal(sdk.config.baseUrl, `${info.base_url}/`);
  // The docs' `baseUrl = https://passkeys.hanko.io/${tenantId}` convention does not fit this
  // SDK version: with the tenant-scoped URL the request goes to /{t}/{t}/.well-known/jwks.json,
  // an unknown route inside the tenant, which the server answers 404 "Not Found" (§1.5).
  const doubled = tenant({ tenantId: info.tenant_id, apiKey: info.api_key, baseUrl: info.tenant_url });
  await rejectsWith(doubled.jwks(), 404, "Not Found");
});

test("registration: initialize, virtual authenticator, finalize", async () => {
  const options = await sdk.registration.initialize({
    userId,
    username: "alice@example.com",
    displayName: "Alice",
  });
  const pk = options.publicKey;
  assert.equal(pk.rp.id, info.rp_id);
  // §5.1: user.id is base64url of the application user id's UTF-8 bytes.
  assert.equal(b64url(pk.user.id).toString("utf8"), userId);
  assert.equal(pk.user.displayName, "Alice");
  assert.equal(pk.authenticatorSelection.residentKey, "required");
  assert.equal(pk.excludeCredentials, undefined, "§5.1: excludeCredentials is never sent");

  const credential = await harness.register(options);
  // The SDK types finalize's body after the old spec; the browser JSON passes through as is.
  const { token } = await sdk.registration.finalize(credential);
  assert.equal(typeof token, "string");
  state.credentialId = credential.id;
  state.registrationToken = token;
});

test("login: discoverable initialize, virtual authenticator, finalize", async () => {
  // §6.4: login.initialize() sends no body (only discoverable login). It also sends the apiKey
  // header, which the server ignores on this route without user_id (§2.10): fine.
  const options = await sdk.login.initialize();
  assert.equal(options.publicKey.rpId, info.rp_id);
  assert.equal(options.publicKey.allowCredentials, undefined, "§5.2: omitted when discoverable");

  const assertion = await harness.login(options);
  assert.equal(assertion.id, state.credentialId);
  const { token } = await sdk.login.finalize(assertion);
  state.loginToken = token;

  // §2.11/§5.4: the session is deleted on success, so a replay is 401 "failed to get session
  // data" (the SDK surfaces the server's error body as `originalError`).
  await rejectsWith(
    sdk.login.finalize(assertion),
    401,
    "failed to get session data",
    "received challenge does not match with any stored one",
  );
});

test("user(id).credentials() lists the registered credential", async () => {
  const list = await sdk.user(userId).credentials();
  assert.ok(Array.isArray(list));
  assert.equal(list.length, 1);
  const [cred] = list;
  assert.equal(cred.id, state.credentialId);
  assert.equal(cred.is_mfa, false);
  assert.equal(cred.attestation_type, "none");
  // JS SDK vs contract: the SDK's types come from the repo spec, whose credential item has
  // `additionalProperties: false` and no `user_id` (§6.1.3); the server sends `user_id` (§2.2)
  // and the SDK passes it through untouched. `transports` is always [] at HEAD (§2.2).
  assert.equal(cred.user_id, userId);
  assert.deepEqual(cred.transports, []);

  // An unknown user lists nothing, not a 404 (§2.3).
  assert.deepEqual(await sdk.user(`${userId}-nobody`).credentials(), []);
});

test("jwks() returns RSA keys that verify both tokens", async () => {
  // §6.4: the SDK sends apiKey and Content-Type on this public GET too; harmless.
  const jwks = await sdk.jwks();
  assert.ok(Array.isArray(jwks.keys) && jwks.keys.length >= 1);
  for (const key of jwks.keys) {
    assert.equal(key.kty, "RSA");
    assert.equal(key.alg, "RS256");
    assert.equal(key.use, "sig");
    assert.equal(key.e, "AQAB");
    assert.equal(key.d, undefined, "no private parts");
  }
  const expect = { userId, rpId: info.rp_id, credentialId: state.credentialId };
  checkClaims(verifyToken(state.registrationToken, jwks).claims, expect);
  checkClaims(verifyToken(state.loginToken, jwks).claims, expect);

  // A token whose payload was changed does not verify.
  const [h, p, s] = state.loginToken.split(".");
  const forged = JSON.parse(b64url(p).toString("utf8"));
  forged.sub = "mallory";
  const bad = [h, Buffer.from(JSON.stringify(forged)).toString("base64url"), s].join(".");
  assert.throws(() => verifyToken(bad, jwks), /signature/);
});

test("MFA: registration and login through user(id).mfa", async () => {
  const mfa = sdk.user(userId).mfa;
  const options = await mfa.registration.initialize({ username: "alice@example.com" });
  // §5.1 MFA defaults.
  const sel = options.publicKey.authenticatorSelection;
  assert.equal(sel.authenticatorAttachment, "cross-platform");
  assert.equal(sel.residentKey, "discouraged");
  assert.equal(sel.requireResidentKey, false);
  assert.equal(sel.userVerification, "preferred");

  const credential = await harness.register(options);
  // §2.9: MFA finalize needs the API key, which this SDK always sends.
  const { token: regToken } = await mfa.registration.finalize(credential);
  const mfaCredentialId = credential.id;

  const list = await sdk.user(userId).credentials();
  assert.equal(list.length, 2);
  assert.equal(list.find((c) => c.id === mfaCredentialId)?.is_mfa, true);
  assert.equal(list.find((c) => c.id === state.credentialId)?.is_mfa, false);

  // §2.12: MFA login offers all of the user's credentials, MFA and passkey, without transports.
  const loginOptions = await mfa.login.initialize();
  const allowed = loginOptions.publicKey.allowCredentials.map((c) => c.id).sort();
  assert.deepEqual(allowed, [mfaCredentialId, state.credentialId].sort());
  for (const c of loginOptions.publicKey.allowCredentials) assert.equal(c.transports, undefined);

  const assertion = await harness.login(loginOptions);
  const { token: loginToken } = await mfa.login.finalize(assertion);

  const jwks = await sdk.jwks();
  checkClaims(verifyToken(regToken, jwks).claims, {
    userId,
    rpId: info.rp_id,
    credentialId: mfaCredentialId,
  });
  checkClaims(verifyToken(loginToken, jwks).claims, {
    userId,
    rpId: info.rp_id,
    credentialId: assertion.id,
  });
  state.mfaCredentialId = mfaCredentialId;
});

test("MFA credentials are invisible to passkey login (§5.4)", async () => {
  // The virtual authenticator offers its newest credential for a discoverable login: the MFA
  // one. The server must refuse it for normal login.
  const options = await sdk.login.initialize();
  const assertion = await harness.login(options);
  assert.equal(assertion.id, state.mfaCredentialId);
  await rejectsWith(
    sdk.login.finalize(assertion),
    401,
    "failed to validate assertion",
    "Unable to find the credential for the returned credential ID",
  );
});

test("credential(id).remove() deletes it (204 becomes {})", async () => {
  assert.deepEqual(await sdk.credential(state.mfaCredentialId).remove(), {});
  const list = await sdk.user(userId).credentials();
  assert.deepEqual(
    list.map((c) => c.id),
    [state.credentialId],
  );
  // §2.6: deleting it again is 404 with the server's title.
  await rejectsWith(
    sdk.credential(state.mfaCredentialId).remove(),
    404,
    `credential with id '${state.mfaCredentialId}' not found`,
  );
});

test("errors: wrong API key is 401 with the server's body", async () => {
  const wrong = tenant({ tenantId: info.tenant_id, apiKey: "nope", baseUrl: info.base_url });
  await rejectsWith(wrong.user(userId).credentials(), 401, "The api key is invalid");
  await rejectsWith(
    wrong.registration.initialize({ userId, username: "x" }),
    401,
    "The api key is invalid",
  );
  // Public routes do not check the key, even though this SDK sends it (§2.10, §2.1).
  assert.ok((await wrong.jwks()).keys.length >= 1);
  assert.ok((await wrong.login.initialize()).publicKey.challenge);
});

test("user(id).credentials() sees only the first page (20) of a user's credentials", async () => {
  // JS SDK vs contract: GET /credentials is paginated with per_page defaulting to 20 and the
  // total in X-Total-Count (§1.7, §2.3). The SDK sends neither page nor per_page and drops the
  // headers, so a user with more than 20 credentials is silently cut to the newest 20. The
  // emulator follows the contract; this pins the SDK-visible consequence.
  const many = `${userId}-many`;
  const ids = [];
  for (let i = 0; i < 21; i++) {
    const options = await sdk.registration.initialize({ userId: many, username: "many" });
    const credential = await harness.register(options);
    await sdk.registration.finalize(credential);
    ids.push(credential.id);
  }
  const list = await sdk.user(many).credentials();
  assert.equal(list.length, 20);
  // Newest first (order=desc by default): the oldest one is the one missing.
  assert.ok(!list.some((c) => c.id === ids[0]));
  assert.equal(list[0].id, ids[20]);
});
