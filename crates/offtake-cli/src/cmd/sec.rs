//! `offtake sec import FILE.json` and `offtake sec fetch --cik N`: SEC XBRL company facts into the
//! portfolio database, and the annual capex found in them.
//!
//! `fetch` follows the SEC's fair-access rules for `data.sec.gov` ("EDGAR Application Programming
//! Interfaces" and "Accessing EDGAR Data"): every request declares who is asking in its
//! User-Agent (a name and a contact email), and a client sends at most 10 requests per second.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use offtake_data::{
    CompanyFacts, Document, MAX_DOCUMENT_BYTES, RateLimiter, SEC_MIN_INTERVAL, check_document_size,
    parse_document,
};
use offtake_report::capex::imported_text;
use offtake_store::PortfolioStore;

use crate::cmd::db::{Access, DbArgs, WithDb, with_store};
use crate::error::{CliError, CliResult};
use crate::output::{print_out, refuse_inputs};

pub type Args = WithDb<Command>;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import a companyfacts or companyconcept JSON file (which one is detected) and print the
    /// annual capex it gives.
    Import(ImportArgs),
    /// Download companyfacts from data.sec.gov and import it like `sec import`.
    Fetch(FetchArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The JSON file, as data.sec.gov serves it.
    pub file: PathBuf,
}

#[derive(clap::Args)]
pub struct FetchArgs {
    /// Company CIK: 789019, 0000789019 or CIK0000789019 (repeatable).
    #[arg(long, required = true, value_parser = parse_cik_arg)]
    pub cik: Vec<u64>,
    /// Who is asking, as the SEC requires: a name and a contact email, e.g.
    /// "Jane Doe jane@example.com".
    #[arg(long, env = "OFFTAKE_SEC_USER_AGENT", value_name = "NAME EMAIL")]
    pub user_agent: Option<String>,
    /// Also keep each downloaded document as DIR/CIK##########.json.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
}

fn parse_cik_arg(text: &str) -> Result<u64, String> {
    offtake_data::parse_cik(text).map_err(|e| e.to_string())
}

pub fn run(args: &Args) -> CliResult {
    match &args.command {
        Command::Import(a) => import(&args.db, a),
        Command::Fetch(a) => fetch(&args.db, a),
    }
}

// ---- import ----

fn import(db: &DbArgs, args: &ImportArgs) -> CliResult {
    let path = args.file.display().to_string();
    // Refused before reading: parsing needs a few times the document's size in memory.
    let bytes = std::fs::metadata(&args.file)
        .map_err(|e| CliError::failure(format!("{path}: {e}")))?
        .len();
    check_document_size(bytes).map_err(|e| CliError::invalid(format!("{path}: {e}")))?;
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        // Not UTF-8 text: bad input, not an IO failure.
        if e.kind() == std::io::ErrorKind::InvalidData {
            CliError::invalid(format!("{path}: not valid JSON: {e}; nothing was imported"))
        } else {
            CliError::failure(format!("{path}: {e}"))
        }
    })?;
    let (kind, facts) = parse_document(&text)
        .map_err(|e| CliError::invalid(format!("{path}: {e}; nothing was imported")))?;
    with_store(db, Access::Write, |store| {
        let out = import_facts(store, &path, kind, &facts)?;
        print_out(&out)
    })
}

/// Imports one company's facts and describes what was stored and the capex it now has.
fn import_facts(
    store: &mut dyn PortfolioStore,
    label: &str,
    kind: Document,
    facts: &CompanyFacts,
) -> CliResult<String> {
    let report = store
        .import_sec(facts)
        .map_err(|e| CliError::from(e).nothing_imported(label))?;
    let capex = store.annual_capex_of(facts.cik)?;
    let counts = (report.inserted, report.updated, report.unchanged);
    let screen = crate::present::screen(false, false);
    Ok(imported_text(label, kind, facts, counts, &capex, &screen))
}

// ---- fetch ----

/// Every request this process sends to the SEC goes through this one limiter.
static SEC_LIMITER: Mutex<RateLimiter> = Mutex::new(RateLimiter::new(SEC_MIN_INTERVAL));

/// Waits for the next SEC request slot.
fn wait_for_sec_slot() {
    let wait = match SEC_LIMITER.lock() {
        Ok(mut limiter) => limiter.reserve(Instant::now()),
        // A panic while holding the lock cannot leave the limiter inconsistent; keep using it.
        Err(poisoned) => poisoned.into_inner().reserve(Instant::now()),
    };
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
}

