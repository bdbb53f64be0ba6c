/**
 * The browser side of hanko-passkeys-axum: one ES module, no dependencies, no build step.
 * The router serves it at `{prefix}/passkeys.js`.
 *
 * ```js
 * import { createPasskeys } from "/passkeys/passkeys.js";
 * const passkeys = createPasskeys({ base: "/passkeys" });
 *
 * const result = await passkeys.signIn();
 * if (result.ok) showAccount(result.session);
 * else if (result.reason !== "aborted") showError(result.message);
 * ```
 *
 * Every function returns a promise of a plain object and never rejects:
 *
 * - success: `{ ok: true, session }` (`session()`, `signUp`, `signIn`, `autofill`,
 *   `secondFactor`, `signOut`), `{ ok: true, credentials }` (`credentials()`, `rename`,
 *   `remove`, `addPasskey`, `addSecurityKey`), `{ ok: true, data }` (`confirm`: the JSON of
 *   the app's finish route). `session` is the router's `GET /session` view:
 *   `{ state: "signed_out", sign_up }`, `{ state: "second_factor", user }` or
 *   `{ state: "signed_in", user, credential, second_factor, second_factor_required, since }`.
 * - failure: `{ ok: false, reason, code, message, status, problem }`. `reason` is what the page
 *   switches on (below); `code` is the server's problem `code` (`expired`, `last_passkey`, ...)
 *   or, for failures in the browser, the same as `reason`; `message` is an English sentence for
 *   the user; `status` the HTTP status (0 when the browser failed); `problem` the whole
 *   `application/problem+json` body when the server sent one.
 *
 * | reason | what happened |
 * |---|---|
 * | `cancelled` | the user closed the dialog, it timed out, verification (PIN, biometrics) failed, or no passkey of this site is on this device: browsers report all of these as `NotAllowedError`, on purpose |
 * | `aborted` | the request was aborted: the caller's `signal`, or another ceremony of this module started (autofill waits are aborted so) |
 * | `already_registered` | creating: the authenticator already holds a credential of this user (`InvalidStateError`) |
 * | `wrong_origin` | the page is not on the relying party's host (`SecurityError`), or the server refused the page's origin (`cross_origin`) |
 * | `unsupported` | no WebAuthn here (old browser, not a secure context), no autofill, or the authenticator cannot do what is asked (`NotSupportedError`, `ConstraintError`) |
 * | `no_passkey_here` | the server does not know the passkey used (`unknown_credential`; the module has told the browser's passkey manager), the user has none for this step (`no_passkey`), or no account has the name (`unknown_user`) |
 * | `refused` | the server refused the credential (`refused`, `user_verification_required`, `wrong_user`) |
 * | `expired` | the ceremony expired or was finished already: start again |
 * | `not_allowed` | not signed in, second factor required, sign-up closed, the last passkey (`not_signed_in`, `second_factor_required`, `sign_up_closed`, `last_passkey`) |
 * | `invalid` | the request was refused as such (`name_taken`, `invalid_name`, `not_found`, `bad_request`, `transaction_reused`) |
 * | `unavailable` | the server or the Passkey API cannot be reached |
 * | `error` | anything else (`internal`, an unexpected browser error) |
 *
 * The module passes the server's options to `PublicKeyCredential.parseCreationOptionsFromJSON`
 * / `parseRequestOptionsFromJSON` and posts `credential.toJSON()`. Browsers without them
 * (Chrome and Edge before 129, Firefox before 119, Safari before 18.4, Android WebView: MDN
 * browser-compat-data, checked at its commit of 2026-08-07) get the same JSON from the
 * module's own base64url conversion; extension inputs are passed unchanged there, and binary
 * extension outputs are encoded as base64url.
 *
 * The WebAuthn Signal API keeps the browser's passkey manager in step with the server, where
 * the browser has it (Chrome and Edge 132, Safari 26; not Firefox: same source): after every
 * credential list (`credentials`, `rename`, `remove`, `addPasskey`, `addSecurityKey`) the
 * module calls `PublicKeyCredential.signalAllAcceptedCredentials` and
 * `signalCurrentUserDetails` with the payloads the server sent, and after a login refused
 * with `unknown_credential`, `signalUnknownCredential`. Their failures are ignored.
 *
 * @module passkeys
 */

