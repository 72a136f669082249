//! Provider names in the deal list → SEC filers (ticker, CIK), and party-name normalisation.

use serde::Serialize;

/// A listed company whose SEC capex can be compared with the commitments it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProviderCompany {
    pub ticker: &'static str,
    /// SEC Central Index Key (CIKs from `shared/data/sec/README.md` and the EDGAR URLs there).
    pub cik: u64,
    pub name: &'static str,
    /// Provider names (after [`normalise_party`]) that mean this company, compared case-insensitively.
    pub aliases: &'static [&'static str],
}

/// The small, documented mapping from deal-list provider names to SEC filers.
///
/// Joint providers such as `"Google; Broadcom"` are deliberately not mapped: their value cannot be
/// split between the two companies.
pub const PROVIDER_COMPANIES: &[ProviderCompany] = &[
    ProviderCompany {
        ticker: "MSFT",
        cik: 789_019,
        name: "Microsoft",
        aliases: &["Microsoft", "Microsoft Azure", "Azure"],
    },
    ProviderCompany {
        ticker: "GOOGL",
        cik: 1_652_044,
        name: "Alphabet",
        aliases: &["Google", "Google Cloud", "Alphabet", "GCP"],
    },
    ProviderCompany {
        ticker: "AMZN",
        cik: 1_018_724,
        name: "Amazon",
        aliases: &["Amazon", "Amazon Web Services", "AWS"],
    },
    ProviderCompany {
        ticker: "META",
        cik: 1_326_801,
        name: "Meta",
        aliases: &["Meta", "Meta Platforms"],
    },
    ProviderCompany {
        ticker: "ORCL",
        cik: 1_341_439,
        name: "Oracle",
        aliases: &["Oracle", "Oracle Cloud Infrastructure", "OCI"],
    },
    ProviderCompany {
        ticker: "NVDA",
        cik: 1_045_810,
        name: "NVIDIA",
        aliases: &["NVIDIA", "Nvidia"],
    },
];

/// Finds the SEC filer behind a provider name, if it is one of [`PROVIDER_COMPANIES`].
pub fn provider_company(provider: &str) -> Option<&'static ProviderCompany> {
    let name = normalise_party(provider);
    PROVIDER_COMPANIES.iter().find(|company| {
        company
            .aliases
            .iter()
            .any(|alias| alias.eq_ignore_ascii_case(&name))
    })
}

/// Drops parenthesised asides and squeezes spaces, so that `"Anthropic (identified by Bloomberg)"`
/// and `"Anthropic"` aggregate together. `"undisclosed (reported: OpenAI)"` stays `"undisclosed"`:
/// a reported identity is not the disclosed counterparty.
pub fn normalise_party(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let squeezed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    // "SB Energy (SoftBank); NVIDIA" → "SB Energy ; NVIDIA" → tidy the separator.
    squeezed.replace(" ;", ";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asides_are_dropped() {
        assert_eq!(
            normalise_party("Anthropic (identified by Bloomberg)"),
            "Anthropic"
        );
        assert_eq!(
            normalise_party("undisclosed (reported: OpenAI)"),
            "undisclosed"
        );
        assert_eq!(
            normalise_party("SB Energy (SoftBank); NVIDIA"),
            "SB Energy; NVIDIA"
        );
        assert_eq!(normalise_party("  Google  Cloud "), "Google Cloud");
    }

    #[test]
    fn providers_map_to_filers() {
        assert_eq!(
            provider_company("Microsoft Azure").map(|c| c.cik),
            Some(789_019)
        );
        assert_eq!(
            provider_company("google cloud").map(|c| c.cik),
            Some(1_652_044)
        );
        assert_eq!(provider_company("AWS").map(|c| c.ticker), Some("AMZN"));
        assert_eq!(provider_company("Oracle").map(|c| c.cik), Some(1_341_439));
        assert_eq!(provider_company("Google; Broadcom"), None);
        assert_eq!(provider_company("CoreWeave"), None);
    }
}