/// The User-Agent to send ([`offtake_data::check_user_agent`]), or why there is none and how
/// to give one.
pub fn user_agent(given: Option<&str>) -> CliResult<String> {
    offtake_data::check_user_agent(given).map_err(|e| {
        CliError::invalid(format!(
            "{e}: pass --user-agent \"Your Name you@example.com\" or set \
             OFFTAKE_SEC_USER_AGENT; nothing was fetched"
        ))
    })
}

fn download(url: &str, user_agent: &str) -> CliResult<String> {
    wait_for_sec_slot();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let response = agent
        .get(url)
        .header("User-Agent", user_agent)
        .header("Accept", "application/json")
        .call();
    let fail = |why: String| CliError::failure(format!("GET {url}: {why}; nothing was imported"));
    let mut response = response.map_err(|e| match e {
        ureq::Error::StatusCode(status) => {
            fail(offtake_data::sec_status_reason(status).unwrap_or_else(|| e.to_string()))
        }
        other => fail(other.to_string()),
    })?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_DOCUMENT_BYTES)
        .read_to_string()
        .map_err(|e| fail(e.to_string()))
}

fn fetch(db: &DbArgs, args: &FetchArgs) -> CliResult {
    let ua = user_agent(args.user_agent.as_deref())?;
    let saved = offtake_data::companyfacts_file_name;
    if let Some(dir) = &args.save {
        let outputs: Vec<_> = args
            .cik
            .iter()
            .map(|c| ("--save", dir.join(saved(*c))))
            .collect();
        refuse_inputs(&outputs, db.sqlite_file().as_slice())?;
    }
    // Download and parse everything first: a failure writes nothing.
    let mut documents = Vec::new();
    for &cik in &args.cik {
        let url = offtake_data::companyfacts_url(cik);
        eprintln!("GET {url}");
        let text = download(&url, &ua)?;
        let facts = offtake_data::parse_companyfacts(&text)
            .map_err(|e| CliError::failure(format!("{url}: {e}; nothing was imported")))?;
        documents.push((url, cik, text, facts));
    }
    if let Some(dir) = &args.save {
        let files: Vec<(String, &str)> = documents
            .iter()
            .map(|(_, cik, text, _)| (saved(*cik), text.as_str()))
            .collect();
        crate::output::write_dir(dir, &files, false)?;
    }
    with_store(db, Access::Write, |store| {
        let mut out = String::new();
        for (url, _, _, facts) in &documents {
            out.push_str(&import_facts(store, url, Document::CompanyFacts, facts)?);
        }
        print_out(&out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_really_sleeps() {
        let mut limiter = RateLimiter::new(Duration::from_millis(30));
        let start = Instant::now();
        for _ in 0..5 {
            let wait = limiter.reserve(Instant::now());
            std::thread::sleep(wait);
        }
        // Five requests: the first at once, then four intervals.
        assert!(start.elapsed() >= Duration::from_millis(120));
    }

    #[test]
    fn the_sec_limiter_is_shared_and_spaced() {
        let start = Instant::now();
        let threads: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(wait_for_sec_slot))
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        wait_for_sec_slot();
        // Four slots from one process-wide limiter: at least three intervals apart in total.
        assert!(start.elapsed() >= SEC_MIN_INTERVAL * 3);
    }

    #[test]
    fn a_missing_user_agent_says_how_to_give_one() {
        let message = |given| {
            user_agent(given)
                .unwrap_err()
                .message()
                .unwrap()
                .to_string()
        };
        assert!(message(None).starts_with("data.sec.gov requires"));
        assert!(message(Some("offtake")).ends_with("OFFTAKE_SEC_USER_AGENT; nothing was fetched"));
        assert_eq!(user_agent(Some(" J j@x.org ")).unwrap(), "J j@x.org");
    }

    #[test]
    fn fetch_asks_for_the_padded_companyfacts_url() {
        let cik = parse_cik_arg("CIK0000789019").unwrap();
        assert_eq!(cik, parse_cik_arg("789019").unwrap());
        assert_eq!(
            offtake_data::companyfacts_url(cik),
            "https://data.sec.gov/api/xbrl/companyfacts/CIK0000789019.json"
        );
        assert!(parse_cik_arg("78x").is_err());
    }
}
