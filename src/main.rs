//! The `pipedrive` binary: parse, run, turn the error into the contract's exit code.

use clap::Parser;

fn main() {
    let cli = pipedrive_cli::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pipedrive: error: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(pipedrive_cli::run(cli));
    // Background tasks (prefetching pages, keyring threads) must not hold the exit.
    runtime.shutdown_background();
    if let Err(err) = result {
        let code = err.exit_code();
        if code != 0 {
            eprintln!("pipedrive: error: {err}");
        }
        std::process::exit(code);
    }
}
