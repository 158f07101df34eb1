// How fast the server takes reports (issue #13, item 5): the release server
// on a fresh SQLite file and on a fresh PostgreSQL database, 50 phones (33
// village heads, one per village, and 17 KIM volunteers, each with its own
// account and device), realistic varied reports (monthly population recaps
// with births, deaths and moves, incident reports, some urgent, and short
// reports) pushed as the phone pushes them: gzipped batches of 100, every
// item with its content hash, validated by the server.
//
// Three runs per database, each on reports the database has not seen:
// - one client: 100 batches one after the other (the phones take turns);
// - 50 phones at once, each pushing 3 batches back to back (saturation:
//   reports/s, and the latency a phone sees when everyone pushes at once);
// - 50 phones pacing themselves: each pushes a batch every 2 s, started at
//   staggered times (2,500 reports/s offered, half the PostgreSQL goal), for
//   3 rounds: the p99 push latency at 50 concurrent phones.
//
// Every batch and its gzip are built before the clock starts; the client
// shares the machine's two cores with the server, as a load generator on the
// same box does. Run by `cargo xtask bench` through load.mjs, or alone:
//   KABAR_SERVER_BIN=target/server/kabar-server node tests/bench/ingest.mjs
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SERVER_BIN = process.env.KABAR_SERVER_BIN ?? path.join(ROOT, "target/server/kabar-server");
const APP_DIR = process.env.KABAR_APP_DIR ?? path.join(ROOT, "dist");
/** The PostgreSQL server the API tests use; `none` skips PostgreSQL. */
const POSTGRES = process.env.KABAR_BENCH_POSTGRES ?? "postgres://postgres@127.0.0.1:5432";
const PASSWORD = "rahasia-bench-2026";
const PHONES = 50;
const BATCH = 100;
const SEQUENTIAL_BATCHES = 100;
const BURST_BATCHES_PER_PHONE = 3;
const PACED_ROUNDS = 3;
const PACED_INTERVAL_MS = 2_000;
/** Monthly reports per village head's batch: 8 batches per phone over the
 * runs × 10 = 80 months, within the 82 months from January 2020 to October
 * 2026 a village can file (one report per village and month). */
const MONTHLY_PER_BATCH = 10;
const INCIDENTS_PER_BATCH = 20;

const gazetteer = JSON.parse(readFileSync(path.join(ROOT, "crates/shared/data/kotamobagu.json"), "utf8"));
const VILLAGES = gazetteer.districts.flatMap((district) => district.villages.map((village) => village.code));

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A small deterministic generator, so every run pushes the same reports. */
function generator(seed) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  return {
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    pick: (values) => values[Math.floor(next() * values.length)],
  };
}

/** JSON with object keys in order, as serde_json writes a `BTreeMap` and
 * `serde_json::Value`: the report's answers are hashed that way. */
function sorted(value) {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted(value[key])]),
    );
  }
  return value;
}

