//! Public data: deal-list CSV and SEC XBRL companyfacts/companyconcept.
