//! User-facing text, Bahasa Indonesia first and English second. Every string
//! a user reads comes from here, so a missing translation is a compile error.

use kabar_shared::report::{FieldError, FieldErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Id }
    }

    /// The same language as the shared crate names it, for messages the
    /// shared validator writes.
    pub fn shared(self) -> kabar_shared::form::Lang {
        match self {
            Lang::Id => kabar_shared::form::Lang::Id,
            Lang::En => kabar_shared::form::Lang::En,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

/// One piece of text in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub id: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => self.id,
            Lang::En => self.en,
        }
    }
}

macro_rules! texts {
    ($($name:ident = $id:literal / $en:literal;)*) => {
        $(pub const $name: Text = Text { id: $id, en: $en };)*
    };
}

texts! {
    APP_TITLE = "Kabar Desa" / "Kabar Desa";
    SWITCH_LANGUAGE = "EN" / "ID";
    // The accessible name starts with the visible text, as speech input
    // users say what they see.
    SWITCH_LANGUAGE_LABEL = "EN: Switch to English" / "ID: Ganti ke Bahasa Indonesia";
    ONLINE = "Terhubung" / "Connected";
    OFFLINE = "Tanpa sinyal" / "No signal";
    CHECKING = "Memeriksa…" / "Checking…";
    SENDING = "Mengirim" / "Sending";
    NEW_REPORT = "Laporan baru" / "New report";
    VILLAGE = "Desa / Kelurahan" / "Village";
    CHOOSE_VILLAGE = "— Pilih desa/kelurahan —" / "— Choose a village —";
    TITLE = "Judul" / "Title";
    BODY = "Isi laporan" / "Report";
    SAVE = "Simpan" / "Save";
    SAVING = "Menyimpan…" / "Saving…";
    SAVED_OFFLINE = "Tersimpan di ponsel. Laporan akan dikirim otomatis saat ada sinyal."
        / "Saved on this phone. It will be sent automatically when there is signal.";
    SAVE_FAILED = "Gagal menyimpan di ponsel. Isian Anda masih ada; coba lagi."
        / "Could not save on this phone. Your entries are still here; try again.";
    DRAFT_RESTORED = "Melanjutkan draf, terakhir diubah" / "Continuing a draft, last changed";
    DISCARD_DRAFT = "Buang draf" / "Discard draft";
    DISCARD_DRAFT_CONFIRM = "Buang draf ini? Isian yang belum disimpan akan hilang."
        / "Discard this draft? The unsaved entries will be lost.";
    VILLAGE_REQUIRED = "Pilih desa atau kelurahan." / "Choose a village.";
    MY_REPORTS = "Laporan saya" / "My reports";
    NO_REPORTS = "Belum ada laporan." / "No reports yet.";
    MORE_REPORTS = "Tampilkan laporan lebih lama" / "Show older reports";
    SEND_NOW = "Kirim sekarang" / "Send now";
    SAVED_AT = "Disimpan" / "Saved";
    STATUS_WAITING = "Menunggu" / "Waiting";
    STATUS_SENT = "Terkirim" / "Sent";
    STATUS_CONFLICT = "Bentrok" / "Conflict";
    STATUS_REJECTED = "Ditolak" / "Refused";
    CONFLICT_EXPLAINED = "Server sudah menyimpan laporan lain dengan nomor yang sama. Laporan ini tetap aman di ponsel; hubungi admin Diskominfo."
        / "The server already holds a different report with this number. This one stays safe on the phone; contact the Diskominfo admin.";
    WAITING_COUNT = "laporan menunggu sinyal" / "reports waiting for signal";
    ERROR_OFFLINE = "Tidak ada sinyal ke server. Laporan aman di ponsel dan akan dikirim otomatis."
        / "The server cannot be reached. Reports are safe on the phone and will be sent automatically.";
    ERROR_TIMEOUT = "Sinyal terlalu lemah, pengiriman terputus. Akan dicoba lagi otomatis."
        / "The signal is too weak and sending timed out. It will be retried automatically.";
    ERROR_SERVER = "Server menolak pengiriman" / "The server refused the upload";
    ERROR_PROTOCOL = "Versi aplikasi tidak cocok dengan server. Muat ulang aplikasi saat ada sinyal."
        / "This app version does not match the server. Reload the app when you have signal.";
    ERROR_STORAGE = "Penyimpanan ponsel bermasalah" / "The phone's storage failed";
    STORAGE_ADVICE = "Laporan yang sudah tersimpan tidak hilang. Tutup aplikasi lalu buka lagi; jika masih terjadi, kosongkan sebagian ruang ponsel."
        / "Reports already saved are not lost. Close the app and open it again; if it keeps happening, free some space on the phone.";
    STORAGE_LOW = "Ruang penyimpanan hampir penuh. Sisa:" / "Storage almost full. Space left:";
    STORAGE_LOW_ADVICE = "Foto baru bisa gagal disimpan. Kirim laporan yang menunggu, atau hapus foto/video lain di ponsel."
        / "New photos may fail to save. Send the waiting reports, or delete other photos and videos on the phone.";
    STORAGE_NOT_PERSISTENT = "Browser boleh menghapus data aplikasi ini jika ruang ponsel penuh. Pasang aplikasi (menu ⋮ → Tambahkan ke layar utama) agar laporan yang belum terkirim tetap aman."
        / "The browser may delete this app's data when the phone runs out of space. Install the app (menu ⋮ → Add to Home screen) to keep unsent reports safe.";
    REVIEW_RECEIVED = "Diterima Command Center" / "Received by the Command Center";
    REVIEW_IN_REVIEW = "Sedang ditinjau" / "Being reviewed";
    REVIEW_APPROVED = "Disetujui" / "Approved";
    REVIEW_NEEDS_REVISION = "Perlu perbaikan" / "Needs changes";
    REVIEW_REJECTED = "Ditolak" / "Rejected";
    FORMS_COMING = "Mengambil daftar formulir dari server… Ini hanya sekali, saat pertama masuk di ponsel ini."
        / "Fetching the forms from the server… This happens once, at the first login on this phone.";
    DUTIES = "Laporan bulan ini" / "This month's reports";
    DUE_BY = "batas" / "due";
    PERIOD_TAKEN = "sudah Anda laporkan dengan formulir ini. Server hanya menerima satu laporan per bulan: buka laporan itu di daftar untuk memperbaikinya."
        / "already has your report on this form. The server takes one report per month: open that report in the list to fix it.";
    URGENT_FIRST = "Mendesak · dikirim lebih dulu" / "Urgent · sent first";
    OPEN_REPORT_HINT = "Ketuk untuk membuka" / "Tap to open";
    BACK_TO_LIST = "← Kembali ke daftar" / "← Back to the list";
    REVIEWER_NOTE = "Catatan pemeriksa" / "Reviewer's note";
    NAMED_BY_REVIEWER = "Disebut dalam catatan pemeriksa" / "Named in the reviewer's note";
    FIX_HINT = "Perbaiki isian sesuai catatan, lalu kirim lagi. Laporan yang lama tetap tersimpan di server sebagai versi sebelumnya."
        / "Fix the entries as the note asks, then send again. The old report stays on the server as the previous version.";
    SEND_FIX = "Simpan perbaikan" / "Save the fix";
    FIX_SAVED = "Perbaikan tersimpan di ponsel dan akan dikirim otomatis saat ada sinyal."
        / "The fix is saved on this phone and will be sent automatically when there is signal.";
    FIX_NOT_SAVED = "Perbaikan tidak tersimpan: laporan ini berubah di ponsel sejak dibuka. Kembali ke daftar dan buka lagi."
        / "The fix was not saved: this report changed on the phone since it was opened. Go back to the list and open it again.";
    READ_ONLY_HINT = "Laporan ini hanya bisa dilihat." / "This report can only be viewed.";
    DELETE_REPORT = "Hapus laporan ini" / "Delete this report";
    DELETE_CONFIRM = "Hapus laporan yang belum terkirim ini? Isinya akan hilang dari ponsel."
        / "Delete this report that has not been sent? Its entries will be gone from the phone.";
    DELETE_TOO_LATE = "Laporan ini sudah terkirim ke server, jadi tidak dihapus."
        / "This report has already reached the server, so it was not deleted.";
    DELETE_FAILED = "Gagal menghapus di ponsel; coba lagi." / "Could not delete on this phone; try again.";
    LOGIN_TITLE = "Masuk" / "Log in";
    LOGIN_HINT = "Masuk sekali saat ada sinyal. Setelah itu aplikasi bisa dipakai tanpa sinyal."
        / "Log in once while you have signal. After that the app works without signal.";
    USERNAME = "Nama pengguna" / "Username";
    PASSWORD = "Kata sandi" / "Password";
    LOGIN = "Masuk" / "Log in";
    LOGOUT = "Keluar" / "Log out";
    CHANGE_PASSWORD = "Ganti kata sandi" / "Change password";
    CHANGE_PASSWORD_HINT = "Perlu sinyal. Setelah diganti, akun ini keluar dari ponsel lain."
        / "Needs signal. Afterwards this account is signed out on other phones.";
    CURRENT_PASSWORD = "Kata sandi sekarang" / "Current password";
    NEW_PASSWORD = "Kata sandi baru (minimal 10 karakter)" / "New password (at least 10 characters)";
    REPEAT_PASSWORD = "Ulangi kata sandi baru" / "New password again";
    PASSWORDS_DIFFER = "Kedua kata sandi baru tidak sama." / "The two new passwords differ.";
    PASSWORD_TOO_SHORT = "Kata sandi baru minimal 10 karakter." / "The new password needs at least 10 characters.";
    PASSWORD_CHANGED = "Kata sandi sudah diganti. Pakai kata sandi baru saat masuk berikutnya."
        / "The password is changed. Use the new one the next time you log in.";
    INSTALL_APP = "Pasang aplikasi di ponsel" / "Install the app on this phone";
    INSTALL_IOS_HINT = "Di iPhone: ketuk Bagikan, lalu Tambah ke Layar Utama." / "On an iPhone: tap Share, then Add to Home Screen.";
    NEW_VERSION = "Versi baru tersedia." / "A new version is available.";
    RELOAD = "Muat ulang" / "Reload";
    TRY_AGAIN = "Coba lagi" / "Try again";
    PART_MISSING = "Bagian aplikasi ini belum tersimpan di ponsel. Sambungkan ke internet, lalu ketuk Coba lagi. Laporan yang sudah disimpan tetap aman."
        / "This part of the app is not on the phone yet. Connect to the internet, then tap Try again. Saved reports are safe.";
    SIGNED_IN_AS = "Masuk sebagai" / "Signed in as";
    WHOLE_CITY = "seluruh Kota Kotamobagu" / "all of Kotamobagu";
    STAFF_ACCOUNT = "Akun ini untuk petugas Command Center dan admin. Laporan mereka ditinjau di Command Center, bukan di aplikasi ini:"
        / "This account is for Command Center staff and admins. Reports are reviewed in the Command Center, not in this app:";
    OPEN_COMMAND_CENTER = "Buka Command Center" / "Open the Command Center";
    LOGIN_NEEDS_SIGNAL = "Masuk butuh sinyal ke server. Coba lagi saat ada sinyal."
        / "Logging in needs a connection to the server. Try again when you have signal.";
    RETRY_HINT = "Akan dicoba lagi otomatis." / "It will be retried automatically.";
    FORM_PICKER = "Jenis laporan" / "Report type";
    REQUIRED_LEGEND = "wajib diisi" / "required";
    FIX_PROBLEMS = "Ada isian yang perlu diperbaiki. Lihat catatan merah di bawah isian."
        / "Some entries need fixing. See the red notes under them.";
    YES = "Ya" / "Yes";
    NO = "Tidak" / "No";
    CHOOSE_ONE = "— Pilih —" / "— Choose —";
    CALCULATED = "Dihitung otomatis" / "Calculated automatically";
    NOT_CALCULATED_YET = "Belum bisa dihitung" / "Cannot be calculated yet";
    ROW = "Baris" / "Row";
    ADD_ROW = "Tambah baris" / "Add a row";
    REMOVE_ROW = "Hapus baris" / "Remove row";
    REMOVE = "Hapus" / "Remove";
    GPS_CAPTURE = "Ambil lokasi" / "Get my location";
    GPS_RECAPTURE = "Ambil ulang" / "Get it again";
    GPS_SEARCHING = "Mencari lokasi… Tunggu sebentar di tempat terbuka."
        / "Finding your location… Wait a moment in the open.";
    GPS_ACCURACY = "akurasi ±" / "accuracy ±";
    GPS_DENIED = "Izin lokasi ditolak. Buka pengaturan browser, izinkan Lokasi untuk aplikasi ini, lalu coba lagi."
        / "Location permission was refused. Allow Location for this app in the browser settings, then try again.";
    GPS_UNAVAILABLE = "Lokasi tidak tersedia. Nyalakan GPS/Lokasi di ponsel, lalu coba lagi di tempat terbuka."
        / "The location is not available. Turn on the phone's GPS/Location, then try again in the open.";
    GPS_TIMEOUT = "Lokasi tidak ditemukan dalam waktu yang cukup. Coba lagi di tempat terbuka."
        / "No location was found in time. Try again in the open.";
    GPS_UNSUPPORTED = "Browser ini tidak bisa membaca lokasi. Pakai Chrome versi terbaru."
        / "This browser cannot read the location. Use a recent Chrome.";
    PHOTO_ADD = "Ambil atau pilih foto" / "Take or choose a photo";
    PHOTO_PROCESSING = "Memproses foto…" / "Processing the photo…";
    PHOTO_FAILED = "Foto gagal diproses. Ambil ulang, atau pilih foto lain (JPG atau PNG)."
        / "The photo could not be processed. Take it again, or choose another photo (JPG or PNG).";
    PHOTO_REMOVE = "Hapus foto" / "Remove photo";
    PHOTO_OF = "foto" / "photos";
    PHOTO_LIMIT_REACHED = "Jumlah foto sudah maksimal; foto lainnya tidak ditambahkan."
        / "The photo limit is reached; the other photos were not added.";
    // Hardening (issue 12): a captive portal or another page answers in the
    // server's place.
    ERROR_NOT_OUR_SERVER = "Belum tersambung ke server Kabar Desa: jaringan ini menjawab dengan halaman lain (mungkin Wi-Fi yang meminta login). Laporan aman di ponsel dan akan dikirim otomatis."
        / "Not connected to the Kabar Desa server: this network answers with another page (perhaps a Wi-Fi that asks you to log in). Reports are safe on the phone and will be sent automatically.";
}

