//! Real processes on one SQLite file: concurrent writers lose nothing; a writer SIGKILLed in the
//! middle of a large import leaves the database as it was.
//!
//! Children are this test binary re-run with `--exact child_process` and a role in an environment
//! variable; in a normal run `child_process` does nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use offtake_data::{CompanyFacts, Fact, parse_companyfacts};
use offtake_store::{Error, PortfolioStore, SqliteStore};

const ROLE: &str = "OFFTAKE_STORE_TEST_ROLE";
const DB: &str = "OFFTAKE_STORE_TEST_DB";
const GO: &str = "OFFTAKE_STORE_TEST_GO";
const ADDS_PER_WRITER: usize = 40;
const BIG_CIK: u64 = 4242;

/// Entry point of the child processes (no-op unless the role variable is set).
#[test]
fn child_process() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let db = PathBuf::from(std::env::var(DB).unwrap());
    match role.as_str() {
        "writer-a" | "writer-b" => writer(&db, &role[7..]),
        "big-import" => big_import(&db),
        other => panic!("unknown role {other}"),
    }
}

fn spawn(role: &str, db: &Path, go: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(DB, db)
        .env(GO, go)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Adds term sheets one transaction each, and imports the deal list and MSFT facts every few
/// adds. Prints the deal ids it added and how many writes came back busy.
fn writer(db: &Path, prefix: &str) {
    let go = PathBuf::from(std::env::var(GO).unwrap());
    let mut store = SqliteStore::open(db).unwrap();
    let msft = parse_companyfacts(common::MSFT).unwrap();
    let validated = serde_json::json!({"writer": prefix});
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(2));
    }
    let (mut added, mut busy) = (Vec::new(), 0usize);
    for i in 0..ADDS_PER_WRITER {
        let deal_id = format!("{prefix}-{i}");
        let sheet = common::new_sheet(common::TERM_SHEET, &deal_id, &validated, None);
        match store.add(&sheet) {
            Ok(_) => added.push(deal_id),
            Err(Error::Busy { .. }) => busy += 1,
            Err(e) => panic!("writer {prefix}: {e}"),
        }
        if i % 8 == 0 {
            for outcome in [
                store.import_deals_csv(common::DEALS_CSV).map(|_| ()),
                store.import_sec(&msft).map(|_| ()),
            ] {
                match outcome {
                    Ok(()) => {}
                    Err(Error::Busy { .. }) => busy += 1,
                    Err(e) => panic!("writer {prefix}: {e}"),
                }
            }
        }
    }
    println!("CHILD:added {}", added.join(","));
    println!("CHILD:busy {busy}");
}

/// Synthetic company facts: many filler facts plus real-looking annual capex.
fn big_company(n_facts: usize) -> CompanyFacts {
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let mut facts = Vec::with_capacity(n_facts);
    for i in 0..n_facts {
        let year = 2000 + (i % 25) as i32;
        facts.push(Fact {
            taxonomy: "us-gaap".into(),
            tag: if i % 50 == 0 {
                "PaymentsToAcquirePropertyPlantAndEquipment".into()
            } else {
                format!("FillerTag{}", i % 40)
            },
            unit: "USD".into(),
            start: Some(day(year, 1, 1)),
            end: day(year, 12, 31),
            val: 1.0e6 + i as f64,
            accn: format!("0000004242-{:02}-{:06}", i % 100, i),
            fy: Some(year),
            fp: Some("FY".into()),
            form: "10-K".into(),
            filed: day(year + 1, 2, 1),
            frame: None,
        });
    }
    CompanyFacts {
        cik: BIG_CIK,
        entity_name: "BIG TEST CO".into(),
        facts,
    }
}

fn big_import(db: &Path) {
    let mut store = SqliteStore::open(db).unwrap();
    let facts = big_company(300_000);
    println!("CHILD:started");
    store.import_sec(&facts).unwrap();
    println!("CHILD:done");
}

/// The harness prints `test child_process ... ` before the child's first line, so find the tag.
fn child_message(line: &str) -> Option<&str> {
    line.find("CHILD:").map(|at| &line[at + "CHILD:".len()..])
}

