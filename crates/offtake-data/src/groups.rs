//! Linking deal-list rows that are claims about the same deal (rule in the crate doc).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::deals::DealRow;

/// Why two rows were linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// `from` is `to` plus a claim suffix (`-ALT`, `-CLAIM`, `-STATUS`, `-EST`, `-VAL…`).
    ClaimSuffix,
    /// The note of `from` names `to`.
    NoteReference,
}

/// One link found between two rows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupLink {
    pub from: String,
    pub to: String,
    pub reason: LinkReason,
}

/// Rows that are claims about one deal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DealGroup {
    /// The lead row's deal id.
    pub group_id: String,
    /// Member ids, lead first, then by announced date and id.
    pub deal_ids: Vec<String>,
    /// The links that joined them (empty when the grouping was loaded from a store).
    pub links: Vec<GroupLink>,
}

/// A partition of deal rows into groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DealGroups {
    pub groups: Vec<DealGroup>,
    #[serde(skip)]
    group_of: BTreeMap<String, String>,
}

impl DealGroups {
    /// The group id of a deal id.
    pub fn group_of(&self, deal_id: &str) -> Option<&str> {
        self.group_of.get(deal_id).map(String::as_str)
    }

    /// Rebuilds groups from stored `(deal_id, group_id)` pairs. Ids within a group follow the
    /// order given, except that the row whose id is the group id comes first.
    pub fn from_assignments(assignments: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut group_of = BTreeMap::new();
        for (deal_id, group_id) in assignments {
            members
                .entry(group_id.clone())
                .or_default()
                .push(deal_id.clone());
            group_of.insert(deal_id, group_id);
        }
        let groups = members
            .into_iter()
            .map(|(group_id, mut deal_ids)| {
                if let Some(pos) = deal_ids.iter().position(|id| *id == group_id) {
                    let lead = deal_ids.remove(pos);
                    deal_ids.insert(0, lead);
                }
                DealGroup {
                    group_id,
                    deal_ids,
                    links: Vec::new(),
                }
            })
            .collect();
        Self { groups, group_of }
    }
}

const CLAIM_MARKERS: [&str; 4] = ["ALT", "CLAIM", "STATUS", "EST"];

fn is_claim_token(token: &str) -> bool {
    CLAIM_MARKERS.contains(&token) || token.starts_with("VAL")
}

/// The id without trailing claim tokens: `AMD-META-2026-02-VAL60` → `AMD-META-2026-02`.
pub fn base_id(deal_id: &str) -> &str {
    let mut base = deal_id;
    while let Some((head, last)) = base.rsplit_once('-') {
        if is_claim_token(last) {
            base = head;
        } else {
            break;
        }
    }
    base
}

/// A claim row carries a claim token anywhere in its id (`AVGO-CLAIM-2025-10` too).
pub fn is_claim_row(deal_id: &str) -> bool {
    deal_id.split('-').any(is_claim_token)
}

/// Whether `text` names `id` as a whole token: not inside a longer id.
pub(crate) fn mentions(text: &str, id: &str) -> bool {
    let continues_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut from = 0;
    while let Some(pos) = text[from..].find(id) {
        let start = from + pos;
        let end = start + id.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !continues_id(c) && c != '.');
        // A '.' right after the id ends a sentence unless a digit or letter follows it.
        let mut after = text[end..].chars();
        let after_ok = match after.next() {
            None => true,
            Some('.') => after.next().is_none_or(|c| !c.is_ascii_alphanumeric()),
            Some(c) => !continues_id(c),
        };
        if before_ok && after_ok {
            return true;
        }
        from = start + id.len().max(1);
    }
    false
}

/// Rows named in `note`, found by splitting it into id-shaped tokens (linear in the note's
/// length, so large lists stay cheap). Same whole-token rule as [`mentions`].
fn referenced_rows(note: &str, position: &BTreeMap<&str, usize>) -> Vec<usize> {
    let id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    note.split(|c: char| !id_char(c))
        .filter_map(|token| {
            let token = token.trim_start_matches('.').trim_end_matches('.');
            position.get(token).copied()
        })
        .collect()
}