let idCounter = 0;
/** A UUIDv7 as the phone makes it: the time, then random bits. */
function reportId(now) {
  const hex = now.toString(16).padStart(12, "0");
  const random = randomBytes(10).toString("hex");
  idCounter += 1;
  const variant = ((parseInt(random[3], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${random.slice(0, 3)}-${variant}${random.slice(4, 7)}-${random.slice(7, 19)}`;
}

function witaToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

const NAMES = ["Mokodompit", "Paputungan", "Damopolii", "Mamonto", "Manoppo", "Lantong", "Gobel", "Pasambuna", "Korompot", "Bonde"];
const FIRST = ["Siti", "Hasan", "Rahmat", "Nurlela", "Yusuf", "Fatma", "Arif", "Rini", "Budi", "Sri"];
const PLACES = ["Dusun I", "Dusun II", "Dusun III", "Lingkungan IV", "dekat masjid", "depan SD Negeri 1", "tepi sungai Ongkag", "jalan ke kebun"];

/** A monthly population recap (v2, the official A-9 layout) of `village` for
 * `year`-`month`, with varied counts, births and deaths listed by name. */
function monthlyAnswers(rng, village, year, month) {
  const mm = String(month).padStart(2, "0");
  const day = (d) => `${year}-${mm}-${String(d).padStart(2, "0")}`;
  const name = () => `${rng.pick(FIRST)} ${rng.pick(NAMES)}`;
  const answers = { tahun: year, bulan: mm };
  const base = { awal: [rng.int(300, 2500), rng.int(300, 2500), rng.int(0, 3), rng.int(0, 3)] };
  const change = {
    lahir: [rng.int(0, 2), rng.int(0, 2), 0, 0],
    meninggal: [rng.int(0, 1), rng.int(0, 1), 0, 0],
    datang: [rng.int(0, 6), rng.int(0, 6), 0, 0],
    pindah: [rng.int(0, 5), rng.int(0, 5), 0, 0],
    hilang: [0, 0, 0, 0],
  };
  for (const [prefix, counts] of Object.entries({ ...base, ...change })) {
    ["wni_l", "wni_p", "wna_l", "wna_p"].forEach((group, i) => (answers[`${prefix}_${group}`] = counts[i]));
  }
  answers.awal_kk_l = Math.floor(base.awal[0] / 4);
  answers.awal_kk_p = Math.floor(base.awal[1] / 12);
  answers.baru_kk_l = rng.int(0, 2);
  answers.baru_kk_p = 0;
  answers.datang_kk_l = Math.min(rng.int(0, 2), change.datang[0]);
  answers.datang_kk_p = 0;
  answers.pindah_kk_l = Math.min(rng.int(0, 2), change.pindah[0]);
  answers.pindah_kk_p = 0;
  const leftMale = change.pindah[0];
  const leftFemale = change.pindah[1];
  if (leftMale + leftFemale + answers.pindah_kk_l > 0) {
    // Where the leavers went: split between the district and the city.
    const split = (n) => [Math.floor(n / 2), n - Math.floor(n / 2)];
    const [desaL, kecL] = split(leftMale);
    const [desaP, kecP] = split(leftFemale);
    Object.assign(answers, {
      pindah_desa_l: desaL,
      pindah_desa_p: desaP,
      pindah_desa_kk: answers.pindah_kk_l,
      pindah_kecamatan_l: kecL,
      pindah_kecamatan_p: kecP,
      pindah_kecamatan_kk: 0,
      pindah_kabkota_l: 0,
      pindah_kabkota_p: 0,
      pindah_kabkota_kk: 0,
      pindah_provinsi_l: 0,
      pindah_provinsi_p: 0,
      pindah_provinsi_kk: 0,
      pindah_luar_negeri_l: 0,
      pindah_luar_negeri_p: 0,
      pindah_luar_negeri_kk: 0,
    });
  }
  const births = [];
  for (const [sex, count] of [["l", change.lahir[0]], ["p", change.lahir[1]]]) {
    for (let i = 0; i < count; i++) {
      births.push({ jenis_kelamin_bayi: sex, kewarganegaraan_bayi: "wni", nama_bayi: name(), nama_ibu: name(), tanggal_lahir: day(rng.int(1, 28)) });
    }
  }
  if (births.length > 0) answers.daftar_kelahiran = births;
  const deaths = [];
  for (const [sex, count] of [["l", change.meninggal[0]], ["p", change.meninggal[1]]]) {
    for (let i = 0; i < count; i++) {
      deaths.push({ jenis_kelamin_almarhum: sex, nama_almarhum: name(), tanggal_meninggal: day(rng.int(1, 28)), tempat_meninggal: rng.pick(["Rumah", "RSUD Kotamobagu", "Puskesmas"]) });
    }
  }
  if (deaths.length > 0) answers.daftar_kematian = deaths;
  Object.assign(answers, {
    keterangan: rng.int(0, 3) === 0 ? `Pendataan ulang RT ${rng.int(1, 9)} selesai.` : "",
    tempat_pengesahan: village,
    tanggal_pengesahan: witaToday(),
    nama_penandatangan: name(),
    jabatan_penandatangan: rng.pick(["sangadi", "lurah", "sekretaris"]),
  });
  if (answers.keterangan === "") delete answers.keterangan;
  return answers;
}

/** An incident report (v2); one in ten urgent, which queues a mail. */
function incidentAnswers(rng) {
  const urgency = rng.int(0, 9) === 0 ? rng.pick(["tinggi", "darurat"]) : rng.pick(["rendah", "sedang"]);
  const affected = rng.int(4, 40);
  const answers = {
    jenis_kejadian: rng.pick(["banjir", "tanah_longsor", "cuaca_ekstrem", "kebakaran_rumah"]),
    waktu_kejadian: `${witaToday()}T${String(rng.int(0, 23)).padStart(2, "0")}:${String(rng.int(0, 59)).padStart(2, "0")}`,
    lokasi: rng.pick(PLACES),
    ada_korban_jiwa: false,
    terdampak_kk: Math.floor(affected / 4),
    terdampak_jiwa: affected,
    mengungsi_kk: 0,
    mengungsi_jiwa: 0,
    kerusakan: ["tidak_ada"],
    akses_jalan: rng.pick(["normal", "terbatas"]),
    listrik: rng.pick(["normal", "padam_sebagian", "padam"]),
    komunikasi: "normal",
    penanganan: `Warga dan perangkat desa bergotong royong; ${rng.int(2, 30)} orang membantu.`,
    tingkat_urgensi: urgency,
    uraian: `Kejadian di ${rng.pick(PLACES)} sejak pukul ${rng.int(1, 12)}; ${affected} warga terdampak.`,
  };
  if (affected > 0) {
    Object.assign(answers, { rentan_bayi_balita: rng.int(0, 2), rentan_lansia: rng.int(0, 2), rentan_ibu_hamil: 0, rentan_disabilitas: 0 });
  }
  if (urgency === "tinggi" || urgency === "darurat") answers.kebutuhan_mendesak = "Terpal, beras dan air bersih.";
  return answers;
}

function shortAnswers(rng, n) {
  const title = `${rng.pick(["Jalan rusak", "Posyandu", "Kerja bakti", "Lampu jalan padam", "Air bersih", "Rapat desa"])} ${n}`;
  const body = `${rng.pick(["Dilaporkan warga", "Dicek perangkat desa", "Perlu tindak lanjut"])} di ${rng.pick(PLACES)}, ${rng.int(1, 60)} KK.`;
  return { body, title };
}

function item(form, village, answers, now) {
  const report = { id: reportId(now), form, village, created_at_ms: now, answers: sorted(answers) };
  return { report, content_hash: "sha256:" + createHash("sha256").update(JSON.stringify(report)).digest("hex") };
}

/** The phones: a village head in every village, then KIM volunteers. */
function phones() {
  return Array.from({ length: PHONES }, (_, i) => {
    const head = i < VILLAGES.length;
    const village = VILLAGES[i % VILLAGES.length];
    return {
      username: `${head ? "sangadi" : "relawan"}.bench${String(i).padStart(2, "0")}`,
      role: head ? "village-head" : "kim-volunteer",
      village,
      device: `bench-phone-${i}`,
      // The village's months, oldest first; each batch takes the next ones.
      months: head ? allMonths() : [],
    };
  });
}

function allMonths() {
  const months = [];
  for (let year = 2020; year <= 2026; year++) {
    for (let month = 1; month <= 12; month++) if (year * 12 + month <= 2026 * 12 + 10) months.push([year, month]);
  }
  return months;
}

/** One gzipped batch of 100 from `phone`, as the phone sends it. */
function batch(phone, rng) {
  const now = Date.now();
  const items = [];
  const forms = {
    monthly: { id: "laporan-bulanan-kependudukan", version: 2 },
    incident: { id: "laporan-kejadian", version: 2 },
    short: { id: "laporan-singkat", version: 1 },
  };
  for (let i = 0; i < MONTHLY_PER_BATCH && phone.months.length > 0; i++) {
    const [year, month] = phone.months.shift();
    items.push(item(forms.monthly, phone.village, monthlyAnswers(rng, phone.village, year, month), now));
  }
  for (let i = 0; i < INCIDENTS_PER_BATCH; i++) items.push(item(forms.incident, phone.village, incidentAnswers(rng), now));
  while (items.length < BATCH) items.push(item(forms.short, phone.village, shortAnswers(rng, items.length), now));
  const json = JSON.stringify({ protocol_version: 1, device_id: phone.device, items });
  return { phone, gzip: gzipSync(json), json: Buffer.byteLength(json), count: items.length };
}

class BenchServer {
  constructor(backend) {
    this.backend = backend;
    this.dir = mkdtempSync(path.join(tmpdir(), "kabar-ingest-"));
    if (backend === "postgres") {
      this.dbName = `kabar_bench_${process.pid}_${Date.now()}`;
      const created = spawnSync("psql", [POSTGRES + "/postgres", "-qc", `CREATE DATABASE ${this.dbName}`], { encoding: "utf8" });
      if (created.status !== 0) throw new Error(`creating the PostgreSQL database: ${created.stderr}`);
      this.databaseUrl = `${POSTGRES}/${this.dbName}`;
    } else {
      this.databaseUrl = `sqlite://${path.join(this.dir, "kabar.db")}`;
    }
  }

  storageArgs() {
    return ["--database-url", this.databaseUrl, "--photo-dir", path.join(this.dir, "photos")];
  }

  /** Creates the phones' accounts with the server's own admin command,
   * two at a time (each hashes a password). */
  async createAccounts(accounts) {
    const create = (account) =>
      new Promise((resolve, reject) => {
        const child = spawn(
          SERVER_BIN,
          [...this.storageArgs(), "user", "create", "--username", account.username, "--role", account.role, "--village", account.village, "--name", account.username, "--password-stdin"],
          { stdio: ["pipe", "ignore", "pipe"] },
        );
        let stderr = "";
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`user create ${account.username}: ${stderr}`))));
        child.stdin.end(`${PASSWORD}\n`);
      });
    // The first creates the database and runs the migrations alone.
    await create(accounts[0]);
    for (let i = 1; i < accounts.length; i += 2) await Promise.all(accounts.slice(i, i + 2).map(create));
  }

  async start() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const appDir = existsSync(APP_DIR) ? APP_DIR : this.dir;
    // Logging as in production (RUST_LOG unset: info), to nowhere.
    const env = { ...process.env };
    delete env.RUST_LOG;
    this.process = spawn(SERVER_BIN, ["--listen", `127.0.0.1:${this.port}`, ...this.storageArgs(), "--app-dir", appDir], {
      stdio: ["ignore", "ignore", "pipe"],
      env,
    });
    this.stderr = "";
    this.process.stderr.on("data", (chunk) => (this.stderr += chunk));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`kabar-server exited early: ${this.stderr}`);
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`kabar-server did not become healthy: ${this.stderr}`);
  }

  async login(phone) {
    const response = await fetch(`${this.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: phone.username, password: PASSWORD, device_id: phone.device, device_name: "bench" }),
    });
    if (!response.ok) throw new Error(`login ${phone.username}: ${response.status} ${await response.text()}`);
    return response.headers.get("set-cookie").split(";")[0];
  }

  /** Pushes one prepared batch; returns the milliseconds it took. Every item
   * must be accepted: the reports are new and valid. */
  async push(prepared, cookie) {
    const started = performance.now();
    const response = await fetch(`${this.url}/api/v1/sync/push`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip", cookie },
      body: prepared.gzip,
    });
    const body = await response.json();
    const elapsed = performance.now() - started;
    const accepted = body.results?.filter((result) => result.outcome === "accepted").length;
    if (accepted !== prepared.count) {
      const refused = body.results?.find((result) => result.outcome !== "accepted");
      throw new Error(`a batch of ${prepared.phone.username} was not fully accepted (${response.status}): ${JSON.stringify(refused ?? body).slice(0, 600)}`);
    }
    return elapsed;
  }

  async destroy() {
    if (this.process && this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process.once("exit", resolve));
      this.process.kill("SIGTERM");
      await exited;
    }
    if (this.dbName) spawnSync("psql", [POSTGRES + "/postgres", "-qc", `DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(count, seconds, latencies) {
  return {
    reports: count,
    seconds,
    reportsPerSecond: count / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
  };
}

async function benchBackend(backend) {
  const server = new BenchServer(backend);
  try {
    const team = phones();
    await server.createAccounts(team);
    await server.start();
    const cookies = [];
    for (const phone of team) cookies.push(await server.login(phone));
    const rng = generator(backend === "sqlite" ? 1 : 2);
    const cookieOf = new Map(team.map((phone, i) => [phone, cookies[i]]));

    // One client: the phones take turns, one batch at a time.
    const sequential = Array.from({ length: SEQUENTIAL_BATCHES }, (_, b) => batch(team[b % PHONES], rng));
    let started = performance.now();
    const sequentialLatencies = [];
    for (const prepared of sequential) sequentialLatencies.push(await server.push(prepared, cookieOf.get(prepared.phone)));
    const oneClient = summary(SEQUENTIAL_BATCHES * BATCH, (performance.now() - started) / 1000, sequentialLatencies);

    // 50 phones at once, each pushing its batches back to back.
    const bursts = team.map((phone) => Array.from({ length: BURST_BATCHES_PER_PHONE }, () => batch(phone, rng)));
    const burstLatencies = [];
    started = performance.now();
    await Promise.all(
      bursts.map(async (batches) => {
        for (const prepared of batches) burstLatencies.push(await server.push(prepared, cookieOf.get(prepared.phone)));
      }),
    );
    const fiftyPhones = summary(PHONES * BURST_BATCHES_PER_PHONE * BATCH, (performance.now() - started) / 1000, burstLatencies);

    // 50 phones pacing themselves: one batch every 2 s each, staggered.
    const paced = team.map((phone) => Array.from({ length: PACED_ROUNDS }, () => batch(phone, rng)));
    const pacedLatencies = [];
    started = performance.now();
    await Promise.all(
      paced.map(async (batches, i) => {
        const offset = (i * PACED_INTERVAL_MS) / PHONES;
        for (const [round, prepared] of batches.entries()) {
          const due = started + offset + round * PACED_INTERVAL_MS;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          pacedLatencies.push(await server.push(prepared, cookieOf.get(prepared.phone)));
        }
      }),
    );
    const fiftyPaced = summary(PHONES * PACED_ROUNDS * BATCH, (performance.now() - started) / 1000, pacedLatencies);
    return {
      oneClient,
      fiftyPhones,
      fiftyPaced,
      offeredPacedReportsPerSecond: (PHONES * BATCH * 1000) / PACED_INTERVAL_MS,
      batchOf100Bytes: { json: sequential[0].json, gzip: sequential[0].gzip.length },
    };
  } finally {
    await server.destroy();
  }
}

/** Runs the ingest benchmark on SQLite and (unless KABAR_BENCH_POSTGRES is
 * `none`) PostgreSQL. */
export async function ingestBench() {
  const results = { sqlite: await benchBackend("sqlite") };
  if (POSTGRES !== "none") results.postgres = await benchBackend("postgres");
  return results;
}

/** The bench table's rows: [figure, measured, goal, lower|higher]. */
export function ingestRows(results) {
  const rows = [];
  for (const [backend, name, goal] of [
    ["sqlite", "SQLite", 10_000],
    ["postgres", "PostgreSQL", 5_000],
  ]) {
    const r = results[backend];
    if (!r) continue;
    rows.push([`ingest, ${name}, 1 client (reports/s)`, r.oneClient.reportsPerSecond, goal, "higher"]);
    rows.push([`ingest, ${name}, 50 phones at once (reports/s)`, r.fiftyPhones.reportsPerSecond, goal, "higher"]);
    rows.push([`push p99, ${name}, 50 phones, 2,500 reports/s (ms)`, r.fiftyPaced.p99Ms, 100, "lower"]);
    rows.push([`push p99, ${name}, 50 phones at once (ms)`, r.fiftyPhones.p99Ms, Number.NaN, "lower"]);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await ingestBench();
  const format = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
  console.log(`\n${"figure".padEnd(50)} ${"measured".padStart(12)} ${"goal".padStart(12)} ${"ratio".padStart(7)}`);
  for (const [name, value, goal, better] of ingestRows(results)) {
    const ratio = better === "lower" ? value / goal : goal / value;
    console.log(`${name.padEnd(50)} ${format(value).padStart(12)} ${format(goal).padStart(12)} ${(Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a").padStart(7)}`);
  }
  console.log(JSON.stringify(results));
}
