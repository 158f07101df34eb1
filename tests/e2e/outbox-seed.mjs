// Fills a phone's outbox directly in IndexedDB, the shape `src/storage.rs`
// writes, for tests and the bench that need hundreds or thousands of saved
// reports: saving them one by one through the form would take minutes.
// The page must be of the app's origin and must not run the app (open
// `/api/health`), and the app must have opened the database once, so it is
// at the app's version with its indexes.

/** A village head's short report, number `i`: varied, realistic answers
 * (place, problem, people, numbers, times, lengths from one sentence to
 * four), drawn by a seeded random source so that compression sees what a
 * real outbox holds, not one report repeated. */
export function variedReport(i, { village, atMs }) {
  // mulberry32, seeded by the report's number: the same i, the same report.
  let seed = (i + 1) * 0x9e3779b9;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const number = (low, high) => low + Math.floor(random() * (high - low + 1));
  const places = [
    "Dusun I", "Dusun II", "Dusun III", "Dusun IV", "Lingkungan V", "RT 01", "RT 02", "RT 03", "RT 04",
    "RT 05", "RT 06", "dekat masjid Al-Ikhlas", "depan SD Negeri 2", "jalan ke kebun cengkih", "pasar desa",
    "balai desa", "jembatan Kali Ongkag", "lorong Puskesmas", "pertigaan jalan raya", "sawah Pak Ruslan",
    "gereja GMIBM", "lapangan bola", "kuala dekat kuburan", "tanjakan Bukit Sia", "rumah Bu Mokoginta",
  ];
  const problems = [
    "Jalan rusak", "Banjir", "Pohon tumbang", "Lampu jalan mati", "Saluran air tersumbat", "Jembatan retak",
    "Sampah menumpuk", "Longsor kecil", "Sumur warga kering", "Atap posyandu bocor", "Kabel listrik putus",
    "Pipa air bocor", "Gotong royong", "Pembagian BLT", "Kerja bakti", "Rapat warga", "Imunisasi balita",
    "Kebakaran lahan", "Angin kencang", "Ternak hilang", "Anjing liar", "Warga sakit DBD", "Tanggul jebol",
    "Pencurian motor", "Harga beras naik", "Posyandu lansia", "Musyawarah dusun",
  ];
  const people = [
    "Pak Lurah", "Ibu Sarmin", "Pak Damopolii", "Ketua RT 03", "Bidan Rina", "Babinsa", "Pak Imam",
    "Kepala Dusun II", "Ibu Paputungan", "Pak Mamonto", "pemuda karang taruna", "Bhabinkamtibmas",
  ];
  const sentences = [
    () => `${pick(people)} sudah melihat langsung`,
    () => `air setinggi ${number(10, 90)} cm sejak pukul ${number(5, 22)}.${pick(["00", "15", "30", "45"])}`,
    () => `${number(2, 60)} KK terdampak, ${number(0, 9)} rumah rusak ringan`,
    () => `panjang kerusakan kira-kira ${number(3, 250)} meter`,
    () => `dihadiri ${number(8, 140)} warga dan ${pick(people)}`,
    () => `mohon bantuan ${pick(["alat berat", "karung pasir", "obat-obatan", "terpal", "bibit", "semen"])} dari kecamatan`,
    () => `sudah dilaporkan ke ${pick(["PLN", "PDAM", "Puskesmas", "Polsek", "Dinas PU", "BPBD"])} tanggal ${number(1, 28)}`,
    () => `anak sekolah terpaksa memutar lewat ${pick(places)}`,
    () => `dana desa tahap ${pick(["I", "II", "III"])} Rp ${number(2, 95)} juta bisa dipakai`,
    () => `kondisi ${pick(["makin parah", "mulai membaik", "belum berubah"])} setelah hujan ${pick(["semalam", "dua hari", "sejak Senin"])}`,
    () => `belum ada korban jiwa, warga diminta waspada`,
    () => `${pick(["tiang", "pohon", "batu", "gorong-gorong"])} nomor ${number(1, 40)} perlu diganti`,
  ];
  const title = `${pick(problems)} di ${pick(places)}`;
  const parts = [];
  for (let s = number(1, 4); s > 0; s--) {
    const sentence = pick(sentences)();
    parts.push(sentence[0].toUpperCase() + sentence.slice(1));
  }
  const body = `${parts.join(". ")}.`;
  return {
    // The report's JSON as the shared crate writes it (field order as
    // declared): the phone hashes its own serialization when it pushes.
    id: uuidV7(atMs, i),
    form: { id: "laporan-singkat", version: 1 },
    village,
    created_at_ms: atMs,
    answers: { body, title },
  };
}

/** A UUIDv7 for `ms`, with random bits that differ for every `i`. */
export function uuidV7(ms, i) {
  const time = ms.toString(16).padStart(12, "0");
  const random = Array.from({ length: 10 }, (_, k) => (Math.random() * 256) | 0);
  random[0] = 0x70 | (random[0] & 0x0f);
  random[2] = 0x80 | (random[2] & 0x3f);
  random[9] = i & 0xff;
  const rest = random.map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${rest.slice(0, 4)}-${rest.slice(4, 8)}-${rest.slice(8, 20)}`;
}

/** Adds `count` reports of `owner` to the outbox in one transaction, one
 * minute apart ending now, each in `state` ("waiting" or "sent"); returns
 * their ids, oldest first. */
export async function seedOutbox(page, { count, owner, village, state = "waiting" }) {
  const now = Date.now();
  const records = [];
  for (let i = 0; i < count; i++) {
    const atMs = now - (count - i) * 60_000;
    const report = variedReport(i, { village, atMs });
    records.push({
      id: report.id,
      state,
      saved_at_ms: atMs,
      owner,
      report: JSON.stringify(report),
      delivery: JSON.stringify({ state }),
    });
  }
  await page.evaluate(
    (records) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const transaction = db.transaction(["outbox"], "readwrite");
          for (const record of records) transaction.objectStore("outbox").add(record);
          transaction.oncomplete = () => {
            db.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    records,
  );
  return records.map((record) => record.id);
}