/// Groups rows that are claims about the same deal (see the crate doc for the rule).
pub fn group_deals(rows: &[DealRow]) -> DealGroups {
    let n = rows.len();
    let position: BTreeMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.deal_id.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut links = BTreeSet::new();
    let mut union = |a: usize, b: usize, reason: LinkReason, parent: &mut Vec<usize>| {
        links.insert(GroupLink {
            from: rows[a].deal_id.clone(),
            to: rows[b].deal_id.clone(),
            reason,
        });
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    };
    // Each row's own links: its claim suffix and the rows its note names.
    let own_links: Vec<(Option<usize>, Vec<usize>)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let base = base_id(&row.deal_id);
            let suffix = (base != row.deal_id)
                .then(|| position.get(base).copied())
                .flatten();
            let mut named = referenced_rows(&row.note, &position);
            named.retain(|j| *j != i);
            (suffix, named)
        })
        .collect();
    // A claim row is a claim about the deal it names itself (by suffix or in its note); another
    // deal's note naming it ("see X for the contradicted claim") is a cross-reference, not the
    // same deal, unless the claim row names no row of its own. Otherwise a claim would bridge
    // two deals (OpenAI's Broadcom deal and Anthropic's Broadcom order via AVGO-CLAIM-2025-10).
    let names_own_deal = |j: usize| {
        let (suffix, named) = &own_links[j];
        suffix.is_some() || !named.is_empty()
    };
    for (i, (suffix, named)) in own_links.iter().enumerate() {
        if let Some(j) = suffix {
            union(i, *j, LinkReason::ClaimSuffix, &mut parent);
        }
        let from_claim = is_claim_row(&rows[i].deal_id);
        for &j in named {
            if from_claim || !is_claim_row(&rows[j].deal_id) || !names_own_deal(j) {
                union(i, j, LinkReason::NoteReference, &mut parent);
            }
        }
    }

    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        members.entry(root).or_default().push(i);
    }
    // Each link goes to its group in one pass (per group, a scan of every link and a search of
    // the group's ids for each was quadratic in a large group).
    let mut links_of: BTreeMap<usize, Vec<GroupLink>> = BTreeMap::new();
    for link in links {
        if let Some(&i) = position.get(link.from.as_str()) {
            links_of.entry(find(&mut parent, i)).or_default().push(link);
        }
    }
    let mut group_of = BTreeMap::new();
    let mut groups: Vec<DealGroup> = members
        .into_iter()
        .map(|(root, mut idx)| {
            idx.sort_by(|&a, &b| {
                let key = |i: usize| {
                    (
                        is_claim_row(&rows[i].deal_id),
                        rows[i].announced_date,
                        rows[i].deal_id.as_str(),
                    )
                };
                key(a).cmp(&key(b))
            });
            let group_id = rows[idx[0]].deal_id.clone();
            let deal_ids: Vec<String> = idx.iter().map(|&i| rows[i].deal_id.clone()).collect();
            for id in &deal_ids {
                group_of.insert(id.clone(), group_id.clone());
            }
            let group_links = links_of.remove(&root).unwrap_or_default();
            DealGroup {
                group_id,
                deal_ids,
                links: group_links,
            }
        })
        .collect();
    groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    DealGroups { groups, group_of }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_ids_strip_trailing_claim_tokens() {
        assert_eq!(base_id("AMD-META-2026-02-VAL60"), "AMD-META-2026-02");
        assert_eq!(base_id("MSFT-NSCALE-2025-10-VAL"), "MSFT-NSCALE-2025-10");
        assert_eq!(base_id("OAI-AWS-2026-02-ALT"), "OAI-AWS-2026-02");
        assert_eq!(base_id("AVGO-CLAIM-2025-10"), "AVGO-CLAIM-2025-10");
        assert_eq!(base_id("NVDA-OAI-2026-02-EQ"), "NVDA-OAI-2026-02-EQ");
        assert!(is_claim_row("AVGO-CLAIM-2025-10"));
        assert!(!is_claim_row("NVDA-OAI-2026-02-EQ"));
    }

    #[test]
    fn note_tokens_find_ids() {
        let position: BTreeMap<&str, usize> = [
            ("OAI-AWS-2026-02", 0),
            ("OAI-AWS-2026-02-ALT", 1),
            ("OAI-ORCL-2025-07-4.5GW", 2),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            referenced_rows("see OAI-AWS-2026-02-ALT.", &position),
            vec![1]
        );
        assert_eq!(
            referenced_rows("(OAI-ORCL-2025-07-4.5GW), OAI-AWS-2026-02;", &position),
            vec![2, 0]
        );
        assert!(referenced_rows("XOAI-AWS-2026-02 OAI-AWS-2026-02.5", &position).is_empty());
    }

    #[test]
    fn mentions_need_whole_ids() {
        assert!(mentions(
            "see OAI-AWS-2026-02 and its row",
            "OAI-AWS-2026-02"
        ));
        assert!(!mentions("see OAI-AWS-2026-02-ALT.", "OAI-AWS-2026-02"));
        assert!(mentions("see OAI-AWS-2026-02-ALT.", "OAI-AWS-2026-02-ALT"));
        assert!(mentions(
            "(OAI-ORCL-2025-07-4.5GW)",
            "OAI-ORCL-2025-07-4.5GW"
        ));
        assert!(!mentions("XOAI-AWS-2026-02", "OAI-AWS-2026-02"));
        assert!(!mentions("OAI-AWS-2026-02.5", "OAI-AWS-2026-02"));
    }
}
