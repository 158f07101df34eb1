// Fills a phone's outbox directly in IndexedDB, the shape `src/storage.rs`
// writes, for tests and the bench that need hundreds or thousands of saved
// reports: saving them one by one through the form would take minutes.
// The page must be of the app's origin and must not run the app (open
// `/api/health`), and the app must have opened the database once, so it is
// at the app's version with its indexes.

/** A village head's short report, number `i`: varied, realistic answers
 * (place, problem, numbers, lengths from a few words to a few sentences),
 * so that compression sees what a real outbox holds, not one report
 * repeated. */
export function variedReport(i, { village, atMs }) {
  const pick = (list, salt) => list[(i * 7919 + salt * 104729 + ((i * i) % 97)) % list.length];
  const places = [
    "Dusun I", "Dusun II", "Dusun III", "Dusun IV", "RT 01", "RT 02", "RT 03", "RT 04", "RT 05",
    "dekat masjid", "dekat SD Negeri 2", "jalan ke kebun", "pasar desa", "balai desa", "jembatan kali",
    "lorong Puskesmas", "pertigaan jalan raya", "sawah Pak Ruslan", "kompleks gereja", "lapangan bola",
  ];
  const problems = [
    "Jalan rusak", "Banjir", "Pohon tumbang", "Lampu jalan mati", "Saluran air tersumbat", "Jembatan retak",
    "Sampah menumpuk", "Longsor kecil", "Sumur warga kering", "Atap posyandu bocor", "Kabel listrik putus",
    "Pipa air bocor", "Gotong royong", "Pembagian bantuan", "Kerja bakti", "Rapat warga", "Vaksinasi anak",
    "Kebakaran lahan", "Angin kencang", "Ternak hilang",
  ];
  const details = [
    "Lubang besar, motor sulit lewat",
    "Air setinggi lutut sejak pagi",
    "Warga sudah bergotong royong membersihkan",
    "Perlu bantuan alat berat dari kecamatan",
    "Sudah dilaporkan ke PLN, belum ada petugas",
    "Anak-anak sekolah terpaksa memutar",
    "Kepala dusun sudah memasang tanda bahaya",
    "Belum ada korban, warga diminta waspada",
    "Dana desa tahap dua bisa dipakai untuk perbaikan",
    "Dihadiri perangkat desa dan ketua RT",
    "Mohon ditindaklanjuti minggu ini",
    "Kondisi makin parah setelah hujan semalam",
  ];
  const title = `${pick(problems, 1)} di ${pick(places, 2)}`;
  const sentences = 1 + (i % 4);
  const parts = [];
  for (let s = 0; s < sentences; s++) parts.push(pick(details, 3 + s));
  const numbers = [
    `${2 + ((i * 13) % 40)} KK terdampak`,
    `panjang ${5 + ((i * 11) % 120)} meter`,
    `${1 + ((i * 3) % 25)} orang hadir`,
    `sejak ${1 + (i % 12)} hari lalu`,
  ];
  parts.push(numbers[i % numbers.length]);
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
