// The page: hanko-passkeys-axum's browser module does the ceremonies, the session and the
// WebAuthn Signal API; this file shows what happens. No library, no build step.

import { createPasskeys } from "/passkeys/passkeys.js";

const passkeys = createPasskeys({ base: "/passkeys" });
const $ = (id) => document.getElementById(id);

/** Where passkeys of this site work; replaced by /api/config. */
let site = { origin: location.origin, rp_id: location.hostname };
/** Stops the autofill request waiting for the user, if any. */
let autofill = null;

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
function explain(what, failure) {
  switch (failure.reason) {
    case "cancelled":
      // Cancelled, timed out, refused verification, or no passkey of this site on this
      // device: the browser does not tell them apart, on purpose.
      return `${what} was cancelled or timed out, or no matching passkey was found on this device. Nothing was changed.`;
    case "aborted":
      return `${what} was cancelled. Nothing was changed.`;
    case "wrong_origin":
      return `Passkeys of this site belong to ${site.rp_id}, but this page is ${location.origin}. Open ${site.origin} instead.`;
    case "already_registered":
      return "This authenticator already holds a passkey or security key of your account: use another one.";
    default:
      return failure.message;
  }
}

/** Runs one user action: stops autofill, disables the buttons, reports a failure. The action
 *  returns the module's result; a failed one is shown and ends it. */
async function act(what, steps) {
  stopAutofill();
  clearMessage();
  document.body.dataset.busy = "true";
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  try {
    const failure = await steps();
    if (failure && failure.ok === false) {
      say("error", failure.code, explain(what, failure));
      if (failure.code === "not_signed_in") await refresh();
    }
  } catch (e) {
    say("error", "page", `${what} failed: ${e?.message ?? e}`);
  } finally {
    for (const b of document.querySelectorAll("button")) b.disabled = false;
    delete document.body.dataset.busy;
  }
}

// --- Views --------------------------------------------------------------------------------

async function refresh() {
  const result = await passkeys.session();
  if (!result.ok) return say("error", result.code, result.message);
  return show(result.session);
}

function show(session) {
  for (const id of ["signed-out", "second-factor", "signed-in"]) $(id).hidden = true;
  const name = session.user?.display_name ?? session.user?.name ?? "";
  for (const el of document.querySelectorAll(".user-name")) el.textContent = name;
  document.body.dataset.state = session.state;
  if (session.state === "signed_in") {
    $("signed-in").hidden = false;
    return loadCredentials();
  }
  if (session.state === "second_factor") {
    $("second-factor").hidden = false;
    return;
  }
  $("signed-out").hidden = false;
  startAutofill();
}

async function loadCredentials() {
  const result = await passkeys.credentials();
  if (result.ok) showCredentials(result.credentials);
  return result;
}