/**
 * @typedef {{ ok: false, reason: string, code: string, message: string, status: number, problem?: object }} Failure
 */

const MESSAGES = {
  cancelled:
    "The request was cancelled or timed out, or no matching passkey was found on this device. Nothing was changed.",
  aborted: "The request was stopped.",
  already_registered: "This authenticator already holds a passkey or security key of your account.",
  wrong_origin: "Passkeys of this site cannot be used from this page's address.",
  unsupported: "This browser or authenticator cannot do this.",
  unavailable: "The server cannot be reached. Check your connection and try again.",
  error: "Something went wrong. Please try again.",
};

/** What the page switches on, for each problem `code` of the router. */
const REASONS = {
  expired: "expired",
  refused: "refused",
  user_verification_required: "refused",
  wrong_user: "refused",
  unknown_credential: "no_passkey_here",
  no_passkey: "no_passkey_here",
  unknown_user: "no_passkey_here",
  not_signed_in: "not_allowed",
  second_factor_required: "not_allowed",
  sign_up_closed: "not_allowed",
  last_passkey: "not_allowed",
  cross_origin: "wrong_origin",
  name_taken: "invalid",
  invalid_name: "invalid",
  not_found: "invalid",
  bad_request: "invalid",
  transaction_reused: "invalid",
  unavailable: "unavailable",
  internal: "error",
};

/** @returns {Failure} */
function failure(reason, { code = reason, message = MESSAGES[reason] ?? MESSAGES.error, status = 0, problem } = {}) {
  const result = { ok: false, reason, code, message, status };
  if (problem) result.problem = problem;
  return result;
}

/** A failure of `navigator.credentials.create` / `get`, from its DOMException. */
function browserFailure(error, creating) {
  switch (error?.name) {
    case "NotAllowedError":
      return failure("cancelled");
    case "AbortError":
      return failure("aborted");
    case "InvalidStateError":
      return creating ? failure("already_registered") : failure("error", { code: "invalid_state", message: String(error.message || MESSAGES.error) });
    case "SecurityError":
      return failure("wrong_origin");
    case "NotSupportedError":
    case "ConstraintError":
      return failure("unsupported");
    default:
      return failure("error", { code: "browser", message: `The browser failed: ${error?.message ?? error}` });
  }
}

// --- base64url, for browsers without the WebAuthn JSON methods ------------------------------

function toBase64url(buffer) {
  const bytes = ArrayBuffer.isView(buffer)
    ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function descriptors(list) {
  return list?.map((d) => ({ ...d, id: fromBase64url(d.id) }));
}

function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  const options = { ...json, challenge: fromBase64url(json.challenge), user: { ...json.user, id: fromBase64url(json.user.id) } };
  if (json.excludeCredentials) options.excludeCredentials = descriptors(json.excludeCredentials);
  return options;
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  const options = { ...json, challenge: fromBase64url(json.challenge) };
  if (json.allowCredentials) options.allowCredentials = descriptors(json.allowCredentials);
  return options;
}

/** Extension outputs with their binary members (PRF results, large blobs) as base64url. */
function extensionsJSON(value) {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBase64url(value);
  if (Array.isArray(value)) return value.map(extensionsJSON);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extensionsJSON(v)]));
  }
  return value;
}

/** `credential.toJSON()`, or the same JSON (WebAuthn Level 3 §5.1.8) built here. */
function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const r = credential.response;
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: { clientDataJSON: toBase64url(r.clientDataJSON) },
    clientExtensionResults: extensionsJSON(credential.getClientExtensionResults?.() ?? {}),
  };
  if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment;
  if (r.attestationObject) {
    const authenticatorData = r.getAuthenticatorData?.();
    const publicKey = r.getPublicKey?.();
    const algorithm = r.getPublicKeyAlgorithm?.();
    if (authenticatorData) json.response.authenticatorData = toBase64url(authenticatorData);
    json.response.transports = r.getTransports?.() ?? [];
    if (publicKey) json.response.publicKey = toBase64url(publicKey);
    if (algorithm !== undefined) json.response.publicKeyAlgorithm = algorithm;
    json.response.attestationObject = toBase64url(r.attestationObject);
  } else {
    json.response.authenticatorData = toBase64url(r.authenticatorData);
    json.response.signature = toBase64url(r.signature);
    if (r.userHandle) json.response.userHandle = toBase64url(r.userHandle);
  }
  return json;
}

