//! `portal`: the OZG portal binary. `portal serve` (the default) runs the server; other
//! subcommands help operators. Start-up problems end in one clear line and exit code 1.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use portal::config::{Config, LogFormat, ProcessEnv};
use store::{NewStaff, Role, RoleKind};

/// Page rendering allocates many small strings; mimalloc made the form page about a third
/// faster than the system allocator (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "portal",
    version,
    about = "Self-hosted OZG online-services portal"
)]
struct Cli {
    /// TOML configuration file (also PORTAL_CONFIG). See docs/configuration.md.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Delete everything demo mode created (municipalities, forms, staff, their cases).
    RemoveDemoData,
    /// Remove expired sessions and drafts, and uploaded files that nothing refers to (the
    /// server does this hourly).
    Sweep {
        /// Spare files younger than this (an upload is written before it is recorded).
        #[arg(long, default_value_t = 60)]
        min_file_age_minutes: u32,
    },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Work with form definition files (no database or configuration needed).
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Convert an XDatenfelder 2.0 / 3.0.0 message into a form definition: JSON on standard
    /// output, warnings on standard error. See docs/fim-import.md.
    ImportFim {
        /// The XDatenfelder XML file.
        file: PathBuf,
    },
    /// Load and lint a form definition; prints `ok: <id> v<version>, N fields` or the problems.
    Check {
        /// The form definition file (`.json`, `.yaml` or `.yml`).
        file: PathBuf,
    },
    /// Print the JSON Schema of the form definition format (for editors).
    Schema,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Lift a login lock (after too many wrong passwords) at once.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Create a staff account; the password is read from the first line of standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The municipality (slug) for `clerk` and `tenant-admin`.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Clerk,
    TenantAdmin,
    FederationAdmin,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The form file tools run before the configuration is loaded: they need none.
    if let Some(Command::Forms { command }) = &cli.command {
        let result = match command {
            FormsCommand::ImportFim { file } => portal::forms_cli::import_fim(file),
            FormsCommand::Check { file } => portal::forms_cli::check(file),
            FormsCommand::Schema => {
                println!("{:#}", forms::definition_schema());
                Ok(())
            }
        };
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("portal: {}", one_line(&e));
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::load(cli.config.as_deref(), &ProcessEnv) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("portal: configuration error: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("portal: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, naming the problem; no backtrace.
            eprintln!("portal: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => portal::app::serve(config).await,
        Command::Migrate => {
            std::fs::create_dir_all(&config.data_dir)?;
            portal::app::open_store(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::RemoveDemoData => {
            let store = portal::app::open_store(&config).await?;
            let n = store.remove_demo_data().await?;
            println!("removed the demo data ({n} demo municipalities)");
            Ok(())
        }
        Command::Sweep {
            min_file_age_minutes,
        } => {
            let store = portal::app::open_store(&config).await?;
            let files = portal::uploads::FileStore::local(&config.data_dir.join("files"))?;
            let age = chrono::Duration::minutes(i64::from(min_file_age_minutes));
            let swept = portal::sweep::run(store.as_ref(), &files, age).await?;
            println!(
                "removed {} expired sessions, {} expired drafts, {} files without an attachment, \
                 {} idle provider accounts without a role",
                swept.sessions, swept.drafts, swept.files, swept.accounts
            );
            Ok(())
        }
        Command::Forms { .. } => bail!("handled before the configuration is loaded"),
        Command::Staff {
            command: StaffCommand::Unlock { username },
        } => {
            let store = portal::app::open_store(&config).await?;
            let staff = store
                .staff_by_username(&username)
                .await?
                .with_context(|| format!("no staff account {username}"))?;
            store.unlock_staff(staff.id).await?;
            println!("unlocked staff account {username}");
            Ok(())
        }
        Command::Staff {
            command:
                StaffCommand::Create {
                    username,
                    role,
                    tenant,
                },
        } => {
            let store = portal::app::open_store(&config).await?;
            let kind = match role {
                RoleArg::Clerk => RoleKind::Clerk,
                RoleArg::TenantAdmin => RoleKind::TenantAdmin,
                RoleArg::FederationAdmin => RoleKind::FederationAdmin,
            };
            let tenant_id = match (kind, tenant) {
                (RoleKind::FederationAdmin, None) => None,
                (RoleKind::FederationAdmin, Some(_)) => {
                    bail!(
                        "a federation admin belongs to no single municipality: leave out --tenant"
                    )
                }
                (_, None) => bail!("--tenant is required for this role"),
                (_, Some(slug)) => Some(
                    store
                        .tenant_by_slug(&slug)
                        .await?
                        .with_context(|| format!("no municipality with slug {slug}"))?
                        .id,
                ),
            };
            if std::io::stdin().is_terminal() {
                eprintln!("password (at least 12 characters), then Enter:");
            }
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            if password.chars().count() < 12 {
                bail!("the password must have at least 12 characters");
            }
            let hash = tokio::task::spawn_blocking(move || portal::auth::password::hash(&password))
                .await??;
            let id = store
                .create_staff(&NewStaff {
                    username: username.clone(),
                    password_hash: hash,
                    roles: vec![Role {
                        kind,
                        tenant: tenant_id,
                    }],
                    demo: false,
                })
                .await?;
            println!("created staff account {username} (id {})", id.0);
            Ok(())
        }
    }
}

/// The error and its causes in one line, each cause once (many errors repeat their source in
/// their own message).
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out.replace('\n', " ")
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PORTAL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().with_current_span(true).init(),
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
    }
}
