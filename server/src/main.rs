//! `tasklens`: the Tasklens server and command-line tool.

use server::cli::Command;
use server::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = server::cli::parse();
    server::telemetry::init(&cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(cli.config).await?;
            tracing::info!(url = %format!("http://{}", app.local_addr()), "Tasklens is listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => server::startup::migrate_only(&cli.config).await?,
        Command::Import(args) => server::commands::import::run(args, &cli.config).await?,
        Command::Demo(args) => server::commands::demo::run(args, &cli.config).await?,
        Command::Eval(args) => server::commands::eval::run(args)?,
    }
    Ok(())
}
