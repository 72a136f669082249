//! Totals over the deal list without double counting: ranges per group, evidence shares,
//! concentration, and commitments against capex (counting rules in the crate doc).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::companies::{PROVIDER_COMPANIES, normalise_party, provider_company};
use crate::deals::{AnnouncedDate, CapacityQualifier, DealRow, DealType, Evidence, ValueQualifier};
use crate::groups::{DealGroups, mentions};
use crate::sec::AnnualCapex;

/// Why a number on a row is left out of totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Exclusion {
    /// `value_qualifier = cap`: a liability cap, not spend.
    LiabilityCap,
    /// `more_than_per_year` without `term_years`: an annual rate that cannot be totalled.
    AnnualRateWithoutTerm,
    /// Named by a `superseded` status row (`by` is its id).
    Superseded { by: String },
    /// The row's own note says "treat as superseded".
    SupersededByOwnNote,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LiabilityCap => f.write_str("liability cap, not spend"),
            Self::AnnualRateWithoutTerm => f.write_str("annual rate with no stated term"),
            Self::Superseded { by } => write!(f, "superseded (per {by})"),
            Self::SupersededByOwnNote => f.write_str("superseded (its note says so)"),
        }
    }
}

/// Amounts split by the evidence grade of the claim they rest on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EvidenceSplit {
    pub disclosed: f64,
    pub reported: f64,
    pub estimated: f64,
    pub unverified: f64,
}

impl EvidenceSplit {
    fn add(&mut self, evidence: Evidence, amount: f64) {
        match evidence {
            Evidence::Disclosed => self.disclosed += amount,
            Evidence::Reported => self.reported += amount,
            Evidence::Estimated => self.estimated += amount,
            Evidence::Unverified => self.unverified += amount,
        }
    }

    fn total(&self) -> f64 {
        self.disclosed + self.reported + self.estimated + self.unverified
    }
}

/// A total over groups: the sum of group lows and of group highs, with evidence shares.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figure {
    pub low: f64,
    pub high: f64,
    /// Groups contributing.
    pub n_groups: usize,
    /// Contributing groups whose claims disagree (low < high).
    pub n_ranges: usize,
    pub low_by_evidence: EvidenceSplit,
    pub high_by_evidence: EvidenceSplit,
    /// Share of `low` resting on disclosed claims (0 when `low` is 0).
    pub disclosed_share_low: f64,
    /// Share of `high` resting on disclosed claims (0 when `high` is 0).
    pub disclosed_share_high: f64,
}

impl Figure {
    fn add(&mut self, range: &GroupRange<'_>) {
        self.low += range.low;
        self.high += range.high;
        self.n_groups += 1;
        if range.low < range.high {
            self.n_ranges += 1;
        }
        self.low_by_evidence.add(range.low_evidence, range.low);
        self.high_by_evidence.add(range.high_evidence, range.high);
        let share = |split: &EvidenceSplit| {
            let total = split.total();
            if total > 0.0 {
                split.disclosed / total
            } else {
                0.0
            }
        };
        self.disclosed_share_low = share(&self.low_by_evidence);
        self.disclosed_share_high = share(&self.high_by_evidence);
    }
}

/// Buyer concentration of one provider's committed value (on the high end of each group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    pub total_usd: f64,
    pub n_buyers: usize,
    /// Herfindahl–Hirschman index, Σ (100·sᵢ)² over buyers' shares sᵢ: 0..10,000
    /// (scale of the U.S. DOJ/FTC Merger Guidelines, 2023, §2.3).
    pub hhi: f64,
    pub top_buyer: String,
    pub top_share: f64,
}

/// A provider company's latest annual capex (from SEC facts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatestCapex {
    pub fiscal_year: i32,
    pub value_usd: f64,
    pub period_end: chrono::NaiveDate,
    pub tag: String,
    pub accn: String,
    pub filed: chrono::NaiveDate,
}

/// Commitments a provider company received, against its latest annual capex.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapexCoverage {
    pub ticker: String,
    pub cik: u64,
    pub company: String,
    /// Deal-list provider names counted for this company.
    pub providers: Vec<String>,
    pub committed_usd: Figure,
    pub latest_capex: Option<LatestCapex>,
    /// `committed_usd.low / latest capex`.
    pub low_to_capex: Option<f64>,
    /// `committed_usd.high / latest capex`.
    pub high_to_capex: Option<f64>,
}

/// A row with a number that totals leave out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedClaim {
    pub deal_id: String,
    pub group_id: String,
    pub committed_value_usd: Option<f64>,
    /// What is dropped: the value only, except for `Superseded`, which drops the GW too.
    pub exclusion: Exclusion,
}

