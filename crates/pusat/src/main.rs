fn main() {
    kabar_pusat::start();
}
