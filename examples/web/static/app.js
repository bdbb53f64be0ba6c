// The page side of the passkey flows: no library, no build step.
//
// Every ceremony is the same three steps:
//   1. POST …/initialize → the SDK's options, {"publicKey": {...}}, unchanged;
//   2. PublicKeyCredential.parse{Creation,Request}OptionsFromJSON(options.publicKey) and
//      navigator.credentials.{create,get}();
//   3. POST …/finalize with credential.toJSON(), unchanged. The server verifies the token and
//      sets its own HTTP-only session cookie; the page never sees a token.

const $ = (id) => document.getElementById(id);

/** Where passkeys of this site work; replaced by /api/config. */
let site = { origin: location.origin, rp_id: location.hostname };
/** The pending autofill (conditional mediation) request, if any. */
let autofill = null;

class ServerError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, { method = "POST", body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ServerError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the status.
  }
  if (!response.ok) {
    throw new ServerError(
      response.status,
      data?.error ?? `http_${response.status}`,
      data?.message ?? `The server answered ${response.status}.`,
    );
  }
  return data;
}

// --- WebAuthn: options in, credential JSON out, both unchanged -----------------------------

async function createCredential(options) {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
  const credential = await navigator.credentials.create({ publicKey });
  return credential.toJSON();
}

async function getCredential(options, extra = {}) {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
  const credential = await navigator.credentials.get({ publicKey, ...extra });
  return credential.toJSON();
}

// --- Messages -----------------------------------------------------------------------------

function say(kind, code, text) {
  const m = $("message");
  m.hidden = false;
  m.className = kind;
  m.dataset.code = code;
  m.textContent = text;
}

function clearMessage() {
  const m = $("message");
  m.hidden = true;
  delete m.dataset.code;
  m.textContent = "";
}

/** The message for a failed step; `what` names it ("Sign-up", "Login", ...). */
function explain(what, e) {
  if (e instanceof ServerError) return [e.code, e.message];
  switch (e?.name) {
    case "NotAllowedError":
      // Cancelled, timed out, refused verification, or no passkey of this site on this
      // device: the browser does not tell them apart, on purpose.
      return [
        "cancelled",
        `${what} was cancelled or timed out, or no matching passkey was found on this device. Nothing was changed.`,
      ];
    case "SecurityError":
      return [
        "wrong_origin",
        `Passkeys of this site belong to ${site.rp_id}, but this page is ${location.origin}. Open ${site.origin} instead.`,
      ];
    case "InvalidStateError":
      return ["already_registered", "This authenticator already holds a passkey for your account."];
    case "AbortError":
      return ["cancelled", `${what} was cancelled. Nothing was changed.`];
    default:
      return ["browser", `${what} failed in the browser: ${e?.message ?? e}`];
  }
}

/** Runs one user action: stops autofill, disables the buttons, reports failures. */
async function act(what, steps) {
  stopAutofill();
  clearMessage();
  document.body.dataset.busy = "true";
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  try {
    await steps();
  } catch (e) {
    const [code, text] = explain(what, e);
    say("error", code, text);
    if (e instanceof ServerError && e.code === "not_signed_in") await refresh();
  } finally {
    for (const b of document.querySelectorAll("button")) b.disabled = false;
    delete document.body.dataset.busy;
  }
}

// --- Views --------------------------------------------------------------------------------

async function refresh() {
  show(await api("/api/me", { method: "GET" }));
}

function show(me) {
  for (const id of ["signed-out", "second-factor", "signed-in"]) $(id).hidden = true;
  for (const el of document.querySelectorAll(".user-name")) el.textContent = me.name ?? "";
  document.body.dataset.state = me.state;
  if (me.state === "signed_in") {
    $("signed-in").hidden = false;
    return loadPasskeys();
  }
  if (me.state === "second_factor") {
    $("second-factor").hidden = false;
    return;
  }
  $("signed-out").hidden = false;
  startAutofill();
}

async function loadPasskeys() {
  const items = await api("/api/passkeys", { method: "GET" });
  const body = $("passkeys");
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    row.dataset.id = item.id;
    row.dataset.kind = item.kind;
    const name = document.createElement("input");
    name.value = item.name;
    name.maxLength = 64;
    name.setAttribute("aria-label", "Name");
    const kind = document.createElement("span");
    kind.className = `kind ${item.kind}`;
    kind.textContent = item.kind === "security_key" ? "security key" : "passkey";
    const used = item.last_used_at ?? item.created_at;
    const renameButton = button("Rename", "secondary rename", () =>
      act("Renaming", async () => {
        await api(`/api/passkeys/${encodeURIComponent(item.id)}`, { method: "PATCH", body: { name: name.value } });
        await loadPasskeys();
        say("ok", "renamed", `Renamed to “${name.value.trim()}”.`);
      }),
    );
    const removeButton = button("Remove", "danger remove", () =>
      act("Removing", async () => {
        await api(`/api/passkeys/${encodeURIComponent(item.id)}`, { method: "DELETE" });
        await loadPasskeys();
        say("ok", "removed", `Removed “${item.name}”.`);
      }),
    );
    const actions = document.createElement("td");
    actions.append(renameButton, " ", removeButton);
    row.append(cell(name), cell(kind), cell(new Date(used).toLocaleString()), actions);
    body.append(row);
  }
  const keys = items.filter((i) => i.kind === "security_key").length;
  $("mfa-status").textContent = keys
    ? `Logging in needs your passkey and then your security key${keys > 1 ? ` (any of ${keys})` : ""}.`
    : "Off: add a security key to require it after your passkey when you log in.";
}

