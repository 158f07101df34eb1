//! User-facing text, Bahasa Indonesia first and English second. The
//! language itself is the shared crate's, so form labels and the app's own
//! text switch together.

pub use kabar_shared::form::Lang;
use kabar_shared::report::ReviewStatus;

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
    APP_TITLE = "Pusat Komando Kabar Desa" / "Kabar Desa Command Center";
    OTHER_LANGUAGE = "English" / "Bahasa Indonesia";
    LOGIN_TITLE = "Masuk" / "Sign in";
    LOGIN_HINT = "Untuk peninjau Command Center dan admin Diskominfo." / "For Command Center reviewers and Diskominfo admins.";
    USERNAME = "Nama pengguna" / "Username";
    PASSWORD = "Kata sandi" / "Password";
    LOGIN = "Masuk" / "Sign in";
    LOGOUT = "Keluar" / "Sign out";
    FIELD_APP_ONLY = "Pusat Komando hanya untuk peninjau dan admin; kepala desa/kelurahan dan relawan KIM melapor lewat aplikasi lapangan di " / "The Command Center is for reviewers and admins only; village heads and KIM volunteers report through the field app at ";
    NAV_INBOX = "Kotak masuk" / "Inbox";
    NAV_GRID = "Kelengkapan" / "Completeness";
    LOADING = "Memuat…" / "Loading…";
    FILTER_STATUS = "Status" / "Status";
    FILTER_DISTRICT = "Kecamatan" / "Kecamatan";
    FILTER_VILLAGE = "Desa/kelurahan" / "Village";
    FILTER_FORM = "Formulir" / "Form";
    FILTER_PERIOD = "Periode (bulan)" / "Period (month)";
    FILTER_URGENCY = "Urgensi" / "Urgency";
    FILTER_SEARCH = "Cari" / "Search";
    FILTER_ALL = "Semua" / "All";
    FILTER_CLEAR = "Hapus filter" / "Clear filters";
    COL_ARRIVED = "Tiba" / "Arrived";
    COL_VILLAGE = "Desa/kelurahan" / "Village";
    COL_FORM = "Formulir" / "Form";
    COL_SUMMARY = "Ringkasan" / "Summary";
    COL_STATUS = "Status" / "Status";
    COL_BY = "Oleh" / "By";
    SELECT_ALL = "Pilih semua di halaman ini" / "Select all on this page";
    SELECT_REPORT = "Pilih laporan" / "Select report";
    APPROVE_SELECTED = "Setujui yang dipilih" / "Approve selected";
    NO_REPORTS = "Tidak ada laporan untuk filter ini." / "No reports match these filters.";
    NEXT_PAGE = "Halaman berikutnya" / "Next page";
    FIRST_PAGE = "Halaman pertama" / "First page";
    NEW_ARRIVALS = "Diperbarui otomatis setiap 15 detik." / "Updates by itself every 15 seconds.";
    BACK_TO_INBOX = "← Kembali ke kotak masuk" / "← Back to the inbox";
    FILED_BY = "Dikirim oleh" / "Filed by";
    DEVICE = "Perangkat" / "Device";
    CREATED = "Dibuat di ponsel" / "Created on the phone";
    RECEIVED = "Tiba di server" / "Arrived at the server";
    FORM_VERSION = "Versi formulir" / "Form version";
    PERIOD = "Periode" / "Period";
    ANSWERS = "Jawaban" / "Answers";
    CARRY_FLAGS = "Angka awal bulan berbeda dari akhir bulan lalu yang sudah disetujui. Tanyakan alasannya kepada desa."
        / "Start-of-month figures differ from last month's approved end. Ask the village why.";
    PHOTOS = "Foto" / "Photos";
    PHOTO_PENDING = "Foto belum tiba dari ponsel." / "Photo not yet arrived from the phone.";
    HISTORY = "Riwayat tinjauan" / "Review history";
    NO_HISTORY = "Belum ada tinjauan." / "Not reviewed yet.";
    REVIEW = "Tinjau" / "Review";
    COMMENT = "Komentar / alasan" / "Comment / reason";
    COMMENT_REQUIRED = "Tulis komentar atau alasannya dulu." / "Write the comment or reason first.";
    SHORTCUTS = "Pintasan: T diterima, P perlu perbaikan, S disetujui, X ditolak (di luar kolom teks)." / "Shortcuts: T received, P needs revision, S approved, X rejected (outside text boxes).";
    SAVED = "Tinjauan tersimpan." / "Review saved.";
    YES = "Ya" / "Yes";
    NO = "Tidak" / "No";
    GRID_TITLE = "Kelengkapan laporan berkala" / "Periodic report completeness";
    GRID_DUE = "Jatuh tempo tanggal {day} bulan berikutnya." / "Due by day {day} of the next month.";
    GRID_FROM = "Dari bulan" / "From month";
    GRID_TO = "Sampai bulan" / "To month";
    EXPORT = "Unduh hasil filter ini:" / "Download these results:";
    APPROVE_FAILED = "{n} laporan tidak dapat disetujui dan tetap dipilih." / "{n} reports could not be approved and stay selected.";
    NOT_FOUND = "Laporan tidak ditemukan." / "Report not found.";
    NAV_MAIL = "Surat ke Wali Kota" / "Mail to the Mayor";
    MAIL_TITLE = "Surat ke Kantor Wali Kota" / "Mail to the Mayor's Office";
    MAIL_HINT = "Laporan yang disetujui dan kejadian mendesak dikirim lewat surel. Diperbarui setiap 15 detik." / "Approved reports and urgent incidents go out by email. Updates every 15 seconds.";
    MAIL_WHAT = "Isi" / "What";
    MAIL_REPORT = "Laporan (desa/kelurahan)" / "Report (village)";
    MAIL_ATTEMPTS = "Percobaan" / "Attempts";
    MAIL_NEXT = "Coba lagi / terkirim" / "Next try / sent";
    MAIL_ANSWER = "Jawaban server SMTP terakhir" / "SMTP server's last answer";
    MAIL_EMPTY = "Belum ada surat." / "No mail yet.";
    MAIL_RESEND = "Kirim ulang" / "Send again";
    KIND_APPROVED = "Laporan disetujui" / "Approved report";
    KIND_URGENT = "Kejadian mendesak" / "Urgent incident";
    KIND_DIGEST = "Ringkasan harian" / "Daily digest";
    MAIL_PENDING = "Menunggu" / "Waiting";
    MAIL_SENT = "Terkirim" / "Sent";
    MAIL_DEAD = "Gagal" / "Failed";
    MAIL_SKIPPED = "Dilewati" / "Skipped";
    RECIPIENTS_TITLE = "Penerima" / "Recipients";
    RECIPIENTS_MAYOR = "Kantor Wali Kota (pisahkan dengan koma)" / "Mayor's office (comma-separated)";
    RECIPIENTS_CAMAT = "Camat" / "Camat";
    RECIPIENTS_FROM_CONFIG = "Sekarang dari konfigurasi server; menyimpan di sini menggantikannya." / "Now from the server's configuration; saving here replaces it.";
    SAVE = "Simpan" / "Save";
    SAVED_RECIPIENTS = "Penerima tersimpan." / "Recipients saved.";
    PUBLIC_TITLE = "Halaman publik" / "Public page";
    PUBLIC_TOGGLE = "Tampilkan ke publik" / "Make public";
    PUBLIC_ON = "Laporan ini tampil di halaman publik." / "This report is shown on the public page.";
    PUBLIC_OFF = "Laporan ini tidak tampil di halaman publik." / "This report is not shown on the public page.";
    PUBLIC_LINK = "Buka halaman publik" / "Open the public page";
    // Exports of repeat groups and the forms screen (admins).
    EXPORT_GROUP = "kelompok berulang" / "repeat group";
    NAV_FORMS = "Formulir" / "Forms";
    FORMS_TITLE = "Formulir dan versinya" / "Forms and their versions";
    FORMS_HINT = "Versi yang sudah terbit tidak pernah diubah: untuk mengubah formulir, terbitkan versi berikutnya. Ponsel menerimanya pada sinkronisasi berikutnya." / "A published version is never changed: to change a form, publish its next version. Phones receive it at their next sync.";
    FORMS_ID = "Kode formulir" / "Form id";
    FORMS_VERSION = "Versi" / "Version";
    FORMS_NAME = "Judul" / "Title";
    FORMS_SOURCE = "Asal" / "Source";
    FORMS_BUILTIN = "Bawaan" / "Built in";
    FORMS_PUBLISHED = "Diterbitkan {who}, {when}" / "Published by {who}, {when}";
    FORMS_FIELDS = "Pertanyaan" / "Questions";
    FORMS_VIEW = "Lihat pertanyaan" / "View questions";
    FORMS_FIELD_CODE = "Kode" / "Code";
    FORMS_FIELD_TYPE = "Jenis" / "Type";
    FORMS_REQUIRED = "Wajib" / "Required";
    FORMS_PUBLISH_TITLE = "Terbitkan versi baru" / "Publish a new version";
    FORMS_PUBLISH_HINT = "Tempel definisi formulir (JSON, seperti berkas di data/forms/) atau pilih berkas .json. Definisi diperiksa dulu; jika ada masalah, tidak ada yang diubah." / "Paste a form definition (JSON, like the files in data/forms/) or choose a .json file. The definition is checked first; if it has problems, nothing is changed.";
    FORMS_DEFINITION = "Definisi formulir (JSON)" / "Form definition (JSON)";
    FORMS_FILE = "Atau pilih berkas .json" / "Or choose a .json file";
    FORMS_FILE_UNREADABLE = "Berkas itu tidak dapat dibaca. Pilih berkas .json lain." / "That file cannot be read. Choose another .json file.";
    FORMS_PUBLISH = "Periksa dan terbitkan" / "Check and publish";
    FORMS_PUBLISHED_OK = "Terbit: {form} versi {version}. Ponsel menerimanya pada sinkronisasi berikutnya." / "Published: {form} version {version}. Phones receive it at their next sync.";
    FORMS_PROBLEMS = "Masalah yang ditemukan (pesan pemeriksa dalam bahasa Inggris):" / "Problems found:";
}