fn child_lines(child: &mut Child) -> Vec<String> {
    let out = child.stdout.take().unwrap();
    BufReader::new(out)
        .lines()
        .map(Result::unwrap)
        .filter_map(|l| child_message(&l).map(str::to_string))
        .collect()
}

#[test]
fn concurrent_writer_processes_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let go = dir.path().join("go");
    // Both children open (and race to migrate) a database that does not exist yet.
    let mut a = spawn("writer-a", &db, &go);
    let mut b = spawn("writer-b", &db, &go);
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&go, b"go").unwrap();

    let mut added = Vec::new();
    let mut busy = 0;
    for child in [&mut a, &mut b] {
        let lines = child_lines(child);
        let output = child.wait_with_output_stderr();
        assert!(output.0.success(), "child failed: {}", output.1);
        for line in lines {
            if let Some(ids) = line.strip_prefix("added ") {
                added.extend(ids.split(',').filter(|s| !s.is_empty()).map(str::to_string));
            } else if let Some(n) = line.strip_prefix("busy ") {
                busy += n.parse::<usize>().unwrap();
            }
        }
    }
    // Both succeed, or a write failed with a clear busy error; every success is in the file.
    let mut store = SqliteStore::open(&db).unwrap();
    let mut stored: Vec<String> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|t| t.deal_id)
        .collect();
    stored.sort();
    added.sort();
    assert_eq!(stored, added);
    assert!(added.len() <= 2 * ADDS_PER_WRITER);
    eprintln!(
        "concurrent writers: {} adds stored, {busy} busy",
        added.len()
    );
    assert_eq!(store.public_deals().unwrap().len(), 79);
    assert_eq!(store.sec_facts(789_019).unwrap().len(), {
        parse_companyfacts(common::MSFT).unwrap().facts.len()
    });
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// Waits for the child and collects its stderr (for failure messages).
trait WaitStderr {
    fn wait_with_output_stderr(&mut self) -> (std::process::ExitStatus, String);
}

impl WaitStderr for Child {
    fn wait_with_output_stderr(&mut self) -> (std::process::ExitStatus, String) {
        let mut err = String::new();
        if let Some(mut stderr) = self.stderr.take() {
            std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
        }
        (self.wait().unwrap(), err)
    }
}

#[test]
fn sigkill_in_the_middle_of_a_large_import_leaves_the_database_as_before() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    let wal = dir.path().join("killed.db-wal");
    {
        let mut store = SqliteStore::open(&db).unwrap();
        store.import_deals_csv(common::DEALS_CSV).unwrap();
        store
            .import_sec(&parse_companyfacts(common::MSFT).unwrap())
            .unwrap();
        store
            .add(&common::new_sheet(
                common::TERM_SHEET,
                "amazon-anthropic-2026",
                &serde_json::json!({}),
                None,
            ))
            .unwrap();
    }
    let before = common::snapshot(&mut SqliteStore::open(&db).unwrap());
    let wal_before = std::fs::metadata(&wal).map_or(0, |m| m.len());

    let mut child = spawn("big-import", &db, dir.path());
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines.next().expect("child ended before starting").unwrap();
        if child_message(&line) == Some("started") {
            break;
        }
    }
    // Kill once the uncommitted transaction has spilled well into the WAL: mid-write.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut wal_at_kill = 0;
    while Instant::now() < deadline {
        wal_at_kill = std::fs::metadata(&wal).map_or(0, |m| m.len());
        if wal_at_kill > wal_before + 4 * 1024 * 1024 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed; make it larger"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "child already exited");
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        !rest.iter().any(|l| child_message(l) == Some("done")),
        "import committed"
    );
    eprintln!(
        "killed with WAL at {:.1} MB (was {:.1} MB)",
        wal_at_kill as f64 / 1e6,
        wal_before as f64 / 1e6
    );

    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert!(store.sec_facts(BIG_CIK).unwrap().is_empty());
    assert_eq!(common::snapshot(&mut store), before);
    // Still writable, and the killed import can be redone from scratch.
    let small = big_company(500);
    let report = store.import_sec(&small).unwrap();
    assert_eq!(report.inserted, 500);
}