function showCredentials(items) {
  const body = $("passkeys");
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    row.dataset.id = item.id;
    row.dataset.kind = item.kind;
    const name = document.createElement("input");
    name.value = item.name ?? "";
    name.placeholder = item.kind === "security_key" ? "Security key" : "Passkey";
    name.maxLength = 64;
    name.setAttribute("aria-label", "Name");
    const kind = document.createElement("span");
    kind.className = `kind ${item.kind}`;
    kind.textContent = item.kind === "security_key" ? "security key" : "passkey";
    const provider = document.createElement("td");
    provider.className = "provider";
    if (item.provider) {
      const dark = matchMedia("(prefers-color-scheme: dark)").matches;
      const icon = (dark && item.provider.icon_dark) || item.provider.icon_light;
      if (icon) {
        const img = document.createElement("img");
        img.src = icon;
        img.alt = "";
        provider.append(img, " ");
      }
      provider.append(item.provider.name);
    }
    const used = item.last_used_at ?? item.created_at;
    const renameButton = button("Rename", "secondary rename", () =>
      act("Renaming", async () => {
        const result = await passkeys.rename(item.id, name.value);
        if (!result.ok) return result;
        showCredentials(result.credentials);
        say("ok", "renamed", `Renamed to “${name.value.trim()}”.`);
      }),
    );
    const removeButton = button("Remove", "danger remove", () =>
      act("Removing", async () => {
        const result = await passkeys.remove(item.id);
        if (!result.ok) return result;
        showCredentials(result.credentials);
        say("ok", "removed", `Removed “${item.name ?? kind.textContent}”.`);
      }),
    );
    const actions = document.createElement("td");
    actions.append(renameButton, " ", removeButton);
    row.append(cell(name), cell(kind), provider, cell(new Date(used).toLocaleString()), actions);
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

/** Shows a login's result. A passkey the server does not know (`unknown_credential`) was
 *  reported to the browser's passkey manager by the module already. */
async function loggedIn(result, how) {
  if (!result.ok) return result;
  await show(result.session);
  if (result.session.state === "second_factor") {
    say("ok", "second_factor", "Passkey accepted. Now confirm with your security key.");
  } else {
    say("ok", "logged_in", `Welcome back, ${result.session.user.name} (${how}).`);
  }
}

/** Passkey autofill: the browser offers the site's passkeys in the name field. Silent
 *  unless a picked passkey is refused. */
async function startAutofill() {
  stopAutofill();
  const controller = new AbortController();
  autofill = controller;
  const result = await passkeys.autofill({ signal: controller.signal });
  if (autofill === controller) autofill = null;
  if (result.ok) {
    await act("Login", () => loggedIn(result, "passkey from autofill"));
  } else if (!["aborted", "unsupported", "cancelled", "wrong_origin"].includes(result.reason)) {
    say("error", result.code, explain("Login", result));
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
    const result = await passkeys.signUp($("name").value);
    if (!result.ok) return result;
    await show(result.session);
    say("ok", "signed_up", `Welcome, ${result.session.user.name}! Your passkey is set up; use it to log in next time.`);
  });
});

$("login").addEventListener("click", () => act("Login", async () => loggedIn(await passkeys.signIn(), "passkey")));

$("mfa-login").addEventListener("click", () =>
  act("Security key login", async () => {
    const result = await passkeys.secondFactor();
    if (!result.ok) return result;
    await show(result.session);
    say("ok", "logged_in", `Welcome back, ${result.session.user.name} (passkey and security key).`);
  }),
);

for (const id of ["logout", "mfa-cancel"]) {
  $(id).addEventListener("click", () =>
    act("Logout", async () => {
      const result = await passkeys.signOut();
      if (!result.ok) return result;
      $("transfer-result").textContent = "";
      await show(result.session);
      say("ok", "logged_out", "You are logged out.");
    }),
  );
}

$("add-passkey").addEventListener("click", () =>
  act("Adding a passkey", async () => {
    const result = await passkeys.addPasskey();
    if (!result.ok) return result;
    showCredentials(result.credentials);
    say("ok", "passkey_added", "Passkey added.");
  }),
);

$("add-security-key").addEventListener("click", () =>
  act("Adding a security key", async () => {
    const result = await passkeys.addSecurityKey();
    if (!result.ok) return result;
    showCredentials(result.credentials);
    say("ok", "security_key_added", "Security key added: you will need it after your passkey when you log in.");
  }),
);

$("transfer").addEventListener("click", () =>
  act("The transfer", async () => {
    $("transfer-result").textContent = "";
    const result = await passkeys.confirm({ start: "/api/transfer/initialize", finish: "/api/transfer/finalize" });
    if (!result.ok) return result;
    const done = result.data;
    $("transfer-result").textContent = `Transfer ${done.transaction_id} of ${done.amount} ${done.currency} to ${done.to} confirmed.`;
    await loadCredentials();
    say("ok", "transfer_confirmed", "Transfer of 100 EUR confirmed with your passkey.");
  }),
);

async function start() {
  if (!window.PublicKeyCredential) {
    say("error", "unsupported", "This browser cannot use passkeys here. Please use a current browser over https (or http://localhost).");
    return;
  }
  const config = await fetch("/api/config");
  if (config.ok) site = await config.json();
  if (location.origin !== site.origin) {
    const w = $("origin-warning");
    w.hidden = false;
    w.textContent = `This page is served from ${location.origin}, but this site's passkeys belong to ${site.rp_id}: open ${site.origin}.`;
  }
  await refresh();
}

start().catch((e) => say("error", "start", `The page could not start: ${e.message}`));
