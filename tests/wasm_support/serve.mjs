// Runs a command (the wasm tests) with the emulator and a small fake server around it.
//
//   HARNESS_BIN=target/debug/passkeys-emulator-harness \
//     node tests/wasm_support/serve.mjs -- cargo test -p hanko-passkeys --target wasm32-unknown-unknown --test wasm
//
// 1. Starts the emulator's JSON-lines harness (emulator/src/bin/passkeys-emulator-harness.rs),
//    which prints the emulator's connection details and then plays the browser.
// 2. Serves, on 127.0.0.1 only:
//    - POST /browser/register, /browser/login: the body (creation or request options) goes
//      to the harness's virtual authenticator; the answer is the browser's credential JSON;
//    - /flaky/<path>: every other request is answered 503 with `Retry-After: 0`, the others
//      are passed on to the emulator (the wasm tests check the retry);
//    - /redirect/<path>: 307 to /sink/<path>, which counts requests and API keys;
//    - /big/<path>: 200 with 4 MiB of JSON-ish bytes, streamed without Content-Length;
//    - /hang/<path>: never answers (the request is dropped when the client gives up);
//    - GET /stats: how many requests each route saw.
// 3. Runs the command with HANKO_WASM_TEST set to the harness's details plus `fake_url`, and
//    exits with its status. Everything is stopped when the command ends.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createInterface } from "node:readline";

const dash = process.argv.indexOf("--");
const command = dash >= 0 ? process.argv.slice(dash + 1) : [];
if (command.length === 0) {
  console.error("usage: node serve.mjs -- COMMAND [ARGS...]");
  process.exit(2);
}
const bin = process.env.HARNESS_BIN;
if (!bin) {
  console.error("set HARNESS_BIN to the passkeys-emulator-harness binary");
  process.exit(2);
}

// The harness: first line its details, then one answer line per command line, in order.
const harness = spawn(bin, [], { stdio: ["pipe", "pipe", "inherit"] });
const answers = [];
const waiting = [];
createInterface({ input: harness.stdout }).on("line", (line) => {
  const w = waiting.shift();
  if (w) w(line);
  else answers.push(line);
});
const nextLine = () =>
  answers.length ? Promise.resolve(answers.shift()) : new Promise((resolve) => waiting.push(resolve));
harness.on("exit", (code) => {
  for (const w of waiting.splice(0)) w(JSON.stringify({ error: `harness exited with ${code}` }));
});
// One command at a time: answers come back in order, and the tests ask one at a time anyway.
let queue = Promise.resolve();
const ask = (command) => {
  const run = queue.then(async () => {
    const answer = nextLine();
    harness.stdin.write(JSON.stringify(command) + "\n");
    return answer;
  });
  queue = run.catch(() => {});
  return run;
};

const info = JSON.parse(await nextLine());
const stats = { flaky: 0, redirect: 0, sink: 0, sink_with_key: 0, big: 0, hang: 0 };
let flakyCalls = 0;

const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

const hanging = new Set();
const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://fake");
    const [, route, ...rest] = url.pathname.split("/");
    const path = "/" + rest.join("/") + url.search;
    if (route === "browser" && req.method === "POST") {
      const options = JSON.parse((await readBody(req)).toString("utf8"));
      const answer = await ask({ cmd: rest[0], options });
      res.writeHead(200, { "content-type": "application/json" }).end(answer);
    } else if (route === "stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    } else if (route === "flaky") {
      stats.flaky += 1;
      flakyCalls += 1;
      if (flakyCalls % 2 === 1) {
        await readBody(req);
        res
          .writeHead(503, { "content-type": "text/plain", "retry-after": "0" })
          .end("upstream unavailable");
        return;
      }
      const body = await readBody(req);
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      delete headers["content-length"];
      const upstream = await fetch(info.base_url + path, {
        method: req.method,
        headers,
        body: body.length ? body : undefined,
        redirect: "manual",
      });
      const out = {};
      upstream.headers.forEach((v, k) => {
        if (k !== "content-encoding" && k !== "transfer-encoding") out[k] = v;
      });
      res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
    } else if (route === "redirect") {
      stats.redirect += 1;
      await readBody(req);
      res.writeHead(307, { location: `/sink${path}` }).end();
    } else if (route === "sink") {
      stats.sink += 1;
      if (req.headers.apikey) stats.sink_with_key += 1;
      await readBody(req);
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    } else if (route === "big") {
      stats.big += 1;
      await readBody(req);
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const write = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", write);
        }
        res.end();
      };
      res.on("close", () => (sent = Infinity));
      write();
    } else if (route === "hang") {
      stats.hang += 1;
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
    } else {
      res.writeHead(404).end();
    }
  } catch (e) {
    res.writeHead(500, { "content-type": "text/plain" }).end(String(e));
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const fakeUrl = `http://127.0.0.1:${server.address().port}`;

const child = spawn(command[0], command.slice(1), {
  stdio: "inherit",
  env: { ...process.env, HANKO_WASM_TEST: JSON.stringify({ ...info, fake_url: fakeUrl }) },
});
const code = await new Promise((resolve) => {
  child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  child.on("error", (e) => {
    console.error(`cannot run ${command[0]}: ${e.message}`);
    resolve(1);
  });
});
for (const res of hanging) res.destroy();
server.close();
harness.stdin.end();
await new Promise((resolve) => (harness.exitCode !== null ? resolve() : harness.on("exit", resolve)));
process.exit(code);