/// The public-deal part of the portfolio summary. Money in USD, capacity in GW.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicDealSummary {
    pub n_rows: usize,
    pub n_groups: usize,
    pub n_groups_with_several_claims: usize,
    /// Compute commitments (every stream but equity).
    pub committed_usd: Figure,
    pub committed_by_provider_usd: BTreeMap<String, Figure>,
    pub committed_by_buyer_usd: BTreeMap<String, Figure>,
    pub committed_by_year_usd: BTreeMap<i32, Figure>,
    /// Equity money, kept out of the commitments.
    pub equity_usd: Figure,
    pub capacity_gw: Figure,
    pub capacity_by_year_gw: BTreeMap<i32, Figure>,
    pub concentration_by_provider: BTreeMap<String, Concentration>,
    pub commitments_vs_capex: Vec<CapexCoverage>,
    pub excluded: Vec<ExcludedClaim>,
}

/// A `[low, high]` range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Range {
    pub low: f64,
    pub high: f64,
}

/// One claim in a group, as `conflicts` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimSummary {
    pub deal_id: String,
    pub announced_date: AnnouncedDate,
    pub buyer: String,
    pub provider: String,
    pub deal_type: DealType,
    pub committed_value_usd: Option<f64>,
    pub value_qualifier: ValueQualifier,
    /// The value that counts toward totals (after the qualifier rules), if any.
    pub counted_value_usd: Option<f64>,
    pub capacity_gw: Option<f64>,
    pub capacity_qualifier: Option<CapacityQualifier>,
    pub evidence: Evidence,
    pub exclusion: Option<Exclusion>,
    pub source_title: String,
    pub source_url: String,
}

/// A group with several claims: what each claims and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictGroup {
    pub group_id: String,
    /// Range of the counted compute-commitment claims.
    pub committed_usd: Option<Range>,
    /// Range of the counted equity claims.
    pub equity_usd: Option<Range>,
    pub capacity_gw: Option<Range>,
    /// Whether counted claims of one stream give different numbers.
    pub claims_disagree: bool,
    pub claims: Vec<ClaimSummary>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Compute,
    Equity,
}

/// How one row counts.
struct RowEval<'a> {
    row: &'a DealRow,
    value: Option<f64>,
    gw: Option<f64>,
    stream: Stream,
    exclusion: Option<Exclusion>,
}

fn evaluate(rows: &[DealRow]) -> Vec<RowEval<'_>> {
    let mut superseded_by: BTreeMap<&str, Exclusion> = BTreeMap::new();
    for status in rows
        .iter()
        .filter(|r| r.value_qualifier == ValueQualifier::Superseded)
    {
        for other in rows {
            if other.deal_id != status.deal_id && mentions(&status.note, &other.deal_id) {
                superseded_by
                    .entry(other.deal_id.as_str())
                    .or_insert_with(|| Exclusion::Superseded {
                        by: status.deal_id.clone(),
                    });
            }
        }
    }
    for row in rows {
        if row
            .note
            .to_ascii_lowercase()
            .contains("treat as superseded")
        {
            superseded_by
                .entry(row.deal_id.as_str())
                .or_insert(Exclusion::SupersededByOwnNote);
        }
    }

    rows.iter()
        .map(|row| {
            let stream = if row.deal_type == DealType::EquityInvestment
                || (row.committed_value_usd.is_some()
                    && row.committed_value_usd == row.equity_amount_usd)
            {
                Stream::Equity
            } else {
                Stream::Compute
            };
            let has_number = row.committed_value_usd.is_some() || row.capacity_gw.is_some();
            if let Some(why) = superseded_by.get(row.deal_id.as_str()) {
                return RowEval {
                    row,
                    value: None,
                    gw: None,
                    stream,
                    exclusion: has_number.then(|| why.clone()),
                };
            }
            let (value, exclusion) = match (row.value_qualifier, row.committed_value_usd) {
                (_, None) => (None, None),
                (ValueQualifier::Cap, Some(_)) => (None, Some(Exclusion::LiabilityCap)),
                (ValueQualifier::MoreThanPerYear, Some(v)) => match row.term_years {
                    Some(term) => (Some(v * term), None),
                    None => (None, Some(Exclusion::AnnualRateWithoutTerm)),
                },
                (_, Some(v)) => (Some(v), None),
            };
            let gw = if row.deal_type == DealType::EquityInvestment {
                None
            } else {
                row.capacity_gw
            };
            RowEval {
                row,
                value,
                gw,
                stream,
                exclusion,
            }
        })
        .collect()
}