// --- Signal API -----------------------------------------------------------------------------

async function callSignal(method, payload) {
  const fn = globalThis.PublicKeyCredential?.[method];
  if (!payload || typeof fn !== "function") return;
  try {
    await fn.call(PublicKeyCredential, payload);
  } catch {
    // Best effort: a passkey manager that cannot take the news changes nothing for the user.
  }
}

async function signalList(signal) {
  await callSignal("signalAllAcceptedCredentials", signal?.allAcceptedCredentials);
  await callSignal("signalCurrentUserDetails", signal?.currentUserDetails);
}

// --- The module -----------------------------------------------------------------------------

/**
 * The passkey functions for the router mounted at `base`.
 *
 * @param {{ base?: string }} [options] `base`: where the router is nested (default `/passkeys`).
 */
export function createPasskeys({ base = "/passkeys" } = {}) {
  const prefix = base.replace(/\/+$/, "");
  /** The AbortController of the autofill request waiting, if any. */
  let waiting = null;

  function stopAutofill() {
    if (waiting) {
      waiting.abort(new DOMException("Another passkey request started.", "AbortError"));
      waiting = null;
    }
  }

  /**
   * The module's requests run one after the other. The session is one record in the
   * server's store, read at the start of a request and written at its end: two requests of
   * the page at once would each write their own version, and the later one would undo the
   * other's ceremony (on a first visit, even start a second session). Requests are never
   * aborted half-way for the same reason; an abort takes effect between them.
   */
  let queue = Promise.resolve();

  /** A JSON request to `path`: `{ ok: true, data }` or a failure; queued. */
  function request(method, path, body) {
    const run = queue.then(() => send(method, path, body));
    queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  async function send(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method,
        credentials: "same-origin",
        headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return failure("unavailable", { code: "network" });
    }
    let data = null;
    try {
      const text = await response.text();
      data = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page, say): the status tells.
    }
    if (response.ok) return { ok: true, data };
    if (data && typeof data.code === "string") {
      return failure(REASONS[data.code] ?? "error", {
        code: data.code,
        message: data.detail ?? data.title ?? MESSAGES.error,
        status: response.status,
        problem: data,
      });
    }
    const reason = response.status >= 500 ? "unavailable" : "error";
    return failure(reason, { code: `http_${response.status}`, message: `The server answered ${response.status}.`, status: response.status });
  }

  const api = (method, path, body) => request(method, `${prefix}${path}`, body);

  function webauthnAvailable() {
    return typeof globalThis.PublicKeyCredential === "function" && !!navigator.credentials;
  }

  /** Options from `start`, a new credential, posted to `finish`. */
  async function register(start, finish, signal) {
    stopAutofill();
    if (!webauthnAvailable()) return failure("unsupported");
    const options = await request("POST", start.url, start.body);
    if (!options.ok) return options;
    if (signal?.aborted) return failure("aborted");
    let json;
    try {
      const credential = await navigator.credentials.create({ publicKey: creationOptions(options.data.publicKey), signal });
      json = credentialJSON(credential);
    } catch (e) {
      return browserFailure(e, true);
    }
    return request("POST", finish, json);
  }

  /** Options from `start`, an assertion, posted to `finish`. */
  async function authenticate(start, finish, { signal, mediation } = {}) {
    if (!webauthnAvailable()) return failure("unsupported");
    const options = await request("POST", start.url, start.body);
    if (!options.ok) return options;
    if (signal?.aborted) return failure("aborted");
    let json;
    try {
      const query = { publicKey: requestOptions(options.data.publicKey), signal };
      if (mediation) query.mediation = mediation;
      json = credentialJSON(await navigator.credentials.get(query));
    } catch (e) {
      return browserFailure(e, false);
    }
    const answer = await request("POST", finish, json);
    if (!answer.ok && answer.code === "unknown_credential") {
      await callSignal("signalUnknownCredential", answer.problem?.signal?.unknownCredential);
    }
    return answer;
  }

  const asSession = (answer) => (answer.ok ? { ok: true, session: answer.data } : answer);
  async function asCredentials(answer) {
    if (!answer.ok) return answer;
    await signalList(answer.data?.signal);
    return { ok: true, credentials: answer.data?.credentials ?? [] };
  }

  return {
    /** Who is signed in: `{ ok: true, session }`. */
    async session() {
      return asSession(await api("GET", "/session"));
    },

    /** A new account named `name` with its first passkey; signs in. */
    async signUp(name, { signal } = {}) {
      const answer = await register({ url: `${prefix}/sign-up/initialize`, body: { name } }, `${prefix}/sign-up/finalize`, signal);
      return asSession(answer);
    },

    /**
     * A login with the browser's passkey dialog: any passkey of the site, or with `name`
     * only that account's. The session may be `second_factor`: call `secondFactor()` next.
     */
    async signIn({ name, signal } = {}) {
      stopAutofill();
      const body = name && name.trim() ? { name } : {};
      return asSession(await authenticate({ url: `${prefix}/login/initialize`, body }, `${prefix}/login/finalize`, { signal }));
    },

    /**
     * Passkey autofill (conditional mediation): waits until the user picks a passkey in a
     * field with `autocomplete="username webauthn"`, then logs in. Resolves with reason
     * `unsupported` where the browser has no autofill, and `aborted` when `signal` aborts or
     * any other function of this module starts a ceremony (browsers run one at a time).
     */
    async autofill({ signal } = {}) {
      stopAutofill();
      const controller = new AbortController();
      waiting = controller;
      const done = () => {
        if (waiting === controller) waiting = null;
      };
      if (signal?.aborted) {
        done();
        return failure("aborted");
      }
      signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
      let available = false;
      try {
        available = webauthnAvailable() && (await PublicKeyCredential.isConditionalMediationAvailable?.()) === true;
      } catch {
        available = false;
      }
      if (controller.signal.aborted) {
        done();
        return failure("aborted");
      }
      if (!available) {
        done();
        return failure("unsupported", { message: "This browser offers no passkeys in its autofill." });
      }
      const answer = await authenticate({ url: `${prefix}/login/initialize`, body: {} }, `${prefix}/login/finalize`, {
        signal: controller.signal,
        mediation: "conditional",
      });
      done();
      return asSession(answer);
    },

    /** The second factor after a passkey login: one of the user's security keys. */
    async secondFactor({ signal } = {}) {
      stopAutofill();
      return asSession(await authenticate({ url: `${prefix}/mfa/login/initialize`, body: {} }, `${prefix}/mfa/login/finalize`, { signal }));
    },

    /** Another passkey for the signed-in user; answers their credentials. */
    async addPasskey({ signal } = {}) {
      return asCredentials(await register({ url: `${prefix}/passkeys/initialize`, body: {} }, `${prefix}/passkeys/finalize`, signal));
    },

    /** A security key as second factor for the signed-in user; answers their credentials. */
    async addSecurityKey({ signal } = {}) {
      const answer = await register({ url: `${prefix}/mfa/registration/initialize`, body: {} }, `${prefix}/mfa/registration/finalize`, signal);
      return asCredentials(answer);
    },

    /**
     * Confirms a transaction with a passkey through the app's own two routes: `start`
     * answers request options (`Passkeys::start_transaction`), `finish` takes the assertion
     * (`Passkeys::confirm_transaction`). `body` goes to `start` (default `{}`). Answers
     * `{ ok: true, data }` with `finish`'s JSON.
     */
    async confirm({ start, finish, body = {}, signal } = {}) {
      stopAutofill();
      const answer = await authenticate({ url: start, body }, finish, { signal });
      return answer.ok ? { ok: true, data: answer.data } : answer;
    },

    /** The signed-in user's passkeys and security keys. */
    async credentials() {
      return asCredentials(await api("GET", "/credentials"));
    },

    /** Renames one of the signed-in user's credentials; answers the list. */
    async rename(id, name) {
      return asCredentials(await api("PATCH", `/credentials/${encodeURIComponent(id)}`, { name }));
    },

    /** Removes one of the signed-in user's credentials (never their last passkey); answers the list. */
    async remove(id) {
      return asCredentials(await api("DELETE", `/credentials/${encodeURIComponent(id)}`));
    },

    /** Ends the session. */
    async signOut() {
      stopAutofill();
      return asSession(await api("POST", "/sign-out", {}));
    },
  };
}