function cell(child) {
  const td = document.createElement("td");
  td.append(child);
  return td;
}

function button(label, className, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

// --- Flows --------------------------------------------------------------------------------

async function finishLogin(credential, how) {
  let me;
  try {
    me = await api("/api/login/finalize", { body: credential });
  } catch (e) {
    // The server no longer knows this passkey: let the passkey provider hide it.
    if (e.code === "unknown_credential" && PublicKeyCredential.signalUnknownCredential) {
      await PublicKeyCredential.signalUnknownCredential({ rpId: site.rp_id, credentialId: credential.id }).catch(() => {});
    }
    throw e;
  }
  await show(me);
  if (me.state === "second_factor") say("ok", "second_factor", "Passkey accepted. Now confirm with your security key.");
  else say("ok", "logged_in", `Welcome back, ${me.name} (${how}).`);
}

/** Passkey autofill: a conditional request that the browser answers when the user picks a
 *  passkey in the name field's autofill. Silent unless a picked passkey is refused. */
async function startAutofill() {
  stopAutofill();
  if (!(await PublicKeyCredential.isConditionalMediationAvailable?.())) return;
  const controller = new AbortController();
  autofill = controller;
  try {
    const options = await api("/api/login/initialize", { signal: controller.signal });
    const credential = await getCredential(options, { mediation: "conditional", signal: controller.signal });
    if (autofill !== controller) return;
    autofill = null;
    await act("Login", () => finishLogin(credential, "passkey from autofill"));
  } catch (e) {
    // Aborted by another action, or nothing picked: nothing to say.
    if (autofill === controller) autofill = null;
    if (e instanceof ServerError) say("error", e.code, e.message);
  }
}

function stopAutofill() {
  if (autofill) {
    autofill.abort();
    autofill = null;
  }
}

$("sign-up-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act("Sign-up", async () => {
    const options = await api("/api/signup/initialize", { body: { name: $("name").value } });
    const me = await api("/api/signup/finalize", { body: await createCredential(options) });
    await show(me);
    say("ok", "signed_up", `Welcome, ${me.name}! Your passkey is set up; use it to log in next time.`);
  });
});

$("login").addEventListener("click", () =>
  act("Login", async () => {
    const options = await api("/api/login/initialize");
    await finishLogin(await getCredential(options), "passkey");
  }),
);

$("mfa-login").addEventListener("click", () =>
  act("Security key login", async () => {
    const options = await api("/api/mfa/login/initialize");
    const me = await api("/api/mfa/login/finalize", { body: await getCredential(options) });
    await show(me);
    say("ok", "logged_in", `Welcome back, ${me.name} (passkey and security key).`);
  }),
);

for (const id of ["logout", "mfa-cancel"]) {
  $(id).addEventListener("click", () =>
    act("Logout", async () => {
      await api("/api/logout");
      $("transfer-result").textContent = "";
      await show({ state: "signed_out" });
      say("ok", "logged_out", "You are logged out.");
    }),
  );
}

/** A button that registers one more credential through `${base}/initialize` and `/finalize`. */
function registers(buttonId, what, base, code, text) {
  $(buttonId).addEventListener("click", () =>
    act(what, async () => {
      const options = await api(`${base}/initialize`);
      await api(`${base}/finalize`, { body: await createCredential(options) });
      await loadPasskeys();
      say("ok", code, text);
    }),
  );
}

registers("add-passkey", "Adding a passkey", "/api/passkeys", "passkey_added", "Passkey added.");
registers(
  "add-security-key",
  "Adding a security key",
  "/api/mfa/registration",
  "security_key_added",
  "Security key added: you will need it after your passkey when you log in.",
);

$("transfer").addEventListener("click", () =>
  act("The transfer", async () => {
    $("transfer-result").textContent = "";
    const options = await api("/api/transfer/initialize");
    const done = await api("/api/transfer/finalize", { body: await getCredential(options) });
    $("transfer-result").textContent = `Transfer ${done.transaction_id} of ${done.amount} ${done.currency} to ${done.to} confirmed.`;
    await loadPasskeys();
    say("ok", "transfer_confirmed", `Transfer of 100 EUR confirmed with your passkey.`);
  }),
);

async function start() {
  if (!window.PublicKeyCredential?.parseCreationOptionsFromJSON) {
    say("error", "unsupported", "This browser cannot use passkeys here: it lacks PublicKeyCredential.parseCreationOptionsFromJSON. Please use a current browser.");
    return;
  }
  site = await api("/api/config", { method: "GET" });
  if (location.origin !== site.origin) {
    const w = $("origin-warning");
    w.hidden = false;
    w.textContent = `This page is served from ${location.origin}, but this site's passkeys belong to ${site.rp_id}: open ${site.origin}.`;
  }
  await refresh();
}

start().catch((e) => say("error", "start", `The page could not start: ${e.message}`));
