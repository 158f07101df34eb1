use kabar_server::{Application, Command, backup, config, store::Store};

// A push of 100 reports allocates and frees thousands of small buffers (the
// JSON, the bound values, the rows); with glibc's allocator a fifth of the
// server's time went to malloc, free and their bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kabar_server::telemetry::init();
    let (settings, command) = config::parse_command_line(std::env::args().skip(1))?;
    if command == Command::Serve {
        // The release profile aborts on panic (it is for the wasm app); a
        // server built with it would die of one bad request.
        if cfg!(panic = "abort") {
            tracing::warn!(
                "this server was built with panic = \"abort\": one failing request stops it; \
                 build it with `cargo build --profile server`"
            );
        }
        let application = Application::build(settings).await?;
        return application.run_until_stopped().await;
    }
    // Backup and restore work on the database itself: a restore must not
    // open (and so create and migrate) the database it restores into.
    match &command {
        Command::Backup { to } => {
            println!("{}", backup::backup(&settings.database, to).await?);
            return Ok(());
        }
        Command::Restore { from } => {
            println!("{}", backup::restore(&settings.database, from).await?);
            return Ok(());
        }
        _ => {}
    }
    let store = Store::open(&settings.database).await?;
    let stdin = std::io::stdin();
    kabar_server::cli::run(&store, &command, &mut stdin.lock(), &mut std::io::stdout()).await
}
