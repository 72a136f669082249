//! Public data: deal-list CSV and SEC XBRL companyfacts/companyconcept.
//!
//! Architecture invariant: this crate does no IO (no files, no network, no clock). It turns text
//! into typed values and typed values into summaries; callers read files and fetch URLs.
//!
//! # The public deal list ([`deals`])
//!
//! [`parse_deals_csv`] reads the format of `shared/data/deals/public_deals.csv` (19 named columns,
//! any order, extra columns ignored) into typed [`DealRow`]s.
//!
//! **Row numbers.** Errors say `row N, column C: …`, where `N` counts the header as row 1, so the
//! first data row is row 2: the number a spreadsheet shows beside the row. (A quoted field holding
//! a line break does not shift the count: rows are CSV records, not text lines.)
//!
//! # Linking claims about the same deal ([`groups`])
//!
//! The list has one row per *claim*, so several rows may describe one deal. [`group_deals`] puts
//! rows into groups by union-find over two kinds of link:
//!
//! 1. **Claim suffix.** Trailing `-ALT`, `-CLAIM`, `-STATUS`, `-EST` and `-VAL…` (`-VAL`, `-VAL60`,
//!    `-VAL100`) tokens are stripped; a row whose stripped id is another row's id joins it
//!    (`AMD-META-2026-02-VAL60` → `AMD-META-2026-02`).
//! 2. **Note reference.** A row whose `note` names another row's `deal_id` (as a whole token) joins
//!    that row (`AVGO-CLAIM-2025-10` ↔ `ANTH-AVGO-2025-12-TPU`; `OAI-ORCL-2025-09-300B` →
//!    `ORCL-2025-06-30B`), with one exception: a *claim row* (an id with a claim token anywhere,
//!    `AVGO-CLAIM-2025-10` too) is a claim about the deal it names itself, by suffix or in its own
//!    note. Another deal's note naming such a claim row is a cross-reference ("see X for the
//!    contradicted claim") and links nothing, so a claim never bridges two deals:
//!    `AVGO-OAI-2025-10` (OpenAI's 10 GW) names `AVGO-CLAIM-2025-10`, which names Anthropic's
//!    `ANTH-AVGO-2025-12-TPU`; the claim joins Anthropic's order, OpenAI's deal stays apart. A claim
//!    row that names no row of its own joins the rows whose notes name it.
//!
//! The group id is the id of the group's *lead*: the earliest row (by `announced_date`, then id)
//! that is not a claim row; if all are claim rows, the earliest claim row.
//!
//! # Counting values without double counting ([`summary`])
//!
//! A group's value is a **range** `[low, high]` = `[min, max]` of its counted claims, never a sum.
//! Totals add groups' lows and groups' highs. Consequences, chosen on purpose:
//! - conflicting readings become ranges (AMD–Meta `$60B..$100B`, Akamai `$1.8B..$11.6B`);
//! - expansions that the note links to the original contract are *not* added: the CoreWeave–OpenAI
//!   add-ons (`$11.9B + $4B + $6.5B`) count as `$4B..$11.9B`, and AWS–OpenAI as `$38B..$100B`.
//!   This is conservative (it can understate, never double count); `conflicts()` lists such groups.
//!
//! Value qualifiers:
//! - `exact`, `approx`, `exact_total`, `up_to`, `at_least`, `more_than`: counted at the face value
//!   (ceilings and floors are headline figures; the qualifier stays visible in `conflicts`).
//! - `more_than_per_year`: an annual rate. Counted as `value × term_years` when the row states a
//!   term, otherwise excluded (`ORCL-2025-06-30B` has no term and is excluded; its group still
//!   holds the `$300B` reading).
//! - `cap`: a liability cap, not spend. Excluded.
//! - `undisclosed`, `tens_of_billions`, `multibillion`, `superseded`: no value.
//! - Rows named in the note of a `superseded` status row, and rows whose own note says "treat as
//!   superseded", are excluded (value and GW): the NVIDIA–OpenAI LOI and the Broadcom `$10B` claim.
//!
//! Streams: rows of type `equity-investment`, and rows whose headline value *is* their equity
//! (`committed_value_usd == equity_amount_usd`), are equity, kept out of compute commitments and
//! totalled apart. GW figures count every non-excluded, non-`equity-investment` row with a
//! `capacity_gw`.
//!
//! Attribution: a group's value (or GW) is attributed to the buyer, provider and year of its
//! earliest counted claim that carries a value (or GW). Names are normalised by dropping
//! parenthesised asides (`"Anthropic (identified by Bloomberg)"` → `"Anthropic"`).
//! Evidence: the low end of a group carries the evidence grade of the claim that gave the low, the
//! high end that of the claim that gave the high; ties prefer the better grade.
//!
//! # SEC XBRL ([`sec`])
//!
//! [`parse_companyfacts`] and [`parse_companyconcept`] read the real `data.sec.gov` shapes into
//! flat [`Fact`]s. [`annual_capex`] picks, per fiscal year, the latest-filed value of
//! `PaymentsToAcquirePropertyPlantAndEquipment`, falling back to
//! `PaymentsToAcquireProductiveAssets` for years the first tag lacks, and keeps each period's
//! revision history. See the module doc for the fiscal-year rule.
//! [`RateLimiter`] spaces requests to `data.sec.gov` by the SEC's fair-access rule (at most 10 a
//! second) as a pure schedule: the caller passes the time and does the waiting.

