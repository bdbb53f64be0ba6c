// login.initialize() with N requests, K in flight, against the canned server of
// benches/client_overhead.rs. Prints "<µs CPU per request> <requests per second>".
import { tenant } from "@teamhanko/passkeys-sdk";

const [baseUrl, tenantId, total, inFlight] = process.argv.slice(2);
const n = Number(total);
const k = Number(inFlight);
const client = tenant({ tenantId, apiKey: "x".repeat(32), baseUrl });

async function run(count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const options = await client.login.initialize();
      if (!options.publicKey?.challenge) throw new Error("no challenge");
    }
  };
  await Promise.all(Array.from({ length: k }, worker));
}

await run(Math.floor(n / 10)); // warm-up
const rounds = [];
for (let i = 0; i < 3; i++) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run(n);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  rounds.push([(used.user + used.system) / n, n / wall]);
}
const median = (i) => rounds.map((r) => r[i]).sort((a, b) => a - b)[1];
console.log(`${median(0)} ${median(1)}`);