/// A group's range for one measure, with the rows it rests on.
struct GroupRange<'a> {
    low: f64,
    high: f64,
    low_evidence: Evidence,
    high_evidence: Evidence,
    /// Earliest claim carrying the measure: gives buyer, provider and year.
    attribution: &'a DealRow,
}

fn group_range<'a>(claims: impl Iterator<Item = (&'a DealRow, f64)>) -> Option<GroupRange<'a>> {
    let claims: Vec<(&DealRow, f64)> = claims.collect();
    // Ties on the amount prefer the better evidence grade (Disclosed sorts first).
    let low = claims
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.evidence.cmp(&b.0.evidence)))?;
    let high = claims
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.evidence.cmp(&a.0.evidence)))?;
    let attribution = claims
        .iter()
        .min_by(|a, b| (a.0.announced_date, &a.0.deal_id).cmp(&(b.0.announced_date, &b.0.deal_id)))?
        .0;
    Some(GroupRange {
        low: low.1,
        high: high.1,
        low_evidence: low.0.evidence,
        high_evidence: high.0.evidence,
        attribution,
    })
}

/// Members of each group, in the group order of `groups`; rows missing from `groups` form
/// groups of their own.
fn members<'a, 'r>(
    evals: &'a [RowEval<'r>],
    groups: &DealGroups,
) -> BTreeMap<String, Vec<&'a RowEval<'r>>> {
    let mut out: BTreeMap<String, Vec<&RowEval<'_>>> = BTreeMap::new();
    for eval in evals {
        let group_id = groups
            .group_of(&eval.row.deal_id)
            .unwrap_or(&eval.row.deal_id)
            .to_string();
        out.entry(group_id).or_default().push(eval);
    }
    out
}

fn value_range<'a>(claims: &[&RowEval<'a>], stream: Stream) -> Option<GroupRange<'a>> {
    group_range(
        claims
            .iter()
            .filter(|e| e.stream == stream)
            .filter_map(|e| e.value.map(|v| (e.row, v))),
    )
}

fn gw_range<'a>(claims: &[&RowEval<'a>]) -> Option<GroupRange<'a>> {
    group_range(claims.iter().filter_map(|e| e.gw.map(|g| (e.row, g))))
}