pub mod companies;
pub mod deals;
pub mod groups;
pub mod sec;
pub mod summary;

pub use companies::{PROVIDER_COMPANIES, ProviderCompany, normalise_party, provider_company};
pub use deals::{
    AnnouncedDate, COLUMNS, CapacityQualifier, DealRow, DealType, Evidence, ValueQualifier,
    parse_deals_csv,
};
pub use groups::{DealGroup, DealGroups, GroupLink, LinkReason, group_deals};
pub use sec::{
    AnnualCapex, CAPEX_TAGS, CompanyFacts, Document, Fact, MAX_DOCUMENT_BYTES, PeriodValue,
    RateLimiter, Revision, SEC_MIN_INTERVAL, annual_capex, check_document_size, check_user_agent,
    companyconcept_url, companyfacts_file_name, companyfacts_url, fiscal_year_of, parse_cik,
    parse_companyconcept, parse_companyfacts, parse_document, period_values, sec_status_reason,
};
pub use summary::{
    CapexCoverage, ClaimSummary, Concentration, ConflictGroup, EvidenceSplit, ExcludedClaim,
    Exclusion, Figure, LatestCapex, PublicDealSummary, conflicts, summarize,
};

/// Everything that can go wrong reading public data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field failed to parse or contradicts another field of the same row.
    #[error("row {row}, column {column}: {message}")]
    Csv {
        /// Row number, header = row 1.
        row: usize,
        column: String,
        message: String,
    },
    /// A row has a different number of fields from the header.
    #[error("row {row}: expected {expected} fields like the header, found {found}")]
    RowLength {
        row: usize,
        expected: usize,
        found: usize,
    },
    /// The CSV text itself is malformed (not a field problem).
    #[error("row {row}: malformed CSV: {message}")]
    CsvSyntax { row: usize, message: String },
    /// The header lacks a required column.
    #[error("missing column `{column}` in the CSV header (row 1); required columns: {required}")]
    MissingColumn {
        column: &'static str,
        required: String,
    },
    /// The header names a column twice.
    #[error("column `{column}` appears twice in the CSV header (row 1)")]
    DuplicateColumn { column: String },
    /// SEC JSON that is not valid JSON or not of the expected shape.
    #[error("{document} JSON: {source}")]
    Json {
        /// `companyfacts` or `companyconcept`.
        document: &'static str,
        source: serde_json::Error,
    },
    /// A file given as an SEC document that is not JSON at all.
    #[error("not valid JSON: {source}")]
    NotJson { source: serde_json::Error },
    /// JSON that is neither SEC document [`parse_document`] knows.
    #[error(
        "neither an SEC companyfacts document (no `facts` member) nor a companyconcept document (no `tag` and `units` members)"
    )]
    UnknownDocument,
    /// A document larger than [`sec::MAX_DOCUMENT_BYTES`].
    #[error(
        "the document is {bytes} bytes, over the {max}-byte limit for one SEC document (the largest companyfacts documents are tens of megabytes); nothing was parsed"
    )]
    TooLarge { bytes: u64, max: u64 },
    /// A date field in SEC JSON that is not `YYYY-MM-DD`.
    #[error(
        "{document} JSON: fact {tag} ({accn}): field `{field}` is not a YYYY-MM-DD date: {value:?}"
    )]
    FactDate {
        document: &'static str,
        tag: String,
        accn: String,
        field: &'static str,
        value: String,
    },
    /// A fact field out of its range or contradicting another field (start after end, a year
    /// outside [`sec::FACT_YEARS`], negative capex).
    #[error("{document} JSON: fact {tag} ({accn}): field `{field}`: {problem}")]
    FactField {
        document: &'static str,
        tag: String,
        accn: String,
        field: &'static str,
        problem: String,
    },
    /// A company-facts document holds neither capex tag.
    #[error(
        "no capex tag for CIK {cik} ({entity}): neither us-gaap:PaymentsToAcquirePropertyPlantAndEquipment nor us-gaap:PaymentsToAcquireProductiveAssets has USD facts"
    )]
    NoCapexTag { cik: u64, entity: String },
    /// A CIK that is not 1 to 10 digits (optionally prefixed `CIK`).
    #[error("invalid CIK {input:?}: expected 1 to 10 digits, optionally prefixed with `CIK`")]
    InvalidCik { input: String },
    /// No User-Agent for data.sec.gov, which requires one naming who is asking.
    #[error(
        "data.sec.gov requires every request to declare who is asking in its User-Agent \
         (a name and a contact email)"
    )]
    NoUserAgent,
    /// A User-Agent without a contact email (or with control characters).
    #[error(
        "the User-Agent {user_agent:?} has no contact email; the SEC asks for a name and an email"
    )]
    UserAgentWithoutEmail { user_agent: String },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
