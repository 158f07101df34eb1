fn main() {
    kabar_desa::start();
}
