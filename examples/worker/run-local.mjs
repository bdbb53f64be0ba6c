// Runs the Worker in workerd (Cloudflare's runtime, from npm) against the emulator, and does a
// registration and a login through it with the emulator's virtual authenticator as the browser.
//
//   HARNESS_BIN=target/debug/passkeys-emulator-harness WORKERD=node_modules/.bin/workerd \
//     node examples/worker/run-local.mjs BUILD_DIR
//
// BUILD_DIR holds wasm-bindgen's `--target web` output for the Worker (worker.js, snippets/,
// worker_bg.wasm), as `.ci/wasm` makes it. Everything listens on 127.0.0.1 only.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import assert from "node:assert/strict";

const dir = process.argv[2];
const { HARNESS_BIN: harnessBin, WORKERD: workerd } = process.env;
assert.ok(dir && harnessBin && workerd, "usage: HARNESS_BIN=... WORKERD=... node run-local.mjs BUILD_DIR");

// The emulator and its virtual authenticator (JSON lines, one answer per command, in order).
const harness = spawn(harnessBin, [], { stdio: ["pipe", "pipe", "inherit"] });
const lines = [];
const waiting = [];
createInterface({ input: harness.stdout }).on("line", (l) => (waiting.length ? waiting.shift()(l) : lines.push(l)));
const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiting.push(r)));
const ask = async (command) => {
  const answer = next();
  harness.stdin.write(JSON.stringify(command) + "\n");
  const value = JSON.parse(await answer);
  assert.equal(value.error, undefined, `harness: ${value.error}`);
  return value;
};
const info = JSON.parse(await next());

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

// The module worker: wasm-bindgen's glue, instantiated once per isolate with the compiled
// module that workerd hands over for a `wasm` module.
writeFileSync(
  join(dir, "shim.mjs"),
  `import module from "./worker_bg.wasm";
import { initSync, fetch as handle } from "./worker.js";
initSync({ module });
export default { fetch: (request, env, ctx) => handle(request, env, ctx) };
`,
);
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".js")) files.push(relative(dir, path));
  }
};
walk(dir);
const text = (s) => JSON.stringify(s);
writeFileSync(
  join(dir, "config.capnp"),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .passkeys),
    # The emulator is on 127.0.0.1: workerd's default outbound allows public addresses only.
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [ (name = "http", address = ${text(`127.0.0.1:${port}`)}, http = (), service = "main") ],
);
const passkeys :Workerd.Worker = (
  modules = [
    (name = "shim.mjs", esModule = embed "shim.mjs"),
${files.map((f) => `    (name = ${text(f)}, esModule = embed ${text(f)}),`).join("\n")}
    (name = "worker_bg.wasm", wasm = embed "worker_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "PASSKEYS_TENANT_ID", text = ${text(info.tenant_id)}),
    (name = "PASSKEYS_RP_ID", text = ${text(info.rp_id)}),
    (name = "PASSKEYS_BASE_URL", text = ${text(info.base_url)}),
    (name = "PASSKEYS_API_KEY", text = ${text(info.api_key)}),
  ],
  globalOutbound = "loopback",
);
`,
);

const runtime = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "inherit", "inherit"] });
let failed = false;
try {
  const base = `http://127.0.0.1:${port}`;
  const post = async (path, body) => {
    for (let i = 0; ; i++) {
      try {
        const r = await fetch(base + path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
        const value = await r.json();
        assert.equal(r.status, 200, `${path}: ${r.status} ${JSON.stringify(value)}`);
        return value;
      } catch (e) {
        // workerd may still be starting: retry a refused connection for up to 10 s.
        if (e?.cause?.code !== "ECONNREFUSED" || i >= 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const userId = `worker-user-${Date.now()}`;
  const creation = await post("/register/start", { user_id: userId, username: "alice@example.com" });
  const { credential_id } = await post("/register/finish", await ask({ cmd: "register", options: creation }));
  const request = await post("/login/start");
  const assertion = await ask({ cmd: "login", options: request });
  assert.equal(assertion.id, credential_id);
  const { user_id } = await post("/login/finish", assertion);
  assert.equal(user_id, userId);
  // The same assertion again: the Worker answers the SDK's suggested status for a refused login.
  const replay = await fetch(`${base}/login/finish`, { method: "POST", body: JSON.stringify(assertion) });
  assert.equal(replay.status, 401, "a replayed assertion is refused");
  console.log(`worker in workerd: registration and login through the Worker passed (user ${user_id})`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  runtime.kill();
  harness.stdin.end();
}
process.exit(failed ? 1 : 0);
