//! The bundled example term sheet end to end: determinism, underwrite = Simulator, sanity.

use offtake_engine::{Scenario, Simulator, underwrite};

fn example() -> offtake_model::Contract {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/amazon-anthropic-2026.toml"
    ))
    .unwrap();
    offtake_model::parse(&text).unwrap()
}

#[test]
fn prints_example() {
    let c = example();
    let o = underwrite(&c, &Scenario::base(&c));
    println!("{}", serde_json::to_string_pretty(&o.metrics).unwrap());
    println!("{:?}", o.verdicts);
    println!("{:#?}", o.options);
    println!("{:#?}", o.fits);
    println!("{:#?}", o.equity);
    println!("{:#?}", o.legibility);
    println!("{:#?}", o.deliverability);
    for r in &o.annual {
        println!(
            "{} cap {:.0} util {:.3} pay {:.3e} S {:.3e} X {:.3e} capex {:.3e} tax {:.3e} fcf {:.3e} ds {:.3e} dscr {:?}",
            r.year,
            r.capacity_mw,
            r.utilization,
            r.payments,
            r.shortfall,
            r.true_up,
            r.capex,
            r.tax,
            r.fcf,
            r.debt_service,
            r.dscr
        );
    }
    let _ = Simulator::new(&c);
}
