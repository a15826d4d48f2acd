//! `pipedrive-mock`: runs the mock Pipedrive until killed, printing its url on one line.
//!
//! Flags: `--port P` `--deals N` `--seed NAME=N` (any [`pipedrive_mock::Seed`] count, such as
//! `--seed leads=5000`) `--latency-ms MS` `--client-id X` `--client-secret Y` `--api-token T`
//! `--no-rotate` `--burst-limit N` (requests per 2 s, enforced with 429s; the default only
//! announces 80) `--below-growth STATUS` (402 or 403: deal installments are not on the plan)
//! `--burst-window first-request|clock|sliding` (how the window counts)
//! `--burst-reset up|down|fraction` (how `x-ratelimit-reset` is rounded).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use pipedrive_mock::{Config, MockPipedrive, ResetRounding, Seed, Window};

const USAGE: &str =
    "usage: pipedrive-mock [--port P] [--deals N] [--seed NAME=N]... [--latency-ms MS] \
[--client-id X] [--client-secret Y] [--api-token T] [--no-rotate] [--burst-limit N] \
[--below-growth 402|403] [--burst-window first-request|clock|sliding] \
[--burst-reset up|down|fraction]";

fn parse() -> Result<(u16, Config), String> {
    let mut config = Config::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let num = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name} needs a number, got {v:?}"))
        };
        match a.as_str() {
            "--port" => port = num("--port", value("--port")?)? as u16,
            "--deals" => config.seed.deals = num("--deals", value("--deals")?)?,
            "--seed" => {
                let v = value("--seed")?;
                let (name, n) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--seed needs NAME=N, got {v:?}"))?;
                if !config.seed.set(name, num("--seed", n.to_string())?) {
                    return Err(format!(
                        "--seed: unknown count {name:?}; one of {}",
                        Seed::NAMES.join(", ")
                    ));
                }
            }
            "--latency-ms" => {
                config.latency = Duration::from_millis(num("--latency-ms", value("--latency-ms")?)?)
            }
            "--client-id" => config.client_id = value("--client-id")?,
            "--client-secret" => config.client_secret = value("--client-secret")?,
            "--api-token" => config.api_token = Some(value("--api-token")?),
            "--no-rotate" => config.rotate_refresh_tokens = false,
            "--burst-limit" => {
                config.faults.burst_limit = Some(num("--burst-limit", value("--burst-limit")?)?)
            }
            "--below-growth" => {
                config.below_growth = Some(num("--below-growth", value("--below-growth")?)? as u16)
            }
            "--burst-window" => {
                let v = value("--burst-window")?;
                config.faults.burst_window = Window::parse(&v).ok_or_else(|| {
                    format!(
                        "--burst-window: unknown model {v:?}; one of {}",
                        Window::NAMES.join(", ")
                    )
                })?
            }
            "--burst-reset" => {
                let v = value("--burst-reset")?;
                config.faults.burst_reset = ResetRounding::parse(&v).ok_or_else(|| {
                    format!(
                        "--burst-reset: unknown rounding {v:?}; one of {}",
                        ResetRounding::NAMES.join(", ")
                    )
                })?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((port, config))
}

fn main() -> ExitCode {
    let (port, config) = match parse() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("pipedrive-mock: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mock = match MockPipedrive::start_on(SocketAddr::from(([127, 0, 0, 1], port)), config) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("pipedrive-mock: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", mock.url());
    let _ = out.flush();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    });
    drop(mock);
    ExitCode::SUCCESS
}
