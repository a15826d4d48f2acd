//! The `pipedrive` binary: parse, run, turn the error into its exit code (README.md, "Exit codes").

use clap::Parser;

fn main() {
    let cli = match pipedrive_cli::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            if usage {
                let args: Vec<String> = std::env::args().skip(1).collect();
                if let Some(hint) = pipedrive_cli::cli::usage_hint(e.kind(), &args) {
                    eprintln!("\n{hint}");
                }
            }
            std::process::exit(e.exit_code());
        }
    };
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