/// Summarises the deal list: rows, their grouping, and the capex known for provider companies.
pub fn summarize(
    rows: &[DealRow],
    groups: &DealGroups,
    capex: &[AnnualCapex],
) -> PublicDealSummary {
    let evals = evaluate(rows);
    let by_group = members(&evals, groups);

    let mut committed = Figure::default();
    let mut by_provider: BTreeMap<String, Figure> = BTreeMap::new();
    let mut by_buyer: BTreeMap<String, Figure> = BTreeMap::new();
    let mut by_year: BTreeMap<i32, Figure> = BTreeMap::new();
    let mut equity = Figure::default();
    let mut capacity = Figure::default();
    let mut capacity_by_year: BTreeMap<i32, Figure> = BTreeMap::new();
    // provider → buyer → high-end committed value.
    let mut buyer_values: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut company_figures: BTreeMap<&'static str, (Figure, Vec<String>)> = BTreeMap::new();
    let mut excluded = Vec::new();

    for (group_id, claims) in &by_group {
        for eval in claims {
            if let Some(exclusion) = &eval.exclusion {
                excluded.push(ExcludedClaim {
                    deal_id: eval.row.deal_id.clone(),
                    group_id: group_id.clone(),
                    committed_value_usd: eval.row.committed_value_usd,
                    exclusion: exclusion.clone(),
                });
            }
        }
        if let Some(range) = value_range(claims, Stream::Compute) {
            let row = range.attribution;
            let provider = normalise_party(&row.provider);
            let buyer = normalise_party(&row.buyer);
            committed.add(&range);
            by_provider.entry(provider.clone()).or_default().add(&range);
            by_buyer.entry(buyer.clone()).or_default().add(&range);
            by_year
                .entry(row.announced_date.year)
                .or_default()
                .add(&range);
            *buyer_values
                .entry(provider.clone())
                .or_default()
                .entry(buyer)
                .or_default() += range.high;
            if let Some(company) = provider_company(&row.provider) {
                let entry = company_figures.entry(company.ticker).or_default();
                entry.0.add(&range);
                if !entry.1.contains(&provider) {
                    entry.1.push(provider);
                }
            }
        }
        if let Some(range) = value_range(claims, Stream::Equity) {
            equity.add(&range);
        }
        if let Some(range) = gw_range(claims) {
            capacity.add(&range);
            capacity_by_year
                .entry(range.attribution.announced_date.year)
                .or_default()
                .add(&range);
        }
    }

    let concentration_by_provider = buyer_values
        .into_iter()
        .filter_map(|(provider, buyers)| {
            let total: f64 = buyers.values().sum();
            if total <= 0.0 {
                return None;
            }
            let hhi = buyers
                .values()
                .map(|v| (100.0 * v / total).powi(2))
                .sum::<f64>();
            let (top_buyer, top_value) = buyers
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))?;
            Some((
                provider,
                Concentration {
                    total_usd: total,
                    n_buyers: buyers.len(),
                    hhi,
                    top_buyer: top_buyer.clone(),
                    top_share: top_value / total,
                },
            ))
        })
        .collect();

    let commitments_vs_capex = PROVIDER_COMPANIES
        .iter()
        .filter_map(|company| {
            let latest = capex
                .iter()
                .filter(|c| c.cik == company.cik)
                .max_by_key(|c| (c.fiscal_year, c.period_end))
                .map(|c| LatestCapex {
                    fiscal_year: c.fiscal_year,
                    value_usd: c.value_usd,
                    period_end: c.period_end,
                    tag: c.tag.clone(),
                    accn: c.accn.clone(),
                    filed: c.filed,
                });
            let (figure, providers) = company_figures
                .get(company.ticker)
                .cloned()
                .unwrap_or_default();
            if figure.n_groups == 0 && latest.is_none() {
                return None;
            }
            let ratio = |amount: f64| {
                latest
                    .as_ref()
                    .filter(|c| c.value_usd > 0.0)
                    .map(|c| amount / c.value_usd)
            };
            Some(CapexCoverage {
                ticker: company.ticker.to_string(),
                cik: company.cik,
                company: company.name.to_string(),
                providers,
                low_to_capex: ratio(figure.low),
                high_to_capex: ratio(figure.high),
                committed_usd: figure,
                latest_capex: latest,
            })
        })
        .collect();

    PublicDealSummary {
        n_rows: rows.len(),
        n_groups: by_group.len(),
        n_groups_with_several_claims: by_group.values().filter(|c| c.len() > 1).count(),
        committed_usd: committed,
        committed_by_provider_usd: by_provider,
        committed_by_buyer_usd: by_buyer,
        committed_by_year_usd: by_year,
        equity_usd: equity,
        capacity_gw: capacity,
        capacity_by_year_gw: capacity_by_year,
        concentration_by_provider,
        commitments_vs_capex,
        excluded,
    }
}

/// Groups with several claims, each claim with its value, evidence and source.
pub fn conflicts(rows: &[DealRow], groups: &DealGroups) -> Vec<ConflictGroup> {
    let evals = evaluate(rows);
    members(&evals, groups)
        .into_iter()
        .filter(|(_, claims)| claims.len() > 1)
        .map(|(group_id, mut claims)| {
            claims.sort_by(|a, b| {
                (a.row.announced_date, &a.row.deal_id).cmp(&(b.row.announced_date, &b.row.deal_id))
            });
            let to_range = |r: Option<GroupRange<'_>>| {
                r.map(|r| Range {
                    low: r.low,
                    high: r.high,
                })
            };
            let committed_usd = to_range(value_range(&claims, Stream::Compute));
            let equity_usd = to_range(value_range(&claims, Stream::Equity));
            let capacity_gw = to_range(gw_range(&claims));
            let claims_disagree = [committed_usd, equity_usd, capacity_gw]
                .iter()
                .flatten()
                .any(|r| r.low < r.high);
            ConflictGroup {
                group_id,
                committed_usd,
                equity_usd,
                capacity_gw,
                claims_disagree,
                claims: claims
                    .iter()
                    .map(|e| ClaimSummary {
                        deal_id: e.row.deal_id.clone(),
                        announced_date: e.row.announced_date,
                        buyer: e.row.buyer.clone(),
                        provider: e.row.provider.clone(),
                        deal_type: e.row.deal_type,
                        committed_value_usd: e.row.committed_value_usd,
                        value_qualifier: e.row.value_qualifier,
                        counted_value_usd: e.value,
                        capacity_gw: e.row.capacity_gw,
                        capacity_qualifier: e.row.capacity_qualifier,
                        evidence: e.row.evidence,
                        exclusion: e.exclusion.clone(),
                        source_title: e.row.source_title.clone(),
                        source_url: e.row.source_url.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}