/// A field problem as a sentence for the user.
pub fn field_problem(problem: &FieldErrorKind, lang: Lang) -> String {
    match (problem, lang) {
        (FieldErrorKind::Required, Lang::Id) => "Wajib diisi.".into(),
        (FieldErrorKind::Required, Lang::En) => "Required.".into(),
        (FieldErrorKind::TooLong { max_chars }, Lang::Id) => {
            format!("Terlalu panjang (paling banyak {max_chars} huruf).")
        }
        (FieldErrorKind::TooLong { max_chars }, Lang::En) => {
            format!("Too long (at most {max_chars} characters).")
        }
        (FieldErrorKind::UnknownVillage, Lang::Id) => "Desa/kelurahan tidak dikenal.".into(),
        (FieldErrorKind::UnknownVillage, Lang::En) => "Unknown village.".into(),
        (FieldErrorKind::UnknownForm, Lang::Id) => "Jenis laporan tidak dikenal server.".into(),
        (FieldErrorKind::UnknownForm, Lang::En) => {
            "The server does not know this report type.".into()
        }
        (FieldErrorKind::UnexpectedField, Lang::Id) => "Isian ini tidak dikenal.".into(),
        (FieldErrorKind::UnexpectedField, Lang::En) => "This entry is not expected.".into(),
        (FieldErrorKind::HashMismatch, Lang::Id) => "Data rusak saat dikirim.".into(),
        (FieldErrorKind::HashMismatch, Lang::En) => "The data was damaged in transit.".into(),
        (FieldErrorKind::Invalid { message, .. }, lang) => message.get(lang.shared()).to_owned(),
        (FieldErrorKind::NotAllowed, Lang::Id) => {
            "Anda tidak berwenang mengisi laporan ini.".into()
        }
        (FieldErrorKind::NotAllowed, Lang::En) => "You are not allowed to file this report.".into(),
    }
}

/// A field's name for the user.
pub fn field_name(field: &str, lang: Lang) -> &str {
    match field {
        "title" => TITLE.get(lang),
        "body" => BODY.get(lang),
        "village" => VILLAGE.get(lang),
        other => other,
    }
}

pub fn field_error(error: &FieldError, lang: Lang) -> String {
    format!(
        "{}: {}",
        field_name(&error.field, lang),
        field_problem(&error.problem, lang)
    )
}
