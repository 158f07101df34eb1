use kabar_server::{Application, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kabar_server::telemetry::init();
    let settings = Settings::from_env_and_args(std::env::args().skip(1))?;
    let application = Application::build(settings).await?;
    application.run_until_stopped().await
}