/// How a mail's status reads in the outbox.
pub fn mail_status_label(status: &str) -> Text {
    match status {
        "pending" => MAIL_PENDING,
        "sent" => MAIL_SENT,
        "dead" => MAIL_DEAD,
        _ => MAIL_SKIPPED,
    }
}

/// What a mail is about.
pub fn mail_kind_label(kind: &str) -> Text {
    match kind {
        "approved" => KIND_APPROVED,
        "urgent" => KIND_URGENT,
        _ => KIND_DIGEST,
    }
}

/// How each review status reads in the Command Center.
pub fn status_label(status: ReviewStatus, lang: Lang) -> &'static str {
    let text = match status {
        ReviewStatus::Received => Text {
            id: "Baru masuk",
            en: "New",
        },
        ReviewStatus::InReview => Text {
            id: "Diterima",
            en: "Received",
        },
        ReviewStatus::Approved => Text {
            id: "Disetujui",
            en: "Approved",
        },
        ReviewStatus::NeedsRevision => Text {
            id: "Perlu perbaikan",
            en: "Needs revision",
        },
        ReviewStatus::Rejected => Text {
            id: "Ditolak",
            en: "Rejected",
        },
    };
    text.get(lang)
}

// The map, versions and administration screens (issue 10).
texts! {
    NAV_MAP = "Peta" / "Map";
    NAV_ACCOUNTS = "Akun" / "Accounts";
    NAV_SESSIONS = "Sesi perangkat" / "Device sessions";
    NAV_AUDIT = "Log audit" / "Audit log";
    MAP_TITLE = "Peta kejadian, kegiatan KIM dan pembangunan" / "Map of incidents, KIM events and development projects";
    MAP_HINT = "Setiap titik adalah laporan dengan titik GPS; klik titik untuk membuka laporannya. Titik tetap tampil walau peta dasar tidak termuat." / "Each point is a report with a GPS point; click a point to open its report. The points show even when the base map does not load.";
    MAP_TRUNCATED = "Hanya 2000 laporan terbaru yang tampil; persempit filternya." / "Only the newest 2000 reports are shown; narrow the filters.";
    MAP_COUNT = "{n} titik di peta:" / "{n} points on the map:";
    LOCATION_MAP = "Peta titik lokasi laporan" / "Map of the report's location";
    OPEN_REPORT = "Buka laporan" / "Open the report";
    VERSIONS = "Versi laporan" / "Report versions";
    VERSION_LINE = "Versi {n}: dikirim oleh {who}, tiba {at}" / "Version {n}: sent by {who}, arrived {at}";
    VERSION_OLDER = "Bandingkan versi" / "Compare version";
    VERSION_NEWER = "dengan versi" / "with version";
    CHANGED_ANSWERS = "Jawaban yang berubah" / "Answers that changed";
    NO_CHANGES = "Tidak ada jawaban yang berubah di antara kedua versi ini." / "No answer changed between these two versions.";
    QUESTION = "Pertanyaan" / "Question";
    ACCOUNTS_TITLE = "Akun pengguna" / "User accounts";
    ACCOUNTS_LIST = "Semua akun" / "All accounts";
    NEW_ACCOUNT = "Buat akun baru" / "Create an account";
    DISPLAY_NAME = "Nama lengkap" / "Full name";
    ROLE = "Peran" / "Role";
    AREA = "Wilayah" / "Area";
    ACTIONS = "Tindakan" / "Actions";
    CHOOSE = "— pilih —" / "— choose —";
    WHOLE_CITY = "Seluruh kota" / "The whole city";
    CREATE_ACCOUNT = "Buat akun" / "Create account";
    ACCOUNT_CREATED = "Akun {name} dibuat; penggunanya sekarang bisa masuk." / "Account {name} created; its user can sign in now.";
    NEW_PASSWORD = "Kata sandi baru" / "New password";
    RESET_PASSWORD = "Ganti kata sandi" / "Reset password";
    PASSWORD_RESET = "Kata sandi diganti; {n} sesi diakhiri." / "Password reset; {n} sessions ended.";
    DISABLE = "Nonaktifkan" / "Disable";
    ENABLE = "Aktifkan" / "Enable";
    ACCOUNT_ACTIVE = "Aktif" / "Active";
    ACCOUNT_LOCKED = "Terkunci sementara" / "Locked for now";
    ACCOUNT_DISABLED = "Nonaktif" / "Disabled";
    SESSIONS_TITLE = "Sesi perangkat" / "Device sessions";
    CLIENT = "Alamat" / "Address";
    SIGNED_IN = "Masuk sejak" / "Signed in";
    LAST_SEEN = "Terakhir aktif" / "Last seen";
    SESSION_ACTIVE = "Aktif" / "Active";
    SESSION_ENDED = "Berakhir" / "Ended";
    REVOKE = "Akhiri sesi" / "End session";
    AUDIT_TITLE = "Log audit" / "Audit log";
    AUDIT_ACTOR = "Pelaku (nama pengguna)" / "Actor (username)";
    AUDIT_ACTION = "Tindakan" / "Action";
    AUDIT_FROM = "Dari tanggal" / "From day";
    AUDIT_TO = "Sampai tanggal" / "To day";
    AUDIT_WHEN = "Waktu (WITA)" / "Time (WITA)";
    AUDIT_TARGET = "Sasaran" / "Target";
    AUDIT_DETAIL = "Rincian" / "Detail";
    AUDIT_EMPTY = "Tidak ada catatan untuk filter ini." / "No entries match these filters.";
}

/// How a role reads.
pub fn role_label(role: kabar_shared::account::Role) -> Text {
    use kabar_shared::account::Role;
    match role {
        Role::VillageHead => Text {
            id: "Kepala desa/kelurahan",
            en: "Village head",
        },
        Role::KimVolunteer => Text {
            id: "Relawan KIM",
            en: "KIM volunteer",
        },
        Role::Reviewer => Text {
            id: "Peninjau",
            en: "Reviewer",
        },
        Role::Admin => Text {
            id: "Admin",
            en: "Admin",
        },
    }
}

/// Where an account works: a village, a kecamatan or the whole city.
pub fn area_label(scope: &kabar_shared::account::Scope, lang: Lang) -> String {
    use kabar_shared::account::Scope;
    use kabar_shared::village::Gazetteer;
    let gazetteer = Gazetteer::kotamobagu();
    match scope {
        Scope::Village(code) => gazetteer
            .village(code)
            .map(|village| village.name.clone())
            .unwrap_or_else(|| code.to_string()),
        Scope::District(code) => gazetteer
            .districts
            .iter()
            .find(|district| district.code == code.as_str())
            .map(|district| format!("Kec. {}", district.name))
            .unwrap_or_else(|| code.as_str().to_owned()),
        Scope::All => WHOLE_CITY.get(lang).to_owned(),
    }
}

/// How an account's state reads.
pub fn account_state_label(state: &str) -> Text {
    match state {
        "disabled" => ACCOUNT_DISABLED,
        "locked" => ACCOUNT_LOCKED,
        _ => ACCOUNT_ACTIVE,
    }
}
